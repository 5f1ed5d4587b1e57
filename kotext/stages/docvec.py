"""Document vectors ``docvec.v1``: a weighted average of word vectors into ``doc.vector``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..doc import Doc
from ..errors import ConfigError
from .base import Stage

WEIGHTINGS = ("mean", "tfidf", "sif")


class DocVectors(Stage):
    """``doc.vector`` = the average of the document's word vectors, weighted by

    - ``mean``: every token alike;
    - ``tfidf``: term count x ``log((1 + N) / (1 + df)) + 1`` (document frequencies from
      the corpus the vectors were trained on: kotext vectors record them);
    - ``sif``: ``sif_a / (sif_a + p(w))`` with ``p(w)`` the word's corpus frequency
      (Arora et al. 2017, without the common-component removal).

    ``vectors`` is a folder from ``kotext embed train`` or a word2vec/fastText file. Tokens
    are looked up as the vectors were trained (``form`` or ``form/tag``); with fastText
    vectors an unseen token gets its subword vector (``oov``), otherwise it is skipped (a
    document with no known token gets a zero vector). ``normalize`` scales to unit length.
    """

    factory = "docvec.v1"
    requires = frozenset({"tokens"})
    assigns = frozenset({"vector"})
    path_params: ClassVar[tuple[str, ...]] = ("vectors",)

    def __init__(self, vectors: str, weighting: str = "sif", sif_a: float = 1e-3,
                 oov: bool = True, normalize: bool = True, format: str = "auto"):
        self.vectors = vectors
        self.weighting = weighting
        self.sif_a = sif_a
        self.oov = oov
        self.normalize = normalize
        self.format = format
        if weighting not in WEIGHTINGS:
            raise ConfigError(f"docvec option weighting: {weighting!r}; use one of "
                              f"{', '.join(WEIGHTINGS)}")
        if not sif_a > 0:
            raise ConfigError(f"docvec option sif_a: {sif_a!r}; must be > 0 (e.g. 1e-3)")
        self._vec = None
        self._weights: np.ndarray | None = None
        self._oov_weight = 1.0
        self._cache: dict[str, np.ndarray | None] = {}

    def check_files(self) -> None:
        """A pipeline built from a file checks that its vectors exist (`kotext validate`
        said ok, and run stopped); built in Python, vectors may be handed over loaded."""
        from pathlib import Path

        if self._vec is None and not Path(self.vectors).exists():
            raise ConfigError(
                f"docvec option vectors: not found: {self.vectors}. Give a folder from "
                f"`kotext embed train` or a word2vec/fastText file (in a pipeline file, a "
                f"relative path is relative to that file)")

    @property
    def model(self):
        """The loaded :class:`kotext.embeddings.Vectors` (loaded on first use)."""
        if self._vec is None:
            from ..embeddings.vectors import Vectors

            self.set_vectors(Vectors.load(self.vectors, self.format))
        return self._vec

    def set_vectors(self, vec) -> None:
        """Use already-loaded vectors (e.g. just trained) instead of reading ``vectors``."""
        self._vec = vec
        self._cache = {}
        self._weights = None
        n = len(vec)
        if self.weighting == "mean":
            return
        if self.weighting == "tfidf":
            df = vec.doc_freq
            n_docs = vec.config.get("corpus", {}).get("docs")
            if df is None or not n_docs:
                raise ConfigError(
                    f"docvec weighting tfidf needs document frequencies, which {self.vectors} "
                    f"lacks (vectors from `kotext embed train` record them); use weighting "
                    f"'mean' (weighting='mean'){', or sif' if vec.counts is not None else ''}")
            idf = np.log((1.0 + n_docs) / (1.0 + df.astype(np.float64))) + 1.0
            self._weights = idf.astype(np.float32)
            self._oov_weight = float(np.log(1.0 + n_docs) + 1.0)
        else:  # sif
            counts = vec.counts
            if counts is None or counts.sum() <= 0:
                raise ConfigError(
                    f"docvec weighting sif needs word frequencies, which {self.vectors} lacks "
                    f"(word2vec files do not hold them; kotext and fastText .bin vectors do); "
                    f"use weighting 'mean' (weighting='mean')")
            p = counts.astype(np.float64) / float(counts.sum())
            self._weights = (self.sif_a / (self.sif_a + p)).astype(np.float32)
            self._oov_weight = 1.0
        assert self._weights is not None and len(self._weights) == n

    def _lookup(self, key: str) -> tuple[int, np.ndarray | None]:
        """(row index or -1, vector or None)."""
        vec = self._vec
        i = vec.index.get(key)
        if i is not None:
            return i, vec.vectors[i]
        k = vec.key(key)
        if k is not None:
            return vec.index[k], vec.vectors[vec.index[k]]
        if self.oov and vec.has_subwords:
            v = self._cache.get(key)
            if v is None and key not in self._cache:
                try:
                    v = vec.subword_vector(key)
                except KeyError:
                    v = None
                if len(self._cache) < 200_000:
                    self._cache[key] = v
            return -1, v
        return -1, None

    def doc_vector(self, keys: list[str]) -> np.ndarray:
        vec = self.model
        acc = np.zeros(vec.dim, dtype=np.float64)
        total = 0.0
        w = self._weights
        for k in keys:
            i, v = self._lookup(k)
            if v is None:
                continue
            weight = 1.0 if w is None else (float(w[i]) if i >= 0 else self._oov_weight)
            acc += weight * v
            total += weight
        if total > 0:
            acc /= total
        if self.normalize:
            n = float(np.linalg.norm(acc))
            if n > 0:
                acc /= n
        return acc.astype(np.float32)

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        from ..embeddings.keys import doc_keys

        tokens = self.model.tokens
        for doc in docs:
            doc.vector = self.doc_vector(doc_keys(doc, tokens))
        return docs


def common_components(vectors: np.ndarray, n: int = 1) -> np.ndarray:
    """The first ``n`` directions that document vectors share: the top right singular
    vectors of the (uncentred) matrix of them, one document a row. SIF removes them
    (Arora et al. 2017, "A simple but tough-to-beat baseline for sentence embeddings"):
    they carry what every text has in common (frequent words, syntax), not what sets
    a text apart. Rows that are all zero (no known word) are left out."""
    mat = np.asarray(vectors, dtype=np.float64)
    mat = mat[np.any(mat != 0, axis=1)]
    if n <= 0 or len(mat) == 0:
        return np.zeros((0, np.asarray(vectors).shape[-1]), dtype=np.float32)
    _, _, vt = np.linalg.svd(mat, full_matrices=False)
    return vt[:n].astype(np.float32)


def remove_components(vectors: np.ndarray, components: np.ndarray) -> np.ndarray:
    """``vectors`` (one or a matrix of them) without their projection on ``components``
    (from :func:`common_components`), scaled back to unit length; zero vectors stay zero."""
    v = np.asarray(vectors, dtype=np.float32)
    if len(components) == 0:
        return v
    v = v - (v @ components.T) @ components
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.where(norm > 1e-6, v / np.maximum(norm, 1e-6), 0.0).astype(np.float32)
