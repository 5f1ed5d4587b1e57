"""Multi-task training: an auxiliary head beside the main one (``aux_column``), trained on a
second target of the same rows (e.g. a review's 1-10 rating beside its sentiment), its loss
added with a weight. The saved model keeps only the main head: it serves as before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError, UsageError


@dataclass
class AuxTargets:
    kind: str                 # "regression" (standardized, MSE) or "classes" (cross-entropy)
    n_out: int
    target: np.ndarray        # float32 (regression) or int64 class ids; per row
    mask: np.ndarray          # rows with a value
    info: dict[str, Any]      # what the model card records

    def batch(self, rows):
        import torch

        return (torch.from_numpy(self.target[rows]), torch.from_numpy(self.mask[rows]))

    def loss(self, pred, target, mask):
        """Mean loss over the batch's rows that have a value (0 when none has)."""
        import torch

        if not bool(mask.any()):
            return pred.sum() * 0.0
        if self.kind == "regression":
            return torch.nn.functional.mse_loss(pred[mask, 0], target[mask])
        return torch.nn.functional.cross_entropy(pred[mask], target[mask])


def aux_targets(values: list | None, aux_type: str = "auto", weight: float = 0.5
                ) -> AuxTargets | None:
    """The auxiliary targets of a column's values (``None`` for missing ones); ``auto`` is
    regression when every value is a number, else classes."""
    if values is None:
        return None
    if aux_type not in ("auto", "regression", "classes"):
        raise UsageError(f"aux_type {aux_type!r}: auto, regression or classes")
    if not weight > 0:
        raise UsageError(f"aux_weight {weight}: must be above 0 (e.g. 0.5)")
    present = [v for v in values if v is not None]
    if not present:
        raise InputError("the auxiliary column has no values; check `aux_column`")
    mask = np.array([v is not None for v in values])

    def number(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    nums = [number(v) for v in present]
    kind = aux_type
    if kind == "auto":
        kind = "regression" if all(x is not None for x in nums) else "classes"
    if kind == "regression":
        bad = [v for v, x in zip(present, nums) if x is None]
        if bad:
            raise InputError(f"the auxiliary column has values that are not numbers (e.g. "
                             f"{bad[0]!r}); use aux_type='classes'")
        arr = np.array(nums, dtype=np.float64)
        mean, std = float(arr.mean()), float(arr.std()) or 1.0
        target = np.zeros(len(values), dtype=np.float32)
        target[mask] = ((arr - mean) / std).astype(np.float32)
        return AuxTargets("regression", 1, target, mask,
                          {"type": "regression", "mean": mean, "std": std, "weight": weight,
                           "rows": int(mask.sum())})
    classes = sorted({str(v) for v in present})
    if len(classes) < 2:
        raise InputError(f"the auxiliary column has one class ({classes[0]!r}); it needs two "
                         f"or more, or aux_type='regression'")
    ids = {c: i for i, c in enumerate(classes)}
    target = np.array([ids[str(v)] if v is not None else 0 for v in values], dtype=np.int64)
    return AuxTargets("classes", len(classes), target, mask,
                      {"type": "classes", "classes": classes, "weight": weight,
                       "rows": int(mask.sum())})
