"""Train the ``linear`` classifier: hashed character + morpheme n-grams, optional NB
log-count-ratio scaling (NB-LR, Wang & Manning 2012), logistic regression (scikit-learn)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..features import HashedNgrams
from ..pipeline import Pipeline
from ..stages.base import batched

DEFAULTS: dict[str, Any] = {
    "char_ngrams": (1, 5), "morph_ngrams": (1, 3), "bits": 22, "nb": True, "row_norm": None,
    "C": None, "max_iter": 1000,
}
# C by regime, chosen on validation splits: NB-scaled binary features (NSMC) want strong
# regularization; plain multinomial LR on L2-normalized rows wants much less (3 classes
# from 50,000 rated reviews, validation macro-F1: C=0.1 0.559, 1 0.601, 3 0.613, 10 0.616,
# 30 0.608; 3 fits in half the time of 10)
C_NB, C_PLAIN = 0.1, 3.0


def featurize(texts: Sequence[str], pre: Pipeline, featurizer: HashedNgrams,
              progress: Callable[[int], None] | None = None, batch_size: int = 2000):
    import scipy.sparse as sp

    mats = []
    for batch in batched(pre.pipe(texts, batch_size=batch_size, on_error="record"), batch_size):
        mats.append(featurizer.transform(batch))
        if progress:
            progress(len(batch))
    if not mats:
        return sp.csr_matrix((0, featurizer.n_features), dtype=np.float32)
    return sp.vstack(mats, format="csr")


def nb_ratio(x, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """log((p / |p|_1) / (q / |q|_1)) with p, q the feature counts in each class + alpha."""
    p = np.asarray(x[y == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(x[y == 0].sum(axis=0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def _scale_rows(x, row_norm: str):
    if row_norm != "l2":
        return x
    import scipy.sparse as sp

    nnz = np.diff(x.indptr).astype(np.float32)
    return sp.diags(1.0 / np.sqrt(np.maximum(nnz, 1.0))) @ x


class LinearTrainer:
    def __init__(self, labels: list[str], *, C: float | None = None, nb: bool = DEFAULTS["nb"],
                 row_norm: str | None = DEFAULTS["row_norm"], class_weight: str | None = None,
                 seed: int = 0, max_iter: int = DEFAULTS["max_iter"]):
        self.labels = labels
        self.nb = nb and len(labels) == 2
        self.C = C if C is not None else (C_NB if self.nb else C_PLAIN)
        # NB-scaled binary features need no normalization; plain multinomial LR (saga)
        # converges much better on L2-normalized rows
        self.row_norm = row_norm or ("none" if self.nb else "l2")
        self.class_weight = class_weight
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, x, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns (coef [n_out, n_features] with NB scaling folded in, intercept [n_out])."""
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            from ..errors import UsageError

            raise UsageError("training a linear classifier needs scikit-learn: "
                             "pip install 'kotext[train]'") from None

        r = nb_ratio(x, y) if self.nb else None
        xs = _scale_rows(x, self.row_norm)
        if r is not None:
            xs = xs @ _diag(r)
        binary = len(self.labels) == 2
        # liblinear's dual solver is the fast one when features outnumber documents
        clf = LogisticRegression(C=self.C, solver="liblinear" if binary else "saga",
                                 dual=binary, max_iter=self.max_iter,
                                 class_weight=self.class_weight, random_state=self.seed,
                                 tol=1e-4)
        clf.fit(xs, y)
        coef = clf.coef_.astype(np.float32)
        if r is not None:
            coef = coef * r[None, :]
        return coef, clf.intercept_.astype(np.float32)


def _diag(v: np.ndarray):
    import scipy.sparse as sp

    return sp.diags(v.astype(np.float32), format="csr")


def predict_proba(x, coef: np.ndarray, intercept: np.ndarray, row_norm: str) -> np.ndarray:
    z = np.asarray(x @ coef.T)
    if row_norm == "l2":
        nnz = np.diff(x.indptr).astype(np.float32)
        z = z / np.sqrt(np.maximum(nnz, 1.0))[:, None]
    from ..classifiers import probabilities

    return probabilities(z + intercept)
