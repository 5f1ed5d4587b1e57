"""Summarization algorithms, numpy only: sentence graphs, centrality, MMR, keywords.

The pipeline stages in :mod:`kotext.stages.summarize` call these; they work on plain
lists of morpheme strings, so they are easy to test and to reuse.

Extractive summary (``rank_sentences`` + ``select``):

1. each sentence becomes a bag of content morphemes (nouns, predicates, roots, foreign
   words and numbers);
2. edge weights are the cosine of TF-IDF vectors (``similarity="tfidf"``) or symmetric
   BM25 scores (``"bm25"``), IDF computed over the sentences of the document itself;
3. centrality is PageRank (a numpy power iteration) over that graph;
4. a position prior (news puts its gist first) is mixed in: ``score = (1 - w) *
   centrality / max(centrality) + w * 1 / (1 + i / decay)``, ``w = position_weight``;
5. sentences are picked greedily by MMR, ``lam * score - (1 - lam) * max similarity to
   the sentences already picked``, so the summary does not repeat itself, then put back
   in their original order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

# Content morphemes: nouns, numerals, predicates, roots, foreign words, Hanja, numbers.
CONTENT_TAGS: tuple[str, ...] = ("NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SH", "SN")
NOUN_TAGS: tuple[str, ...] = ("NNG", "NNP")


def term_matrix(bags: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[str]]:
    """Counts, sentences x vocabulary."""
    vocab: dict[str, int] = {}
    for bag in bags:
        for t in bag:
            vocab.setdefault(t, len(vocab))
    m = np.zeros((len(bags), len(vocab)), dtype=np.float64)
    for i, bag in enumerate(bags):
        for t, c in Counter(bag).items():
            m[i, vocab[t]] = c
    return m, list(vocab)


def similarity_matrix(bags: Sequence[Sequence[str]], method: str = "tfidf",
                      k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Symmetric sentence similarity in [0, 1], zero diagonal.

    ``tfidf``: cosine of sublinear-TF x smoothed-IDF vectors. ``bm25``: the BM25 score of
    each sentence as a query against each other one, symmetrized and scaled to max 1.
    """
    n = len(bags)
    if n == 0:
        return np.zeros((0, 0))
    tf, _ = term_matrix(bags)
    if tf.shape[1] == 0:
        return np.zeros((n, n))
    df = (tf > 0).sum(axis=0)
    if method == "tfidf":
        idf = np.log((1 + n) / (1 + df)) + 1.0
        x = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1e-12)), 0.0) * idf
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        sim = x @ x.T
    elif method == "bm25":
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        lens = tf.sum(axis=1, keepdims=True)
        avg = float(lens.mean()) or 1.0
        sat = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lens / avg))  # doc-side saturation
        q = (tf > 0).astype(np.float64) * idf                       # query side: terms x idf
        sim = q @ sat.T
        sim = (sim + sim.T) / 2
        np.fill_diagonal(sim, 0.0)
        top = sim.max()
        if top > 0:
            sim = sim / top
    else:
        raise ValueError(f"similarity {method!r}: use tfidf or bm25")
    sim = np.clip(sim, 0.0, 1.0)
    np.fill_diagonal(sim, 0.0)
    return sim


def pagerank(weights: np.ndarray, damping: float = 0.85, tol: float = 1e-8,
             max_iter: int = 200) -> np.ndarray:
    """PageRank of a weighted graph (power iteration); sums to 1.

    Nodes without edges spread their rank uniformly (the usual dangling-node rule).
    """
    n = weights.shape[0]
    if n == 0:
        return np.zeros(0)
    out = weights.sum(axis=1)
    dangling = out <= 0
    trans = np.divide(weights, out[:, None], out=np.zeros_like(weights), where=~dangling[:, None])
    r = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = r[dangling].sum() / n
        new = (1 - damping) / n + damping * (r @ trans + spread)
        if np.abs(new - r).sum() < tol:
            r = new
            break
        r = new
    return r / r.sum()


def position_prior(n: int, decay: float = 1.0) -> np.ndarray:
    """1 / (1 + i / decay): 1 for the first sentence, falling off with position."""
    return 1.0 / (1.0 + np.arange(n) / max(decay, 1e-9))


def rank_sentences(bags: Sequence[Sequence[str]], similarity: str = "tfidf",
                   damping: float = 0.85, position_weight: float = 0.0,
                   position_decay: float = 1.0, min_similarity: float = 0.0,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(score per sentence in [0, 1], similarity matrix)."""
    sim = similarity_matrix(bags, similarity)
    n = len(bags)
    if n == 0:
        return np.zeros(0), sim
    graph = np.where(sim >= min_similarity, sim, 0.0) if min_similarity > 0 else sim
    cent = pagerank(graph, damping)
    cent = cent / cent.max() if cent.max() > 0 else cent
    # sentences with no content morpheme at all (a dateline, "사진=연합뉴스") are not central
    empty = np.array([len(b) == 0 for b in bags])
    cent = np.where(empty, 0.0, cent)
    score = (1 - position_weight) * cent + position_weight * position_prior(n, position_decay)
    return score, sim


def select(scores: np.ndarray, sim: np.ndarray, k: int, mmr: float = 1.0,
           keys: Sequence[str] | None = None) -> list[int]:
    """Greedy MMR: ``mmr`` = 1 is plain top-k; lower trades score for novelty. A sentence
    whose ``keys`` entry (its text) equals a picked one's is never picked too, so a
    repeated sentence appears once (and fewer than ``k`` come back if too few differ).

    Returns indices in original (ascending) order.
    """
    n = len(scores)
    k = max(0, min(k, n))
    chosen: list[int] = []
    free = np.ones(n, dtype=bool)
    red = np.zeros(n)  # max similarity to a chosen sentence, kept up to date
    while len(chosen) < k and free.any():
        val = scores if not chosen or mmr >= 1.0 else mmr * scores - (1 - mmr) * red
        val = np.where(free, val, -np.inf)
        best = int(np.argmax(val))  # ties: the earlier sentence
        chosen.append(best)
        free[best] = False
        if keys is not None:
            for j in range(n):
                if free[j] and keys[j] == keys[best]:
                    free[j] = False
        if sim.size:
            red = np.maximum(red, sim[:, best])
    return sorted(chosen)


def count_for(n_sentences: int, n: int | None, ratio: float | None) -> int:
    """How many sentences to pick: ``ratio`` of them (at least 1) when given, else ``n``."""
    if ratio is not None:
        return min(n_sentences, max(1, round(ratio * n_sentences)))
    return min(n_sentences, n if n is not None else 3)


def keyword_rank(sentences: Sequence[Sequence[str]], window: int = 3, damping: float = 0.85,
                 min_count: int = 1, top: int | None = 10) -> list[tuple[str, float]]:
    """TextRank keywords: PageRank over a co-occurrence graph of candidate words.

    ``sentences`` are the candidate words of each sentence in order; two words are linked
    (weight = times seen together) when they occur within ``window`` words of each other in
    a sentence. Scores are scaled so the best keyword has 1.0; ties keep first occurrence.
    """
    counts = Counter(w for s in sentences for w in s)
    vocab = [w for w in dict.fromkeys(w for s in sentences for w in s) if counts[w] >= min_count]
    if not vocab:
        return []
    index = {w: i for i, w in enumerate(vocab)}
    g = np.zeros((len(vocab), len(vocab)))
    for s in sentences:
        ids = [index[w] for w in s if w in index]
        for i, a in enumerate(ids):
            for b in ids[i + 1:i + window]:
                if a != b:
                    g[a, b] += 1
                    g[b, a] += 1
    r = pagerank(g, damping)
    # a word seen more often ranks above an unlinked one seen once (tiny tie-breaker)
    r = r * (1 + 1e-3 * np.log1p([counts[w] for w in vocab]))
    r = r / r.max()
    order = sorted(range(len(vocab)), key=lambda i: (-r[i], i))
    if top is not None:
        order = order[:top]
    return [(vocab[i], float(r[i])) for i in order]
