"""kotext: Korean text analysis as composable pipeline stages.

>>> import kotext
>>> nlp = kotext.load("tokenize")            # a shipped pipeline, or a path to a .toml
>>> doc = nlp("배우 연기는 좋았는데 스토리가 지루했다")
>>> doc.tokens[0].form, doc.tokens[0].tag
('배우', 'NNG')
"""

from __future__ import annotations

from .doc import Doc, Sentence, Token
from .errors import ConfigError, InputError, KotextError, ModelError, UsageError
from .loading import load
from .pipeline import Pipeline

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Doc",
    "InputError",
    "KotextError",
    "ModelError",
    "Pipeline",
    "Sentence",
    "Token",
    "UsageError",
    "__version__",
    "load",
]


def __getattr__(name: str):
    # kotext.ray, kotext.spark: the engines, imported on first use (so that `import kotext`
    # loads neither Ray nor Spark)
    if name in ("ray", "spark"):
        import importlib

        return importlib.import_module(f"kotext.engines.{name}")
    raise AttributeError(f"module 'kotext' has no attribute {name!r}")
