"""Writers: csv, tsv, jsonl, parquet, plain text. Files are written atomically (to
``OUT.part``, renamed when the run ends) and can be resumed after an interruption."""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .readers import format_of

OUT_FORMATS = ("csv", "tsv", "jsonl", "parquet", "text")


def _lock(path: Path):
    """Hold ``path`` (created if missing) locked for this process, or return None when
    another process holds it. The operating system drops the lock when the process ends,
    so a killed run leaves no stale lock behind."""
    f = open(path, "a+b")
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    return f


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _out_format(path: Path | None) -> str:
    """The output format from ``-o``'s suffix (text without one); others are refused rather
    than written as text under a name that promises something else."""
    if path is None:
        return "text"  # the screen
    suffix = path.suffix.lower()
    if not suffix:  # -o results: text would drop every column of the input, silently
        raise UsageError(f"output={path}: no suffix to tell the format; name the file .csv, .tsv, "
                         f".jsonl, .parquet or .txt (the text alone), or pass `out_format`")
    if suffix == ".json":
        raise UsageError(f"output={path}: kotext writes JSON Lines, one object per line: name the "
                         f"file .jsonl (or pass out_format='jsonl' to keep the name)")
    fmt = format_of(path)
    if fmt is None:
        excel = (" For Excel write .csv with output_encoding='utf-8-sig'."
                 if suffix in (".xlsx", ".xls", ".xlsm") else "")
        raise UsageError(f"output={path}: unknown output type {suffix}; use .csv, .tsv, .jsonl, "
                         f".parquet or .txt, or pass `out_format`.{excel}")
    return "text" if fmt == "txt" else fmt


def _codec(encoding: str) -> str:
    """An encoding's one name (CP949 and cp949, UTF-8-SIG and utf-8-sig)."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def is_device(path: Path) -> bool:
    """/dev/stdout, /dev/null, a named pipe: written straight through, never replaced
    (/dev/shm holds files like any folder)."""
    p = path.as_posix()
    return (p.startswith("/dev/") and not p.startswith("/dev/shm/")) or path.is_fifo() \
        or path.is_char_device()


def device_format(path: Path) -> str:
    """What a device or named pipe gets without --format: the text stdout gets, unless
    its name says a line format (a pipe named rows.jsonl or rows.csv)."""
    fmt = format_of(path)
    return fmt if fmt in ("csv", "tsv", "jsonl") else "text"


def _fits(pa, v: Any, typ) -> bool:
    try:
        pa.array([v], type=typ)
        return True
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return False


# text output is a line per row: line breaks of every kind (CR, VT, FF, NEL, U+2028...)
# and other control characters (ESC would recolour a terminal) become spaces; tabs stay
_ONE_LINE = {c: " " for c in [*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F, 0x85,
                              0x2028, 0x2029]}


def _tsv_cell(v: Any) -> str:
    """A TSV cell as it is, as NSMC-style files are read (quotes inside are text); a cell
    holding a tab or a line break, which cannot be written bare, or starting with a quote,
    which CSV quoting would take for its own, is quoted as in CSV: pandas and Excel read
    that, and so does kotext (it reads a TSV so quoted as CSV)."""
    s = v if isinstance(v, str) else str(_cell(v))
    if "\t" in s or "\n" in s or "\r" in s or s.startswith('"'):
        return '"' + s.replace('"', '""') + '"'
    return s


def file_identity(path: str | Path) -> list:
    """What a --resume checks of an input file: its resolved path, its size, its
    modification time and a hash of its first and last 64 KB (the size alone let a file
    edited in place to the same size be resumed, mixing two inputs' rows)."""
    import hashlib

    p = Path(path).resolve()
    st = p.stat()
    h = hashlib.sha256()
    try:
        with open(p, "rb") as f:
            h.update(f.read(1 << 16))
            if st.st_size > 1 << 17:
                f.seek(-(1 << 16), os.SEEK_END)
            h.update(f.read(1 << 16))
    except OSError:  # unreadable: the reader says so
        pass
    return [str(p), st.st_size, st.st_mtime_ns, h.hexdigest()[:16]]


def _as_older(now: Any, then: Any) -> Any:
    """This run's identity as a part file from an older kotext recorded it: without the
    reader options, when it has none, and inputs as [path, size] only when it recorded
    those (such a part is resumed, not refused)."""
    if isinstance(now, dict) and isinstance(then, dict) and \
            "(reader)" not in (then.get("settings") or {}):
        now = {**now, "settings": {k: v for k, v in (now.get("settings") or {}).items()
                                   if k != "(reader)"}}
    if isinstance(now, dict) and isinstance(then, dict) and now.get("input") and \
            then.get("input") and all(len(x) == 2 for x in then["input"]):
        now = {**now, "input": [x[:2] for x in now["input"]]}
    return now


def _what_changed(then: Any, now: Any) -> str:
    """For --resume's refusal: what differs between the run that wrote the part file and
    this one (``source`` = {"input": [[path, size], ...], "settings": {...}})."""
    if not (isinstance(then, dict) and isinstance(now, dict)):
        return "by another run"
    if then.get("input") != now.get("input"):
        files = ", ".join(f"{Path(p).name} of {n:,} bytes" for p, n, *_ in then.get("input")
                          or ())
        return (f"from another input, or the input has changed since (it was "
                f"{files or 'not a file'})")
    was = (then.get("settings") or {}).get("(input)")
    if was and was != (now.get("settings") or {}).get("(input)"):
        return (f"with another `text_column` or `token_format` (it was "
                f"{was['text_column']!r}, {was['token_format']})")
    was = (then.get("settings") or {}).get("(reader)")
    if was and was != (now.get("settings") or {}).get("(reader)"):  # (older parts: none)
        given = ", ".join(f"{k} {v}" for k, v in was.items() if v not in (None, False))
        return (f"with other options for reading the input (`input_format`, `whole_file`, "
                f"`quoting`, `split`; it was read with {given})")
    return "with other pipeline settings (model or stage options)"


def _nan_to_none(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def _text_cell(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _stdout_in(encoding: str):
    """Standard output, in ``encoding`` (--output-encoding, UTF-8 by default) when it goes to
    a pipe or a file: on Windows a redirect is otherwise in the ANSI code page (CP949), which
    has no emoji. A terminal keeps its own encoding (it shows what it can)."""
    out = sys.stdout
    if out is None:  # started with stdout closed (cmd >&-)
        raise UsageError("standard output is closed: pass output=FILE to write the results")
    try:
        if out.isatty() or codecs.lookup(out.encoding).name == codecs.lookup(encoding).name:
            return out
        out.flush()
        out.reconfigure(encoding=encoding)
    except (AttributeError, LookupError, TypeError, ValueError, OSError):
        pass  # a replaced stream (tests, notebooks) is left as it is
    return out


def json_safe(v: Any) -> Any:
    """``v`` with NaN and infinities as None, at any depth: JSON has neither (an undefined
    score, a NaN cell inside a list)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def _json_line(row: dict[str, Any]) -> str:
    try:
        return json.dumps(row, ensure_ascii=False, default=str, allow_nan=False) + "\n"
    except ValueError:  # NaN / inf are not JSON: null
        return json.dumps(json_safe(row), ensure_ascii=False, default=str,
                          allow_nan=False) + "\n"


class Writer:
    """Append rows; ``close(ok=True)`` publishes the file.

    With ``resume=True`` an earlier interrupted run's ``OUT.part`` is continued: its
    checkpoint (``OUT.part.json``) says how many rows were safely written, the part file
    is cut back to that point and ``rows_done`` tells the caller how many input rows to skip.

    The checkpoint is written (after an fsync) at most once every ``CHECKPOINT_SECONDS`` and
    when a run stops early (``close(ok=False)``), not after every batch: an fsync per small
    batch cost more than the batch's own work. A run killed outright redoes at most the
    last few seconds' rows on ``--resume``. Parquet rows are buffered into row groups of
    ``PARQUET_ROWS`` whatever the batch size.
    """

    CHECKPOINT_SECONDS = 2.0
    PARQUET_ROWS = 16_384

    def __init__(self, path: str | Path | None, fmt: str | None, columns: list[str], *,
                 encoding: str = "utf-8", resume: bool = False, text_key: str | None = None,
                 line_format=None, source: Any = None, arrow_types: dict | None = None,
                 column_types: dict[str, str] | None = None, stream: Any = None):
        # ``stream``: a text stream the caller owns (a web response), written in place of
        # stdout when ``path`` is None; flushed after each batch, never closed
        self.path = Path(path) if path not in (None, "-") else None
        self._device: Path | None = None
        if self.path is not None and is_device(self.path):
            # /dev/stdout, /dev/null, a named pipe: written straight through, like stdout
            # (a part file renamed onto /dev/null replaced the device with a file)
            self._device, self.path = self.path, None
            if fmt is None:
                fmt = device_format(self._device)
        if self.path is not None and self.path.is_dir():
            raise UsageError(f"output={self.path} is a folder: give a file name, e.g. output="
                             f"{self.path / 'out.csv'}")
        if self.path is not None and self.path.suffix.lower() == ".gz":
            raise UsageError(f"output={self.path}: kotext writes uncompressed files; write "
                             f"{self.path.with_suffix('').name} and compress it afterwards")
        if fmt is None:
            fmt = _out_format(self.path)
        if fmt not in OUT_FORMATS:
            raise UsageError(f"out_format={fmt!r}: use one of {', '.join(OUT_FORMATS)}")
        self.fmt = fmt
        self.columns = columns
        if _codec(encoding) in ("utf-8", "utf-8-sig"):  # UTF-8, utf8, UTF-8-SIG: one name
            encoding = _codec(encoding)
        if fmt == "parquet" and encoding != "utf-8":
            raise UsageError(f"output_encoding={encoding}: parquet stores its text as UTF-8 "
                             f"whatever is asked; leave `output_encoding` out, or write .csv")
        if fmt == "jsonl" and encoding == "utf-8-sig":
            encoding = "utf-8"  # a BOM is for Excel's CSV; JSON readers refuse one
            import warnings

            from ..errors import KotextWarning

            warnings.warn("JSONL is written as UTF-8 without a BOM (JSON readers refuse one); "
                          "utf-8-sig is for CSV that Excel opens", KotextWarning, stacklevel=2)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"output_encoding={encoding!r}: no such encoding; use utf-8 "
                             f"(the default), utf-8-sig (CSV that Excel opens as Korean) or "
                             f"cp949") from None
        self.encoding = encoding
        self.source = source  # what the rows come from (JSON); --resume checks it is the same
        self.arrow_types = arrow_types if arrow_types is not None else {}
        self.column_types = column_types or {}  # new columns: "double", "list<int64>"...
        self.error_key: str | None = None  # the error column, to count failed rows
        self.failed_before = self.failed_done = 0  # failed rows (before a --resume; all)
        self.text_key = text_key
        self.line_format = line_format  # text format: row -> line (default: row[text_key])
        self.rows_done = 0
        self.resumed = False  # a part file and its checkpoint were found (maybe of 0 rows)
        self._pq_writer = None
        self._pq_rows: list[dict[str, Any]] = []
        self._end = 0  # bytes of the part file after the last whole write_rows
        self._last_ckpt = time.monotonic()
        self._discard = False
        if self.path is None:
            if resume:
                raise UsageError("`resume` needs an output file: pass output=FILE")
            if fmt == "parquet":
                raise UsageError("parquet cannot be written to stdout: pass output=FILE.parquet")
            to_stdout = self._device is None or self._device.as_posix() in (
                "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
            # append: "w" on /dev/stderr truncates the file it points to, if a file
            self._owns_f = not to_stdout and stream is None
            if stream is not None:
                self._f = stream
            else:
                self._f = _stdout_in(self.encoding) if to_stdout else \
                    open(self._device, "a", encoding=self.encoding, newline="")
            self._start()
            return
        self.part = self.path.with_name(self.path.name + ".part")
        self.ckpt = self.path.with_name(self.path.name + ".part.json")
        self.lockfile = self.path.with_name(self.path.name + ".lock")
        if resume and fmt == "parquet":
            raise UsageError("`resume` works with csv, tsv, jsonl and text outputs, not parquet")
        self._lock = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = _lock(self.lockfile)
            if self._lock is None:
                raise UsageError(
                    f"another kotext run is writing {self.path} ({self.lockfile.name} is "
                    f"locked): wait for it to finish, or pass another -o")
            self._open_path(resume)
        except OSError as e:
            self._unlock()
            raise UsageError(f"cannot write {self.path}: {e.strerror or e}. Pass output=a file in a "
                             f"folder you can write to") from None
        except BaseException:
            self._unlock()
            raise

    def _unlock(self) -> None:
        if self._lock is None:
            return
        if os.name != "nt":  # remove it while still holding it (Windows: after closing)
            self.lockfile.unlink(missing_ok=True)
        self._lock.close()
        self._lock = None
        try:
            self.lockfile.unlink(missing_ok=True)
        except OSError:  # Windows: another run has just opened it
            pass

    def _open_path(self, resume: bool) -> None:
        fmt, columns = self.fmt, self.columns
        if resume and self.part.exists() and self.ckpt.exists():
            state = json.loads(self.ckpt.read_text(encoding="utf-8"))
            if state.get("columns") != columns or state.get("format") != fmt:
                raise UsageError(
                    f"`resume`: {self.part} was written with other columns or format; "
                    f"delete it (and {self.ckpt.name}) to start over"
                )
            if self.source is not None and state.get("source") not in (
                    None, _as_older(self.source, state["source"])):
                raise UsageError(
                    f"`resume`: {self.part} was written "
                    f"{_what_changed(state['source'], self.source)}; resuming would mix the "
                    f"two. Delete it (and {self.ckpt.name}) to start over"
                )
            if _codec(state.get("encoding", self.encoding)) != _codec(self.encoding):
                raise UsageError(
                    f"`resume`: {self.part} was written in {state['encoding']}, and this run "
                    f"asks for {self.encoding}; one file cannot hold both. Resume with "
                    f"output_encoding={state['encoding']}, or delete it (and "
                    f"{self.ckpt.name}) to start over")
            self.rows_done = int(state["rows"])
            self.resumed = True
            self.failed_before = self.failed_done = int(state.get("failed", 0))
            if self.part.stat().st_size < int(state["bytes"]):
                raise UsageError(
                    f"`resume`: {self.part} is shorter than its checkpoint says (was it "
                    f"changed?); delete it (and {self.ckpt.name}) to start over"
                )
            with open(self.part, "r+b") as f:
                f.truncate(int(state["bytes"]))
            self._f = open(self.part, "a", encoding=self._enc(append=True), newline="")
            self._end = int(state["bytes"])
            self._init_csv()
            return
        # A fresh start: a checkpoint left by an earlier run must not describe this file.
        if self.ckpt.exists():
            self.ckpt.unlink()
        if fmt == "parquet":
            self._f = None
            open(self.part, "wb").close()  # can it be written? (row groups come later)
            return
        self._f = open(self.part, "w", encoding=self._enc(append=False), newline="")
        self._start()
        self._end = self._f.tell()
        self._checkpoint()  # the header alone is a valid place to resume from

    def _enc(self, append: bool) -> str:
        # a BOM only at the very start of the file
        return "utf-8" if append and self.encoding == "utf-8-sig" else self.encoding

    def _init_csv(self) -> None:
        if self.fmt == "csv":
            self._csv = csv.writer(self._f, lineterminator="\n")
            # Python's csv quotes a cell holding "\n" but not one holding "\r" alone (with
            # lineterminator "\n"), which a reader takes for a line end: such rows quoted
            self._csv_all = csv.writer(self._f, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def _start(self) -> None:
        self._init_csv()
        if self.fmt == "csv":
            self._csv.writerow(self.columns)
        elif self.fmt == "tsv":
            self._f.write("\t".join(map(_tsv_cell, self.columns)) + "\n")

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        if self.error_key is not None:  # failed rows in the file, kept over a --resume
            key = self.error_key
            self.failed_done += sum(1 for r in rows if r.get(key))
        try:
            self._write(rows)
        except UnicodeEncodeError as e:
            self._discard = True  # the same rows would fail again on --resume
            raise self._unencodable(rows, e) from None

    def _unencodable(self, rows: list[dict[str, Any]], e: UnicodeEncodeError) -> UsageError:
        """The first row and character the output encoding cannot hold, and the fix."""
        where = f"{e.object[e.start:e.end]!r}"
        for i, r in enumerate(rows):
            bad = next((c for v in r.values() if isinstance(v, str) for c in v
                        if not _encodable(c, self.encoding)), None)
            if bad is not None:
                where = f"row {self.rows_done + i + 1}: {bad!r} (U+{ord(bad):04X})"
                break
        if self.path is None and _codec(e.encoding) != _codec(self.encoding):
            # a terminal in its own encoding
            return UsageError(
                f"{where} cannot be written to standard output, which is {e.encoding} (the "
                f"terminal's or the console's encoding): write to a file with output=FILE (UTF-8), "
                f"or set PYTHONUTF8=1 so that Python prints UTF-8.")
        if bad is not None and 0xD800 <= ord(bad) <= 0xDFFF:  # no character: a stray byte
            return UsageError(
                f"{where} is a byte that was not text where it was read (a file name in a "
                f"locale that is not UTF-8?): run with a UTF-8 locale, e.g. "
                f"LC_ALL=C.UTF-8 or PYTHONUTF8=1")
        if bad is not None and "\u1100" <= bad <= "\u11ff":
            why = (f"Kiwi writes some endings as jamo (ᆫ/ETM, ᆯ/ETM, ᆷ/ETN, ᆸ니다/EF), which "
                   f"{self.encoding} has no code for: tokens need UTF-8")
        elif _codec(self.encoding) in ("cp949", "euc_kr"):
            why = f"{self.encoding} has no emoji and lacks some rarer characters"
        else:
            why = f"{self.encoding} has no Korean" if bad is not None and \
                "\uac00" <= bad <= "\ud7a3" else f"{self.encoding} lacks it"
        return UsageError(
            f"{where} cannot be written in {self.encoding}. Use output_encoding='utf-8-sig' "
            f"(Excel opens it as Korean too) or utf-8: {why}.")

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if self.fmt == "csv":
            cols = self.columns
            table = [[_cell(r.get(c)) for c in cols] for r in rows]
            for row in table:
                if any(isinstance(v, str) and "\r" in v and "\n" not in v for v in row):
                    self._csv_all.writerow(row)
                else:
                    self._csv.writerow(row)
        elif self.fmt == "tsv":
            cols = self.columns
            self._f.write("".join("\t".join([_tsv_cell(r.get(c)) for c in cols]) + "\n"
                                  for r in rows))
        elif self.fmt == "jsonl":
            self._f.write("".join(_json_line(r) for r in rows))
        elif self.fmt == "text":
            key = self.text_key
            fmt = self.line_format or (lambda r: str(_cell(r.get(key))))
            self._f.write("".join(fmt(r).translate(_ONE_LINE) + "\n" for r in rows))
        else:
            self._pq_rows.extend(rows)
            if len(self._pq_rows) >= self.PARQUET_ROWS:
                self._flush_parquet()
        if self._f is None or self.path is None:  # parquet (buffered), or stdout
            self.rows_done += len(rows)
            if self._f is not None:
                self._f.flush()  # stdout: each batch as soon as it is done
            return
        self._end, self.rows_done = self._f.tell(), self.rows_done + len(rows)
        if time.monotonic() - self._last_ckpt >= self.CHECKPOINT_SECONDS:
            self._checkpoint()

    def _flush_parquet(self) -> None:
        if self._pq_rows:
            rows, self._pq_rows = self._pq_rows, []
            self._write_parquet(rows)

    def _write_parquet(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {c: [_nan_to_none(r.get(c)) for r in rows] for c in self.columns}
        if self._pq_writer is None:
            # The first batch sets the schema; a column that is all empty there (often
            # `error`) is a string column, not a null one that later values cannot enter.
            # Values of mixed types (JSON tokens: [form, tag, start, end]) are JSON text.
            # A column read from parquet keeps its type (a float column empty in the first
            # rows was written as text).
            fields = []
            for c in self.columns:
                typ = self._column_type(c)
                if typ is None:
                    try:
                        typ = pa.array(data[c]).type
                    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                        typ = pa.string()
                        data[c] = [_text_cell(v) for v in data[c]]
                fields.append(pa.field(c, pa.string() if pa.types.is_null(typ) else typ))
            schema = pa.schema(fields)
            self._pq_writer = pq.ParquetWriter(self.part, schema)
        schema = self._pq_writer.schema
        try:
            table = pa.table(data, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            # a later value of another type (e.g. a number in a text column): keep it as text
            fixed = {}
            for f in schema:
                vals = data[f.name]
                try:
                    fixed[f.name] = pa.array(vals, type=f.type)
                except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                    if not pa.types.is_string(f.type):
                        self._discard = True  # a parquet part file cannot be resumed
                        bad = next((v for v in vals if v is not None and
                                    not _fits(pa, v, f.type)), None)
                        raise UsageError(
                            f"column {f.name!r}: the first rows made it {f.type} in the "
                            f"parquet schema, and a later row holds {bad!r}. Write .csv or "
                            f".jsonl, which take any value, or make the column's values one "
                            f"type in the input") from None
                    fixed[f.name] = pa.array([_text_cell(v) for v in vals], type=f.type)
            table = pa.table(fixed, schema=schema)
        self._pq_writer.write_table(table)

    def _column_type(self, column: str):
        """The Arrow type a parquet column must have: an input column's own, or a new
        column's declared one (None: from the values)."""
        import pyarrow as pa

        typ = self.arrow_types.get(column)
        if typ is not None:
            return typ
        name = self.column_types.get(column)
        if name is None:
            return None
        if name.startswith("list<"):
            return pa.list_(pa.type_for_alias(name[5:-1]))
        return pa.type_for_alias(name)

    def _checkpoint(self) -> None:
        """Record that the first ``rows_done`` rows are safely in the part file."""
        if self.path is None or self._f is None:
            return
        self._f.flush()
        os.fsync(self._f.fileno())
        state = {"rows": self.rows_done, "failed": self.failed_done, "bytes": self._end,
                 "columns": self.columns,
                 "format": self.fmt, "source": self.source, "encoding": self.encoding}
        tmp = self.ckpt.with_name(self.ckpt.name + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.ckpt)
        self._last_ckpt = time.monotonic()

    def close(self, ok: bool = True) -> None:
        """Publish the output (rename) when ``ok``; otherwise leave ``OUT.part`` to resume."""
        if self.path is None:
            self._f.flush()
            if self._owns_f:
                self._f.close()
            return
        try:
            self._close(ok)
        finally:
            self._unlock()

    def _drop_part(self) -> None:
        """No part file to resume from: rows that cannot be written would fail again."""
        for f in (self._f, self._pq_writer):
            if f is not None:
                f.close()
        self.part.unlink(missing_ok=True)
        self.ckpt.unlink(missing_ok=True)

    def _close(self, ok: bool) -> None:
        if self._discard or (self.fmt == "parquet" and not ok):
            # a parquet part file cannot be resumed: nothing to keep it for
            self._drop_part()
            return
        if self._f is not None and not ok:
            # stopped early: cut off a write that did not finish, then record the rows
            # that did, so that --resume goes on from exactly there
            self._f.flush()
            if self._f.tell() != self._end:
                os.ftruncate(self._f.fileno(), self._end)
            self._checkpoint()
        try:
            self._flush_parquet()
        except UsageError:  # rows that do not fit the schema: no half-written part file
            self._drop_part()
            raise
        if self._pq_writer is not None:
            self._pq_writer.close()
        elif self.fmt == "parquet" and ok:  # no rows at all: still write a valid file
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: pa.array([], self._column_type(c) or pa.string())
                                     for c in self.columns}), self.part)
        if self._f is not None:
            self._f.close()
        if ok:
            try:
                os.replace(self.part, self.path)
            except OSError as e:  # Windows: the old output is open in Excel
                raise UsageError(
                    f"cannot replace {self.path} ({e.strerror or e}; is it open in another "
                    f"program, such as Excel?). The whole output is in {self.part}: close the "
                    f"file and rename {self.part.name} to {self.path.name}, or run again "
                    f"with another -o") from None
            if self.ckpt.exists():
                self.ckpt.unlink()
