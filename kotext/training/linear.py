"""Train the ``linear`` classifier: hashed character + morpheme n-grams, optional NB
log-count-ratio scaling (NB-LR, Wang & Manning 2012), logistic regression (scikit-learn)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..classifiers import METHODS, probabilities
from ..classifiers.linear import C_NB, C_PLAIN, Params, scores
from ..errors import InputError, UsageError
from ..evaluate.classification import classification_report
from ..features import HashedNgrams
from ..modelio import FORMAT_VERSION, ModelWriter
from ..pipeline import Pipeline
from ..preprocess import recorded, training_pipeline
from ..stages.base import batched
from .card import command_line
from .data import LabeledData, split_rows, target_matrix

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


def nb_ratio(x, y: np.ndarray, alpha: float = 1.0,
             sample_weight: np.ndarray | None = None) -> np.ndarray:
    """log((p / |p|_1) / (q / |q|_1)) with p, q the (weighted) feature counts in each class
    + alpha."""
    w = np.ones(x.shape[0], dtype=np.float32) if sample_weight is None else sample_weight
    p = np.asarray(x.T @ (w * (y == 1))).ravel() + alpha
    q = np.asarray(x.T @ (w * (y == 0))).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def _scale_rows(x, row_norm: str):
    if row_norm != "l2":
        return x
    import scipy.sparse as sp

    nnz = np.diff(x.indptr).astype(np.float32)
    return sp.diags(1.0 / np.sqrt(np.maximum(nnz, 1.0))) @ x


class LinearTrainer:
    def __init__(self, labels: list[str], *, C: float | None = None, nb: bool = Params.nb,
                 row_norm: str | None = Params.row_norm, class_weight: str | None = None,
                 seed: int = 0, max_iter: int = Params.max_iter):
        self.labels = labels
        self.nb = nb and len(labels) == 2
        self.C = C if C is not None else (C_NB if self.nb else C_PLAIN)
        # NB-scaled binary features need no normalization; plain multinomial LR (saga)
        # converges much better on L2-normalized rows
        self.row_norm = row_norm or ("none" if self.nb else "l2")
        self.class_weight = class_weight
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, x, y: np.ndarray, soft: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """Returns (coef [n_out, n_features] with NB scaling folded in, intercept [n_out]).

        ``soft`` (rows x labels target distributions) trains on each row once per label,
        weighted by that label's share: the log loss against soft targets."""
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            from ..errors import UsageError

            raise UsageError("training a linear classifier needs scikit-learn: "
                             "pip install 'kotext[train]'") from None

        weight = None
        if soft is not None:
            import scipy.sparse as sp

            k = soft.shape[1]
            rows = np.tile(np.arange(x.shape[0]), k)
            y = np.repeat(np.arange(k), x.shape[0])
            weight = np.asarray(soft, dtype=np.float64).T.ravel()
            keep = weight > 1e-6  # a one-hot row stays one row
            rows, y, weight = rows[keep], y[keep], weight[keep]
            x = sp.csr_matrix(x)[rows]
        r = nb_ratio(x, y, sample_weight=weight) if self.nb else None
        xs = _scale_rows(x, self.row_norm)
        if r is not None:
            xs = xs @ _diag(r)
        binary = len(self.labels) == 2
        # liblinear's dual solver is the fast one when features outnumber documents
        clf = LogisticRegression(C=self.C, solver="liblinear" if binary else "saga",
                                 dual=binary, max_iter=self.max_iter,
                                 class_weight=self.class_weight, random_state=self.seed,
                                 tol=1e-4)
        clf.fit(xs, y, sample_weight=weight)
        coef = clf.coef_.astype(np.float32)
        if r is not None:
            coef = coef * r[None, :]
        return coef, clf.intercept_.astype(np.float32)


def _diag(v: np.ndarray):
    import scipy.sparse as sp

    return sp.diags(v.astype(np.float32), format="csr")


def predict_proba(x, coef: np.ndarray, intercept: np.ndarray, row_norm: str) -> np.ndarray:
    """Probabilities of the rows of a binary CSR feature matrix (``coef``: outputs x
    features), scored as :class:`kotext.classifiers.linear.LinearClassifier` scores them."""
    rows = np.repeat(np.arange(x.shape[0], dtype=np.intp), np.diff(x.indptr))
    return probabilities(scores(rows, x.indices.astype(np.intp), x.shape[0],
                                np.ascontiguousarray(coef.T, dtype=np.float32), intercept,
                                row_norm))


def train_linear(data: LabeledData, output: str | Path, *, eval_data: LabeledData | None = None,
                 val_fraction: float = 0.1, seed: int = 0, class_weight: str | None = None,
                 params: Params | dict[str, Any] | None = None,
                 clean: dict[str, Any] | None = None, tokenize: dict[str, Any] | None = None,
                 refit: bool = False, name: str | None = None, description: str = "",
                 data_description: str = "", licence: str | None = None,
                 command: str | None = None, progress=None,
                 log: Callable[[str], None] = lambda s: None, **_: Any) -> dict[str, Any]:
    """Train and write a ``linear`` model folder; returns its config."""
    from .classifier import _no_progress

    progress = progress or _no_progress
    counts = data.counts()
    labels = sorted(counts)
    if len(labels) < 2:
        raise InputError(
            f"the training data has only one label ({labels[0]!r}, {counts[labels[0]]} rows); "
            f"a classifier needs at least two. Check `label_column` and `label_map`."
        )
    if not 0 <= val_fraction < 0.9:
        raise UsageError("`val_fraction` must be in [0, 0.9)")
    if data.aux is not None:
        raise UsageError("an auxiliary target (aux_column) needs a neural "
                         "method: gru, lstm or transformer; the linear method has one head")
    if isinstance(params, dict) and params.get("sampler"):
        raise UsageError("sampler='balanced' is for the epoch-based methods (gru, "
                         "lstm, transformer); the linear method takes class_weight='balanced'")
    if isinstance(params, dict):
        params = {k: v for k, v in params.items() if k != "sampler"}
    p = METHODS["linear"].make_params(params)
    feat_cfg = p.features()
    featurizer = HashedNgrams(**feat_cfg)
    trainer = LinearTrainer(labels, class_weight=class_weight, seed=seed, C=p.C, nb=p.nb,
                            row_norm=p.row_norm, max_iter=p.max_iter)
    pre = training_pipeline(clean, tokenize)
    y_all = np.array([labels.index(x) for x in data.labels])

    t0 = time.perf_counter()
    with progress("preprocess", len(data.texts) + (len(eval_data.texts) if eval_data else 0)) as bar:
        x_all = featurize(data.texts, pre, featurizer, bar.update)
        x_eval = featurize(eval_data.texts, pre, featurizer, bar.update) if eval_data else None
    log(f"features: {x_all.shape[0]} docs, {x_all.nnz / max(x_all.shape[0], 1):.0f} per doc, "
        f"{time.perf_counter() - t0:.0f} s")
    tr, va = split_rows(data, val_fraction, seed)
    soft = target_matrix(data, labels) if data.soft is not None else None
    t1 = time.perf_counter()
    coef, intercept = _as_saved(*trainer.fit(x_all[tr], y_all[tr],
                                             None if soft is None else soft[tr]))
    log(f"fit on {len(tr)} rows: {time.perf_counter() - t1:.0f} s")

    def evaluate(x, gold: list[str]) -> dict[str, Any]:
        p = predict_proba(x, coef, intercept, trainer.row_norm)
        return classification_report(gold, [labels[i] for i in p.argmax(axis=1)], labels)

    val_rep = evaluate(x_all[va], [data.labels[i] for i in va]) if len(va) else None
    if val_rep:
        log(f"validation accuracy {val_rep['accuracy']:.4f}, macro-F1 {val_rep['macro_f1']:.4f}")
    if refit and len(va):
        t1 = time.perf_counter()
        coef, intercept = _as_saved(*trainer.fit(x_all, y_all, soft))
        log(f"refit on all {len(y_all)} rows: {time.perf_counter() - t1:.0f} s")
    eval_rep = evaluate(x_eval, eval_data.labels) if eval_data is not None else None
    if eval_rep:
        log(f"eval accuracy {eval_rep['accuracy']:.4f}, macro-F1 {eval_rep['macro_f1']:.4f}")

    out = Path(output)
    name = name or out.name
    config = {
        "kotext": {"format": FORMAT_VERSION, "kind": "classifier"},
        "name": name,
        "method": "linear",
        "labels": labels,
        "features": featurizer.to_config(),
        "row_norm": trainer.row_norm,
        "preprocess": recorded(pre),
        "training": {"seed": seed, "val_fraction": val_fraction, "class_weight": class_weight,
                     "C": trainer.C, "nb": trainer.nb, "refit": refit, "rows": len(y_all),
                     "counts": dict(counts)},
        "metrics": {"validation": val_rep, "eval": eval_rep},
    }
    writer = ModelWriter(out)
    try:
        writer.write_json("config.json", config)
        writer.write_arrays("weights.safetensors", {"coef": coef.astype(np.float16),
                                                    "intercept": intercept})
        size = sum(f.stat().st_size for f in writer.tmp.iterdir()) / 1e6
        cmd = command_line(command)
        writer.write_text("README.md", _card(name, description, labels, data_description,
                                             dict(counts), val_rep, eval_rep, cmd, trainer,
                                             feat_cfg, size, licence, refit))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return config



def _as_saved(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weights as stored (float16), so that the reported metrics are the saved model's."""
    return coef.astype(np.float16).astype(np.float32), intercept.astype(np.float32)


def _card(name, description, labels, data_description, counts, val_rep, eval_rep, cmd,
          trainer, feat_cfg, size, licence, refit=False) -> str:
    from .card import model_card

    params = {**feat_cfg, "C": trainer.C, "nb": trainer.nb, "row_norm": trainer.row_norm,
              "class_weight": trainer.class_weight, "seed": trainer.seed}
    return model_card(
        name=name, method="linear", labels=labels,
        description=description or "A kotext linear classifier: logistic regression over "
        "hashed character n-grams and Kiwi morpheme n-grams (NB-scaled for two labels).",
        data=data_description or "The labeled file given to `kotext train classifier`.",
        counts=counts, validation=val_rep,
        extra_eval={"Evaluation file": eval_rep} if eval_rep else None,
        command=cmd, params=params, size_mb=size, refit=refit,
        **({"licence": licence} if licence else {}),
    )
