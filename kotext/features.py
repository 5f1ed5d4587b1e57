"""Hashed n-gram features for linear models: character n-grams of the text and n-grams of
Kiwi morphemes, hashed into a fixed number of columns.

Everything is vectorized over a batch with numpy (one pass per n, no Python loop over
n-grams), so featurizing costs a small fraction of Kiwi's tokenization. The hash is
deterministic across processes and machines (CRC32/Adler-32 of each morpheme's UTF-8,
code points for characters, then a 64-bit mix), so a saved model is just its settings plus
a weight matrix.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from .doc import Doc

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_BOS, _EOS = 1, 2
_FORM_TAG = itemgetter(0, 1)  # Token fields
_FORM = itemgetter(0)


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(30))
    h = h * _M2
    h = h ^ (h >> np.uint64(27))
    h = h * _M3
    return h ^ (h >> np.uint64(31))


def _ngram_hashes(codes: np.ndarray, docid: np.ndarray, nmin: int, nmax: int, salt: int):
    """All n-grams (nmin..nmax) of unit ids that do not cross documents.

    Returns lists of (doc index, start position, n, hash) arrays, one entry per n.
    """
    size = len(codes)
    out = []
    h = codes
    with np.errstate(over="ignore"):
        for n in range(1, nmax + 1):
            if n == 1:
                h = codes * _M1 + np.uint64(salt)
            else:
                h = h[:-1] * _M1 + codes[n - 1:]
            if n >= nmin and size - n + 1 > 0:
                valid = docid[: size - n + 1] == docid[n - 1:]
                pos = np.nonzero(valid)[0]
                hv = _mix(h[valid] + np.uint64(n * 0x1000193 + salt * 7919))
                out.append((docid[pos], pos, n, hv))
    return out


def _head(tokens, max_chars: int):
    """The tokens that start within the first ``max_chars`` characters."""
    if not tokens:
        return ()
    import bisect

    return tokens[:bisect.bisect_left(tokens, max_chars, key=lambda t: t.start)]


class HashedNgrams:
    """Character n-grams (``char_ngrams``) and morpheme n-grams (``morph_ngrams``; needs
    ``doc.tokens``), hashed into ``2**bits`` binary features."""

    def __init__(self, char_ngrams: Sequence[int] = (1, 5), morph_ngrams: Sequence[int] = (1, 3),
                 bits: int = 22, morph_tags: bool = True, max_chars: int = 5000):
        self.char_ngrams = tuple(char_ngrams)
        self.morph_ngrams = tuple(morph_ngrams)
        for name, (lo, hi) in (("char_ngrams", self.char_ngrams),
                               ("morph_ngrams", self.morph_ngrams)):
            if not 0 <= lo <= hi:
                raise ValueError(f"{name} {lo},{hi}: need 0 <= lo <= hi (0,0 turns them off)")
        if not (self.char_ngrams[1] or self.morph_ngrams[1]):
            raise ValueError("char_ngrams and morph_ngrams are both off: no features")
        self.bits = bits
        self.morph_tags = morph_tags
        self.max_chars = max_chars
        self.n_features = 1 << bits
        self._ids: dict[str, int] = {}

    def to_config(self) -> dict[str, Any]:
        return {"kind": "hashed-ngrams.v1", "char_ngrams": list(self.char_ngrams),
                "morph_ngrams": list(self.morph_ngrams), "bits": self.bits,
                "morph_tags": self.morph_tags, "max_chars": self.max_chars}

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> HashedNgrams:
        cfg = dict(cfg)
        kind = cfg.pop("kind", "hashed-ngrams.v1")
        if kind != "hashed-ngrams.v1":
            raise ValueError(f"unknown feature kind {kind!r}")
        return cls(**cfg)

    @property
    def needs_tokens(self) -> bool:
        return bool(self.morph_ngrams and self.morph_ngrams[1])

    def _unit(self, key) -> int:
        """The id of one morpheme unit, ``key`` = (form, tag), or form alone without tags:
        CRC32 | Adler-32 << 32 of ``form/TAG`` (or ``form``) in UTF-8, cached."""
        v = self._ids.get(key)
        if v is None:
            s = f"{key[0]}/{key[1]}" if self.morph_tags else key
            b = s.encode("utf-8")
            v = (zlib.crc32(b) | (zlib.adler32(b) << 32)) + 3
            # (100,000 reviews hold ~33,000 morphemes; 2,000,000 entries cost a long-running
            # service 510 MB, about what Kiwi takes)
            if len(self._ids) < 500_000:
                self._ids[key] = v
        return v

    def _grams(self, docs: Sequence[Doc]):
        """Yield (kind, doc ids, starts, n, hashes); kind 'c' (chars) or 'm' (morphemes)."""
        n_docs = len(docs)
        lo, hi = self.char_ngrams
        if hi:
            # whitespace runs as one space (str.split's whitespace is exactly regex \s, checked
            # over every code point; 2.5x faster than re.sub on reviews)
            strs = [" " + " ".join(d.text[: self.max_chars].split()) + " " for d in docs]
            lens = np.fromiter((len(s) for s in strs), dtype=np.int64, count=n_docs)
            codes = np.frombuffer("".join(strs).encode("utf-32-le"), dtype=np.uint32)
            codes = codes.astype(np.uint64)
            docid = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
            for g in _ngram_hashes(codes, docid, max(lo, 1), hi, salt=1):
                yield ("c", *g)
        lo, hi = self.morph_ngrams
        if hi:
            cap = self.max_chars  # the tokens of the characters read, as for char n-grams
            toks = [_head(d.tokens, cap) if len(d.text) > cap else (d.tokens or ())
                    for d in docs]
            lens_m = np.fromiter(map(len, toks), dtype=np.int64, count=n_docs)
            flat = chain.from_iterable(toks)
            # (form, tag) keys and known ids at C speed: no string built per token
            keys = list(map(_FORM_TAG if self.morph_tags else _FORM, flat))
            vals = list(map(self._ids.get, keys))
            if None in vals:
                unit = self._unit
                vals = [unit(k) if v is None else v for k, v in zip(keys, vals)]
            # each document's units between a BOS and an EOS marker
            lens_m += 2
            ends = np.cumsum(lens_m)
            codes = np.empty(int(ends[-1]) if n_docs else 0, dtype=np.uint64)
            inner = np.ones(len(codes), dtype=bool)
            inner[ends - lens_m] = False
            inner[ends - 1] = False
            codes[ends - lens_m] = _BOS
            codes[ends - 1] = _EOS
            codes[inner] = np.array(vals, dtype=np.uint64)
            docid = np.repeat(np.arange(n_docs, dtype=np.int64), lens_m)
            for g in _ngram_hashes(codes, docid, max(lo, 1), hi, salt=2):
                yield ("m", *g)

    def pairs(self, docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray]:
        """The active features as (document index, column) pairs, each pair once, sorted."""
        bits = self.bits
        # (document << bits) | column as one key; 32-bit keys when they fit (a batch of up
        # to 2**(32 - bits) documents) sort about 3x faster than 64-bit ones
        kdt = np.uint32 if (len(docs) << bits) <= (1 << 32) else np.uint64
        mask = np.uint64(self.n_features - 1)
        keys = [(d.astype(kdt) << kdt(bits)) | (h & mask).astype(kdt)
                for _, d, _, _, h in self._grams(docs)]
        if not keys:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty
        key = np.concatenate(keys)
        key.sort()  # sort + compare neighbours: much faster than np.unique
        if len(key) > 1:
            keep = np.empty(len(key), dtype=bool)
            keep[0] = True
            np.not_equal(key[1:], key[:-1], out=keep[1:])
            key = key[keep]
        return ((key >> kdt(bits)).astype(np.intp),
                (key & kdt(self.n_features - 1)).astype(np.intp))

    def transform(self, docs: Sequence[Doc]):
        """A CSR matrix (n_docs x 2**bits) of binary features (for training)."""
        import scipy.sparse as sp

        r, c = self.pairs(docs)
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=len(docs)), out=indptr[1:])
        return sp.csr_matrix((np.ones(len(c), dtype=np.float32), c, indptr),
                             shape=(len(docs), self.n_features))

    def spans(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(column, start, end) for each n-gram of one document, with the character span of
        ``doc.text`` it covers (for attributions)."""
        text = doc.text[: self.max_chars]
        # character positions: the featurized string is " " + words joined by " " + " "
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        first = words[0][0] if words else 0
        cs, ce = [first], [first]  # span of each featurized character; spaces are empty
        for a, b in words:
            cs.extend(range(a, b))
            ce.extend(range(a + 1, b + 1))
            cs.append(b)
            ce.append(b)
        toks = doc.tokens or []
        mask = np.uint64(self.n_features - 1)
        out: list[tuple[int, int, int]] = []
        for kind, _, starts, n, h in self._grams([doc]):
            cols = (h & mask).astype(np.int64)
            for s, c in zip(starts.tolist(), cols.tolist()):
                if kind == "c":
                    e = min(s + n - 1, len(ce) - 1)
                    out.append((c, cs[min(s, len(cs) - 1)], ce[e]))
                else:  # morpheme units are shifted by the BOS marker
                    first, last = max(s - 1, 0), min(s + n - 2, len(toks) - 1)
                    if not toks or last < first:
                        continue
                    out.append((c, toks[first].start, toks[last].end))
        return out
