"""Model folders: ``config.json`` + weights in a safe format + a model card.

Nothing is ever unpickled. A folder that is missing, incomplete or written by an
incompatible version gets an error naming the file that is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .config import bundled_dir
from .errors import ModelError, UsageError

FORMAT_VERSION = 1
DEFAULT_SENTIMENT = "sentiment-ko"


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """A folder path, or the name of a shipped model under ``models/``."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    shipped = bundled_dir("models") / str(name_or_path)
    if shipped.is_dir() and os.sep not in str(name_or_path):
        return shipped
    names = sorted(d.name for d in bundled_dir("models").iterdir() if d.is_dir()) \
        if bundled_dir("models").is_dir() else []
    raise ModelError(
        f"model folder not found: {name_or_path}. Give a folder written by `kotext train` "
        f"(with config.json), or a shipped model: {', '.join(names) or 'none installed'}."
    )


KOTEXT_JSON = "kotext.json"  # kotext's metadata beside a transformers config.json


def transformers_config(cfg: dict[str, Any], folder: Path) -> dict[str, Any]:
    """kotext's view of a plain transformers folder (no kotext.json): a fine-tuned
    sequence classifier becomes method "transformer" with its id2label names."""
    archs = cfg.get("architectures") or []
    id2label = cfg.get("id2label") or {}
    head = any(str(a).endswith("ForSequenceClassification") for a in archs)
    if head and not id2label:  # transformers 5 leaves the default labels out: LABEL_0...
        n = cfg["num_labels"] if isinstance(cfg.get("num_labels"), int) else 2
        id2label = {str(i): f"LABEL_{i}" for i in range(n)}
    if head and id2label:
        try:
            labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
        except (TypeError, ValueError):
            raise ModelError(f"{folder / 'config.json'}: id2label keys are not numbers") from None
        return {"kotext": {"format": FORMAT_VERSION, "kind": "classifier"},
                "method": "transformer", "labels": labels, "preprocess": [],
                "name": folder.name}
    return cfg  # e.g. a pre-trained encoder: the caller knows what to do with it


def read_config(folder: Path) -> dict[str, Any]:
    """kotext's metadata of a model folder: ``kotext.json`` when there is one (transformers
    folders, whose ``config.json`` is the transformers config), else ``config.json``."""
    if (folder / KOTEXT_JSON).is_file() and (folder / "config.json").is_file():
        path = folder / KOTEXT_JSON
    else:
        path = folder / "config.json"
    if not path.is_file():
        raise ModelError(f"{folder}: no config.json; this is not a kotext model folder "
                         f"(train one with `kotext train classifier`)")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: not valid JSON ({e}); the model folder is damaged, "
                         f"retrain or copy it again") from None
    if not isinstance(cfg, dict):
        raise ModelError(f"{path}: expected a JSON object")
    if "model_type" in cfg and "kotext" not in cfg:
        return transformers_config(cfg, folder)  # a transformers folder without kotext.json
    version = cfg.get("kotext", {}).get("format") if isinstance(cfg.get("kotext"), dict) else None
    if version is None:
        raise ModelError(f"{path}: no kotext.format entry; not a kotext model folder")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelError(f"{path}: kotext.format is {version!r}, not a whole number; the "
                         f"file is damaged, retrain or copy the model again")
    _check_shape(cfg, path)
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {version} is newer than this kotext understands "
            f"({FORMAT_VERSION}); upgrade kotext (pip install -U kotext)"
        )
    return cfg


def _check_shape(cfg: dict[str, Any], path: Path) -> None:
    """The entries a classifier reads, of the types it reads them as: a damaged or
    hand-edited config.json fails here, naming the entry, not deep in loading."""
    def bad(key: str, want: str):
        return ModelError(f"{path}: {key} is {cfg_get(key)!r}, expected {want}; the file is "
                          f"damaged or hand-edited: retrain or copy the model again")

    def cfg_get(key: str):
        node: Any = cfg
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def whole(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    cfg = {k: v for k, v in cfg.items() if v is not None}  # null: as if absent
    for key in ("method", "name", "row_norm"):
        if key in cfg and not isinstance(cfg[key], str):
            raise bad(key, "a string")
    if "labels" in cfg:
        labels = cfg["labels"]
        if not (isinstance(labels, list) and labels and all(
                isinstance(x, (str, int)) and not isinstance(x, bool) for x in labels)):
            raise bad("labels", "a list of label names")
    for key in ("preprocess", "members"):
        if key in cfg and not (isinstance(cfg[key], list) and all(
                isinstance(x, dict) for x in cfg[key])):
            raise bad(key, "a list of objects")
    if any(not isinstance(x.get("factory"), str) for x in cfg.get("preprocess", ())):
        raise bad("preprocess", 'objects each with "factory": "NAME"')
    feats = cfg.get("features")
    if "features" in cfg and not isinstance(feats, dict):
        raise bad("features", "an object")
    for key, v in (feats or {}).items():
        if key in ("bits", "max_chars", "max_len") and not (whole(v) and v > 0):
            raise bad(f"features.{key}", "a whole number, 1 or more")
        if key in ("char_ngrams", "morph_ngrams") and not (
                isinstance(v, list) and len(v) == 2 and all(whole(x) for x in v)):
            raise bad(f"features.{key}", "[low, high], two whole numbers")
    if feats and "bits" in feats and feats["bits"] > 30:
        raise bad("features.bits", "at most 30")


def require_files(folder: Path, names: list[str]) -> None:
    for name in names:
        if not (folder / name).is_file():
            raise ModelError(f"{folder}: missing {name}; the model folder is incomplete "
                             f"(copy the whole folder, or retrain)")


def load_arrays(path: Path) -> dict[str, Any]:
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except Exception as e:  # noqa: BLE001 - any decoding problem is a damaged file
        raise ModelError(f"{path}: cannot read the weights ({e}); the file is damaged, "
                         f"retrain or copy it again") from None


def check_output_folder(folder: str | os.PathLike, kind: str | None = None) -> Path:
    """The folder a model is written to replaces whatever is there: refuse a file, the
    current folder (or one above it), a folder that holds other files but no model, and
    (given ``kind``) a kotext folder of another kind (word vectors that gru/lstm models and
    similar-docs read, under a classifier's -o)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output={folder}: a file, not a folder; give the model a folder of its "
                         f"own, e.g. output=models/my-model")
    here = Path.cwd().resolve()
    if here == folder.resolve() or folder.resolve() in here.parents:
        raise UsageError(f"output={folder}: the current folder (or one above it); the model "
                         f"replaces its output=folder, so give it one of its own, e.g. "
                         f"output=models/my-model")
    have = model_kind(folder) if folder.is_dir() else None
    if folder.is_dir() and have is None:
        names = sorted(p.name for p in folder.iterdir())
        if names:
            more = ", ..." if len(names) > 5 else ""
            raise UsageError(
                f"output={folder} holds other files ({', '.join(names[:5])}{more}) and no kotext "
                f"model; the model replaces the whole folder. Give a new or empty folder, "
                f"e.g. output={folder / 'my-model'}")
    if kind is not None and have is not None and have != kind:
        raise UsageError(f"output={folder} holds {WHAT[have]} made by kotext, and this writes "
                         f"{WHAT[kind]}; the new model would replace it. Give another folder, "
                         f"or delete that one first")
    return folder


WHAT = {"vectors": "word vectors", "encoder": "a pre-trained encoder",
        "summarizer": "a summarizer", "classifier": "a classifier"}


def model_kind(folder: Path) -> str | None:
    """What kotext wrote into ``folder``: "vectors", "encoder", "summarizer" or
    "classifier"; None when kotext did not write it. Its config.json says so, or (fine-tuned
    and pre-trained transformers, summarizers) kotext's kotext.json / training.json beside
    transformers' config.json does. Any other config.json (an app's, a project's) does not
    make a folder safe to replace."""
    def read(name: str) -> dict | None:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    cfg = read("config.json")
    if cfg is None:
        return None
    meta = read(KOTEXT_JSON) or {}
    summarizer = (folder / "training.json").is_file()
    if "kotext" not in cfg and "kotext" not in meta and not summarizer:
        return None
    if cfg.get("method") in ("word2vec", "fasttext"):
        return "vectors"
    if isinstance(meta.get("kotext"), dict) and meta["kotext"].get("kind") == "encoder":
        return "encoder"
    return "summarizer" if summarizer else "classifier"


class ModelWriter:
    """Write a model folder atomically: into a temporary sibling, renamed at the end."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = check_output_folder(folder)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.", dir=self.folder.parent))

    def write_json(self, name: str, obj: Any) -> None:
        (self.tmp / name).write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")

    def write_text(self, name: str, text: str) -> None:
        if name.endswith((".md", ".txt")) and not text.endswith("\n"):
            text += "\n"  # a text file ends its last line
        (self.tmp / name).write_text(text, encoding="utf-8")

    def write_arrays(self, name: str, arrays: dict[str, Any]) -> None:
        import numpy as np
        from safetensors.numpy import save_file

        # safetensors writes an array's memory as it lies: a Fortran-ordered one (what
        # scikit-learn's multinomial solvers return) would come back transposed in blocks
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(self.tmp / name))

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self) -> Path:
        # mkdtemp makes a private folder: give the model the usual permissions
        os.chmod(self.tmp, 0o755)
        for f in self.tmp.rglob("*"):
            os.chmod(f, 0o755 if f.is_dir() else 0o644)
        if self.folder.exists():
            old = self.folder.with_name(self.folder.name + ".old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(self.folder, old)
            os.replace(self.tmp, self.folder)
            shutil.rmtree(old)
        else:
            os.replace(self.tmp, self.folder)
        return self.folder

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
