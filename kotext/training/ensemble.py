"""``kotext train classifier --method ensemble``: combine trained models.

The weights are fitted on the validation rows of the training file: the rows that
``stratified_split(labels, val_fraction, seed)`` holds out, which every member must also
have held out (each trained on the same file with the same ``--val-fraction`` and
``--seed``, without ``--refit``). So no member has seen the rows its weight is chosen on.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..classifiers import METHODS, load_classifier
from ..classifiers.ensemble import MEMBER_METHODS, Params
from ..errors import InputError, UsageError
from ..evaluate.classification import classification_report
from ..modelio import FORMAT_VERSION, ModelWriter, read_config, resolve_model
from ..preprocess import pipeline_from_config, training_pipeline
from .card import command_line
from .data import LabeledData, stratified_split

RUNTIME = {"num_workers", "sentences"}


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _same_preprocess(a: list[dict], b: list[dict]) -> bool:
    strip = [[{k: v for k, v in st.items() if k not in RUNTIME} for st in x] for x in (a, b)]
    return strip[0] == strip[1]


def fit_weights(log_probs: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative member weights and per-label biases minimizing the log loss of
    softmax(sum_m w_m log p_m + b) on held-out rows."""
    from scipy.optimize import minimize

    n_m, k = len(log_probs), log_probs[0].shape[1]
    lp = np.stack(log_probs)  # members x rows x labels

    def loss(theta: np.ndarray) -> float:
        w, b = theta[:n_m], np.concatenate([[0.0], theta[n_m:]])
        z = np.tensordot(w, lp, axes=1) + b
        z -= z.max(axis=1, keepdims=True)
        logz = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(logz - z[np.arange(len(y)), y]))

    x0 = np.concatenate([np.full(n_m, 1.0 / n_m), np.zeros(k - 1)])
    bounds = [(0.0, None)] * n_m + [(None, None)] * (k - 1)
    res = minimize(loss, x0, method="L-BFGS-B", bounds=bounds)
    return res.x[:n_m], np.concatenate([[0.0], res.x[n_m:]])


def train_ensemble(data: LabeledData, output: str | Path, *,
                   params: Params | dict[str, Any] | None = None,
                   eval_data: LabeledData | None = None, val_fraction: float = 0.1,
                   seed: int = 0, name: str | None = None, description: str = "",
                   data_description: str = "", licence: str | None = None,
                   command: str | None = None,
                   log: Callable[[str], None] = lambda s: None, **_: Any) -> dict[str, Any]:
    members = METHODS["ensemble"].make_params(params).members
    folders = [resolve_model(m) for m in members]
    cfgs = [read_config(f) for f in folders]
    labels = [str(x) for x in cfgs[0].get("labels", [])]
    counts = data.counts()  # what each member must have been trained on
    for f, c in zip(folders, cfgs):
        if c.get("method") not in MEMBER_METHODS:
            # members share one preprocessing (cleaned text and Kiwi morphemes), which a
            # transformer (raw text) does not read
            what = f"a {c['method']} model" if c.get("method") else \
                "not a kotext classifier (a transformers folder?)"
            raise UsageError(f"{f} is {what}: ensemble members are linear, gru or lstm "
                             f"models (trained on the same file with the same "
                             f"`val_fraction` and `seed`)")
        if [str(x) for x in c.get("labels", [])] != labels:
            raise UsageError(f"{f}: labels {c.get('labels')} differ from {folders[0]}'s {labels}")
        if not _same_preprocess(c.get("preprocess", []), cfgs[0].get("preprocess", [])):
            raise UsageError(f"{f}: cleaning/tokenization settings differ from {folders[0]}'s; "
                             f"ensemble members must share them")
        t = c.get("training", {})
        if t.get("val_fraction") != val_fraction or t.get("seed") != seed or t.get("refit"):
            raise UsageError(
                f"{f}: trained with val_fraction={t.get('val_fraction')} `seed` "
                f"{t.get('seed')}{' `refit`' if t.get('refit') else ''}; the ensemble's weights "
                f"are fitted on held-out rows, so every member must be trained on this file "
                f"with val_fraction={val_fraction} seed={seed} and without `refit`"
            )
        if t.get("rows", len(data.labels)) != len(data.labels) or \
                dict(t.get("counts", counts)) != dict(counts):
            raise UsageError(
                f"{f}: trained on {t.get('rows')} rows ({_counts(t.get('counts', {}))}), but "
                f"this file has {len(data.labels)} ({_counts(counts)}): another file, or other "
                f"`limit`/`label_map`. Its training rows could be among the held-out rows the "
                f"weights are fitted on; train every member on this file")
    unknown = sorted(set(data.labels) - set(labels))
    if unknown:
        raise InputError(f"labels {unknown[:5]} are not among the members' ({', '.join(labels)})")
    _, va = stratified_split(data.labels, val_fraction, seed)
    if not len(va):
        raise UsageError("val_fraction=0 leaves no rows to fit the ensemble's weights on")
    pre_cfg = cfgs[0].get("preprocess", [])
    pre = pipeline_from_config(pre_cfg) if pre_cfg else training_pipeline()
    models = [load_classifier(f) for f in folders]

    def log_probs(texts: list[str]) -> list[np.ndarray]:
        docs = list(pre.pipe(texts, batch_size=2000))
        out = []
        for m in models:
            p = np.concatenate([m.predict_proba(docs[i:i + 2000])
                                for i in range(0, len(docs), 2000)])
            out.append(np.log(np.clip(p, 1e-7, 1.0)))
        return out

    t0 = time.perf_counter()
    y_va = np.array([labels.index(data.labels[i]) for i in va])
    lp_va = log_probs([data.texts[i] for i in va])
    w, b = fit_weights(lp_va, y_va)
    log(f"weights {', '.join(f'{x:.3f}' for x in w)} fitted on {len(va)} held-out rows "
        f"({time.perf_counter() - t0:.0f} s)")

    def report(lp: list[np.ndarray], gold: list[str]) -> dict[str, Any]:
        z = np.tensordot(w, np.stack(lp), axes=1) + b
        return classification_report(gold, [labels[i] for i in z.argmax(axis=1)], labels)

    val_rep = report(lp_va, [data.labels[i] for i in va])
    log(f"validation accuracy {val_rep['accuracy']:.4f}")
    for f, lp in zip(folders, lp_va):
        acc = float(np.mean(lp.argmax(axis=1) == y_va))
        log(f"  member {f.name}: validation accuracy {acc:.4f}")
    eval_rep = report(log_probs(eval_data.texts), eval_data.labels) if eval_data else None
    if eval_rep:
        log(f"eval accuracy {eval_rep['accuracy']:.4f}, macro-F1 {eval_rep['macro_f1']:.4f}")

    out = Path(output)
    writer = ModelWriter(out)
    try:
        entries = []
        for i, f in enumerate(folders):
            rel = f"members/{i}-{f.name}"
            shutil.copytree(f, writer.path(rel))
            entries.append({"path": rel, "weight": float(w[i]), "method": cfgs[i].get("method")})
        cfg = {
            "kotext": {"format": FORMAT_VERSION, "kind": "classifier"},
            "name": name or out.name, "method": "ensemble", "labels": labels,
            "members": entries, "bias": [float(x) for x in b],
            "requires_tokens": any(getattr(m, "needs_tokens", True) for m in models),
            "preprocess": pre_cfg,
            "training": {"seed": seed, "val_fraction": val_fraction, "rows": len(data.labels)},
            "metrics": {"validation": val_rep, "eval": eval_rep},
        }
        writer.write_json("config.json", cfg)
        from .card import model_card

        size = sum(p.stat().st_size for p in writer.tmp.rglob("*") if p.is_file()) / 1e6

        writer.write_text("README.md", model_card(
            name=cfg["name"], method="ensemble", labels=labels,
            description=description or "A weighted ensemble of kotext classifiers: "
            + ", ".join(f"{e['method']} ({e['weight']:.2f})" for e in entries) + ".",
            data=data_description or "The labeled file given to `kotext train classifier`.",
            counts=dict(data.counts()), validation=val_rep,
            extra_eval={"Evaluation file": eval_rep} if eval_rep else None,
            command=command_line(command),
            params={"members": ", ".join(members), "weights": ", ".join(f"{x:.3f}" for x in w),
                    "seed": seed, "val_fraction": val_fraction},
            size_mb=size, **({"licence": licence} if licence else {})))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return cfg

