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

Modules: :mod:`.keys` (a document's vocabulary keys), :mod:`.corpus` (tokenized corpora),
:mod:`.hashing` (fastText subword buckets), :mod:`.vectors` (:class:`Vectors`),
:mod:`.formats` (reading the file formats), :mod:`.train` (gensim training),
:mod:`.evaluate` (similarity and analogy files), :mod:`.plot`. The names below are
imported from them on first use, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "keys": ("TOKEN_FORMATS", "check_tokens", "doc_keys"),
    "corpus": ("CorpusStats", "PipelineCorpus", "TokenFile", "tokenize_to_file"),
    "hashing": ("char_ngrams", "ft_hash", "ngram_buckets"),
    "vectors": ("OOVError", "Vectors", "load_vectors"),
    "formats": ("FASTTEXT_BIN_MAGIC", "FORMATS", "detect_format", "read_vectors"),
    "train": ("METHODS", "gensim_model", "train_on_token_file", "train_vectors"),
    "evaluate": ("evaluate_analogy", "evaluate_similarity", "read_analogy_file",
                 "read_similarity_file"),
    "plot": ("plot_words", "project_2d"),
}
_HOME = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'kotext.embeddings' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
