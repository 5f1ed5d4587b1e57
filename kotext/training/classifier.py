"""``kotext train classifier``: labeled rows in, model folder out, by the trainer that
:data:`kotext.classifiers.METHODS` names for the method."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .data import LabeledData

ProgressFactory = Callable[[str, int | None], Any]


def _no_progress(desc: str, total: int | None = None):
    class _Null:
        def update(self, n: int = 1) -> None: ...
        def __enter__(self): return self
        def __exit__(self, *a): return False
    return _Null()


def train_classifier(data: LabeledData, output: str | Path, *, method: str = "linear",
                     eval_data: LabeledData | None = None, val_fraction: float = 0.1,
                     seed: int = 0, class_weight: str | None = None,
                     params: dict[str, Any] | None = None, clean: dict[str, Any] | None = None,
                     tokenize: dict[str, Any] | None = None, refit: bool = False,
                     name: str | None = None, description: str = "",
                     data_description: str = "", licence: str | None = None,
                     command: str | None = None,
                     progress: ProgressFactory = _no_progress,
                     log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Train a ``method`` model (a key of :data:`kotext.classifiers.METHODS`) on ``data``
    and write its folder; returns its config. ``params``: the method's parameters (a dict
    of its ``Params`` fields, or a ``Params``), validated by that dataclass."""
    from ..classifiers import get_method

    return get_method(method).train(data, output, method=method, eval_data=eval_data,
                   val_fraction=val_fraction, seed=seed, class_weight=class_weight,
                   params=params, clean=clean, tokenize=tokenize, refit=refit, name=name,
                   description=description, data_description=data_description,
                   licence=licence, command=command, progress=progress, log=log)
