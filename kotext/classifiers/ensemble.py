"""An ensemble classifier: a weighted sum of its members' log-probabilities.

The folder holds the members (each a complete model folder under ``members/``) and the
weights learned on held-out rows that no member saw (``kotext train classifier --method
ensemble``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..doc import Doc
from ..errors import ModelError, UsageError
from . import load_classifier, methods_of, params_from, probabilities

# the methods that read cleaned text and Kiwi morphemes, as every member must
MEMBER_METHODS = ("linear", *methods_of("kotext.classifiers.rnn"))


def _log_probs(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-7, 1.0))


@dataclass
class Params:
    """The members: two or more model folders (linear, gru or lstm) trained on the same
    file with the same val_fraction and seed."""

    members: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.members, str):
            self.members = [m.strip() for m in self.members.split(",") if m.strip()]
        self.members = [str(m) for m in self.members]
        if len(self.members) < 2:
            raise UsageError("method 'ensemble' needs members=[...] with two or more model "
                             "folders")

    @classmethod
    def from_dict(cls, params: dict[str, Any] | None, method: str = "ensemble") -> Params:
        return params_from(cls, params, f"method {method!r}")


class EnsembleClassifier:
    method = "ensemble"
    required_keys = ("labels", "members")
    runtime_options: tuple[str, ...] = ()

    def __init__(self, folder: Path, cfg: dict[str, Any]):
        self.folder = folder
        self.config = cfg
        self.labels = [str(x) for x in cfg["labels"]]
        self.members = []
        self.weights = []
        for m in cfg["members"]:
            path = folder / m["path"]
            if not path.is_dir():
                raise ModelError(f"{folder}: missing member folder {m['path']}; the ensemble "
                                 f"is incomplete (copy the whole folder, or rebuild it)")
            model = load_classifier(path)
            if [str(x) for x in model.labels] != self.labels:
                raise ModelError(f"{path}: labels {model.labels} differ from the ensemble's "
                                 f"{self.labels}")
            self.members.append(model)
            self.weights.append(float(m["weight"]))
        self.bias = np.asarray(cfg.get("bias") or [0.0] * len(self.labels), dtype=np.float64)

    @property
    def needs_tokens(self) -> bool:
        return any(getattr(m, "needs_tokens", True) for m in self.members)

    def predict_proba(self, docs: list[Doc]) -> np.ndarray:
        z = np.zeros((len(docs), len(self.labels)), dtype=np.float64) + self.bias
        for w, m in zip(self.weights, self.members):
            if w:
                z += w * _log_probs(np.asarray(m.predict_proba(docs), dtype=np.float64))
        return probabilities(z)

    def attributions(self, doc: Doc):
        """The members' attributions, each scaled by its weight."""
        spans = []
        for w, m in zip(self.weights, self.members):
            if w and hasattr(m, "attributions"):
                s, _ = m.attributions(doc)
                spans.extend((a, b, np.asarray(v) * w) for a, b, v in s)
        return spans, self.predict_proba([doc])[0]


Model = EnsembleClassifier
