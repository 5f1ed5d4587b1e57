"""Cluster engines: the same pipeline on Ray Data (``kotext.engines.ray``) and Spark
(``kotext.engines.spark``).

Both run ``kotext.batch.apply_table`` on each batch of rows, which keeps their output
columns, values and error column those of ``kotext run``. A worker never receives a
pickled pipeline (kiwipiepy's Kiwi cannot be pickled): it gets a ``WorkerSpec``, plain
data, and builds the pipeline from its config once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import registry
from ..pipeline import Pipeline


def load_pipeline(pipeline: str | Path | dict | Pipeline,
                  overrides: list[str] | None = None) -> Pipeline:
    """A Pipeline from a pipeline file, a shipped name, a model folder, a config dict (as
    ``Pipeline.to_config`` gives) or a Pipeline as it is."""
    from ..config import apply_overrides
    from ..loading import load

    if isinstance(pipeline, Pipeline):
        if overrides:
            raise ValueError("overrides: apply them when the pipeline is built "
                             "(kotext.load(path, overrides)), or pass its path instead")
        return pipeline
    if isinstance(pipeline, dict):
        return Pipeline.from_config(apply_overrides(pipeline, overrides) if overrides
                                    else pipeline)
    if isinstance(pipeline, (str, Path)):
        return load(pipeline, overrides)
    raise TypeError(f"pipeline: give a pipeline file's path, a shipped pipeline's name, a "
                    f"config dict or a kotext.Pipeline, not {type(pipeline).__name__}")


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to build the pipeline and run its batches: plain, picklable
    data. ``config`` has each stage's thread count (``num_workers``, Kiwi's) set to
    ``threads``: one process per core, each with its own Kiwi, scales where Kiwi's threads
    inside one process would compete with the other workers for the same cores."""

    config: dict[str, Any]
    text_column: str
    sentences: bool = False
    token_format: str = "text"
    batch_size: int | None = None
    # factories registered at run time (registry.register): workers import them by module
    factories: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pipeline: str | Path | dict | Pipeline, *, text_column: str,
           overrides: list[str] | None = None, threads: int | None = 1,
           sentences: bool = False, token_format: str = "text",
           batch_size: int | None = None) -> tuple[WorkerSpec, Pipeline]:
        """The spec, and the pipeline built here (checked before any worker starts, and
        the source of the output schema)."""
        if not isinstance(text_column, str) or not text_column:
            raise ValueError(f"text_column={text_column!r}: pass the name of the column "
                             f"that holds the text, e.g. text_column=\"document\"")
        if token_format not in ("text", "json"):
            raise ValueError(f"token_format={token_format!r}: give 'text' or 'json'")
        nlp = load_pipeline(pipeline, overrides)
        if sentences and "sentences" not in nlp.assigns:
            raise ValueError("sentences=True: this pipeline makes no sentences (it needs a "
                             "kiwi.v1 stage with sentences = true)")
        cfg = nlp.to_config()
        for st in nlp.stages:  # to_config leaves out None, Kiwi's default (all cores)
            if "num_workers" in st.param_names():
                cfg["stages"][st.name]["num_workers"] = threads
        spec = cls(config=cfg, text_column=text_column, sentences=sentences,
                   token_format=token_format, batch_size=batch_size,
                   factories=registry.factory_modules())
        return spec, nlp

    def build(self) -> Pipeline:
        for name, target in self.factories.items():
            registry.add_factory(name, target)
        return Pipeline.from_config(self.config)


_BUILT: dict[str, Pipeline] = {}


def worker_pipeline(spec: WorkerSpec) -> Pipeline:
    """The pipeline of ``spec``, built once per process (a Spark worker runs many tasks,
    each of which would otherwise load Kiwi and the model again)."""
    import json

    key = json.dumps([spec.config, spec.factories], sort_keys=True, default=str)
    nlp = _BUILT.get(key)
    if nlp is None:
        nlp = _BUILT[key] = spec.build()
    return nlp


def apply_batch(spec: WorkerSpec, table: Any) -> Any:
    """One batch (a pandas DataFrame or a pyarrow Table) through the spec's pipeline."""
    from ..batch import apply_table

    return apply_table(worker_pipeline(spec), table, text_column=spec.text_column,
                       sentences=spec.sentences, token_format=spec.token_format,
                       batch_size=spec.batch_size)
