"""A model's recorded preprocessing <-> stages: the one place that turns the ``preprocess``
list of a model or vectors ``config.json`` into stages, records a pipeline's stages for a
model it trains, and builds the pipelines that end in a model's stage.

A recorded entry is a stage's ``to_config()`` (factory + options) without its runtime
options, so that the same cleaning and tokenization run at prediction time as at training
time. Stage names follow the shipped pipeline files: ``clean``, ``tokenize``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import registry
from .pipeline import Pipeline
from .stages.base import Stage

# options that do not change what a stage produces, left out of a recorded entry
RUNTIME_OPTIONS = frozenset({"num_workers"})


def stage_name(factory: str) -> str:
    """The name a recorded stage gets: ``clean.v1`` -> clean, ``kiwi.v1`` -> tokenize."""
    base = factory.split(".")[0]
    return "tokenize" if base == "kiwi" else base


def stages_from_config(preprocess: Iterable[dict[str, Any]]) -> list[Stage]:
    """The stages of a recorded ``preprocess`` list, in order."""
    stages = []
    for cfg in preprocess:
        cfg = dict(cfg)
        factory = cfg.pop("factory")
        stages.append(registry.create(factory, name=stage_name(factory), **cfg))
    return stages


def pipeline_from_config(preprocess: Iterable[dict[str, Any]], **options: Any) -> Pipeline:
    """The clean + tokenize pipeline recorded in a vectors or model config."""
    return Pipeline(stages_from_config(preprocess), **options)


def training_pipeline(clean: dict[str, Any] | None = None,
                      tokenize: dict[str, Any] | None = None) -> Pipeline:
    """The clean + tokenize pipeline a model is trained behind (no sentence split)."""
    return Pipeline([registry.create("clean.v1", name="clean", **(clean or {})),
                     registry.create("kiwi.v1", name="tokenize", sentences=False,
                                     **(tokenize or {}))])


def recorded(pre: Pipeline | Sequence[Stage]) -> list[dict[str, Any]]:
    """What a model records of the pipeline it was trained behind."""
    stages = pre.stages if isinstance(pre, Pipeline) else pre
    return [{k: v for k, v in st.to_config().items() if k not in RUNTIME_OPTIONS}
            for st in stages]
