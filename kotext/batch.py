"""The batch job as a library API: rows in = rows out, in order, a failing row kept in its
place with its error.

``run_batch``: read a source (a file, a folder, a glob, stdin, a dataset), run a pipeline,
write a sink (a file or stdout), with ``on_error``, resume and its identity checks; it
returns a :class:`BatchResult` (rows, failed, the exit status a command should use) and
never prints: notes and progress go to callbacks.

``apply_table``: a batch of rows (a pandas DataFrame or a pyarrow Table) in, the same rows,
in order, with kotext's output columns and the error column appended. It is what an engine
calls per partition and a service per request; its values are those ``run_batch`` writes
to a parquet file for the same rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from .doc import Doc
from .errors import KotextError, UsageError
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
    # kotext_label: it gets kotext_label_2 beside kotext_score_2 and kotext_error_2)
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
        progress: Callable[[int], None] | None = None,
        error_text: Callable[[str], str] | None = None) -> RunStats:
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
                if doc.error is not None and error_text is not None:
                    doc.error = error_text(doc.error)
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
                                 f"in {writer.part}: go on past it with resume=True and "
                                 f"on_error='keep' (the row keeps its place with its error), or "
                                 f"fix the row and run again from the start"
                                 if writer.path is not None and writer.fmt != "parquet" else
                                 "; fix the row and run again (parquet output cannot be "
                                 "resumed), or pass on_error='keep'"
                                 if writer.path is not None else "")
                        raise KotextError(f"row {row_no}: {doc.error}. Stopped there "
                                          f"(on_error='abort'){where}.", param="on_error")
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

# the output column that text output (and a classify table) shows, per last field
OUTPUT_TEXT_KEY = {"text": "clean_text", "tokens": "tokens", "sentences": "tokens",
                   "label": "label", "scores": "label", "summary": "summary",
                   "keywords": "keywords", "vector": "vector"}


@dataclass
class BatchResult:
    """What a batch job did. ``rows``/``failed`` count this run; ``resumed`` rows (with
    ``failed_before`` of them failed) came from the interrupted run it went on from."""

    rows: int = 0
    failed: int = 0
    empty: int = 0  # rows whose text is empty (as given or once cleaned): no label, no error
    resumed: int = 0
    failed_before: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # the first few, "row N: message"
    notes: list[str] = field(default_factory=list)
    output: str | None = None
    part: Path | None = None  # the file being written (FILE.part until the end)
    resumable: bool = False  # whether an interrupted run into ``part`` can be resumed
    exit_status: int = 0  # 0, or 1 where failed rows count as a failure (on_error)

    @property
    def skipped_resume(self) -> int:
        return self.resumed

    @property
    def total_failed(self) -> int:
        return self.failed + self.failed_before

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def run_identity(source: Source, pipeline: Pipeline, token_format: str = "text"
                 ) -> dict[str, Any]:
    """What a resume must find unchanged: each input file (its resolved path, size,
    modification time and a hash of its head and tail; None for stdin and datasets, which
    cannot be checked), the text column, the token format, the
    options that read the input and the stages' settings (not the batch size or thread
    counts, which change no output)."""
    from .io.readers import format_of
    from .io.writers import file_identity

    inputs = [file_identity(f) for f in source.files] if source.files else None
    stages = {name: {k: v for k, v in cfg.items() if k != "num_workers"}
              for name, cfg in pipeline.to_config()["stages"].items()}
    stages["(input)"] = {"text_column": source.text_key, "token_format": token_format}
    # how the input is cut into rows, as read: another quoting makes other rows of the same
    # bytes. The encoding is left out: one that does not fit stops the run, and an
    # auto-detected one equals the same given.
    formats = [source.input_format or format_of(f) for f in source.files] or \
        [source.input_format]
    stages["(reader)"] = {"formats": formats, "whole_file": source.whole_file,
                          "quoting": source.quoting, "split": source.split}
    return {"input": inputs, "settings": stages}


def check_whole_file(source: Source) -> None:
    """Refuse ``whole_file=True`` for an input of tables only (each row is a document)."""
    from .io.readers import format_of

    if source.files and not any(format_of(p) == "txt" for p in source.files):
        raise UsageError(f"whole_file=True applies to .txt files (a document per file); in a "
                         f"{format_of(source.files[0])} file each row is a document already: "
                         f"leave it out", param="whole_file")


def check_not_an_input(output: str | None, files: list[str] | None) -> None:
    """Refuse an output naming one of the input files: the output would replace the data."""
    if output in (None, "-"):
        return
    out = Path(output).resolve()
    if any(str(Path(p).resolve()) == str(out) for p in files or ()):
        raise UsageError(f"output={output!r} is the input file: kotext would replace your "
                         f"data with its output. Write to another file, e.g. "
                         f"output={out.stem + '_out' + out.suffix!r}", param="output")


def open_source(input: str, *, text_column: str | None = None, encoding: str | None = None,
                input_format: str | None = None, whole_file: bool = False,
                quoting: str = "auto", split: str | None = None) -> Source:
    """The rows of ``input`` (see :func:`kotext.io.readers.read`)."""
    from .io.readers import read

    return read(input, text_column=text_column, encoding=encoding, input_format=input_format,
                whole_file=whole_file, quoting=quoting, split=split)


def run_batch(pipeline: Pipeline, input: str | Source, output: str | None = None, *,
              out_format: str | None = None, text_column: str | None = None,
              encoding: str | None = None, input_format: str | None = None,
              whole_file: bool = False, quoting: str = "auto", split: str | None = None,
              output_encoding: str = "utf-8", on_error: str = "fail", resume: bool = False,
              batch_size: int | None = None, n_process: int = 1, sentences: bool = False,
              token_format: str = "text", fields: list[str] | None = None,
              line_format: Callable[[dict[str, str], str], Any] | None = None,
              progress: Callable[[int], None] | None = None,
              on_note: Callable[[str], None] | None = None,
              on_open: Callable[[BatchResult], None] | None = None,
              error_text: Callable[[str], str] | None = None) -> BatchResult:
    """Stream ``input`` through ``pipeline`` into ``output`` (None or "-": stdout).

    ``input`` is a path, folder, glob, "-" or ``hf:NAME`` read with the reading options, or
    a :class:`Source` already open. Rows in = rows out, in order: a failing row keeps its
    place with its error; an empty text is no failure (no label, no error, counted in
    ``empty``). ``on_error``: "fail" (exit status 1 where rows failed), "keep" (0; "skip" is
    its older name), "abort" (raise at the first failure, after writing the rows before it).
    ``resume=True`` goes on from an interrupted run into the same ``output``, refused where
    the input or the settings changed. ``fields``: the pipeline's fields to write (default:
    all it assigns). ``line_format(names, text_key)`` makes the text output's line function.
    ``progress(n)`` gets each batch's row count, ``on_note(message)`` each note (also kept
    in ``notes``), ``on_open(result)`` the result once the output is open (``part``,
    ``resumable`` and ``resumed`` set). ``error_text(message)`` rewrites each failing row's
    error as written (a command shows flags for parameters). Raises :class:`KotextError`
    for what stops the job.
    """
    import gc

    source = input if isinstance(input, Source) else open_source(
        input, text_column=text_column, encoding=encoding, input_format=input_format,
        whole_file=whole_file, quoting=quoting, split=split)
    result = BatchResult(output=output)

    def note(message: str) -> None:
        result.notes.append(message)
        if on_note is not None:
            on_note(message)

    if fields is None:  # every field the pipeline assigns
        fields = output_fields(pipeline, sentences=sentences)
    names = output_names(fields, source.columns)
    columns = source.columns + list(names.values())
    text_key = names[OUTPUT_TEXT_KEY.get(fields[-1], "clean_text")] if fields \
        else source.text_key
    if line_format is not None:
        line_format = line_format(names, source.text_key)
    identity = run_identity(source, pipeline, token_format)
    check_not_an_input(output, [p for p, *_ in identity["input"] or ()])
    if resume and source.spec == "-":  # a part file from other data would be mixed in
        raise UsageError("resume=True cannot tell whether stdin brings the same data as the "
                         "interrupted run: give the input as a file, or start over without "
                         "resume=True", param="resume")
    if sentences and "sentences" not in pipeline.assigns:
        raise UsageError("sentences=True: this pipeline makes no sentences (it needs a kiwi.v1 "
                         "stage with sentences = true)", param="sentences")
    writer = Writer(output, out_format, columns, encoding=output_encoding, resume=resume,
                    text_key=text_key, line_format=line_format, source=identity,
                    arrow_types=source.arrow_types,
                    column_types={c: OUTPUT_TYPES[k] for k, c in names.items()
                                  if k in OUTPUT_TYPES})
    if sentences and writer.fmt == "text":
        writer.close(ok=False)
        raise UsageError("sentences=True adds a column, which text output has not: write "
                         ".csv, .tsv, .jsonl or .parquet (output=FILE or out_format)",
                         param="sentences")
    if writer.path is not None:
        result.part, result.resumable = writer.part, writer.fmt != "parquet"
    writer.error_key = names["error"]
    result.resumed, result.failed_before = writer.rows_done, writer.failed_before
    if on_open is not None:
        on_open(result)
    if resume and not writer.resumed and writer.path is not None:
        note(f"resume=True: no interrupted run to go on from ({writer.part} with its "
             f"checkpoint); running from the start")
    # Millions of small token tuples trigger the cyclic collector every few hundred
    # allocations; collecting less often makes runs ~10% faster, and a streaming run holds
    # only a few batches, so memory stays flat. The caller's thresholds come back after.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)
    try:
        stats = run(pipeline, source, writer, fields=fields, names=names, on_error=on_error,
                    batch_size=batch_size, n_process=n_process, token_format=token_format,
                    progress=progress, error_text=error_text)
    finally:
        gc.set_threshold(*thresholds)
    result.rows, result.failed, result.seconds = stats.rows, stats.failed, stats.seconds
    result.empty = stats.empty
    result.errors = stats.errors
    if stats.extra_rows and writer.fmt in ("csv", "tsv", "parquet"):
        names_ = ", ".join(sorted(stats.extra_fields)[:5])
        note(f"{stats.extra_rows} row(s) hold fields first seen after the rows the columns "
             f"were read from ({names_}); a {writer.fmt} table has no column for them: write "
             f".jsonl to keep them")
    # abort stops at a failure of its own; failed rows from the run it resumed count
    result.exit_status = int(bool(result.total_failed and (
        on_error == "fail" or (on_error == "abort" and result.failed_before))))
    return result


# output columns whose values mix types (JSON tokens, keyword pairs) are JSON text, as the
# parquet writer stores them
_TEXT_COLUMNS = {"tokens": "string", "keywords": "string"}


def output_columns(pipeline: Pipeline, input_columns: list[str], *, sentences: bool = False
                   ) -> dict[str, str]:
    """The columns ``apply_table`` appends: kotext's column name -> its name in the output
    (``kotext_label`` where the input has a ``label`` already), ending with the error
    column."""
    return output_names(output_fields(pipeline, sentences=sentences), input_columns)


def output_arrow_types(pipeline: Pipeline, input_columns: list[str], *,
                       sentences: bool = False) -> dict[str, Any]:
    """Output column name -> its pyarrow type; fixed by the pipeline alone, so that every
    batch (and a Spark UDF's declared schema) has the same one."""
    import pyarrow as pa

    out = {}
    for key, name in output_columns(pipeline, input_columns, sentences=sentences).items():
        alias = OUTPUT_TYPES.get(key) or _TEXT_COLUMNS[key]
        out[name] = (pa.list_(pa.type_for_alias(alias[5:-1])) if alias.startswith("list<")
                     else pa.type_for_alias(alias))
    return out


def _json_text(v: Any) -> Any:
    import json

    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, default=str)


def apply_rows(pipeline: Pipeline, rows: list[dict[str, Any]], *, text_column: str,
               columns: list[str] | None = None, sentences: bool = False,
               token_format: str = "text", batch_size: int | None = None
               ) -> list[dict[str, Any]]:
    """Rows (dicts) in, the same rows with the output columns appended, in order; a row that
    fails keeps its place with its error (never raised)."""
    if columns is None:
        columns = list(rows[0]) if rows else [text_column]
    if text_column not in columns:
        raise ValueError(f"text_column={text_column!r} is not a column of the table "
                         f"(it has {', '.join(map(repr, columns[:10]))}): pass the name of "
                         f"the column that holds the text")
    fields = output_fields(pipeline, sentences=sentences)
    names = output_names(fields, columns)
    nfc_column = "tokens" in fields and "text" not in pipeline.assigns
    docs = pipeline.pipe((doc_of(dict(r), text_column, nfc_column) for r in rows),
                         batch_size=batch_size, on_error="record")
    out = []
    for doc in docs:
        vals = doc_values(doc, fields, token_format)
        row = {k: v for k, v in doc.meta.items() if k != ERROR_KEY}
        for key, value in vals.items():
            row[names[key]] = _json_text(value) if key in _TEXT_COLUMNS else value
        out.append(row)
    return out


def apply_table(pipeline: Pipeline, table: Any, *, text_column: str, sentences: bool = False,
                token_format: str = "text", batch_size: int | None = None) -> Any:
    """A table of rows through ``pipeline``: the same rows in the same order, with kotext's
    output columns (see ``output_columns``) and the error column appended. ``table`` is a
    pandas DataFrame or a pyarrow Table, and so is the result. A row that fails keeps its
    place with its error; empty cells (None, NaN) are empty texts, which are no error (see
    ``Doc.is_empty``)."""
    import pyarrow as pa

    is_pandas = not isinstance(table, (pa.Table, pa.RecordBatch))
    if is_pandas:
        if not hasattr(table, "to_dict") or not hasattr(table, "columns"):
            raise TypeError(f"table: give a pandas DataFrame or a pyarrow Table, not "
                            f"{type(table).__name__}")
        columns = [str(c) for c in table.columns]
        rows = table.to_dict("records")
    else:
        columns = list(table.schema.names)
        rows = table.to_pylist()
    out_rows = apply_rows(pipeline, rows, text_column=text_column, columns=columns,
                          sentences=sentences, token_format=token_format,
                          batch_size=batch_size)
    types = output_arrow_types(pipeline, columns, sentences=sentences)
    if is_pandas:
        import pandas as pd

        out = table.copy()
        for name in types:
            out[name] = pd.Series([r[name] for r in out_rows], index=table.index,
                                  dtype=object)
        return out
    arrays = {name: pa.array([r[name] for r in out_rows], type=typ)
              for name, typ in types.items()}
    result = pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table
    for name, arr in arrays.items():
        result = result.append_column(name, arr)
    return result
