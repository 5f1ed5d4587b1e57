"""``sampler="balanced"``: an epoch's rows drawn with replacement, each class equally likely
(the alternative to ``class_weight="balanced"`` for the epoch-based methods)."""

from __future__ import annotations

import numpy as np

SAMPLERS = ("balanced", "weighted")  # weighted: the transformer method's older name


def check_sampler(sampler: str | None, class_weight: str | None) -> str | None:
    """``None`` or ``"balanced"``; a UsageError for anything else, or beside class weights."""
    from ..errors import UsageError

    if sampler is None:
        return None
    if sampler not in SAMPLERS:
        raise UsageError(f"sampler {sampler!r}: balanced (or leave it out)")
    if class_weight:
        raise UsageError("class_weight='balanced' and sampler='balanced' both correct for "
                         "imbalance; choose one (`class_weight` or `sampler`)")
    return "balanced"


def balanced_indices(idx: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``len(idx)`` rows of ``idx`` drawn with replacement, with probability 1 / (rows of
    their class in ``idx``): in expectation every class fills the same share of the epoch."""
    idx = np.asarray(idx)
    if not len(idx):
        return idx
    freq = np.bincount(y[idx])
    w = 1.0 / freq[y[idx]]
    return rng.choice(idx, size=len(idx), replace=True, p=w / w.sum())
