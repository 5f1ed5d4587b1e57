"""Building a pipeline: from a pipeline file or a shipped one's name (``kotext.load``), or
from a model (a classifier, word vectors) and the preprocessing it recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import registry
from .config import apply_overrides, bundled_dir, find_pipeline, read_toml
from .errors import ConfigError
from .pipeline import BATCH_SIZE, Pipeline
from .preprocess import stages_from_config, training_pipeline


def load(name_or_path: str | Path, overrides: list[str] | None = None) -> Pipeline:
    """Build a pipeline from a TOML file, the name of a shipped one (``"tokenize"``), or a
    model folder or shipped model's name (``"sentiment-ko"``): the model's own
    preprocessing followed by its classifier."""
    if overrides is not None and (isinstance(overrides, (str, bytes, dict)) or not all(
            isinstance(o, str) for o in overrides)):  # a string went one character at a time
        raise TypeError(f"overrides={overrides!r}: give a list of \"KEY=VALUE\" strings, e.g. "
                        f"kotext.load(name, [\"stages.tokenize.pos=nouns\"])")
    model_dir = Path(name_or_path)
    if not model_dir.exists() and len(model_dir.parts) == 1:
        model_dir = bundled_dir("models") / model_dir  # a shipped model's name
    if model_dir.is_dir() and (model_dir / "config.json").is_file():
        # a model's runtime options: stages.classify.quantize=true, stages.classify.device
        opts = {"quantize": False, "device": None}
        got = apply_overrides({"stages": {"classify": dict(opts)}}, overrides or [])
        extra = set(got) - {"stages"} or set(got["stages"]) - {"classify"} or \
            set(got["stages"]["classify"]) - set(opts)
        if extra:
            raise ConfigError(f"{name_or_path}: a model folder takes the overrides "
                              f"stages.classify.quantize and stages.classify.device; "
                              f"{', '.join(sorted(extra))} is none of them (other options "
                              f"belong in a pipeline file)")
        return classify_pipeline(str(name_or_path), **got["stages"]["classify"])
    path = find_pipeline(name_or_path)
    cfg = read_toml(path)
    if overrides:
        cfg = apply_overrides(cfg, overrides)
    return Pipeline.from_config(cfg, base_dir=path.parent, source=path)


def classify_pipeline(model: str = "sentiment-ko", batch_size: int | None = None,
                      quantize: bool = False, device: str | None = None) -> Pipeline:
    """The pipeline a model was trained behind, ending in its classifier stage."""
    from .stages.classify import Classifier

    clf = Classifier(model, quantize=quantize, device=device)
    clf.name = "classify"
    if batch_size is None:
        # a transformer sorts each batch's texts by length before padding: a larger pool
        # pads less; the other models gain from small batches (see pipeline.BATCH_SIZE)
        batch_size = 1000 if clf.method == "transformer" else BATCH_SIZE
    reads = clf.reads_chars  # tokenize no more than the model reads
    pre = [dict(cfg, max_chars=reads) if reads and cfg.get("factory") == "kiwi.v1"
           and cfg.get("max_chars") is None else cfg for cfg in clf.preprocess]
    return Pipeline([*stages_from_config(pre), clf], batch_size=batch_size)


def docvec_pipeline(vectors: str, batch_size: int = 1000, loaded: Any = None,
                    **options: Any) -> Pipeline:
    """Cleaning + tokenization as the vectors were trained (kotext vectors record it;
    the defaults otherwise), then a ``docvec.v1`` stage. ``loaded``: the Vectors of
    ``vectors`` when the caller has read them already."""
    stage = registry.create("docvec.v1", name="docvec", vectors=vectors, **options)
    if loaded is not None:
        stage.set_vectors(loaded)
    pre_cfg = stage.model.config.get("preprocess")
    pre = stages_from_config(pre_cfg) if pre_cfg else training_pipeline().stages
    return Pipeline([*pre, stage], batch_size=batch_size)
