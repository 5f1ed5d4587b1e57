"""The ``linear`` method: logistic regression over hashed character and morpheme n-grams
(:class:`kotext.features.HashedNgrams`). Its trainer is :mod:`kotext.training.linear`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..doc import Doc
from ..errors import ModelError, UsageError
from ..modelio import load_arrays, require_files
from . import params_from

# C by regime, chosen on validation splits: NB-scaled binary features (NSMC) want strong
# regularization; plain multinomial LR on L2-normalized rows wants much less (3 classes
# from 50,000 rated reviews, validation macro-F1: C=0.1 0.559, 1 0.601, 3 0.613, 10 0.616,
# 30 0.608; 3 fits in half the time of 10)
C_NB, C_PLAIN = 0.1, 3.0


def _pair(name: str, value: Any) -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in value)
    except (TypeError, ValueError):
        raise UsageError(f"{name}={value!r}: give (lo, hi), e.g. (1, 3); (0, 0) turns "
                         f"them off") from None
    if not 0 <= lo <= hi:
        raise UsageError(f"{name}={value!r}: (lo, hi) with 0 <= lo <= hi, e.g. (1, 3); "
                         f"(0, 0) turns them off")
    return lo, hi


@dataclass
class Params:
    """Training parameters of a linear model; ``None`` = chosen from the data (C and
    row_norm depend on whether NB scaling applies, i.e. on the number of labels)."""

    char_ngrams: tuple[int, int] = (1, 5)
    morph_ngrams: tuple[int, int] = (1, 3)
    bits: int = 22
    nb: bool = True             # NB log-count-ratio scaling (two labels only)
    row_norm: str | None = None  # none | l2
    C: float | None = None
    max_iter: int = 1000

    def __post_init__(self) -> None:
        self.char_ngrams = _pair("char_ngrams", self.char_ngrams)
        self.morph_ngrams = _pair("morph_ngrams", self.morph_ngrams)
        if self.char_ngrams[1] == 0 == self.morph_ngrams[1]:
            raise UsageError("char_ngrams=(0, 0) and morph_ngrams=(0, 0) leave the model no "
                             "features: keep one of them")
        if not 12 <= int(self.bits) <= 26:
            raise UsageError(f"bits={self.bits}: between 12 and 26 (2**bits features)")
        if self.row_norm not in (None, "none", "l2"):
            raise UsageError(f"row_norm={self.row_norm!r}: none or l2")
        if self.C is not None and not self.C > 0:
            raise UsageError(f"C={self.C}: must be above 0 (e.g. 0.1)")
        if int(self.max_iter) < 1:
            raise UsageError(f"max_iter={self.max_iter}: must be >= 1")

    @classmethod
    def from_dict(cls, params: dict[str, Any] | None, method: str = "linear") -> Params:
        """From ``params`` (``None`` values keep the defaults); an unknown key is refused."""
        return params_from(cls, params, f"method {method!r}")

    def features(self) -> dict[str, Any]:
        return {"char_ngrams": self.char_ngrams, "morph_ngrams": self.morph_ngrams,
                "bits": self.bits}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scores(rows: np.ndarray, cols: np.ndarray, n: int, coef: np.ndarray,
           intercept: np.ndarray, row_norm: str) -> np.ndarray:
    """Scores (log-odds) per output of ``n`` documents with binary features given as
    (document, column) pairs: a sum of the active features' weights (``coef`` is features
    x outputs), divided by sqrt(active features) with ``row_norm="l2"``."""
    z = np.empty((n, coef.shape[1]), dtype=np.float64)
    for k in range(coef.shape[1]):
        z[:, k] = np.bincount(rows, weights=coef[cols, k], minlength=n)
    if row_norm == "l2":
        nnz = np.bincount(rows, minlength=n).astype(np.float64)
        z /= np.sqrt(np.maximum(nnz, 1.0))[:, None]
    return z + intercept


class LinearClassifier:
    """A linear model folder: ``config.json`` and ``weights.safetensors``."""

    method = "linear"
    files = ["config.json", "weights.safetensors"]
    required_keys = ("labels", "features")
    runtime_options: tuple[str, ...] = ()

    def __init__(self, folder: Path, cfg: dict[str, Any]):
        from ..features import HashedNgrams

        require_files(folder, self.files)
        self.folder = folder
        self.config = cfg
        self.labels: list[str] = [str(x) for x in cfg["labels"]]
        try:
            self.featurizer = HashedNgrams.from_config(cfg["features"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{folder / 'config.json'}: bad 'features' entry ({e})") from None
        arrays = load_arrays(folder / "weights.safetensors")
        try:
            coef, intercept = arrays["coef"], arrays["intercept"]
        except KeyError as e:
            raise ModelError(f"{folder / 'weights.safetensors'}: no {e} array; the file is "
                             f"not from this model, retrain") from None
        n_out = 1 if len(self.labels) == 2 else len(self.labels)
        if coef.shape != (n_out, self.featurizer.n_features) or intercept.shape != (n_out,):
            raise ModelError(
                f"{folder / 'weights.safetensors'}: weights of shape {coef.shape} do not match "
                f"config.json ({n_out} x {self.featurizer.n_features}); the folder mixes "
                f"files of different models, retrain"
            )
        self.coef = np.ascontiguousarray(coef.T, dtype=np.float32)  # features x outputs
        self.intercept = intercept.astype(np.float32)
        self.row_norm = cfg.get("row_norm", "none")

    @property
    def needs_tokens(self) -> bool:
        return self.featurizer.needs_tokens

    def decision(self, docs: list[Doc]) -> np.ndarray:
        """Scores (log-odds) per output."""
        rows, cols = self.featurizer.pairs(docs)
        return scores(rows, cols, len(docs), self.coef, self.intercept, self.row_norm)

    def predict_proba(self, docs: list[Doc]) -> np.ndarray:
        from . import probabilities

        return probabilities(self.decision(docs))

    def attributions(self, doc: Doc) -> tuple[list[tuple[int, int, np.ndarray]], np.ndarray]:
        """Each n-gram's contribution to every label's score (log-odds), with its span."""
        spans = self.featurizer.spans(doc)
        seen: set[int] = set()
        cols, kept = [], []
        for c, a, b in spans:  # binary features: a repeated n-gram counts once
            if c not in seen:
                seen.add(c)
                cols.append(c)
                kept.append((a, b))
        w = self.coef[cols] if cols else np.zeros((0, self.coef.shape[1]), np.float32)
        if self.row_norm == "l2":
            w = w / np.sqrt(max(len(cols), 1))
        if w.shape[1] == 1:  # binary: + toward labels[1], - toward labels[0]
            w = np.concatenate([-w / 2, w / 2], axis=1)
        return [(a, b, w[i]) for i, (a, b) in enumerate(kept)], self.predict_proba([doc])[0]


Model = LinearClassifier
