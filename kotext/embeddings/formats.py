"""Reading word vectors: a kotext vectors folder, word2vec text or binary files, Facebook
fastText ``.bin`` files. Each reader returns the arguments of :class:`Vectors`."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, UsageError, require

FASTTEXT_BIN_MAGIC = 793712314  # the int32 a Facebook fastText .bin file starts with
FORMATS = ("auto", "kotext", "word2vec", "word2vec-binary", "fasttext-bin")


def detect_format(p: Path) -> str:
    if p.is_dir():
        if (p / "config.json").is_file():
            return "kotext"
        raise ModelError(f"{p}: no config.json; not a kotext vectors folder (train one with "
                         f"`kotext embed train`)")
    if not p.exists():
        raise ModelError(f"vectors not found: {p}. Give a folder from `kotext embed train`, "
                         f"a word2vec .txt/.vec/.bin file or a fastText .bin file")
    with open(p, "rb") as f:
        head = f.read(4)
    if len(head) == 4 and struct.unpack("<i", head)[0] == FASTTEXT_BIN_MAGIC:
        return "fasttext-bin"
    name = p.name.lower()
    if name.endswith(".bin") or name.endswith(".bin.gz"):
        return "word2vec-binary"
    return "word2vec"


def _bad_file(p: Path, fmt: str, e: BaseException) -> ModelError:
    return ModelError(
        f"{p}: cannot read it as {fmt} vectors ({type(e).__name__}: {e}). The file is damaged "
        f"or in another format; pass `vectors_format` "
        f"{'|'.join(f for f in FORMATS if f not in ('auto', 'kotext'))} if the suffix misleads"
    )


def _word2vec_header(p: Path, binary: bool) -> tuple[int, int] | None:
    """(vocab, dim) from the first line, checked against the file's size, or None when the
    file has no header (GloVe-style text)."""
    import gzip

    opener = gzip.open if p.name.lower().endswith(".gz") else open
    with opener(p, "rb") as f:
        line = f.readline(200)
    try:
        parts = line.decode("utf-8").split()
        v, d = int(parts[0]), int(parts[1])
        if len(parts) != 2:
            raise ValueError
    except (UnicodeDecodeError, ValueError, IndexError):
        if binary:
            raise ModelError(f"{p}: no 'VOCAB DIM' header line; not a word2vec binary file "
                             f"(damaged, or another format)") from None
        return None
    if v <= 0 or d <= 0:
        raise ModelError(f"{p}: header says {v} words x {d} dimensions; the file is damaged")
    if opener is open:  # a header that promises more than the file holds is damaged
        need = v * d * (4 if binary else 2)
        if p.stat().st_size < need:
            raise ModelError(f"{p}: the header promises {v:,} words x {d} dimensions but the "
                             f"file has only {p.stat().st_size:,} bytes; it is truncated or "
                             f"damaged")
    return v, d


def gensim_parts(kv, config: dict[str, Any] | None = None, *,
                 counts: np.ndarray | None = None, doc_freq: np.ndarray | None = None,
                 read_counts: bool = True) -> dict[str, Any]:
    """The :class:`Vectors` arguments of a gensim ``KeyedVectors``. ``read_counts``: take
    word counts from gensim (real for models and fastText .bin files; word2vec files have
    none, gensim makes them up)."""
    words = list(kv.index_to_key)
    if counts is None and read_counts:
        try:
            counts = np.array([kv.get_vecattr(w, "count") for w in words], dtype=np.int64)
        except (KeyError, AttributeError):
            counts = None
    ngrams = getattr(kv, "vectors_ngrams", None)
    bucket = getattr(kv, "bucket", 0)
    sub = {}
    if ngrams is not None and bucket:
        sub = {"ngrams": np.asarray(ngrams), "min_n": kv.min_n, "max_n": kv.max_n}
    return {"words": words, "vectors": np.asarray(kv.vectors), "counts": counts,
            "doc_freq": doc_freq, "config": config, **sub}


def read_vectors(path: str | os.PathLike, format: str = "auto") -> dict[str, Any]:
    """The :class:`Vectors` arguments of a kotext vectors folder, a word2vec text
    (``.txt``/``.vec``, optionally ``.gz``) or binary (``.bin``) file, or a Facebook
    fastText ``.bin`` (with subwords)."""
    p = Path(path)
    if format not in FORMATS:
        raise UsageError(f"format {format!r}: use one of {', '.join(FORMATS)}")
    if format == "auto":
        format = detect_format(p)
    if format == "kotext":
        return _load_kotext(p)
    if not p.is_file():
        raise ModelError(f"vectors file not found: {p}")
    if format == "fasttext-bin":
        return _load_fasttext_bin(p)
    return _load_word2vec(p, binary=format == "word2vec-binary")


def _load_word2vec(p: Path, binary: bool) -> dict[str, Any]:
    require("gensim", "embed", f"reading {p.name}")
    from gensim.models import KeyedVectors

    fmt = "word2vec binary" if binary else "word2vec text"
    header = _word2vec_header(p, binary)
    try:
        kv = KeyedVectors.load_word2vec_format(str(p), binary=binary, no_header=header is None)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - any decoding problem is a damaged file
        raise _bad_file(p, fmt, e) from None
    if len(kv) == 0:
        raise ModelError(f"{p}: no vectors in the file")
    parts = gensim_parts(kv, {"method": "imported", "source": str(p), "format": fmt,
                              "tokens": "form"}, read_counts=False)
    if not np.isfinite(parts["vectors"]).all():
        raise ModelError(f"{p}: the file holds non-finite numbers (NaN/inf); it is damaged")
    return parts


def _load_fasttext_bin(p: Path) -> dict[str, Any]:
    require("gensim", "embed", f"reading {p.name}")
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(p))
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        raise _bad_file(p, "Facebook fastText .bin", e) from None
    return gensim_parts(kv, {"method": "fasttext", "source": str(p),
                             "format": "fasttext-bin", "tokens": "form"})


def _load_kotext(folder: Path) -> dict[str, Any]:
    from ..modelio import load_arrays, read_config, require_files

    cfg = read_config(folder)
    if cfg.get("kotext", {}).get("kind") != "vectors":
        raise ModelError(f"{folder}: a kotext {cfg.get('kotext', {}).get('kind', '?')} folder, "
                         f"not word vectors (train them with `kotext embed train`)")
    require_files(folder, ["vocab.json", "vectors.safetensors"])
    try:
        words = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelError(f"{folder / 'vocab.json'}: not valid JSON ({e}); the folder is "
                         f"damaged, retrain or copy it again") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ModelError(f"{folder / 'vocab.json'}: expected a JSON list of words")
    arrays = load_arrays(folder / "vectors.safetensors")
    if "vectors" not in arrays:
        raise ModelError(f"{folder / 'vectors.safetensors'}: no 'vectors' array; retrain")
    vec = arrays["vectors"]
    if vec.ndim != 2 or vec.shape[0] != len(words):
        raise ModelError(f"{folder}: vectors.safetensors has {vec.shape} but vocab.json "
                         f"{len(words)} words; the folder mixes files of different models")
    sub = cfg.get("subwords") or {}
    ngrams = arrays.get("ngrams")
    if sub and (ngrams is None or ngrams.shape != (sub.get("bucket"), vec.shape[1])):
        raise ModelError(f"{folder}: config.json has subwords {sub} but the n-gram matrix is "
                         f"{None if ngrams is None else ngrams.shape}; the folder is damaged")
    config = {k: v for k, v in cfg.items() if k != "kotext"}
    for name in ("counts", "doc_freq"):
        if name in arrays and arrays[name].shape != (len(words),):
            raise ModelError(f"{folder}: '{name}' has shape {arrays[name].shape}, not "
                             f"({len(words)},); the folder is damaged")
    return {"words": words, "vectors": vec, "counts": arrays.get("counts"),
            "doc_freq": arrays.get("doc_freq"), "ngrams": ngrams if sub else None,
            "min_n": sub.get("min_n", 0), "max_n": sub.get("max_n", 0), "config": config}


def vectors_card(cfg: dict[str, Any]) -> str:
    tr = cfg.get("training", {})
    corpus = cfg.get("corpus", {})
    lines = [
        f"# {cfg.get('name')}", "",
        f"{cfg.get('method')} word vectors on Kiwi morphemes ({cfg.get('tokens')} tokens).", "",
        f"- {cfg.get('vocab_size'):,} words x {cfg.get('dim')} dimensions",
    ]
    if cfg.get("subwords"):
        s = cfg["subwords"]
        lines.append(f"- subword n-grams {s['min_n']}-{s['max_n']} in {s['bucket']:,} buckets "
                     f"(unseen words get vectors)")
    if corpus:
        lines.append(f"- corpus: {corpus.get('docs', 0):,} documents, {corpus.get('tokens', 0):,} "
                     f"tokens")
    if tr:
        lines.append("- training: " + ", ".join(f"`{k}={v}`" for k, v in tr.items()))
    if cfg.get("command"):
        lines += ["", "## Reproduce", "", "```bash", cfg["command"], "```"]
    lines += ["", "Files: config.json (settings and the exact tokenization), vocab.json, "
              "vectors.safetensors (no pickle). Load with `kotext.embeddings.Vectors.load`.", ""]
    return "\n".join(lines)
