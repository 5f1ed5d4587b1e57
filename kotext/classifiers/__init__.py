"""The classifier methods behind the ``classifier.v1`` stage, listed in one table.

A method is one module here (its parameters dataclass ``Params``, its model class ``Model``
that loads a folder from safe files only, JSON + safetensors) and one entry in
:data:`METHODS` (the module, its trainer, what it needs installed). The CLI, the loader
and the trainer all read :data:`METHODS`; modules are imported only when a method is used,
so importing this package is cheap and needs no torch.

>>> from kotext.classifiers import METHODS
>>> sorted(METHODS)
['ensemble', 'gru', 'linear', 'lstm', 'transformer']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError
from ..modelio import read_config, resolve_model


@dataclass(frozen=True)
class Method:
    """One classifier method: where its code lives and what it needs."""

    name: str
    module: str                      # kotext.classifiers.<x>: Params and Model
    trainer: str                     # "module:function" that trains and writes a folder
    runs_with: tuple[str, ...] = ()  # modules beyond kotext's install, to run and to train
    extra: str = ""                  # what to pip install for them
    # to train: (module, pip extra, package, what needs it) for the install message
    trains_with: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def code(self):
        return importlib.import_module(self.module)

    @property
    def params(self) -> type:
        """The method's parameters dataclass (validates itself when built)."""
        return self.code.Params

    @property
    def model(self) -> type:
        return self.code.Model

    def make_params(self, params: Any = None):
        """The method's ``Params`` from a dict (validated), or ``params`` when it is one."""
        if isinstance(params, self.params):
            return params
        return self.params.from_dict(params, self.name)

    def train(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        module, _, fn = self.trainer.partition(":")
        return getattr(importlib.import_module(module), fn)(*args, **kwargs)


_TORCH = ("torch",)
METHODS: dict[str, Method] = {
    "linear": Method("linear", "kotext.classifiers.linear", "kotext.training.linear:train_linear",
                     trains_with=(("sklearn", "train", "scikit-learn",
                                   "training a linear classifier"),)),
    **{cell: Method(cell, "kotext.classifiers.rnn", "kotext.training.rnn:train_rnn",
                    runs_with=_TORCH, extra="torch") for cell in ("gru", "lstm")},
    "transformer": Method("transformer", "kotext.classifiers.transformer",
                          "kotext.transformer.train:train_transformer",
                          runs_with=("torch", "transformers"), extra="'kotext[transformers]'"),
    # its weights are fitted with scipy (which scikit-learn brings)
    "ensemble": Method("ensemble", "kotext.classifiers.ensemble",
                       "kotext.training.ensemble:train_ensemble",
                       trains_with=(("scipy", "train", "scipy", "training an ensemble"),)),
}


def methods_of(module: str) -> tuple[str, ...]:
    """The method names one module implements (``"kotext.classifiers.rnn"``: gru, lstm)."""
    return tuple(name for name, m in METHODS.items() if m.module == module)


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise UsageError(f"method={name!r}: this kotext has {', '.join(METHODS)}")
    return METHODS[name]


def params_from(cls: type, params: dict[str, Any] | None, what: str):
    """A parameters dataclass (it validates itself) from ``params``: ``None`` values keep
    the defaults; an unknown key is a UsageError that names ``what`` and lists the known
    keys."""
    params = dict(params or {})
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise UsageError(f"{what}: unknown option(s) {', '.join(unknown)}; options are: "
                         f"{', '.join(sorted(names))}")
    return cls(**{k: v for k, v in params.items() if v is not None})


def probabilities(z):
    """Scores -> probabilities: one column is a binary model's log-odds (sigmoid), more
    columns are softmax logits."""
    import numpy as np

    if z.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.stack([1.0 - p1, p1], axis=1)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def load_classifier(name_or_path: str | Path, **options: Any):
    """The model of a folder (or a shipped model's name). ``options`` are runtime settings
    the method's model declares in ``runtime_options`` (the transformer's quantize, device,
    batch_size)."""
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
    cls = METHODS[method].model
    for key in cls.required_keys:
        if key not in cfg:
            raise ModelError(f"{folder / 'config.json'}: missing '{key}'; the file is "
                             f"incomplete, retrain the model")
    unknown = sorted(k for k, v in options.items()
                     if v not in (None, False) and k not in cls.runtime_options)
    if unknown:
        raise UsageError(f"option(s) {', '.join(unknown)} do not apply to a {method} model "
                         f"({folder})")
    return cls(folder, cfg, **{k: v for k, v in options.items() if k in cls.runtime_options})


__all__ = ["METHODS", "Method", "get_method", "load_classifier", "methods_of",
           "params_from", "probabilities"]
