"""Stratified k-fold cross-validation of any trainable method (``cv=K``).

Each fold's model is trained by :func:`kotext.training.classifier.train_classifier` on the
other folds (rows a technique added, ``train_only``, join every fold's training rows and
are never scored) and scored on its own fold through the pipeline it was trained behind:
per-fold and mean +- std accuracy and macro-F1, the per-class table over all out-of-fold
predictions, and optionally those predictions as a CSV (what an ensemble or a distilled
student can fit on).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..evaluate.classification import classification_report
from .data import LabeledData


def stratified_folds(labels: list[str], k: int, seed: int) -> np.ndarray:
    """The fold (0..k-1) of each row: every class dealt round the folds after a seeded
    shuffle, so each fold holds each class in the same proportion (within one row)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(labels)
    fold = np.empty(len(labels), dtype=np.int64)
    start = 0
    for lab in sorted(set(labels)):
        idx = np.nonzero(y == lab)[0]
        rng.shuffle(idx)
        fold[idx] = (np.arange(len(idx)) + start) % k
        start += len(idx)  # the next class goes on where this one stopped
    return fold


def rows(data: LabeledData, idx: np.ndarray) -> LabeledData:
    """Gold rows ``idx`` of ``data`` followed by all its ``train_only`` rows."""
    n_gold = len(data.labels) - data.train_only
    out = data.subset(np.concatenate([idx, np.arange(n_gold, len(data.labels))]).astype(int))
    out.train_only = data.train_only
    return out


def cross_validate(data: LabeledData, *, k: int = 5, method: str = "linear", seed: int = 0,
                   val_fraction: float = 0.1, oof_path: str | Path | None = None,
                   log: Callable[[str], None] = lambda s: None,
                   **train_kw: Any) -> dict[str, Any]:
    """Train ``k`` models (``train_kw`` as for ``train_classifier``: class_weight, params,
    ...) and score each on its held-out fold. The epoch-based methods keep
    ``val_fraction`` of each fold's training rows for early stopping; the linear method
    trains on all of them. Returns the per-fold and summary metrics."""
    from .classifier import train_classifier
    from .predict import predict_proba

    if method == "ensemble":
        raise UsageError("method='ensemble': cross-validation trains a model per fold; an "
                         "ensemble's members are trained models: cross-validate each "
                         "member's method instead")
    gold = data.labels[:len(data.labels) - data.train_only]
    counts = {lab: gold.count(lab) for lab in sorted(set(gold))}
    if not isinstance(k, int) or k < 2:
        raise UsageError(f"cv {k!r}: the number of folds must be 2 or more (e.g. 5)")
    if min(counts.values()) < k:
        few = min(counts, key=counts.get)
        raise UsageError(f"cv {k}: label {few!r} has only {counts[few]} rows, fewer than the "
                         f"folds; use fewer folds (cv={max(2, counts[few])} or less)")
    labels = sorted(set(data.labels))
    fold = stratified_folds(gold, k, seed)
    probs = np.zeros((len(gold), len(labels)), dtype=np.float32)
    folds = []
    for f in range(k):
        tr, te = np.nonzero(fold != f)[0], np.nonzero(fold == f)[0]
        with tempfile.TemporaryDirectory(prefix="kotext-cv-") as tmp:
            train_classifier(rows(data, tr), Path(tmp) / "m", method=method, seed=seed,
                             val_fraction=0.0 if method == "linear" else val_fraction,
                             **train_kw)
            probs[te] = predict_proba(Path(tmp) / "m", [data.texts[i] for i in te], labels)
        pred = [labels[i] for i in np.nan_to_num(probs[te], nan=-1.0).argmax(axis=1)]
        rep = classification_report([gold[i] for i in te], pred, labels)
        folds.append({"fold": f + 1, "train_rows": int(len(tr)) + data.train_only,
                      "test_rows": int(len(te)), "accuracy": rep["accuracy"],
                      "macro_f1": rep["macro_f1"]})
        log(f"fold {f + 1}/{k}: accuracy {rep['accuracy']:.4f}, macro-F1 {rep['macro_f1']:.4f} "
            f"({len(te)} rows)")
    pred = [labels[i] for i in np.nan_to_num(probs, nan=-1.0).argmax(axis=1)]
    pooled = classification_report(gold, pred, labels)

    def spread(key: str) -> dict[str, float]:
        v = np.array([x[key] for x in folds])
        return {"mean": float(v.mean()), "std": float(v.std(ddof=1))}

    result = {"k": k, "seed": seed, "method": method, "rows": len(gold),
              "train_only_rows": data.train_only, "folds": folds,
              "accuracy": spread("accuracy"), "macro_f1": spread("macro_f1"),
              "out_of_fold": pooled}
    log(f"cross-validation ({k} folds): accuracy {result['accuracy']['mean']:.4f} +- "
        f"{result['accuracy']['std']:.4f}, macro-F1 {result['macro_f1']['mean']:.4f} +- "
        f"{result['macro_f1']['std']:.4f}")
    if oof_path:
        write_oof(oof_path, data.texts[:len(gold)], gold, fold, probs, labels)
        result["oof_path"] = str(oof_path)
    return result


def write_oof(path: str | Path, texts: list[str], gold: list[str], fold: np.ndarray,
              probs: np.ndarray, labels: list[str]) -> None:
    """One row per training row, in input order: row, fold, text, gold, pred, p_<label>..."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "fold", "text", "gold", "pred", *[f"p_{x}" for x in labels]])
        for i, (t, g) in enumerate(zip(texts, gold)):
            p = probs[i]
            pred = "" if np.isnan(p).any() else labels[int(p.argmax())]
            w.writerow([i + 1, int(fold[i]) + 1, t, g, pred,
                        *("" if np.isnan(x) else f"{x:.6f}" for x in p)])


def markdown(result: dict[str, Any]) -> str:
    """The model card's cross-validation section."""
    from .card import _metrics_table

    lines = [f"{result['k']}-fold stratified cross-validation (seed {result['seed']}, "
             f"`{result['method']}`) on {result['rows']} rows; mean +- standard deviation "
             f"over the folds: accuracy **{result['accuracy']['mean']:.4f} +- "
             f"{result['accuracy']['std']:.4f}**, macro-F1 **{result['macro_f1']['mean']:.4f} "
             f"+- {result['macro_f1']['std']:.4f}**.", "",
             "| fold | rows | accuracy | macro-F1 |", "|---|---|---|---|"]
    lines += [f"| {x['fold']} | {x['test_rows']} | {x['accuracy']:.4f} | {x['macro_f1']:.4f} |"
              for x in result["folds"]]
    lines += ["", "Out-of-fold predictions, all folds:", "",
              _metrics_table(result["out_of_fold"], "rows")]
    return "\n".join(lines)
