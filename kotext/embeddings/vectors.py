"""Word vectors with their vocabulary: :class:`Vectors` (query, save, load)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ModelError, UsageError
from .hashing import char_ngrams, ngram_buckets

class OOVError(InputError, KeyError):
    """A word with no vector (not in the vocabulary, and no subword n-grams)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""



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
        """Vectors of a gensim ``KeyedVectors`` (see :func:`.formats.gensim_parts`)."""
        from .formats import gensim_parts

        return cls(**gensim_parts(kv, config, counts=counts, doc_freq=doc_freq,
                                  read_counts=read_counts))

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
        from ..modelio import FORMAT_VERSION, ModelWriter
        from .formats import vectors_card

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
            writer.write_text("README.md", card or vectors_card(cfg))
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
        from .formats import read_vectors

        return cls(**read_vectors(path, format))


def load_vectors(path: str | os.PathLike, format: str = "auto") -> Vectors:
    return Vectors.load(path, format)
