"""The record that flows through every pipeline stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Token(NamedTuple):
    """One morpheme. ``start``/``end`` are character offsets into ``Doc.text``."""

    form: str
    tag: str
    start: int
    end: int
    lemma: str | None = None  # predicates (VV/VA/...) as stem + 다, when asked for

    def __str__(self) -> str:
        return f"{self.lemma or self.form}/{self.tag}"


class Sentence(NamedTuple):
    """A sentence span of ``Doc.text``; ``tokens`` indexes ``Doc.tokens`` [first, last)."""

    text: str
    start: int
    end: int
    tokens: tuple[int, int] | None = None


@dataclass(slots=True)
class Doc:
    """One document. ``None`` in an annotation field means "not annotated yet".

    ``meta`` holds the source row (all input columns), passed through untouched, so
    that writers can keep the input's columns and append the new ones.
    """

    text: str
    id: str | None = None
    sentences: list[Sentence] | None = None
    tokens: list[Token] | None = None
    label: str | None = None
    scores: dict[str, float] | None = None
    summary: list[str] | None = None
    summary_indices: list[int] | None = None
    summary_scores: list[float] | None = None  # each picked sentence's score (0-1)
    keywords: list[tuple[str, float]] | None = None
    vector: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def is_empty(self) -> bool:
        """The text is empty or only white space (as given, or once cleaned: a blank line,
        an empty cell, only HTML). Empty is not an error: such a document keeps its place
        in the output, with no tokens and no label, summary or keywords, and no error; a
        run counts it as empty and exits 0 for it."""
        return not self.text.strip()

    @property
    def score(self) -> float | None:
        """Probability of ``label`` (classification stages)."""
        if self.label is None or not self.scores:
            return None
        return self.scores.get(self.label)

    def tokens_text(self) -> str:
        """Tokens as ``form/TAG`` joined by spaces (lemmas for predicates when present). A
        space inside a form (Kiwi's multi-word names: ``휴 그랜트/NNP``) becomes ``_``, as in
        word vectors' keys, so that splitting on spaces gives the tokens back."""
        parts = [f"{t.lemma or t.form}/{t.tag}" for t in self.tokens or ()]
        text = " ".join(parts)
        if text.count(" ") >= len(parts):  # one count instead of a test per token
            text = " ".join(["_".join(p.split()) for p in parts])
        return text
