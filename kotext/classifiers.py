"""Text classifiers behind the ``classifier.v1`` stage. A model folder's ``config.json``
names its method; each method loads from safe files only (JSON + safetensors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .doc import Doc
from .errors import ModelError, UsageError
from .classifiers_rnn import RNNClassifier  # torch is imported when one is built
from .ensemble import EnsembleClassifier
from .modelio import load_arrays, read_config, require_files, resolve_model
from .transformer.infer import TransformerClassifier  # torch is imported when one is built


def probabilities(z: np.ndarray) -> np.ndarray:
    """Scores -> probabilities: one column is a binary model's log-odds (sigmoid), more
    columns are softmax logits."""
    if z.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.stack([1.0 - p1, p1], axis=1)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LinearClassifier:
    """Logistic regression over hashed character and morpheme n-grams
    (:class:`kotext.features.HashedNgrams`)."""

    method = "linear"
    files = ["config.json", "weights.safetensors"]

    def __init__(self, folder: Path, cfg: dict[str, Any]):
        from .features import HashedNgrams

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
        """Scores (log-odds) per output: a sum of the active features' weights."""
        rows, cols = self.featurizer.pairs(docs)
        n = len(docs)
        z = np.empty((n, self.coef.shape[1]), dtype=np.float64)
        for k in range(self.coef.shape[1]):
            z[:, k] = np.bincount(rows, weights=self.coef[cols, k], minlength=n)
        if self.row_norm == "l2":
            nnz = np.bincount(rows, minlength=n).astype(np.float64)
            z /= np.sqrt(np.maximum(nnz, 1.0))[:, None]
        return z + self.intercept

    def predict_proba(self, docs: list[Doc]) -> np.ndarray:
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


METHODS = {"linear": LinearClassifier, "transformer": TransformerClassifier}

METHODS.update({"gru": RNNClassifier, "lstm": RNNClassifier})
METHODS["ensemble"] = EnsembleClassifier


def load_classifier(name_or_path: str | Path, **options: Any):
    """``options`` are runtime settings a method declares in ``runtime_options`` (e.g. the
    transformer's quantize, device, batch_size)."""
    folder = resolve_model(name_or_path)
    cfg = read_config(folder)
    method = cfg.get("method")
    if isinstance(cfg.get("kotext"), dict) and cfg["kotext"].get("kind") == "encoder" or \
            ("model_type" in cfg and method is None):
        raise ModelError(
            f"{folder}: a pre-trained encoder without a classification head; fine-tune it "
            f"first: kotext train classifier method='transformer' base={folder} "
            f"train=FILE output=FOLDER"
        )
    if method in ("word2vec", "fasttext"):
        raise ModelError(
            f"{folder}: word vectors (kotext embed train), not a classifier; train one over "
            f"them: kotext train classifier method='gru' vectors={folder} train=FILE "
            f"output=FOLDER")
    if method not in METHODS:
        raise ModelError(
            f"{folder / 'config.json'}: method {method!r} is not one this kotext can load "
            f"({', '.join(METHODS)}); upgrade kotext or retrain the model"
        )
    cls = METHODS[method]
    for key in getattr(cls, "required_keys", ("labels", "features")):
        if key not in cfg:
            raise ModelError(f"{folder / 'config.json'}: missing '{key}'; the file is "
                             f"incomplete, retrain the model")
    unknown = sorted(k for k, v in options.items()
                     if v not in (None, False) and k not in getattr(cls, "runtime_options", ()))
    if unknown:
        raise UsageError(f"option(s) {', '.join(unknown)} do not apply to a {method} model "
                         f"({folder})")
    return cls(folder, cfg, **{k: v for k, v in options.items()
                               if k in getattr(cls, "runtime_options", ())})
