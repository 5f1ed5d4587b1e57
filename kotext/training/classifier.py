"""``kotext train classifier``: labeled CSV in, model folder out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import registry
from ..errors import InputError, UsageError
from ..evaluate.classification import classification_report
from ..modelio import FORMAT_VERSION, ModelWriter
from ..pipeline import Pipeline
from .card import command_line
from .data import LabeledData, stratified_split

ProgressFactory = Callable[[str, int | None], Any]


def _no_progress(desc: str, total: int | None = None):
    class _Null:
        def update(self, n: int = 1) -> None: ...
        def __enter__(self): return self
        def __exit__(self, *a): return False
    return _Null()


def preprocess_pipeline(clean: dict[str, Any] | None = None,
                        tokenize: dict[str, Any] | None = None) -> Pipeline:
    stages = [registry.create("clean.v1", name="clean", **(clean or {})),
              registry.create("kiwi.v1", name="tokenize", sentences=False, **(tokenize or {}))]
    return Pipeline(stages)


def preprocess_config(pre: Pipeline) -> list[dict[str, Any]]:
    return [{k: v for k, v in st.to_config().items() if k != "num_workers"} for st in pre.stages]


def train_classifier(data: LabeledData, output: str | Path, *, method: str = "linear",
                     eval_data: LabeledData | None = None, val_fraction: float = 0.1,
                     seed: int = 0, class_weight: str | None = None,
                     params: dict[str, Any] | None = None, clean: dict[str, Any] | None = None,
                     tokenize: dict[str, Any] | None = None, refit: bool = False,
                     name: str | None = None, description: str = "",
                     data_description: str = "", licence: str | None = None,
                     command: str | None = None,
                     progress: ProgressFactory = _no_progress,
                     log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    if method == "transformer":
        from ..transformer.train import train_transformer

        return train_transformer(data, output, eval_data=eval_data, val_fraction=val_fraction,
                                 seed=seed, class_weight=class_weight, params=params,
                                 name=name, description=description,
                                 data_description=data_description, licence=licence,
                                 command=command, progress=progress, log=log)
    if method in ("gru", "lstm"):
        from .rnn import train_rnn

        return train_rnn(data, output, method=method, eval_data=eval_data,
                         val_fraction=val_fraction, seed=seed, class_weight=class_weight,
                         params=params, clean=clean, tokenize=tokenize, name=name,
                         description=description, data_description=data_description,
                         licence=licence, command=command, progress=progress, log=log)
    if method == "ensemble":
        from .ensemble import train_ensemble

        return train_ensemble(data, output, members=list((params or {}).get("members", [])),
                              eval_data=eval_data, val_fraction=val_fraction, seed=seed,
                              name=name, description=description,
                              data_description=data_description, licence=licence,
                              command=command, log=log)
    if method != "linear":
        raise UsageError(f"method={method!r}: this version trains: linear")
    counts = data.counts()
    labels = sorted(counts)
    if len(labels) < 2:
        raise InputError(
            f"the training data has only one label ({labels[0]!r}, {counts[labels[0]]} rows); "
            f"a classifier needs at least two. Check `label_column` and `label_map`."
        )
    if not 0 <= val_fraction < 0.9:
        raise UsageError("`val_fraction` must be in [0, 0.9)")
    params = dict(params or {})
    from . import linear

    feat_cfg = {k: params.pop(k, linear.DEFAULTS[k]) for k in ("char_ngrams", "morph_ngrams",
                                                                "bits")}
    from ..features import HashedNgrams

    featurizer = HashedNgrams(**feat_cfg)
    trainer = linear.LinearTrainer(labels, class_weight=class_weight, seed=seed, **params)
    pre = preprocess_pipeline(clean, tokenize)
    y_all = np.array([labels.index(x) for x in data.labels])

    t0 = time.perf_counter()
    with progress("preprocess", len(data.texts) + (len(eval_data.texts) if eval_data else 0)) as bar:
        x_all = linear.featurize(data.texts, pre, featurizer, bar.update)
        x_eval = linear.featurize(eval_data.texts, pre, featurizer, bar.update) if eval_data else None
    log(f"features: {x_all.shape[0]} docs, {x_all.nnz / max(x_all.shape[0], 1):.0f} per doc, "
        f"{time.perf_counter() - t0:.0f} s")
    tr, va = stratified_split(data.labels, val_fraction, seed)
    t1 = time.perf_counter()
    coef, intercept = _as_saved(*trainer.fit(x_all[tr], y_all[tr]))
    log(f"fit on {len(tr)} rows: {time.perf_counter() - t1:.0f} s")

    def evaluate(x, gold: list[str]) -> dict[str, Any]:
        p = linear.predict_proba(x, coef, intercept, trainer.row_norm)
        return classification_report(gold, [labels[i] for i in p.argmax(axis=1)], labels)

    val_rep = evaluate(x_all[va], [data.labels[i] for i in va]) if len(va) else None
    if val_rep:
        log(f"validation accuracy {val_rep['accuracy']:.4f}, macro-F1 {val_rep['macro_f1']:.4f}")
    if refit and len(va):
        t1 = time.perf_counter()
        coef, intercept = _as_saved(*trainer.fit(x_all, y_all))
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
        "preprocess": preprocess_config(pre),
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
