"""Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def classification_report(gold: Sequence[str], pred: Sequence[str],
                          labels: Sequence[str] | None = None) -> dict[str, Any]:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    labels = list(labels) if labels else sorted(set(gold) | set(pred))
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    cm = [[0] * k for _ in range(k)]
    for g, p in zip(gold, pred):
        if g in index and p in index:
            cm[index[g]][index[p]] += 1
    n = len(gold)
    correct = sum(1 for g, p in zip(gold, pred) if g == p)
    gold_counts = Counter(gold)
    per_class = {}
    seen: list[str] = []
    for lab, i in index.items():
        tp = cm[i][i]
        pred_n = sum(cm[r][i] for r in range(k))
        # every row of the class, also those whose prediction failed ("<error>"): a failed
        # row is a miss, not a row that never was
        gold_n = gold_counts[lab]
        prec = tp / pred_n if pred_n else 0.0
        rec = tp / gold_n if gold_n else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": gold_n}
        if gold_n or pred_n:
            seen.append(lab)
    # over the labels that occur in the gold or the predictions, as scikit-learn does: a
    # model's label that this data never has nor gets would count as an F1 of 0
    macro = sum(per_class[lab]["f1"] for lab in seen) / len(seen) if seen else 0.0
    failed = sum(1 for p in pred if p not in index)
    return {"n": n, "accuracy": correct / n if n else 0.0, "macro_f1": macro,
            "labels": labels, "per_class": per_class, "confusion_matrix": cm,
            "failed": failed}


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes: Hangul and other wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _left(text: str, width: int) -> str:
    return text + " " * (width - _cells(text))


def _right(text: str, width: int) -> str:
    return " " * (width - _cells(text)) + text


def format_report(rep: dict[str, Any]) -> str:
    """The report as aligned columns; Korean labels (two cells a letter) line up too."""
    labels = [str(x) for x in rep["labels"]]
    w = max([_cells(x) for x in labels] + [9])
    failed = rep.get("failed", 0)
    lines = [f"accuracy  {rep['accuracy']:.4f}   macro-F1  {rep['macro_f1']:.4f}   "
             f"(n = {rep['n']}" + (f"; {failed} rows failed, counted as wrong" if failed else "")
             + ")", "",
             f"{'label':<{w}}  precision  recall      f1  support"]
    for lab, key in zip(labels, rep["labels"]):
        c = rep["per_class"][key]
        lines.append(f"{_left(lab, w)}  {c['precision']:9.4f}  {c['recall']:6.4f}  "
                     f"{c['f1']:6.4f}  {c['support']:7d}")
    lines += ["", "confusion matrix (rows: gold, columns: predicted)"]
    cw = max([_cells(x) for x in labels] + [max(len(str(v)) for r in
              rep["confusion_matrix"] for v in r) if labels else 1])
    lines.append(" " * (w + 2) + "  ".join(_right(lab, cw) for lab in labels))
    for lab, row in zip(labels, rep["confusion_matrix"]):
        lines.append(f"{_left(lab, w)}  " + "  ".join(f"{v:>{cw}}" for v in row))
    return "\n".join(lines)


def plot_confusion(rep: dict[str, Any], path: str | Path, title: str = "") -> None:
    """Confusion matrix as PNG; Korean labels render through koreanize-matplotlib's font."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import koreanize_matplotlib  # noqa: F401 - registers a bundled Korean font
        import matplotlib.pyplot as plt
    except ImportError:
        from ..errors import UsageError

        raise UsageError("`plot` needs matplotlib: pip install 'kotext[plot]'") from None
    labels = rep["labels"]
    cm = rep["confusion_matrix"]
    size = max(4.0, 0.6 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    im = ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel("예측 (predicted)")
    ax.set_ylabel("정답 (gold)")
    top = max((max(r) for r in cm), default=0)
    for i, row in enumerate(cm):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center",
                    color="white" if v > top / 2 else "black")
    ax.set_title(title or f"accuracy {rep['accuracy']:.3f}, macro-F1 {rep['macro_f1']:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
