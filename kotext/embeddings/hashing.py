"""fastText subword n-grams and their buckets: the Facebook / gensim hashing,
reimplemented, so that kotext vectors need no gensim to look up an unseen word."""

from __future__ import annotations




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
