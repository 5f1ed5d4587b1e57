"""Evaluating word vectors: word-similarity (Spearman) and analogy files."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io.encoding import read_text_file
from .vectors import Vectors

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
