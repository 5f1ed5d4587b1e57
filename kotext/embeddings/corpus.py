"""Corpora for training word vectors: texts streamed through a tokenization pipeline,
or tokenized once into a token file (one document per line, tokens separated by spaces)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


from ..preprocess import training_pipeline
from .keys import check_tokens, doc_keys

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
        self.pipeline = pipeline if pipeline is not None else training_pipeline()
        self.tokens = check_tokens(tokens)
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[list[str]]:
        texts = self.texts() if callable(self.texts) else self.texts
        for doc in self.pipeline.pipe(texts, batch_size=self.batch_size, on_error="record"):
            if doc.error is None:
                keys = doc_keys(doc, self.tokens)
                if keys:
                    yield keys


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
    check_tokens(tokens)
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
