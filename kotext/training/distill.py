"""Knowledge distillation: a teacher (any kotext classifier folder, an ensemble included)
gives soft labels on the training rows and on unlabeled text, and a student of any method
trains on them.

The student's target for a gold row is ``gold_weight * one-hot(gold) + (1 - gold_weight) *
teacher``, for an unlabeled row the teacher's alone, the teacher's probabilities softened by
the temperature (``p ** (1 / T)``, renormalized: softmax(logits / T)). Unlabeled rows are
``train_only``: the validation split stays the gold rows' own. A teacher trained on the
validation rows has seen them: for an honest validation score, train it on the same file
with the same ``val_fraction`` and ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from .data import LabeledData


def soften(p: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T), row by row."""
    z = np.log(np.clip(p, 1e-7, 1.0)) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def distillation_data(data: LabeledData, teacher: str | Path, unlabeled: list[str] | None = None,
                      *, temperature: float = 1.0, gold_weight: float = 0.5,
                      log: Callable[[str], None] = lambda s: None) -> LabeledData:
    """``data`` with soft targets from ``teacher``, and the ``unlabeled`` texts appended as
    training-only rows (label: the teacher's best)."""
    from .predict import predict_proba

    if not temperature > 0:
        raise UsageError(f"temperature {temperature}: must be above 0 (1 keeps the teacher's "
                         f"probabilities; 2-4 soften them)")
    if not 0 <= gold_weight <= 1:
        raise UsageError(f"gold_weight {gold_weight}: in [0, 1] (1: gold labels only, 0: the "
                         f"teacher's only)")
    if data.train_only or data.soft is not None:
        raise UsageError("the data already has added or soft-labeled rows; distill from "
                         "gold-labeled data")
    labels = sorted(set(data.labels))
    unlabeled = list(unlabeled or [])
    p = predict_proba(teacher, data.texts + unlabeled, labels)
    bad = np.isnan(p).any(axis=1)
    n = len(data.texts)
    gold = np.eye(len(labels), dtype=np.float32)[[labels.index(x) for x in data.labels]]
    soft_gold = np.where(bad[:n, None], gold, soften(np.nan_to_num(p[:n], nan=0.5), temperature))
    keep = np.nonzero(~bad[n:])[0]
    soft_u = soften(p[n:][keep], temperature) if len(keep) else np.zeros((0, len(labels)))
    agree = float(np.mean(np.nan_to_num(p[:n], nan=0).argmax(axis=1) == gold.argmax(axis=1)))
    log(f"teacher {teacher}: agrees with the gold labels on {agree:.4f} of the training rows; "
        f"soft labels on {len(keep)} unlabeled texts (temperature {temperature}, gold weight "
        f"{gold_weight})")
    soft = np.concatenate([gold_weight * gold + (1 - gold_weight) * soft_gold, soft_u])
    u_labels = [labels[i] for i in soft_u.argmax(axis=1)] if len(keep) else []
    return LabeledData(data.texts + [unlabeled[i] for i in keep], data.labels + u_labels,
                       data.dropped, data.text_column, data.empty, train_only=len(keep),
                       soft=soft.astype(np.float32),
                       aux=None if data.aux is None else data.aux + [None] * len(keep))


def distill(data: LabeledData, output: str | Path, *, teacher: str | Path,
            unlabeled: list[str] | None = None, temperature: float = 1.0,
            gold_weight: float = 0.5, method: str = "linear",
            log: Callable[[str], None] = lambda s: None,
            prepared: LabeledData | None = None, **train_kw: Any) -> dict[str, Any]:
    """Train a ``method`` student on ``teacher``'s soft labels and write it to ``output``;
    the card and ``training.distillation`` record the teacher and the settings.
    ``prepared``: the :func:`distillation_data` of these arguments, already computed."""
    from .classifier import train_classifier

    if method == "ensemble":
        raise UsageError("the student of a distillation is trained: linear, gru, lstm or "
                         "transformer (the teacher may be an ensemble)")
    student = prepared or distillation_data(data, teacher, unlabeled,
                                            temperature=temperature,
                                            gold_weight=gold_weight, log=log)
    cfg = train_classifier(student, output, method=method, log=log, **train_kw)
    info = {"teacher": str(teacher), "temperature": temperature, "gold_weight": gold_weight,
            "unlabeled_rows": student.train_only}
    from .card import add_to_model

    add_to_model(output, "Distillation",
                 f"Student of the teacher `{teacher}`: trained on its soft labels "
                 f"(temperature {temperature}) mixed with the gold labels (gold weight "
                 f"{gold_weight}) on the training rows, and on its soft labels alone on "
                 f"{student.train_only} unlabeled texts.", "distillation", info)
    cfg.setdefault("training", {})["distillation"] = info
    return cfg
