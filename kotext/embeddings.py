"""Word embeddings on Kiwi morphemes: train (gensim word2vec / fastText), query, evaluate,
load vectors made elsewhere, save in a safe format.

>>> from kotext.embeddings import train_vectors, Vectors          # doctest: +SKIP
>>> vec = train_vectors(texts, "models/my-vectors", method="fasttext")  # doctest: +SKIP
>>> vec.most_similar("배우", n=5)                                   # doctest: +SKIP
>>> Vectors.load("cc.ko.300.bin")           # Facebook fastText   # doctest: +SKIP

A kotext vectors folder holds ``config.json`` (method, dimension, and the exact cleaning
and tokenization the vectors were trained behind), ``vocab.json`` (the words, in row
order), ``vectors.safetensors`` (``vectors`` [V, d] float32, ``counts`` and ``doc_freq``
per word, and for fastText the n-gram bucket matrix ``ngrams`` [bucket, d]) and a
``README.md``. Nothing is pickled; gensim is needed to train and to read word2vec /
Facebook files, not to query kotext's own vectors.

Training tokenizes the corpus once, streamed, into a temporary plain-text file (one
document per line, tokens separated by spaces), and gensim trains from that file with
``corpus_file=`` on all cores: Kiwi runs once, not once per epoch, and the corpus is never
held in memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .doc import Doc
from .errors import InputError, ModelError, UsageError, require
from .io.encoding import read_text_file

TOKEN_FORMATS = ("form", "form/tag")
METHODS = ("word2vec", "fasttext")
FASTTEXT_BIN_MAGIC = 793712314  # the int32 a Facebook fastText .bin file starts with
FORMATS = ("auto", "kotext", "word2vec", "word2vec-binary", "fasttext-bin")


class OOVError(InputError, KeyError):
    """A word with no vector (not in the vocabulary, and no subword n-grams)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


# -- tokens -------------------------------------------------------------------------------
def doc_keys(doc: Doc, tokens: str = "form") -> list[str]:
    """The vocabulary keys of a document's tokens: ``배우`` or ``배우/NNG`` (lemmas when
    the tokenizer produced them); spaces inside a token become ``_``."""
    if not doc.tokens:
        return []
    out = []
    tagged = tokens == "form/tag"
    for t in doc.tokens:
        form = t.lemma or t.form
        if " " in form or "\t" in form:
            form = "_".join(form.split())
        out.append(f"{form}/{t.tag}" if tagged else form)
    return out


def _check_tokens(tokens: str) -> str:
    if tokens not in TOKEN_FORMATS:
        raise UsageError(f"tokens={tokens!r}: use 'form' (배우) or 'form/tag' (배우/NNG)")
    return tokens


class TokenFile:
    """A re-iterable corpus over a token file (one document per line, tokens separated by
    spaces): gensim can iterate it once per epoch. Memory stays flat."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                toks = line.split()
                if toks:
                    yield toks


class PipelineCorpus:
    """A re-iterable corpus that streams texts through a tokenization pipeline on every
    pass (one list of keys per document). ``texts`` must be re-iterable (a list, a
    :class:`kotext.io.readers.Source`-like object) or a zero-argument callable returning a
    fresh iterable; a one-shot iterator is refused, since gensim iterates several times.

    For large corpora prefer :func:`tokenize_to_file` + :class:`TokenFile` (Kiwi then runs
    once instead of once per epoch): :func:`train_vectors` does that.
    """

    def __init__(self, texts: Iterable[str] | Callable[[], Iterable[str]], pipeline=None,
                 tokens: str = "form", batch_size: int = 1000):
        if not callable(texts) and iter(texts) is texts:
            raise TypeError("PipelineCorpus needs a re-iterable (a list, or a callable that "
                            "returns a fresh iterator), not a one-shot iterator/generator")
        self.texts = texts
        self.pipeline = pipeline if pipeline is not None else _preprocess()
        self.tokens = _check_tokens(tokens)
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[list[str]]:
        texts = self.texts() if callable(self.texts) else self.texts
        for doc in self.pipeline.pipe(texts, batch_size=self.batch_size, on_error="record"):
            if doc.error is None:
                keys = doc_keys(doc, self.tokens)
                if keys:
                    yield keys


def _preprocess(clean: dict[str, Any] | None = None, tokenize: dict[str, Any] | None = None):
    from .training.classifier import preprocess_pipeline

    return preprocess_pipeline(clean, tokenize)


def _preprocess_config(pre) -> list[dict[str, Any]]:
    from .training.classifier import preprocess_config

    return preprocess_config(pre)


def pipeline_from_config(preprocess: list[dict[str, Any]]):
    """The clean + tokenize pipeline recorded in a vectors or model config."""
    from . import registry
    from .pipeline import Pipeline

    stages = []
    for cfg in preprocess:
        cfg = dict(cfg)
        factory = cfg.pop("factory")
        stages.append(registry.create(factory, name=factory.split(".")[0].replace(
            "kiwi", "tokenize"), **cfg))
    return Pipeline(stages)


class CorpusStats:
    def __init__(self) -> None:
        self.docs = 0          # documents with at least one token
        self.rows = 0          # input rows read
        self.failed = 0        # rows the pipeline could not process
        self.tokens = 0
        self.tf: Counter = Counter()
        self.df: Counter = Counter()


def tokenize_to_file(texts: Iterable[str], pipeline, path: str | os.PathLike, *,
                     tokens: str = "form", batch_size: int = 1000,
                     progress: Callable[[int], None] | None = None) -> CorpusStats:
    """One streamed pass: each document's keys on one line of ``path``; returns counts
    (term and document frequencies) gathered on the way."""
    _check_tokens(tokens)
    st = CorpusStats()
    tf, df = st.tf, st.df
    with open(path, "w", encoding="utf-8") as f:
        buf: list[str] = []
        for doc in pipeline.pipe(texts, batch_size=batch_size, on_error="record"):
            st.rows += 1
            if doc.error is not None:
                st.failed += 1
            else:
                keys = doc_keys(doc, tokens)
                if keys:
                    st.docs += 1
                    st.tokens += len(keys)
                    tf.update(keys)
                    df.update(set(keys))
                    buf.append(" ".join(keys))
            if len(buf) >= batch_size:
                f.write("\n".join(buf) + "\n")
                buf.clear()
            if progress is not None:
                progress(1)
        if buf:
            f.write("\n".join(buf) + "\n")
    return st


# -- fastText subwords (the Facebook / gensim hashing, reimplemented) ----------------------
def ft_hash(b: bytes) -> int:
    """fastText's FNV-1a variant over UTF-8 bytes, each byte sign-extended (as C ``char``)."""
    h = 2166136261
    for x in b:
        if x >= 128:
            x |= 0xFFFFFF00
        h = ((h ^ x) * 16777619) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams of ``<word>`` fastText uses (single ``<``/``>`` left out)."""
    chars = f"<{word}>"
    n_chars = len(chars)
    out = []
    for i in range(n_chars):
        for n in range(1, max_n + 1):
            j = i + n
            if j > n_chars:
                break
            if n >= min_n and not (n == 1 and (i == 0 or j == n_chars)):
                out.append(chars[i:j])
    return out


def ngram_buckets(word: str, min_n: int, max_n: int, bucket: int) -> list[int]:
    return [ft_hash(g.encode("utf-8")) % bucket for g in char_ngrams(word, min_n, max_n)]


# -- the vectors ---------------------------------------------------------------------------
class Vectors:
    """Word vectors with their vocabulary; fastText vectors also keep the n-gram buckets,
    so that unseen words (typos, rare inflections) get a vector from their subwords.

    Keys are what the tokenization produced (``배우``, or ``배우/NNG`` for ``form/tag``
    vectors); a query given without a tag (``배우``) resolves to the most frequent key with
    that form.
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, *,
                 counts: np.ndarray | None = None, doc_freq: np.ndarray | None = None,
                 ngrams: np.ndarray | None = None, min_n: int = 0, max_n: int = 0,
                 config: dict[str, Any] | None = None):
        self.words: list[str] = list(words)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ModelError(f"vectors of shape {self.vectors.shape} do not match a "
                             f"vocabulary of {len(self.words)} words")
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ModelError("the vocabulary has duplicate words")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.doc_freq = None if doc_freq is None else np.asarray(doc_freq, dtype=np.int64)
        self.ngrams = None if ngrams is None else np.ascontiguousarray(ngrams, dtype=np.float32)
        self.min_n, self.max_n = int(min_n), int(max_n)
        self.config: dict[str, Any] = dict(config or {})
        self.config.setdefault("tokens", "form")
        self._unit: np.ndarray | None = None
        self._forms: dict[str, int] | None = None

    # -- basics
    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def tokens(self) -> str:
        return self.config.get("tokens", "form")

    @property
    def method(self) -> str:
        return self.config.get("method", "word2vec")

    @property
    def has_subwords(self) -> bool:
        return self.ngrams is not None and len(self.ngrams) > 0

    @property
    def bucket(self) -> int:
        return 0 if self.ngrams is None else int(self.ngrams.shape[0])

    def __repr__(self) -> str:
        sub = f", subwords {self.min_n}-{self.max_n}" if self.has_subwords else ""
        return f"<Vectors {self.method}: {len(self)} words x {self.dim}{sub}>"

    def key(self, word: str) -> str | None:
        """The vocabulary key for ``word``, or None: exact, else (form/tag vectors) the most
        frequent key with that form. A space inside a word (Kiwi's multi-word names, as
        tokens and keywords give them: 휴 그랜트) is the ``_`` the keys have."""
        if word in self.index:
            return word
        if " " in word.strip() or "\t" in word:
            joined = "_".join(word.split())
            return self.key(joined) if joined != word else None
        if self.tokens == "form/tag" and "/" not in word[1:]:
            if self._forms is None:
                forms: dict[str, int] = {}
                for i, w in enumerate(self.words):
                    forms.setdefault(w.rpartition("/")[0] or w, i)
                self._forms = forms
            i = self._forms.get(word)
            return None if i is None else self.words[i]
        return None

    def __contains__(self, word: str) -> bool:
        return self.key(word) is not None

    def has_vector(self, word: str) -> bool:
        """In the vocabulary, or a fastText model that can build it from n-grams."""
        return word in self or (self.has_subwords and bool(char_ngrams(word, self.min_n,
                                                                       self.max_n)))

    def _oov_message(self, word: str) -> str:
        example = self.words[0] if self.words else ""
        what = "form/TAG" if self.tokens == "form/tag" else "forms"
        msg = (f"'{word}' is not in the vocabulary ({len(self):,} words; keys are Kiwi "
               f"{what}, e.g. '{example}')")
        if self.has_subwords:
            return msg + " and has no character n-grams to build a vector from"
        return (msg + f". {self.method} vectors have no vector for unseen words; fastText "
                "vectors (kotext embed train method='fasttext') build one from subwords.")

    def subword_vector(self, word: str) -> np.ndarray:
        """The mean of ``word``'s n-gram bucket vectors (what gensim gives an OOV word)."""
        if not self.has_subwords:
            raise OOVError(self._oov_message(word))
        hashes = ngram_buckets(word, self.min_n, self.max_n, self.bucket)
        if not hashes:
            raise OOVError(self._oov_message(word))
        return self.ngrams[hashes].sum(axis=0, dtype=np.float32) / np.float32(len(hashes))

    def vector(self, word: str, norm: bool = False, oov: bool = True) -> np.ndarray:
        """The vector of ``word``; fastText vectors build one for an unseen word from its
        n-grams (unless ``oov=False``); otherwise an unseen word raises :class:`OOVError`."""
        k = self.key(word)
        if k is not None:
            v = self.vectors[self.index[k]]
        elif oov and self.has_subwords:
            v = self.subword_vector(word)
        else:
            raise OOVError(self._oov_message(word))
        if norm:
            n = float(np.linalg.norm(v))
            return v / n if n > 0 else v
        return v

    __getitem__ = vector

    @property
    def unit(self) -> np.ndarray:
        """Row-normalized vectors (computed once)."""
        if self._unit is None:
            n = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.maximum(n, 1e-12)
        return self._unit

    def similarity(self, a: str, b: str) -> float:
        return float(np.dot(self.vector(a, norm=True), self.vector(b, norm=True)))

    def _as_list(self, x) -> list:
        if x is None:
            return []
        if isinstance(x, (str, np.ndarray)):
            return [x]
        return list(x)

    def most_similar(self, positive: str | np.ndarray | Sequence[str | np.ndarray],
                     negative: str | Sequence[str] | None = None, n: int = 10,
                     exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``n`` nearest words by cosine to the mean of the (unit) positive vectors minus
        the negative ones; the query words themselves are left out."""
        pos, neg = self._as_list(positive), self._as_list(negative)
        if not pos and not neg:
            raise UsageError("most_similar: give at least one word")
        skip = set(exclude)
        q = np.zeros(self.dim, dtype=np.float32)
        for sign, items in ((1.0, pos), (-1.0, neg)):
            for w in items:
                if isinstance(w, np.ndarray):
                    v = w / max(float(np.linalg.norm(w)), 1e-12)
                else:
                    v = self.vector(w, norm=True)
                    k = self.key(w)
                    if k is not None:
                        skip.add(k)
                q += sign * v
        q /= max(float(np.linalg.norm(q)), 1e-12)
        sims = self.unit @ q
        k = min(len(sims), n + len(skip))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        out = [(self.words[i], float(sims[i])) for i in top if self.words[i] not in skip]
        return out[:n]

    def analogy(self, a: str, b: str, c: str, n: int = 10) -> list[tuple[str, float]]:
        """Words near ``a - b + c`` (``analogy("왕", "남자", "여자")`` -> 여왕: a is to b as
        the answer is to c)."""
        return self.most_similar(positive=[a, c], negative=[b], n=n)

    # -- conversion
    @classmethod
    def from_gensim(cls, kv, config: dict[str, Any] | None = None, *,
                    counts: np.ndarray | None = None, doc_freq: np.ndarray | None = None,
                    read_counts: bool = True) -> Vectors:
        """``read_counts``: take word counts from gensim (real for models and fastText .bin
        files; word2vec files have none, gensim makes them up)."""
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
        return cls(words, np.asarray(kv.vectors), counts=counts, doc_freq=doc_freq,
                   config=config, **sub)

    def to_gensim(self):
        """A gensim ``KeyedVectors`` (``FastTextKeyedVectors`` with subwords) holding the
        same vectors, for gensim's own tools."""
        if self.has_subwords:
            from gensim.models.fasttext import FastTextKeyedVectors

            kv = FastTextKeyedVectors(self.dim, self.min_n, self.max_n, self.bucket)
            kv.add_vectors(self.words, self.vectors)
            kv.vectors_vocab = self.vectors.copy()  # composed vectors, kept as they are
            kv.vectors_ngrams = self.ngrams.copy()
            kv.recalc_char_ngram_buckets()
        else:
            from gensim.models import KeyedVectors

            kv = KeyedVectors(self.dim)
            kv.add_vectors(self.words, self.vectors)
        if self.counts is not None:
            for w, c in zip(self.words, self.counts.tolist()):
                kv.set_vecattr(w, "count", int(c))
        return kv

    # -- saving and loading
    def save(self, folder: str | os.PathLike, name: str | None = None,
             card: str | None = None) -> Path:
        """Write a kotext vectors folder atomically (JSON + safetensors; no pickle)."""
        from .modelio import FORMAT_VERSION, ModelWriter

        folder = Path(folder)
        cfg = dict(self.config)
        cfg["kotext"] = {"format": FORMAT_VERSION, "kind": "vectors"}
        cfg["name"] = name or cfg.get("name") or folder.name
        cfg["dim"] = self.dim
        cfg["vocab_size"] = len(self)
        cfg.setdefault("method", "word2vec")
        if self.has_subwords:
            cfg["subwords"] = {"min_n": self.min_n, "max_n": self.max_n, "bucket": self.bucket}
        else:
            cfg.pop("subwords", None)
        arrays = {"vectors": self.vectors}
        if self.counts is not None:
            arrays["counts"] = self.counts
        if self.doc_freq is not None:
            arrays["doc_freq"] = self.doc_freq
        if self.has_subwords:
            arrays["ngrams"] = self.ngrams
        writer = ModelWriter(folder)
        try:
            writer.write_json("config.json", cfg)
            writer.write_json("vocab.json", self.words)
            writer.write_arrays("vectors.safetensors", arrays)
            writer.write_text("README.md", card or _card(cfg))
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        self.config = {k: v for k, v in cfg.items() if k != "kotext"}
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike, format: str = "auto") -> Vectors:
        """A kotext vectors folder, a word2vec text (``.txt``/``.vec``, optionally ``.gz``)
        or binary (``.bin``) file, or a Facebook fastText ``.bin`` (with subwords)."""
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


def _load_word2vec(p: Path, binary: bool) -> Vectors:
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
    vecs = Vectors.from_gensim(kv, {"method": "imported", "source": str(p), "format": fmt,
                                    "tokens": "form"}, read_counts=False)
    if not np.isfinite(vecs.vectors).all():
        raise ModelError(f"{p}: the file holds non-finite numbers (NaN/inf); it is damaged")
    return vecs


def _load_fasttext_bin(p: Path) -> Vectors:
    require("gensim", "embed", f"reading {p.name}")
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(p))
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        raise _bad_file(p, "Facebook fastText .bin", e) from None
    return Vectors.from_gensim(kv, {"method": "fasttext", "source": str(p),
                                    "format": "fasttext-bin", "tokens": "form"})


def _load_kotext(folder: Path) -> Vectors:
    from .modelio import load_arrays, read_config, require_files

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
    return Vectors(words, vec, counts=arrays.get("counts"), doc_freq=arrays.get("doc_freq"),
                   ngrams=ngrams if sub else None, min_n=sub.get("min_n", 0),
                   max_n=sub.get("max_n", 0), config=config)


def load_vectors(path: str | os.PathLike, format: str = "auto") -> Vectors:
    return Vectors.load(path, format)


def _card(cfg: dict[str, Any]) -> str:
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


# -- training ------------------------------------------------------------------------------
def _epoch_callback(on_epoch: Callable[[int, float], None] | None, total_words: int):
    from gensim.models.callbacks import CallbackAny2Vec

    class _Cb(CallbackAny2Vec):
        def __init__(self) -> None:
            self.epoch = 0
            self.t0 = 0.0

        def on_epoch_begin(self, model) -> None:
            self.t0 = time.perf_counter()

        def on_epoch_end(self, model) -> None:
            self.epoch += 1
            secs = time.perf_counter() - self.t0
            if on_epoch is not None:
                on_epoch(self.epoch, total_words / secs if secs > 0 else 0.0)

    return _Cb()


def gensim_model(method: str, *, dim: int, window: int, min_count: int, epochs: int, sg: bool,
                 negative: int, sample: float, workers: int, seed: int, min_n: int, max_n: int,
                 bucket: int):
    """The gensim model (no vocabulary yet) for these settings; the benchmark uses the same."""
    common = dict(vector_size=dim, window=window, min_count=min_count, epochs=epochs,
                  sg=int(sg), negative=negative, hs=0, sample=sample, workers=workers,
                  seed=seed)
    if method == "word2vec":
        from gensim.models import Word2Vec

        return Word2Vec(**common)
    from gensim.models import FastText

    return FastText(min_n=min_n, max_n=max_n, bucket=bucket, **common)


def train_vectors(texts: Iterable[str], output: str | os.PathLike | None = None, *,
                  method: str = "word2vec", dim: int = 100, window: int = 5,
                  min_count: int = 5, epochs: int = 5, sg: bool = True, negative: int = 5,
                  sample: float = 1e-3, workers: int | None = None, seed: int = 0,
                  tokens: str = "form", min_n: int = 2, max_n: int = 5,
                  bucket: int = 200_000, clean: dict[str, Any] | None = None,
                  tokenize: dict[str, Any] | None = None, name: str | None = None,
                  command: str | None = None, tmp_dir: str | os.PathLike | None = None,
                  source: str = "the corpus",
                  progress: Callable[[int], None] | None = None,
                  on_epoch: Callable[[int, float], None] | None = None,
                  log: Callable[[str], None] = lambda s: None) -> Vectors:
    """Train word2vec or fastText vectors on the Kiwi morphemes of ``texts`` (any iterable:
    it is read once, streamed) and, with ``output``, save them as a kotext vectors folder.

    ``tokens``: ``form`` (배우) or ``form/tag`` (배우/NNG); ``tokenize`` holds ``kiwi.v1``
    options (e.g. ``{"pos": "content", "lemmas": True}``); ``sg`` skip-gram (else CBOW);
    fastText uses character n-grams of ``min_n``..``max_n`` syllables hashed into
    ``bucket`` rows. ``progress(n)`` is called per document tokenized, ``on_epoch(epoch,
    words_per_second)`` after each epoch.
    """
    if method not in METHODS:
        raise UsageError(f"method {method!r}: use one of {', '.join(METHODS)}")
    from .errors import require

    require("gensim", "embed", f"training {method} vectors")  # before tokenizing the corpus
    _check_tokens(tokens)
    for opt, val, lo in (("dim", dim, 1), ("window", window, 1), ("min_count", min_count, 1),
                         ("epochs", epochs, 1)):
        if val < lo:
            raise UsageError(f"{opt}={val}: must be >= {lo}")
    if method == "fasttext" and not (1 <= min_n <= max_n and bucket > 0):
        raise UsageError(f"fastText needs 1 <= min_n <= max_n and bucket > 0 (got min_n={min_n}, "
                         f"max_n={max_n}, bucket={bucket})")
    workers = workers or os.cpu_count() or 1
    pre = _preprocess(clean, tokenize)
    tmp_dir = Path(tmp_dir) if tmp_dir else (Path(output).parent if output else None)
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tok_path = tempfile.mkstemp(prefix=".kotext-tokens-", suffix=".txt",
                                    dir=str(tmp_dir) if tmp_dir else None)
    os.close(fd)
    try:
        t0 = time.perf_counter()
        st = tokenize_to_file(texts, pre, tok_path, tokens=tokens, progress=progress)
        log(f"tokenized {st.rows:,} rows: {st.docs:,} documents, {st.tokens:,} tokens, "
            f"{len(st.tf):,} distinct, {time.perf_counter() - t0:.0f} s"
            + (f" ({st.failed} rows failed)" if st.failed else ""))
        return train_on_token_file(
            tok_path, st, output, method=method, dim=dim, window=window, min_count=min_count,
            epochs=epochs, sg=sg, negative=negative, sample=sample, workers=workers, seed=seed,
            tokens=tokens, min_n=min_n, max_n=max_n, bucket=bucket,
            preprocess=_preprocess_config(pre), name=name, command=command, source=source,
            on_epoch=on_epoch, log=log)
    finally:
        try:
            os.unlink(tok_path)
        except OSError:
            pass


def train_on_token_file(tok_path: str | os.PathLike, st: CorpusStats,
                        output: str | os.PathLike | None = None, *, method: str = "word2vec",
                        dim: int = 100, window: int = 5, min_count: int = 5, epochs: int = 5,
                        sg: bool = True, negative: int = 5, sample: float = 1e-3,
                        workers: int | None = None, seed: int = 0, tokens: str = "form",
                        min_n: int = 2, max_n: int = 5, bucket: int = 200_000,
                        preprocess: list[dict[str, Any]] | None = None,
                        name: str | None = None, command: str | None = None,
                        source: str = "the corpus",
                        on_epoch: Callable[[int, float], None] | None = None,
                        log: Callable[[str], None] = lambda s: None) -> Vectors:
    """The training half of :func:`train_vectors`: gensim on a token file written by
    :func:`tokenize_to_file` (``st`` its statistics), with ``corpus_file=`` on all cores."""
    workers = workers or os.cpu_count() or 1
    tok_path = str(tok_path)
    if st.tokens == 0:
        raise InputError(f"{source}: no tokens to train on ({st.rows} rows, none with "
                         f"text left after cleaning and tokenization"
                         + (f"; {st.failed} rows failed" if st.failed else "") +
                         "). Check `text_column` and the `pos` filter.")
    kept = sum(1 for c in st.tf.values() if c >= min_count)
    if kept == 0:
        top = st.tf.most_common(1)[0]
        raise InputError(
            f"{source}: no token appears min_count={min_count} times (the corpus has "
            f"{st.tokens:,} tokens, {len(st.tf):,} distinct; the most frequent, "
            f"{top[0]!r}, appears {top[1]} times). Give more text or lower `min_count`.")
    model = gensim_model(method, dim=dim, window=window, min_count=min_count, epochs=epochs,
                         sg=sg, negative=negative, sample=sample, workers=workers, seed=seed,
                         min_n=min_n, max_n=max_n, bucket=bucket)
    model.build_vocab(corpus_file=tok_path)
    total = model.corpus_total_words
    t1 = time.perf_counter()
    model.train(corpus_file=tok_path, total_examples=model.corpus_count,
                total_words=total, epochs=epochs,
                callbacks=[_epoch_callback(on_epoch, total)])
    secs = time.perf_counter() - t1
    wps = total * epochs / secs if secs > 0 else 0.0
    log(f"trained {method} on {total:,} words x {epochs} epochs with {workers} workers: "
        f"{secs:.1f} s, {wps:,.0f} words/s")
    wv = model.wv
    words = list(wv.index_to_key)
    counts = np.array([st.tf[w] for w in words], dtype=np.int64)
    df = np.array([st.df[w] for w in words], dtype=np.int64)
    config = {
        "name": name or (Path(output).name if output else "vectors"),
        "method": method,
        "tokens": tokens,
        "preprocess": preprocess if preprocess is not None else
        _preprocess_config(_preprocess()),
        "training": {"sg": bool(sg), "window": window, "min_count": min_count,
                     "epochs": epochs, "negative": negative, "sample": sample, "seed": seed,
                     "workers": workers},
        "corpus": {"docs": st.docs, "tokens": st.tokens, "distinct": len(st.tf)},
        "speed": {"train_seconds": round(secs, 2), "words_per_second": round(wps)},
    }
    if command:
        config["command"] = command
    vec = Vectors.from_gensim(wv, config, counts=counts, doc_freq=df)
    if output is not None:
        vec.save(output)
    return vec


# -- evaluation ----------------------------------------------------------------------------
def read_similarity_file(path: str | os.PathLike) -> list[tuple[str, str, float]]:
    """``word1,word2,score`` lines (CSV or TSV, UTF-8 with or without BOM or CP949; a header
    line is skipped)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"word-similarity file not found: {p}")
    text = read_text_file(p, "word-similarity file")
    delim = "\t" if "\t" in text.split("\n", 1)[0] else ","
    pairs = []
    for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delim), 1):
        row = [c.strip() for c in row]
        if not row or not any(row) or row[0].startswith("#"):
            continue
        if len(row) < 3:
            raise InputError(f"{p}, line {i}: expected word1,word2,score, got {row!r}")
        try:
            score = float(row[2])
        except ValueError:
            if i == 1:
                continue  # a header
            raise InputError(f"{p}, line {i}: score {row[2]!r} is not a number") from None
        pairs.append((row[0], row[1], score))
    if not pairs:
        raise InputError(f"{p}: no word pairs (expected lines word1,word2,score)")
    return pairs


def read_analogy_file(path: str | os.PathLike) -> list[tuple[str, list[tuple[str, ...]]]]:
    """``a b c d`` lines grouped by ``# section`` lines (``: section`` also accepted)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"analogy file not found: {p}")
    sections: list[tuple[str, list[tuple[str, ...]]]] = []
    for i, line in enumerate(read_text_file(p, "analogy file").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line[0] in "#:":
            sections.append((line[1:].strip(), []))
            continue
        parts = line.split()
        if len(parts) != 4:
            raise InputError(f"{p}, line {i}: expected 4 words 'a b c d', got {line!r}")
        if not sections:
            sections.append((p.stem, []))
        sections[-1][1].append(tuple(parts))
    if not any(q for _, q in sections):
        raise InputError(f"{p}: no analogy questions (expected lines 'a b c d')")
    return sections


def evaluate_similarity(vectors: Vectors, path: str | os.PathLike, oov: bool = False
                        ) -> dict[str, Any]:
    """Spearman correlation between cosine similarities and human scores, over the pairs
    both of whose words have vectors (``oov``: fastText subword vectors count)."""
    from scipy.stats import spearmanr

    pairs = read_similarity_file(path)
    gold, pred, missing = [], [], []
    for a, b, s in pairs:
        if all(vectors.has_vector(w) if oov else w in vectors for w in (a, b)):
            gold.append(s)
            pred.append(vectors.similarity(a, b))
        else:
            missing.extend(w for w in (a, b) if w not in vectors)
    rho = float(spearmanr(gold, pred).statistic) if len(gold) >= 2 else float("nan")
    return {"file": str(path), "pairs": len(pairs), "covered": len(gold),
            "coverage": len(gold) / len(pairs), "spearman": rho,
            "missing": sorted(set(missing))[:20]}


def evaluate_analogy(vectors: Vectors, paths: str | os.PathLike | Sequence[str | os.PathLike],
                     oov: bool = False, chunk: int = 256) -> dict[str, Any]:
    """Top-1 accuracy on ``a b c d`` questions (d = b - a + c, 3CosAdd, a/b/c left out of the
    answers), over the questions whose words have vectors; the answer must be in the
    vocabulary. ``accuracy_all`` counts uncovered questions as wrong."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    sections = []
    for p in paths:
        sections.extend(read_analogy_file(p))
    unit = vectors.unit
    out_sections = []
    tot_q = tot_cov = tot_ok = 0
    for name, qs in sections:
        rows, skip, gold = [], [], []
        for a, b, c, d in qs:
            ok = all(vectors.has_vector(w) if oov else w in vectors for w in (a, b, c))
            kd = vectors.key(d)
            if not ok or kd is None:
                continue
            rows.append(vectors.vector(b, norm=True) - vectors.vector(a, norm=True)
                        + vectors.vector(c, norm=True))
            skip.append([vectors.index[k] for k in map(vectors.key, (a, b, c)) if k])
            gold.append(vectors.index[kd])
        correct = 0
        for s in range(0, len(rows), chunk):
            q = np.stack(rows[s:s + chunk])
            sims = q @ unit.T
            for r, idx in enumerate(skip[s:s + chunk]):
                sims[r, idx] = -np.inf
            correct += int((sims.argmax(axis=1) == np.array(gold[s:s + chunk])).sum())
        out_sections.append({"section": name, "questions": len(qs), "covered": len(rows),
                             "correct": correct,
                             "accuracy": correct / len(rows) if rows else float("nan")})
        tot_q += len(qs)
        tot_cov += len(rows)
        tot_ok += correct
    return {"files": [str(p) for p in paths], "questions": tot_q, "covered": tot_cov,
            "coverage": tot_cov / tot_q if tot_q else 0.0, "correct": tot_ok,
            "accuracy": tot_ok / tot_cov if tot_cov else float("nan"),
            "accuracy_all": tot_ok / tot_q if tot_q else float("nan"),
            "sections": out_sections}


# -- plotting ------------------------------------------------------------------------------
def project_2d(x: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    if method == "pca":
        xc = x - x.mean(axis=0, keepdims=True)
        _, _, vt = np.linalg.svd(xc, full_matrices=False)
        return xc @ vt[:2].T if vt.shape[0] >= 2 else np.c_[xc @ vt[:1].T, np.zeros(len(x))]
    if method == "tsne":
        from sklearn.manifold import TSNE

        perp = float(max(1, min(30, len(x) - 1)))
        return TSNE(n_components=2, perplexity=perp, init="pca", random_state=seed
                    ).fit_transform(x)
    raise UsageError(f"projection {method!r}: use pca or tsne")


def plot_words(vectors: Vectors, words: Sequence[str], path: str | os.PathLike,
               method: str = "pca", title: str | None = None, oov: bool = True
               ) -> tuple[list[str], list[str]]:
    """Draw ``words`` on a 2-D projection (PCA or t-SNE) into a PNG with Korean labels;
    returns (plotted, missing)."""
    have = [w for w in words if (vectors.has_vector(w) if oov else w in vectors)]
    missing = [w for w in words if w not in have]
    if len(have) < 3:
        raise InputError(f"need at least 3 words with vectors to plot, have {len(have)}"
                         + (f" (no vector: {', '.join(missing)})" if missing else ""))
    x = np.stack([vectors.vector(w, oov=oov) for w in have]).astype(np.float64)
    xy = project_2d(x, method)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        import koreanize_matplotlib  # noqa: F401 - registers a Korean font
    except ImportError:  # pragma: no cover - labels may then show as boxes
        pass
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    ax.scatter(xy[:, 0], xy[:, 1], s=18, color="#3b6ea5")
    for (px, py), w in zip(xy, have):
        ax.annotate(w, (px, py), xytext=(4, 3), textcoords="offset points", fontsize=11)
    ax.set_title(title or f"{vectors.config.get('name', '')} ({method.upper()})")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp.png")
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, out)
    finally:
        plt.close(fig)
        if tmp.exists():
            tmp.unlink()
    return have, missing
