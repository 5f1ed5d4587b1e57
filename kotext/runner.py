"""Batch runs over files: rows in = rows out, in order, failures kept in place."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .doc import Doc
from .errors import KotextError
from .io.readers import ERROR_KEY, RAW_KEY, Source, text_of
from .io.writers import Writer
from .pipeline import Pipeline
from .stages.base import batched

# Doc field -> output columns, in the order they are appended.
OUTPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("clean_text",),
    "tokens": ("tokens",),
    "sentences": ("sentences",),
    "label": ("label",),
    "scores": ("score",),
    "summary": ("summary", "summary_indices", "summary_scores"),
    "keywords": ("keywords",),
    "vector": ("vector",),
}

# each output column's parquet type, so that a file whose first rows all failed (or an
# empty input) still gets a number column for scores; tokens and keywords are left to
# the values (JSON tokens and keyword pairs mix types and are written as JSON text)
OUTPUT_TYPES = {"clean_text": "string", "sentences": "list<string>", "label": "string",
                "score": "double", "summary": "string", "summary_indices": "list<int64>",
                "summary_scores": "list<double>", "vector": "list<double>",
                "error": "string"}


@dataclass
class RunStats:
    rows: int = 0
    failed: int = 0
    empty: int = 0  # rows whose text is empty (as given or once cleaned): no error
    skipped_resume: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # the first few messages
    # rows holding fields not among the columns (a JSONL key first seen after the records
    # the columns were read from): a table cannot keep them
    extra_rows: int = 0
    extra_fields: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


_ENDS = tuple(".!?\u2026\u3002\"'\u201d\u2019)]\u300d\u300f")


def join_summary(sentences: list[str]) -> str:
    """The summary column: sentences that end in punctuation joined by a space, as they
    would be written; otherwise (lines, list items without a full stop) one per line,
    where a space ran them together ("돌아왔다 개량형 우주선...")."""
    if all(s.rstrip().endswith(_ENDS) for s in sentences):
        return " ".join(sentences)
    return "\n".join(sentences)


def output_fields(pipeline: Pipeline, sentences: bool = False) -> list[str]:
    fields = [f for f in OUTPUT_COLUMNS if f in pipeline.assigns]
    if "sentences" in fields and not sentences:
        fields.remove("sentences")
    return fields


def output_names(fields: list[str], input_columns: list[str]) -> dict[str, str]:
    """New column names; one that already exists in the input gets a ``kotext_`` prefix."""
    taken = set(input_columns)
    cols = [col for f in fields for col in OUTPUT_COLUMNS[f]] + ["error"]
    clash = [c for c in cols if c in taken]

    def named(col: str, i: int) -> str:
        return f"kotext_{col}" if i == 1 else f"kotext_{col}_{i}"

    # kotext_ prefix on a clash; and one number for all the clashing columns when a
    # prefixed name is taken too (a file that is itself an earlier run's output has
    # kotext_label: it got kotext_label_2 beside kotext_score and kotext_error)
    i = 1
    while any(named(c, i) in taken for c in clash):
        i += 1
    return {c: named(c, i) if c in taken else c for c in cols}


def doc_values(doc: Doc, fields: list[str], token_format: str = "text") -> dict[str, Any]:
    out: dict[str, Any] = {}
    ok = doc.error is None
    for f in fields:
        if f == "text":
            out["clean_text"] = doc.text if ok else None
        elif f == "tokens":
            if not ok or doc.tokens is None:
                out["tokens"] = None
            elif token_format == "json":
                # [form, tag, start, end], and a predicate's lemma fifth with --lemmas (it
                # took the form's place, where text[start:end] no longer matched it)
                out["tokens"] = [[t.form, t.tag, t.start, t.end, t.lemma] if t.lemma else
                                 [t.form, t.tag, t.start, t.end] for t in doc.tokens]
            else:
                out["tokens"] = doc.tokens_text()
        elif f == "sentences":
            out["sentences"] = [s.text for s in doc.sentences] \
                if ok and doc.sentences is not None else None  # [] for an empty text
        elif f == "label":
            out["label"] = doc.label if ok else None
        elif f == "scores":
            out["score"] = round(doc.score, 6) if ok and doc.score is not None else None
        elif f == "summary":
            out["summary"] = join_summary(doc.summary) if ok and doc.summary is not None \
                else None
            out["summary_indices"] = doc.summary_indices if ok else None
            out["summary_scores"] = doc.summary_scores if ok else None
        elif f == "keywords":
            out["keywords"] = ([[w, round(s, 6)] for w, s in doc.keywords]
                               if ok and doc.keywords is not None else None)
        elif f == "vector":  # docvec.v1: the document vector, as a list of numbers
            out["vector"] = ([round(float(x), 6) for x in doc.vector]
                             if ok and doc.vector is not None else None)
    out["error"] = doc.error
    return out


def doc_of(row: dict, text_key: str, nfc_column: bool = False) -> Doc:
    """A row as a Doc; a reader's problem with the row, or a cell that holds no text,
    becomes the Doc's error (the row keeps its place). ``nfc_column``: write the text
    column back as the NFC text the offsets index (tokens written, no clean_text column);
    otherwise the column stays as given."""
    err = row.pop(ERROR_KEY, None)
    raw = row.pop(RAW_KEY, None)
    if raw is not None and text_key not in row:  # a line that is no JSON record: kept
        row[text_key] = raw
    elif text_key not in row and not err:  # a JSON record without the field
        fields = ", ".join(map(str, list(row)[:8])) or "none"
        err = f"no field '{text_key}' in this record (its fields: {fields})"
    cell = row.get(text_key)
    try:
        text = text_of(cell)
    except KotextError as e:
        text, err = "", err or f"{text_key}: {e}"
    if nfc_column and text is not cell and isinstance(cell, str):
        # NFD (macOS) made NFC: the column is written as tokenized, so that offsets fit it
        # (with --no-clean there is no clean_text column to slice instead)
        row[text_key] = text
    if "\x00" in text and not err:  # a stray NUL byte, anywhere in the file
        err = (f"{text_key}: the text holds a NUL byte (U+0000), which text cannot hold; "
               f"remove them from the file (e.g. tr -d '\\000' < FILE > CLEAN_FILE)")
    doc = Doc(text=text, meta=row)
    doc.error = f"input: {err}" if err else None
    return doc


def run(pipeline: Pipeline, source: Source, writer: Writer, *, fields: list[str],
        names: dict[str, str], on_error: str = "fail", batch_size: int | None = None,
        n_process: int = 1, token_format: str = "text",
        progress: Callable[[int], None] | None = None) -> RunStats:
    """Stream ``source`` through ``pipeline`` into ``writer``.

    ``on_error``: ``"fail"`` or ``"keep"`` keep going and record each failing row's error
    in its place (the caller decides the exit code); ``"abort"`` stops at the first one.
    """
    stats = RunStats()
    t0 = time.perf_counter()
    text_key = source.text_key
    rows: Iterator[dict] = iter(source)
    if writer.rows_done:
        stats.skipped_resume = sum(1 for _ in islice(rows, writer.rows_done))

    # Failures are always recorded on their rows; "abort" stops at the first one (a stage
    # error or an input error such as a ragged CSV row) after writing the rows before it.
    nfc_column = "tokens" in fields and "text" not in pipeline.assigns  # --no-clean offsets
    docs = pipeline.pipe((doc_of(row, text_key, nfc_column) for row in rows),
                         batch_size=batch_size, n_process=n_process, on_error="record")
    rename = {k: v for k, v in names.items() if k != v}
    n_columns = len(source.columns)
    ok = False
    try:
        for batch in batched(docs, batch_size or pipeline.batch_size):
            out_rows = []
            for doc in batch:
                vals = doc_values(doc, fields, token_format)
                if rename:
                    vals = {rename.get(k, k): v for k, v in vals.items()}
                if doc.error is None:
                    if doc.is_empty:
                        stats.empty += 1
                else:
                    stats.failed += 1
                    row_no = stats.skipped_resume + stats.rows + len(out_rows) + 1
                    if len(stats.errors) < 5:
                        stats.errors.append(f"row {row_no}: {doc.error}")
                    if on_error == "abort":
                        writer.write_rows(out_rows)
                        stats.rows += len(out_rows)
                        where = (f"; the {stats.skipped_resume + stats.rows} rows before it are "
                                 f"in {writer.part}: go on past it with --resume --on-error "
                                 f"keep (the row keeps its place with its error), or fix the "
                                 f"row and run again from the start"
                                 if writer.path is not None and writer.fmt != "parquet" else
                                 "; fix the row and run again (parquet output cannot be "
                                 "resumed), or pass --on-error keep"
                                 if writer.path is not None else "")
                        raise KotextError(
                            f"row {row_no}: {doc.error}. Stopped there (--on-error abort){where}."
                        )
                if len(doc.meta) > n_columns:  # cheap; the set only for such rows
                    extra = set(doc.meta) - set(source.columns)
                    if extra:
                        stats.extra_rows += 1
                        stats.extra_fields |= extra
                out_rows.append({**doc.meta, **vals})
            writer.write_rows(out_rows)
            stats.rows += len(out_rows)
            if progress is not None:
                progress(len(out_rows))
        ok = True
    finally:
        stats.seconds = time.perf_counter() - t0
        writer.close(ok=ok)
    return stats
