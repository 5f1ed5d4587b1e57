"""Korean ROUGE over Kiwi morphemes, and sentence-level P/R/F1 against gold indices.

Common ROUGE packages tokenize on ``[a-z0-9]+`` and so drop Hangul entirely; here the
units are Kiwi morpheme forms (punctuation and symbols dropped; Latin letters lowered).

- ROUGE-N: clipped n-gram overlap; P = overlap / candidate n-grams, R = overlap /
  reference n-grams, F1 their harmonic mean.
- ROUGE-L: longest common subsequence of the two whole morpheme sequences (the
  summary-level variant that concatenates sentences).
- Several references: each score is the best over them (as in ``rouge-score``'s max).
- Corpus figures are the mean of per-document P/R/F1 (macro average).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

# Kiwi tags that are not words: punctuation, brackets, other symbols.
_DROP_TAGS = ("SF", "SP", "SS", "SE", "SO", "SW", "SB")

Tokenizer = Callable[[str], list[str]]


def kiwi_morphemes(texts: Iterable[str]) -> list[list[str]]:
    """Morpheme forms of each text (one Kiwi call for the batch)."""
    from ..kiwi import get_kiwi

    texts = list(texts)
    if not texts:
        return []
    out = []
    for toks in get_kiwi().tokenize(texts):
        out.append([t.form.lower() for t in toks if not t.tag.startswith(_DROP_TAGS)])
    return out


def _ngrams(toks: Sequence[str], n: int) -> Counter:
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def _prf(overlap: float, n_cand: int, n_ref: int) -> dict[str, float]:
    p = overlap / n_cand if n_cand else 0.0
    r = overlap / n_ref if n_ref else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def rouge_tokens(cand: Sequence[str], ref: Sequence[str],
                 types: Sequence[str] = ("rouge1", "rouge2", "rougeL")) -> dict[str, dict]:
    """ROUGE of one candidate against one reference, both already tokenized."""
    out = {}
    for t in types:
        if t == "rougeL":
            out[t] = _prf(lcs_length(cand, ref), len(cand), len(ref))
        elif t.startswith("rouge") and t[5:].isdigit():
            n = int(t[5:])
            c, r = _ngrams(cand, n), _ngrams(ref, n)
            out[t] = _prf(sum((c & r).values()), sum(c.values()), sum(r.values()))
        else:
            raise ValueError(f"ROUGE type {t!r}: use rouge1, rouge2, ..., rougeL")
    return out


def _join(x: str | Sequence[str]) -> str:
    return x if isinstance(x, str) else "\n".join(x)


def rouge(candidates: Sequence[str | Sequence[str]],
          references: Sequence[str | Sequence[str] | Sequence[Sequence[str]]],
          types: Sequence[str] = ("rouge1", "rouge2", "rougeL"),
          tokenizer: Tokenizer | None = None) -> dict[str, dict[str, float]]:
    """Mean ROUGE P/R/F1 over documents, morphemes from Kiwi (or ``tokenizer``).

    A candidate is a text or a list of sentences. A reference is a text, a list of
    sentences, or (``{"refs": [...]}`` style) a list of several reference texts given as
    a list of lists of sentences; each document's score is the best over its references.
    """
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} references")
    refs_per_doc: list[list[str]] = []
    for ref in references:
        if isinstance(ref, str):
            refs_per_doc.append([ref])
        elif ref and not isinstance(ref[0], str):
            refs_per_doc.append([_join(r) for r in ref])
        else:
            refs_per_doc.append([_join(ref)])
    cands = [_join(c) for c in candidates]
    flat = cands + [r for refs in refs_per_doc for r in refs]
    toks = [tokenizer(t) for t in flat] if tokenizer else kiwi_morphemes(flat)
    cand_toks, ref_toks = toks[:len(cands)], toks[len(cands):]
    totals = {t: {"precision": 0.0, "recall": 0.0, "f1": 0.0} for t in types}
    k = 0
    for i, refs in enumerate(refs_per_doc):
        best: dict[str, dict] = {}
        for _ in refs:
            sc = rouge_tokens(cand_toks[i], ref_toks[k], types)
            k += 1
            for t in types:
                if t not in best or sc[t]["f1"] > best[t]["f1"]:
                    best[t] = sc[t]
        for t in types:
            for m in ("precision", "recall", "f1"):
                totals[t][m] += best[t][m] if best else 0.0
    n = len(cands) or 1
    return {t: {m: v / n for m, v in d.items()} for t, d in totals.items()}


def sentence_prf(predicted: Sequence[Sequence[int]],
                 gold: Sequence[Sequence[int]]) -> dict[str, float]:
    """Mean per-document precision/recall/F1 of picked sentence indices vs gold indices."""
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions but {len(gold)} gold index lists")
    p = r = f = 0.0
    for pred, g in zip(predicted, gold):
        ps, gs = {int(x) for x in pred}, {int(x) for x in g}
        s = _prf(len(ps & gs), len(ps), len(gs))
        p, r, f = p + s["precision"], r + s["recall"], f + s["f1"]
    n = len(gold) or 1
    return {"precision": p / n, "recall": r / n, "f1": f / n}


def format_summary_report(rep: dict) -> str:
    lines = [f"{'metric':<10} {'precision':>9} {'recall':>7} {'f1':>7}"]
    for name in ("rouge1", "rouge2", "rougeL", "sentences"):
        if name in rep:
            d = rep[name]
            label = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
                     "sentences": "sentence"}[name]
            lines.append(f"{label:<10} {d['precision'] * 100:9.2f} {d['recall'] * 100:7.2f} "
                         f"{d['f1'] * 100:7.2f}")
    lines.append(f"(n = {rep.get('n', '?')} documents; ROUGE over Kiwi morphemes, x100)")
    return "\n".join(lines)
