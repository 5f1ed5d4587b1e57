"""Training word vectors with gensim (word2vec, fastText) from a token file on all
cores: Kiwi runs once, not once per epoch, and the corpus is never held in memory."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, UsageError, require
from ..preprocess import recorded, training_pipeline
from .corpus import CorpusStats, tokenize_to_file
from .keys import check_tokens
from .vectors import Vectors

METHODS = ("word2vec", "fasttext")


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

    require("gensim", "embed", f"training {method} vectors")  # before tokenizing the corpus
    check_tokens(tokens)
    for opt, val, lo in (("dim", dim, 1), ("window", window, 1), ("min_count", min_count, 1),
                         ("epochs", epochs, 1)):
        if val < lo:
            raise UsageError(f"{opt}={val}: must be >= {lo}")
    if method == "fasttext" and not (1 <= min_n <= max_n and bucket > 0):
        raise UsageError(f"fastText needs 1 <= min_n <= max_n and bucket > 0 (got min_n={min_n}, "
                         f"max_n={max_n}, bucket={bucket})")
    workers = workers or os.cpu_count() or 1
    pre = training_pipeline(clean, tokenize)
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
            preprocess=recorded(pre), name=name, command=command, source=source,
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
        recorded(training_pipeline()),
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
