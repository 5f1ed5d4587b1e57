"""A trained model's probabilities over texts, for the training techniques (cross-validation,
pseudo-labels, distillation): any kotext classifier folder, an ensemble included."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import UsageError


def predict_proba(model: str | Path, texts: Sequence[str], labels: Sequence[str] | None = None,
                  batch_size: int = 2000) -> np.ndarray:
    """Rows x ``labels`` probabilities (default: the model's labels, in its order), through
    the pipeline the model was trained behind; a text it fails on gets a row of NaN. A
    model with more labels than ``labels`` is renormalized over those."""
    from ..loading import classify_pipeline

    nlp = classify_pipeline(str(model))
    have = nlp.stages[-1].labels
    labels = list(have if labels is None else labels)
    missing = [x for x in labels if x not in have]
    if missing:
        raise UsageError(f"model {model} has labels {', '.join(have)}; it cannot score "
                         f"{', '.join(map(repr, missing))}: use a model trained on these labels")
    out = np.full((len(texts), len(labels)), np.nan, dtype=np.float32)
    for i, doc in enumerate(nlp.pipe(list(texts), batch_size=batch_size, on_error="record")):
        if doc.error is None and doc.scores:
            out[i] = [doc.scores[x] for x in labels]
    s = out.sum(axis=1, keepdims=True)
    return out / np.where(s > 0, s, 1.0)
