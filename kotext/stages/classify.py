"""Classification stage ``classifier.v1``: a label and its probability for each document."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from ..doc import Doc
from ..errors import ConfigError, ModelError, installed
from ..modelio import read_config, resolve_model
from .base import Stage

RUNTIME_OPTIONS = {"num_workers", "sentences", "max_chars"}  # not changing the features


def _check_runtime(folder, cfg: dict[str, Any]) -> None:
    """A model whose method needs torch (or transformers) fails when the pipeline is built,
    once, with the install line, instead of on every row."""
    from ..classifiers import METHODS

    methods = [cfg.get("method")] + [m.get("method") for m in cfg.get("members", ())
                                     if isinstance(m, dict)]
    for method in methods:
        if method not in METHODS:
            continue
        missing = [m for m in METHODS[method].runs_with if not installed(m)]
        if missing:
            raise ModelError(
                f"{folder}: a {method} model needs {' and '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} not installed: pip install "
                f"{METHODS[method].extra} (on a machine without a GPU, install the CPU build "
                f"of torch first: pip install torch --index-url "
                f"https://download.pytorch.org/whl/cpu)")


_LOAD_LOCK = threading.Lock()  # one model load at a time


class Classifier(Stage):
    """Assigns ``label`` and ``scores`` (a probability per label) from a model folder
    written by ``kotext train classifier`` (or a shipped model's name, e.g. ``sentiment-ko``).

    The model records the cleaning and tokenization it was trained with; a pipeline whose
    earlier stages differ fails when it is built, instead of silently predicting worse.
    """

    factory = "classifier.v1"
    assigns = frozenset({"label", "scores"})
    path_params: ClassVar[tuple[str, ...]] = ("model",)

    param_help = {"quantize": "transformer models on the CPU: int8 dynamic quantization "
                              "(faster, a little less accurate; a text's score varies slightly "
                              "with the batch it is in)",
                  "device": "transformer models: cpu, cuda or cuda:N (default: a GPU when "
                            "there is one)"}

    def __init__(self, model: str = "sentiment-ko", quantize: bool = False,
                 device: str | None = None):
        self.model = model
        self.quantize = quantize
        self.device = device
        self._folder = resolve_model(model)
        self._config = read_config(self._folder)
        if "labels" not in self._config:  # e.g. a pre-trained encoder (kotext pretrain)
            from ..classifiers import load_classifier

            load_classifier(self._folder)  # raises the error that says what to do
        _check_runtime(self._folder, self._config)
        given = [k for k, v in (("quantize", quantize), ("device", device)) if v]
        if given:  # options the model's method does not take fail now (validate says so too)
            from ..classifiers import METHODS

            method = self._config.get("method")
            takes = METHODS[method].model.runtime_options if method in METHODS else ()
            if not set(given) <= set(takes):
                where = [m for m, entry in METHODS.items()
                         if set(given) <= set(entry.model.runtime_options)]
                raise ConfigError(f"classifier option(s) {', '.join(given)} apply to "
                                  f"{' or '.join(where) or 'no'} models; {model} is a "
                                  f"{method} model")
        self._model = None
        feats = self._config.get("features", {})
        if feats.get("morph_ngrams", [0, 0])[-1] or self._config.get("requires_tokens"):
            self.requires = frozenset({"text", "tokens"})  # the model reads morphemes

    @property
    def method(self) -> str | None:
        return self._config.get("method")

    @property
    def reads_chars(self) -> int | None:
        """How many characters of a text the model reads (a linear model's ``max_chars``;
        an ensemble of such, the most of its members), or None: the whole text."""
        cfgs = [self._config]
        if self._config.get("method") == "ensemble":
            cfgs = [m for m in self._config.get("members", ()) if isinstance(m, dict)]
        reads = [c.get("features", {}).get("max_chars") if c.get("method") == "linear"
                 and isinstance(c.get("features"), dict) else None for c in cfgs]
        if not reads or not all(isinstance(r, int) and r > 0 for r in reads):
            return None
        return max(reads)

    @property
    def labels(self) -> list[str]:
        return [str(x) for x in self._config["labels"]]

    @property
    def preprocess(self) -> list[dict[str, Any]]:
        """The stages (factory + options) the model was trained behind."""
        return self._config.get("preprocess", [])

    def check_pipeline(self, before: list[Stage]) -> None:
        trained = {w.get("factory") for w in self.preprocess}
        for st in before:  # cleaning the model never saw changes its input, silently
            if st.factory == "clean.v1" and "clean.v1" not in trained:
                raise ConfigError(
                    f"stage '{self.name}': model {self.model} was trained on text as given, "
                    f"with no clean.v1 stage, and stage '{st.name}' would change its input "
                    f"(and its scores): remove that stage, or retrain the model behind it")
        for want in self.preprocess:
            factory = want.get("factory")
            have = [s for s in before if s.factory == factory]
            if not have:
                raise ConfigError(
                    f"stage '{self.name}': model {self.model} was trained behind a {factory} "
                    f"stage, which this pipeline lacks; add it with the options in "
                    f"{self._folder / 'config.json'} (or load the model's own pipeline: "
                    f"kotext.load({str(self.model)!r}))"
                )
            got = have[-1].to_config()
            for key, val in want.items():
                if key in RUNTIME_OPTIONS or key == "factory":
                    continue
                if got.get(key) != val:
                    raise ConfigError(
                        f"stage '{self.name}': model {self.model} was trained with "
                        f"{factory} option {key}={val!r}, but stage '{have[-1].name}' has "
                        f"{key}={got.get(key)!r}. Use the model's setting or retrain."
                    )

    @property
    def classifier(self):
        if self._model is None:
            # one thread loads the model, the others making their first call wait for it
            with _LOAD_LOCK:
                if self._model is None:
                    from ..classifiers import load_classifier
                    from ..errors import KotextError

                    try:
                        self._model = load_classifier(self._folder, quantize=self.quantize,
                                                      device=self.device)
                    except (KotextError, ImportError, MemoryError):
                        raise
                    except Exception as e:  # a damaged folder: what broke, and the fix
                        raise ModelError(
                            f"{self._folder}: cannot load the model ({type(e).__name__}: "
                            f"{e}); the folder is damaged or hand-edited: retrain or copy it "
                            f"again") from None
        return self._model

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        # An empty text (as given, or once cleaned) keeps its place with no label and no
        # error; kotext.doc.is_empty holds the rule
        todo = [d for d in docs if d.error is None and not d.is_empty]
        if not todo:
            return docs
        probs = self.classifier.predict_proba(todo)
        labels = self.labels
        for doc, best, p in zip(todo, probs.argmax(axis=1).tolist(), probs.tolist()):
            doc.label = labels[best]
            doc.scores = dict(zip(labels, p))
        return docs
