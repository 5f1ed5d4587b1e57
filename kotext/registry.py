"""Versioned stage factories: ``"clean.v1"`` -> class, imported only when used."""

from __future__ import annotations

import difflib
import importlib
import inspect
import numbers
import os
from typing import Any

from .errors import ConfigError

# name -> "module:Class"; modules are imported lazily so `import kotext` stays fast.
_FACTORIES: dict[str, str] = {
    "clean.v1": "kotext.stages.clean:Clean",
    "kiwi.v1": "kotext.stages.tokenize:KiwiTokenizer",
    "classifier.v1": "kotext.stages.classify:Classifier",
    "textrank.v1": "kotext.stages.summarize:TextRankSummarizer",
    "keywords.v1": "kotext.stages.summarize:KeywordExtractor",
    "abstractive.v1": "kotext.stages.summarize:AbstractiveSummarizer",
    "docvec.v1": "kotext.stages.docvec:DocVectors",
}
_LOADED: dict[str, type] = {}

# Which factory to suggest when a stage needs a field that nothing assigns.
PROVIDERS: dict[str, str] = {
    "tokens": "kiwi.v1",
    "sentences": "kiwi.v1",
    "label": "classifier.v1",
    "scores": "classifier.v1",
    "summary": "textrank.v1",
    "summary_indices": "textrank.v1",
    "keywords": "keywords.v1",
    "vector": "docvec.v1",
}


def register(name: str):
    """Class decorator that registers a user stage under ``name`` (e.g. ``"mystage.v1"``)."""

    def deco(cls: type) -> type:
        cls.factory = name
        _LOADED[name] = cls
        _FACTORIES[name] = f"{cls.__module__}:{cls.__qualname__}"
        return cls

    return deco


def factory_modules() -> dict[str, str]:
    """name -> ``"module:Class"`` of every known factory (to rebuild stages elsewhere)."""
    return dict(_FACTORIES)


def add_factory(name: str, target: str) -> None:
    """Make ``name`` known as ``"module:Class"`` (imported when first used)."""
    _FACTORIES.setdefault(name, target)


def names() -> list[str]:
    return sorted(_FACTORIES)


def get(name: str) -> type:
    if name in _LOADED:
        return _LOADED[name]
    if name not in _FACTORIES:
        close = difflib.get_close_matches(name, names(), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"unknown stage factory '{name}'.{hint} Known factories: {', '.join(names())}. "
            f"A stage of your own is known once its module is imported: pass the file to "
            f"kotext run/validate with code=FILE.py (in Python, import it first)."
        )
    module, _, attr = _FACTORIES[name].partition(":")
    try:
        cls = importlib.import_module(module)
        for part in attr.split("."):
            cls = getattr(cls, part)
    except (ImportError, AttributeError) as e:
        raise ConfigError(
            f"stage factory '{name}' points to {_FACTORIES[name]}, which cannot be imported "
            f"({e}). Define registered stages at the top level of an importable module."
        ) from None
    _LOADED[name] = cls
    return cls


def _text_option(cls: type, key: str) -> bool:
    p = inspect.signature(cls.__init__).parameters.get(key)
    return p is not None and isinstance(p.default, str)


def _type_problem(cls: type, key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for an option whose default is a bool, int or str."""
    p = inspect.signature(cls.__init__).parameters.get(key)
    if p is None or value is None:
        return None
    default = p.default
    if default is None and isinstance(p.annotation, str):
        # an option off by default: its annotation says what it takes (ratio: float |
        # None), checked when the stage is built
        kinds = {k.strip().split("[")[0] for k in p.annotation.split("|")} - {"None"}
        if kinds == {"int"}:
            default = 0
        elif kinds == {"float"} or kinds == {"int", "float"}:
            default = 0.0
    if isinstance(default, bool):
        return None if isinstance(value, (bool, np_bool_types())) else "expected true or false"
    # numbers.Integral / Real: numpy's too (values computed from a data frame)
    if isinstance(default, int) and (not isinstance(value, numbers.Integral)
                                     or isinstance(value, bool)):
        return "expected a whole number"
    if isinstance(default, float) and (not isinstance(value, numbers.Real)
                                       or isinstance(value, bool)):
        return "expected a number"
    if isinstance(default, str) and not isinstance(value, str) and not (
            key in cls.path_params and isinstance(value, os.PathLike)):
        return "expected a string"
    return None


def np_bool_types() -> tuple[type, ...]:
    """numpy's bool, when numpy is already imported (never imported for this)."""
    import sys

    np = sys.modules.get("numpy")
    return (np.bool_,) if np is not None else ()


def check_options(stage: Any) -> None:
    """The same type checks for a stage built in Python (``Clean(html="yes")``) as for one
    built from a pipeline file: a wrong type is refused, not half obeyed ("no" is true).
    A numpy number or bool is kept as the Python one (configs are written as JSON/TOML)."""
    cls = type(stage)
    for key in cls.param_names():
        value = getattr(stage, key, None)
        problem = _type_problem(cls, key, value)
        if problem:
            raise ConfigError(f"stage '{stage.name}' ({stage.factory or cls.__name__}): "
                              f"option {key}={value!r}: {problem}")
        if type(value).__module__ == "numpy" and hasattr(value, "item"):
            setattr(stage, key, value.item())


def create(factory: str, name: str | None = None, **params: Any):
    """Build a stage from its factory name and options, naming any unknown option."""
    cls = get(factory)
    allowed = cls.param_names()
    unknown = [k for k in params if k not in allowed]
    if unknown:
        where = f"stage '{name}' ({factory})" if name else f"stage {factory}"
        raise ConfigError(
            f"{where}: unknown option{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}. Options are: {', '.join(allowed)}."
        )
    where = f"stage '{name}' ({factory})" if name else f"stage {factory}"
    for key, value in list(params.items()):
        if _text_option(cls, key) and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            # --set stages.clean.emoji_token=1 parses as a number; the option is text
            params[key] = value = str(value)
        problem = _type_problem(cls, key, value)
        if problem:
            raise ConfigError(f"{where}: option {key}={value!r}: {problem}")
    try:
        stage = cls(**params)
    except (TypeError, ValueError) as e:
        where = f"stage '{name}' ({factory})" if name else f"stage {factory}"
        raise ConfigError(f"{where}: {e}") from None
    stage.name = name or factory.split(".")[0]
    return stage
