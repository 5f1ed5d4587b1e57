"""Every registered factory passes kotext.testing.check_stage (the stage contract)."""

from __future__ import annotations

import numpy as np
import pytest

from kotext import registry
from kotext.stages.base import Stage
from kotext.testing import check_stage

# one config per shipped factory; a factory added to registry.py without one fails below
CONFIGS = {
    "clean.v1": lambda tmp: {"html": True, "emoji": "remove"},
    "kiwi.v1": lambda tmp: {"pos": ["NNG", "NNP", "VV", "VA"], "sentences": True},
    "classifier.v1": lambda tmp: {"model": "sentiment-ko"},
    "textrank.v1": lambda tmp: {"n": 1},
    "keywords.v1": lambda tmp: {"n": 3},
    "docvec.v1": lambda tmp: {"vectors": str(_vectors(tmp)), "weighting": "mean"},
    "abstractive.v1": lambda tmp: {"model": str(_bart(tmp)), "num_beams": 1,
                                   "max_length": 8},
}


def _vectors(tmp):
    from kotext.embeddings import Vectors

    words = ["배우", "연기", "영화", "스토리", "날씨", "서울", "시간", "결말"]
    vec = Vectors(words, np.random.default_rng(0).normal(size=(len(words), 4)),
                  counts=np.arange(len(words), 0, -1), config={"tokens": "form"})
    return vec.save(tmp / "vectors")


def _bart(tmp):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_transformers import make_bart

    from kotext.testing import TEXTS

    return make_bart(tmp / "bart", list(TEXTS))


def test_every_registered_factory_has_a_config():
    shipped = [n for n, target in registry.factory_modules().items()
               if target.startswith("kotext.")]
    assert sorted(CONFIGS) == sorted(shipped)


@pytest.mark.parametrize("factory", sorted(CONFIGS))
def test_stage_contract(factory, tmp_path):
    check_stage(factory, CONFIGS[factory](tmp_path))


def test_hooks_are_declared_on_the_base_class():
    for hook in ("param_help", "path_params", "assigns_when", "streams", "check_files",
                 "check_pipeline", "process_stream"):
        assert hasattr(Stage, hook), hook


class _Sloppy(Stage):
    """Assigns label but declares only scores."""

    factory = "test_sloppy.v1"
    assigns = frozenset({"scores"})

    def __init__(self, label: str = "x"):
        self.label = label

    def process_batch(self, docs):
        for d in docs:
            d.label, d.scores = self.label, {self.label: 1.0}
        return docs


def test_check_stage_catches_an_undeclared_field():
    registry.register("test_sloppy.v1")(_Sloppy)
    try:
        with pytest.raises(AssertionError, match=r"changed \['label'\]"):
            check_stage("test_sloppy.v1", worker=False)
    finally:
        registry._FACTORIES.pop("test_sloppy.v1", None)
        registry._LOADED.pop("test_sloppy.v1", None)
