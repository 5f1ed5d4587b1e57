"""Pseudo-labels (self-training): label unlabeled text with the model trained so far, keep
the confident rows, train again, for a number of rounds.

Every round trains with :func:`kotext.training.classifier.train_classifier` on the gold rows
plus the rows added so far (``train_only``: never in the validation split, which stays the
gold rows' own), so each round's validation score is comparable with the first's. Confident
pseudo-labels drift to the majority class: ``per_class`` caps each class's rows added in a
round (the most confident ones). The rounds are recorded in the model card.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from .data import LabeledData


def check(threshold: float, rounds: int, per_class: int | None) -> None:
    if not 0 < threshold < 1:
        raise UsageError(f"pseudo_threshold {threshold}: a probability in (0, 1), e.g. 0.95")
    if not isinstance(rounds, int) or rounds < 1:
        raise UsageError(f"pseudo_rounds {rounds!r}: 1 or more")
    if per_class is not None and per_class < 1:
        raise UsageError(f"pseudo_per_class {per_class}: 1 or more (or None: no cap)")


def select(probs: np.ndarray, pool: np.ndarray, threshold: float,
           per_class: int | None) -> dict[int, np.ndarray]:
    """Pool rows to add, per label index: max probability >= threshold, the most confident
    ``per_class`` of each label."""
    ok = ~np.isnan(probs).any(axis=1)
    best = np.where(ok, np.nan_to_num(probs, nan=0.0).max(axis=1), 0.0)
    pred = np.nan_to_num(probs, nan=0.0).argmax(axis=1)
    out = {}
    for j in range(probs.shape[1]):
        cand = pool[(pred[pool] == j) & (best[pool] >= threshold)]
        cand = cand[np.argsort(-best[cand], kind="stable")]
        out[j] = np.sort(cand[:per_class] if per_class else cand)
    return out


def train_with_pseudo_labels(data: LabeledData, unlabeled: list[str], output: str | Path, *,
                             method: str = "linear", threshold: float = 0.95, rounds: int = 1,
                             per_class: int | None = None, val_fraction: float = 0.1,
                             seed: int = 0, log: Callable[[str], None] = lambda s: None,
                             **train_kw: Any) -> dict[str, Any]:
    """Round 0 trains on ``data``; each of ``rounds`` more adds the confident pseudo-labeled
    rows of ``unlabeled`` (none twice) and retrains. The last round's model is written to
    ``output``; returns its config, whose ``training.pseudo_labels`` lists the rounds."""
    from .classifier import train_classifier
    from .predict import predict_proba

    check(threshold, rounds, per_class)
    if method == "ensemble":
        raise UsageError("pseudo-labels retrain the model each round; an ensemble is "
                         "combined from trained models: pseudo-label its members' method")
    if data.soft is not None or data.train_only:
        raise UsageError("pseudo-labels start from gold labels only; with a teacher "
                         "(distillation) its soft labels on the unlabeled text take their "
                         "place: use one or the other")
    labels = sorted(set(data.labels))
    pool = np.arange(len(unlabeled))
    added_idx: list[int] = []
    added_lab: list[str] = []
    history = []
    tmp = Path(tempfile.mkdtemp(prefix="kotext-pseudo-"))
    try:
        cfg: dict[str, Any] = {}
        for r in range(rounds + 1):
            cur = LabeledData(data.texts + [unlabeled[i] for i in added_idx],
                              data.labels + added_lab, text_column=data.text_column,
                              train_only=len(added_idx),
                              aux=None if data.aux is None else data.aux + [None] * len(added_idx))
            folder = Path(output) if r == rounds else tmp / f"round{r}"
            cfg = train_classifier(cur, folder, method=method, val_fraction=val_fraction,
                                   seed=seed, log=log, **train_kw)
            val = (cfg.get("metrics") or {}).get("validation")
            rec = history[-1] if history else {"round": 0, "added": {}, "pseudo_rows": 0}
            rec["validation_accuracy"] = val["accuracy"] if val else None
            rec["validation_macro_f1"] = val["macro_f1"] if val else None
            if not history:
                history.append(rec)
            log(f"pseudo-labels round {rec['round']}: {rec['pseudo_rows']} pseudo-labeled rows"
                + (f", validation accuracy {val['accuracy']:.4f}, macro-F1 "
                   f"{val['macro_f1']:.4f}" if val else ""))
            if r == rounds:
                break
            probs = np.full((len(unlabeled), len(labels)), np.nan, dtype=np.float32)
            probs[pool] = predict_proba(folder, [unlabeled[i] for i in pool], labels)
            chosen = select(probs, pool, threshold, per_class)
            new = {labels[j]: int(len(ix)) for j, ix in chosen.items()}
            for j, ix in chosen.items():
                added_idx += ix.tolist()
                added_lab += [labels[j]] * len(ix)
            taken = np.concatenate(list(chosen.values())) if chosen else np.zeros(0, int)
            pool = np.setdiff1d(pool, taken)
            log(f"pseudo-labels round {r + 1}: adding " + ", ".join(
                f"{k} {v}" for k, v in new.items()) + f" (probability >= {threshold}"
                + (f", at most {per_class} per label" if per_class else "") + ")")
            history.append({"round": r + 1, "added": new, "pseudo_rows": len(added_idx)})
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info = {"threshold": threshold, "rounds": rounds, "per_class": per_class,
            "pool": len(unlabeled), "history": history}
    from .card import add_to_model

    add_to_model(output, "Pseudo-labels", markdown(info, labels), "pseudo_labels", info)
    cfg.setdefault("training", {})["pseudo_labels"] = info
    return cfg


def markdown(info: dict[str, Any], labels: list[str]) -> str:
    lines = [f"Self-training over {info['pool']} unlabeled texts: each round added the rows "
             f"the previous round's model labels with probability >= {info['threshold']}"
             + (f", at most {info['per_class']} per label" if info["per_class"] else "")
             + "; the validation split holds gold rows only.", "",
             "| round | " + " | ".join(f"added {x}" for x in labels)
             + " | pseudo rows | val. accuracy | val. macro-F1 |",
             "|---" * (len(labels) + 4) + "|"]
    for h in info["history"]:
        acc, f1 = h.get("validation_accuracy"), h.get("validation_macro_f1")
        lines.append(f"| {h['round']} | " + " | ".join(str(h["added"].get(x, 0)) for x in labels)
                     + f" | {h['pseudo_rows']} | "
                     + (f"{acc:.4f} | {f1:.4f} |" if acc is not None else "- | - |"))
    return "\n".join(lines)
