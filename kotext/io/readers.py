"""Readers: every input becomes a stream of rows (dicts) with a known text key.

Supported: ``.txt`` (a document per line, or per file with ``whole_file``), ``.csv``,
``.tsv``, ``.jsonl``/``.ndjson`` (or ``.json``: JSON lines or one JSON array of
objects), ``.parquet`` (each optionally ``.gz`` except parquet), a
directory or glob of such files, ``-`` for stdin, and Hugging Face datasets
(``hf:NAME[:SPLIT]`` or a folder written by ``Dataset.save_to_disk``).
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import io
import itertools
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Iterator
from numbers import Number
from pathlib import Path
from typing import Any

from ..errors import InputError, KotextWarning
from .encoding import (
    byte_order,
    looks_like_utf16,
    HEAD_BYTES,
    PrefixedStream,
    check_encoding,
    decode_error,
    detect_encoding,
    guess_encoding,
    nfc,
)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a 1 MB review is still one field

FORMATS = ("txt", "csv", "tsv", "jsonl", "parquet")
_SUFFIX = {".txt": "txt", ".text": "txt", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
           ".pq": "parquet"}
TEXT_COLUMN_GUESSES = ("text", "document", "review", "content", "body", "sentence", "comment")
HEAD_ROWS, HEAD_CHARS = 1000, 8_000_000  # rows read ahead to learn the columns
QUOTED_TSV_LINES = 20_000  # lines a TSV's CSV quoting is looked for in (a few MB)
_EXCEL_SEP = re.compile(r"^\ufeff?sep=(.)\r?\n?$", re.IGNORECASE)
ERROR_KEY = "__kotext_row_error__"  # a reader-level problem with one row (ragged, bad JSON)
RAW_KEY = "__kotext_raw__"  # with ERROR_KEY: the line as it was (kept in the text column)


# JSON may spell a UTF-16 surrogate as an escape (\ud83d\ude00 is one emoji); a lone one
# is not a character, and no output encoding can write it
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogates(v: Any) -> Any:
    """Lone surrogates in decoded JSON replaced with U+FFFD, as a decoder does bad bytes."""
    if isinstance(v, str):
        return _LONE_SURROGATE.sub("\ufffd", v)
    if isinstance(v, dict):
        return {k: _no_lone_surrogates(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_no_lone_surrogates(x) for x in v]
    return v


def _header_names(header: list[str], name: str) -> list[str]:
    """Column names as NFC (macOS writes NFD); a blank one (Excel's trailing empty columns)
    becomes ``unnamed_N``, a repeated one ``NAME_2``, with a note."""
    out: list[str] = []
    renamed = []
    for i, h in enumerate(header, 1):
        h = nfc(h.strip())
        new = h or f"unnamed_{i}"
        k = 2
        while new in out:
            new, k = f"{h or 'unnamed'}_{k}", k + 1
        if new != h:
            renamed.append(f"{h!r} -> {new}" if h else new)
        out.append(new)
    if renamed:
        warnings.warn(f"{name}: blank or repeated column names in the header, renamed: "
                      f"{', '.join(renamed)}", KotextWarning, stacklevel=3)
    return out


def _parquet_file(path: Path):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as e:
        raise InputError(f"{path}: not a readable parquet file ({e})") from None


def format_of(path: str | Path) -> str | None:
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _SUFFIX.get(suffixes[-1]) if suffixes else None


def _clean_value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _path_text(path: Path | str) -> str:
    """A file's name as text for the source column: its bytes read as UTF-8 (or CP949)
    whatever the locale (under LC_ALL=ko_KR.euckr, UTF-8 names came out garbled, or as
    surrogates that no output could write)."""
    s = str(path)
    try:
        raw = os.fsencode(s)
    except UnicodeError:
        return s
    for enc in ("utf-8", "cp949"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "replace")


def _with_source(name: str, row: dict, key: str = "source") -> dict:
    """A row read from one of several files, with the file first: ``source``, or
    ``kotext_source`` when the data has its own ``source`` (a news item's URL, say)."""
    return {("kotext_source" if key in row else key): name, **row}


def is_missing(value: Any) -> bool:
    """An empty cell as data frames and readers hold it: None, NaN (numpy's too), pandas'
    NA or NaT (known by type name: pandas is not imported for it)."""
    return value is None or isinstance(value, Number) and value != value or \
        type(value).__name__ in ("NAType", "NaTType")


def text_of(value: Any) -> str:
    """The text of a cell: None/NaN -> "", numbers -> str, strings NFC-normalized, a list
    (JSON array, parquet list) -> its items one per line (kotext keeps lines as sentence
    boundaries). A JSON object raises :class:`InputError`: it holds no one text."""
    if isinstance(value, str):
        return nfc(value)
    if is_missing(value):
        return ""
    if isinstance(value, (list, tuple)):
        if any(isinstance(x, (dict, list, tuple)) for x in value):
            raise InputError("a list holding lists or objects where text was expected; point "
                             "`text_column` at a text or a list of texts")
        return "\n".join(t for t in map(text_of, value) if t)
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        raise InputError(f"a JSON object (keys: {keys}) where text was expected; point "
                         f"`text_column` at a field that holds the text")
    return nfc(str(value))


# a fully quoted TSV cell with a doubled quote inside ("""최고"" 였다"), as CSV writers quote
_DOUBLED_QUOTES = re.compile(r'(?:^|\t)"(?:[^"\t\r\n]|"")*""(?:[^"\t\r\n]|"")*"(?=\t|\r?\n?$)')


def _quoted_tsv(lines: list[str], width: int) -> bool:
    """Whether a TSV is quoted as in CSV (as kotext, pandas and Excel write a cell with a
    tab, a quote or a line break), judged on single lines only: one whose quoted cell holds
    a tab (ragged read with quotes as text, ``width`` cells read as CSV), or a fully quoted
    cell with doubled quotes. A quote opened on one line and closed on another is no
    evidence: NSMC reviews open quotes they never close, and reading those as CSV merged
    rows."""
    evidence = False
    for line in lines:
        if '"' not in line:
            continue
        try:
            cells = next(csv.reader([line], delimiter="\t", strict=True))
        except (csv.Error, StopIteration):
            continue  # a quote this line does not close: no evidence either way
        if len(cells) == width and (line.rstrip("\r\n").count("\t") != width - 1
                                    or _DOUBLED_QUOTES.search(line)):
            evidence = True
            break
    if not evidence:
        return False
    # and the lines read as CSV must make whole rows of the header's width (a review that
    # opens a quote and never closes it swallows rows, or fails: then quotes are text)
    # (a cell spanning lines with tabs inside is rows swallowed: "...\t1\n3\t...")
    reader = csv.reader(lines, delimiter="\t", strict=True)
    try:
        return all(len(row) == width and not any("\n" in c and "\t" in c for c in row)
                   for row in reader if row)
    except csv.Error:  # fine only where the head was cut inside a cell
        return reader.line_num >= len(lines)


class Source:
    """One input. ``columns`` is known after ``open()``; iterate to stream rows."""

    def __init__(self, spec: str, *, text_column: str | None = None, encoding: str | None = None,
                 input_format: str | None = None, whole_file: bool = False,
                 quoting: str = "auto", split: str | None = None,
                 text_guesses: tuple[str, ...] = TEXT_COLUMN_GUESSES,
                 text_option: str = "text_column"):
        self.spec = spec
        self.text_guesses = text_guesses  # column names taken as the text, in this order
        self.text_option = text_option  # the option that names it, for error messages
        self.text_column = nfc(text_column) if text_column else text_column
        self.encoding = check_encoding(encoding) if encoding else None
        self.input_format = input_format
        self.whole_file = whole_file
        self.quoting = quoting
        self.split = split
        self.files: list[Path] = []
        self.dataset = None
        self.columns: list[str] = []
        self.text_key = ""
        self._first_rows: Iterator[dict] | None = None
        self._header: list[str] | None = None
        self.arrow_types: dict[str, Any] = {}  # parquet input: column -> Arrow type
        self._source_key = "source"  # several files: the column naming each row's file
        if input_format is not None and input_format not in FORMATS:
            raise InputError(f"input_format={input_format!r}: use one of {', '.join(FORMATS)}")
        if quoting not in ("auto", "none", "minimal"):
            raise InputError(f"quoting={quoting!r}: use auto, none or minimal")
        self._resolve()

    # -- which files -------------------------------------------------------------------
    def _resolve(self) -> None:
        spec = self.spec
        if spec == "-":
            return
        if spec.startswith("hf:"):
            return
        p = Path(spec)
        if p.is_dir():
            if (p / "dataset_info.json").is_file() or (p / "state.json").is_file() \
                    or (p / "dataset_dict.json").is_file():
                return  # a datasets folder (save_to_disk)
            # hidden files and folders (.ipynb_checkpoints, .git) are not data, nor the
            # metadata JSON of a saved dataset inside
            datasets_in = sorted({f.parent for f in p.rglob("*") if f.name in (
                "dataset_info.json", "state.json", "dataset_dict.json")})
            files = sorted(f for f in p.rglob("*") if f.is_file() and format_of(f)
                           and not any(part.startswith(".") for part in f.relative_to(p).parts)
                           and not any(d in f.parents for d in datasets_in))
            if not files:
                hint = (f"; it holds a saved dataset: give its folder, e.g. {datasets_in[0]}"
                        if datasets_in else "")
                raise InputError(
                    f"{spec}: the folder has no .txt, .csv, .tsv, .jsonl or .parquet files{hint}"
                )
            self.files = files
            return
        if p.is_file():
            self.files = [p]
            return
        if any(c in spec for c in "*?["):
            files = sorted(Path(f) for f in glob.glob(spec, recursive=True) if Path(f).is_file())
            if not files:
                raise InputError(f"{spec}: the pattern matches no files")
            self.files = files
            return
        hint = ""
        if not p.suffix and spec.count("/") <= 1 and not spec.startswith((".", "/", "~")):
            hint = (f". For a Hugging Face dataset pass hf:{spec} (needs internet), or save it "
                    f"on a connected machine with Dataset.save_to_disk(FOLDER) and pass FOLDER")
        raise InputError(f"{spec}: no such file or folder{hint}")

    def _format(self, path: Path | None) -> str:
        if self.input_format:
            return self.input_format
        fmt = format_of(path) if path is not None else "txt"
        if fmt is None and path is not None and path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
            raise InputError(
                f"{path}: an Excel workbook, which kotext does not read. In Excel: File > Save "
                f"As > 'CSV UTF-8 (Comma delimited)', then run on the .csv (a plain 'CSV' "
                f"export is CP949, which kotext detects too)"
            )
        if fmt is None:
            raise InputError(
                f"{path}: unknown file type; pass `input_format` ({', '.join(FORMATS)})"
            )
        return fmt

    # -- opening -----------------------------------------------------------------------
    def _binary(self, path: Path | None):
        if path is None:
            return sys.stdin.buffer
        if path.suffix.lower() == ".gz":
            return gzip.open(path, "rb")
        return open(path, "rb")

    def _encoding(self, head: bytes, name: str) -> str:
        if not self.encoding:
            return detect_encoding(head, name)
        enc = byte_order(head, self.encoding)
        wide = looks_like_utf16(head)
        if wide and not codecs.lookup(enc).name.startswith(("utf-16", "utf-32")):
            raise InputError(f"{name}: read as {self.encoding}, but its bytes look like "
                             f"{wide.upper()} (NUL bytes where that encoding puts them): "
                             f"pass encoding={wide[:6]!r}")
        if b"\x00" not in head and head and \
                codecs.lookup(enc).name.startswith(("utf-16", "utf-32")) \
                and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # UTF-16/32 text has NUL bytes (its ASCII, spaces, line breaks): without them,
            # such a read would turn the bytes into another script's characters
            seen = guess_encoding(head)
            raise InputError(f"{name}: read as {self.encoding}, but its bytes have none of the "
                             f"NUL bytes that encoding puts in text" + (
                                 f"; they read as {seen}: pass encoding={seen!r}, or none "
                                 f"to have it detected" if seen else
                                 "; pass none to have it detected"))
        return enc

    def _text_stream(self, path: Path | None):
        name = str(path) if path is not None else "stdin"
        raw = self._binary(path)
        try:
            head = raw.read(HEAD_BYTES)
        except (OSError, EOFError) as e:
            raise InputError(f"{name}: cannot read ({e})") from None
        try:
            enc = self._encoding(head, name)
        except InputError:
            if path is not None:
                raw.close()
            raise
        if enc == "utf-8" and head.startswith(b"\xef\xbb\xbf"):
            enc = "utf-8-sig"
        stream = io.BufferedReader(PrefixedStream(head, raw, close_rest=path is not None),
                                    buffer_size=1 << 16)
        return name, enc, io.TextIOWrapper(stream, encoding=enc, errors="strict", newline="")

    def _rows_file(self, path: Path | None, add_source: bool) -> Iterator[dict]:
        fmt = self._format(path)
        name = str(path) if path is not None else "stdin"
        if fmt == "parquet":
            if path is None:
                raise InputError("parquet cannot be read from stdin; give a file path")
            yield from self._rows_parquet(path, add_source)
            return
        name, enc, f = self._text_stream(path)
        label = _path_text(name) if add_source else name
        try:
            lines = f
            quoting = self.quoting
            if fmt == "txt" and enc == "utf-16" and not (self.input_format or self.whole_file):
                # Excel's "Unicode Text (*.txt)" export: UTF-16, tab-separated, header row,
                # cells with tabs, quotes or line breaks quoted as in CSV
                first = f.readline()
                lines = itertools.chain([first], f)
                if "\t" in first:
                    warnings.warn(
                        f"{name}: read as a table with a header row (a UTF-16 .txt with tabs, "
                        f"as Excel saves 'Unicode Text'); pass input_format='txt' to read it "
                        f"as one document per line", KotextWarning, stacklevel=2)
                    fmt = "tsv"
                    quoting = "minimal" if quoting == "auto" else quoting
            if fmt == "txt":
                rows = self._rows_txt(lines, name)
            elif fmt in ("csv", "tsv"):
                rows = self._rows_csv(lines, name, fmt, quoting)
            else:
                rows = self._rows_jsonl(f, name)
            for row in rows:
                yield _with_source(label, row, self._source_key) if add_source else row
        except UnicodeDecodeError as e:
            raise decode_error(name, enc, e) from None
        finally:
            f.close()

    def _rows_txt(self, f, name: str) -> Iterator[dict]:
        if self.whole_file:
            yield {"text": f.read()}
            return
        for line in f:
            yield {"text": line.rstrip("\r\n")}

    def _rows_csv(self, f, name: str, fmt: str, quoting: str) -> Iterator[dict]:
        auto = quoting == "auto"
        if quoting == "auto":
            quoting = "none" if fmt == "tsv" else "minimal"
        kw: dict[str, Any] = {"delimiter": "\t" if fmt == "tsv" else ","}
        lines = iter(f)
        skipped = 0
        for first in lines:  # the delimiter, as Excel's first line or the header tells
            if first.strip():
                break
            skipped += 1
        else:
            return
        sep = _EXCEL_SEP.match(first)
        if sep:  # Excel's "sep=;" line: not a header, it names the delimiter
            kw["delimiter"] = sep.group(1)
            skipped += 1
        else:
            if fmt == "csv" and ";" in first and not any(c in first for c in ",\t"):
                # semicolon-separated only if the next lines have as many cells (a one-column
                # file whose header holds a ';' was cut at every ';')
                peek = list(itertools.islice(lines, 20))
                width = len(next(csv.reader([first], delimiter=";")))
                try:
                    widths = [len(r) for r in csv.reader(peek, delimiter=";", strict=True) if r]
                    # most lines as wide as the header (one text with a ';' of its own is a
                    # ragged row, kept with its error; it made the file one column)
                    hits = sum(w == width for w in widths)
                    miss = len(widths) - hits
                    same = not widths or (hits >= max(1, 2 * miss) and
                                          miss <= max(1, len(widths) // 5))
                except csv.Error:
                    same = False
                if same:
                    kw["delimiter"] = ";"
                    warnings.warn(f"{name}: read as semicolon-separated (its lines have ';' "
                                  f"and no ','), as Excel writes CSV in many European "
                                  f"locales; to read it comma-separated, add a first line "
                                  f"sep=,", KotextWarning, stacklevel=2)
                lines = itertools.chain(peek, lines)
            lines = itertools.chain([first], lines)
        if auto and quoting == "none" and kw["delimiter"] == "\t":
            head = list(itertools.islice(lines, QUOTED_TSV_LINES))
            width = next(csv.reader([head[0]], delimiter="\t", quoting=csv.QUOTE_NONE),
                         [""]) if head else [""]
            if _quoted_tsv(head[1:], len(width)):
                quoting = "minimal"
                warnings.warn(f"{name}: read with quoting='minimal': its cells are quoted as "
                              f"in CSV (a cell holding a tab, a quote or a line break, as "
                              f"pandas and Excel write TSV); pass quoting='none' to read "
                              f"quotes as text", KotextWarning, stacklevel=2)
            lines = itertools.chain(head, lines)
        if quoting == "none":
            kw["quoting"] = csv.QUOTE_NONE
        reader = csv.reader(lines, strict=True, **kw)
        try:
            header: list[str] | None = []
            while header == []:  # blank lines before the header
                header = next(reader, None)
        except csv.Error as e:
            raise InputError(f"{name}: cannot read the header row ({e})") from None
        if header is None:
            return
        if fmt == "csv" and len(header) == 1 and "\t" in header[0]:
            cols = ", ".join(h.strip() for h in header[0].split("\t"))
            fix = ("leave out input_format='csv'" if name.lower().endswith((".tsv", ".tsv.gz"))
                   else "name it .tsv (or pass input_format='tsv' where the command takes it)")
            raise InputError(f"{name}: its header is tab-separated ({cols}): the file is TSV; "
                             f"{fix}")
        header = _header_names(header, name)
        self._header = header
        n = len(header)
        start_line = reader.line_num + skipped  # + lines the reader did not see (sep=)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise InputError(
                    f"{name}: malformed CSV in the row starting at line {start_line + 1} "
                    f"({e}): a cell that "
                    f"starts with a quote must end with it (\"최고\" 였다 is no CSV cell; "
                    f"write \"\"\"최고\"\" 였다\"), and a quote that is never closed swallows "
                    f"the rest of the file. Fix that line (quoting='none', which reads quotes "
                    f"as text, suits only a file whose cells hold no commas)."
                ) from None
            if not fields:
                if n == 1:  # one column: Excel writes an empty cell as a blank line
                    fields = [""]
                else:  # otherwise a blank line is not a record
                    start_line = reader.line_num + skipped
                    continue
            row = dict(zip(header, fields))
            if len(fields) != n:
                for h in header[len(fields):]:
                    row[h] = ""
                msg = (f"ragged row at line {start_line + 1}: {len(fields)} fields, the header "
                       f"has {n}")
                if len(fields) > n:  # keep the cells that have no column, in the message
                    extra = json.dumps(fields[n:], ensure_ascii=False)
                    if len(extra) > 300:
                        extra = extra[:300] + "..."
                    msg += (f"; cells past the last column: {extra} (a cell holding the "
                            f"delimiter must be quoted)")
                if quoting == "none" and any(x.startswith('"') for x in fields):
                    # pandas, Excel and kotext quote a TSV cell that holds a tab, a quote or
                    # a line break; a TSV is read with quotes as text unless told
                    msg += (". If the file quotes its cells (as pandas and kotext write "
                            "TSV), pass quoting='minimal'")
                row[ERROR_KEY] = msg
            start_line = reader.line_num + skipped
            yield row

    def _rows_jsonl(self, f, name: str) -> Iterator[dict]:
        skipped = 0  # blank lines before the first record
        for line in f:
            if line.strip():
                break
            skipped += 1
        else:
            return
        whole = line.lstrip().startswith("[")  # a JSON array (what json.dump writes)
        if not whole and name.lower().endswith(".json"):
            try:  # one object per line, or one object over many lines (indent=2)?
                json.loads(line)
            except json.JSONDecodeError:
                whole = True
        if whole:
            text = line + f.read()
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                items = None
            if items is not None and _SURROGATE_ESCAPE.search(text):
                items = _no_lone_surrogates(items)
            if isinstance(items, dict):
                items = [items]
            if isinstance(items, list):
                for i, obj in enumerate(items):
                    if isinstance(obj, dict):
                        yield obj
                    else:
                        yield {ERROR_KEY: f"item {i}: expected a JSON object, got "
                                          f"{type(obj).__name__}"}
                return
            # records end at "\n" only (str.splitlines also cut at U+0085, U+2028, ...,
            # which JSON strings may hold: one record became two rows)
            lines: Iterator[str] = iter(text.split("\n"))
        else:
            lines = itertools.chain([line], f)
        for i, line in enumerate(lines, skipped + 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                msg = e.msg[:-3] if e.msg.endswith(" at") else e.msg  # "...character at"
                yield {ERROR_KEY: f"line {i}: not valid JSON ({msg} at column {e.colno})",
                       RAW_KEY: line.rstrip("\r\n")}
                continue
            if _SURROGATE_ESCAPE.search(line):
                obj = _no_lone_surrogates(obj)
            if not isinstance(obj, dict):
                yield {ERROR_KEY: f"line {i}: expected a JSON object, got {type(obj).__name__}",
                       RAW_KEY: line.rstrip("\r\n")}
                continue
            yield obj

    def _rows_parquet(self, path: Path, add_source: bool) -> Iterator[dict]:
        import pyarrow as pa

        pf = _parquet_file(path)
        label = _path_text(path)
        binary = {f.name for f in pf.schema_arrow
                  if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)}
        for f in pf.schema_arrow:  # for a parquet output: the input's own column types
            if f.name not in binary:
                self.arrow_types.setdefault(f.name, f.type)
        for batch in pf.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                row = {k: _clean_value(v) for k, v in row.items()}
                for k in binary:  # text stored as bytes: UTF-8, as Arrow strings are
                    if isinstance(row.get(k), bytes):
                        try:
                            row[k] = row[k].decode("utf-8")
                        except UnicodeDecodeError:
                            pass  # not text: kept as bytes (an error if it is the text)
                yield _with_source(label, row, self._source_key) if add_source else row

    def _rows_dataset(self) -> Iterator[dict]:
        ds = self._load_dataset()
        for row in ds:
            yield {k: _clean_value(v) for k, v in row.items()}

    def _load_dataset(self):
        try:
            import datasets
        except ImportError:
            raise InputError(
                "reading Hugging Face datasets needs the datasets package: "
                "pip install 'kotext[datasets]'"
            ) from None
        if self.dataset is not None:
            return self.dataset
        if self.spec.startswith("hf:"):
            name, _, split = self.spec[3:].partition(":")
            split = split or self.split or "train"
            from ..transformer.hub import hub_reachable

            if not hub_reachable():  # streaming needs the hub: say so now, not after retries
                raise InputError(
                    f"{self.spec}: the Hugging Face hub cannot be reached from here (offline, "
                    f"or HF_HUB_OFFLINE is set). Save the dataset on a connected machine with "
                    f"Dataset.save_to_disk(FOLDER) and pass the FOLDER instead.")
            try:
                ds = datasets.load_dataset(name, split=split, streaming=True)
            except Exception as e:
                raise InputError(
                    f"{self.spec}: cannot load dataset {name!r} split {split!r} ({e}). Offline, "
                    f"save it on a connected machine with Dataset.save_to_disk(FOLDER) and "
                    f"pass the FOLDER instead."
                ) from None
        else:
            try:
                ds = datasets.load_from_disk(self.spec)
            except Exception as e:
                raise InputError(f"{self.spec}: not a saved dataset folder ({e})") from None
            if self.split and not isinstance(ds, datasets.DatasetDict):
                raise InputError(f"{self.spec}: split={self.split}: this folder holds one "
                                 f"dataset (one split already); leave `split` out")
            if isinstance(ds, datasets.DatasetDict):
                split = self.split or ("train" if "train" in ds else next(iter(ds)))
                if split not in ds:
                    raise InputError(f"{self.spec}: no split {split!r}; splits are: "
                                     f"{', '.join(ds)}. Give one's folder (e.g. "
                                     f"{Path(self.spec) / next(iter(ds))}) or pass `split`.")
                if self.split is None and len(ds) > 1:  # it chose silently
                    import warnings

                    other = next(k for k in ds if k != split)
                    warnings.warn(f"{self.spec}: reading split {split!r} of "
                                  f"{', '.join(ds)} (for another give its folder, "
                                  f"{Path(self.spec) / other}, or split={other} where the "
                                  f"command has it)", KotextWarning, stacklevel=2)
                ds = ds[split]
        self.dataset = ds
        return ds

    def _all_rows(self) -> Iterator[dict]:
        if self.spec == "-":
            yield from self._rows_file(None, False)
        elif self.spec.startswith("hf:") or not self.files:
            yield from self._rows_dataset()
        else:
            for path in self.files:
                yield from self._rows_file(path, self.many_files)

    @property
    def many_files(self) -> bool:
        """Several files: each row carries its file (``source``, see _with_source)."""
        return self.spec != "-" and len(self.files or ()) > 1

    # -- public ------------------------------------------------------------------------
    def open(self) -> Source:
        """Read the first rows (and each file's header) to learn the columns, and check
        the text column."""
        self._check_format_options()
        files = {p: self._file_columns(p) for p in self.files} if len(self.files) > 1 else {}
        if any("source" in (cols if cols is not None else self._jsonl_keys(p))
               for p, cols in files.items()):
            # one file has a source column of its own: every row's file is kotext_source
            # (source held a path on some rows and the data's value on others)
            self._source_key = "kotext_source"
        rows = self._all_rows()
        head: list[dict] = []
        size = 0
        for row in rows:  # JSONL records may differ in keys, and a first line be junk
            head.append(row)
            size += sum(len(v) for v in row.values() if isinstance(v, str))
            if len(head) >= HEAD_ROWS or size > HEAD_CHARS:
                break
        columns: dict[str, None] = {}
        for row in head:
            columns.update(dict.fromkeys(row))
        for cols in files.values():
            columns.update(dict.fromkeys(cols or ()))
        columns.pop(ERROR_KEY, None)
        columns.pop(RAW_KEY, None)
        if not head and not files:  # no rows: still check the column against a header
            known = self._header or (self._file_columns(self.files[0]) if self.files
                                     else None)  # a parquet file's schema
            self.columns = known or [self.text_column or "text"]
            self.text_key = self._pick_text_column() if known else self.columns[0]
            self._first_rows = iter(())
            return self
        self.columns = list(columns) or [self.text_column or "text"]
        self.text_key = self._pick_text_column()
        for path, cols in files.items():  # a table without the text column: say so now
            if cols is not None and self.text_key not in cols:
                raise InputError(
                    f"{path}: no column '{self.text_key}' (its columns: {', '.join(cols)}), "
                    f"which the other files have as their text. Give files with the same "
                    f"columns, or run them one at a time")
        self._first_rows = itertools.chain(head, rows)
        return self

    def _check_format_options(self) -> None:
        """--quoting and --encoding that no input file would use are refused, not ignored."""
        if self.files:
            fmts = {self._format(p) for p in self.files}
        elif self.spec == "-":
            fmts = {self.input_format or "txt"}
        else:
            fmts = {"dataset"}  # hf:NAME or a save_to_disk folder: Arrow, typed
        what = ", ".join(sorted(fmts))
        if self.split and fmts != {"dataset"}:
            raise InputError(f"{self.spec}: `split` picks a split of a Hugging Face dataset "
                             f"(hf:NAME or a save_to_disk folder), and this is {what}; leave "
                             f"`split` out")
        if self.quoting != "auto" and not fmts & {"csv", "tsv", "txt"}:
            raise InputError(f"{self.spec}: `quoting` applies to CSV/TSV input, and this is "
                             f"{what}; leave `quoting` out")
        if self.encoding and fmts <= {"parquet", "dataset"}:
            raise InputError(f"{self.spec}: `encoding` applies to text files (txt, csv, tsv, "
                             f"jsonl), and this is {what}, which stores its own; leave "
                             f"`encoding` out")

    def _jsonl_keys(self, path: Path) -> set[str]:
        """The keys of a JSONL file's first records."""
        keys: set[str] = set()
        rows = self._rows_file(path, False)
        try:
            for row in itertools.islice(rows, HEAD_ROWS):
                keys.update(row)
        finally:
            rows.close()
        return keys

    def _file_columns(self, path: Path) -> list[str] | None:
        """A CSV/TSV/parquet/txt file's columns (None for JSONL, whose records differ)."""
        fmt = self._format(path)
        if fmt == "jsonl":
            return None
        if fmt == "parquet":
            return list(_parquet_file(path).schema_arrow.names)
        self._header = None
        rows = self._rows_file(path, False)
        try:
            first = next(rows, None)
        finally:
            rows.close()
        if self._header is not None:  # CSV/TSV (also a UTF-16 .txt read as a table)
            return list(self._header)
        return ["text"] if fmt == "txt" else [k for k in first or () if k not in (ERROR_KEY, RAW_KEY)]

    def _pick_text_column(self) -> str:
        cols = self.columns
        where = self.files[0] if len(self.files) == 1 else self.spec
        if self.text_column:
            if self.text_column in cols:
                return self.text_column
            if self.spec == "-" and not self.input_format and cols == ["text"]:
                raise InputError(
                    f"-: no column '{self.text_column}': standard input is read as plain text, "
                    f"a document per line. For CSV/TSV/JSONL on stdin pass `input_format` "
                    f"csv (or tsv, jsonl)")
            top = self.text_column.split(".")[0]
            nested = (f" Nested fields are not read: flatten the file first, e.g. jq -c "
                      f"'{{id, text: .{self.text_column}}}' in.jsonl > flat.jsonl."
                      if "." in self.text_column and top in cols else "")
            raise InputError(
                f"{where}: no column '{self.text_column}'; columns are: {', '.join(cols)}. "
                f"Pass {self.text_option} with one of them.{nested}"
            )
        for guess in self.text_guesses:
            if guess in cols:
                return guess
        if len(cols) == 1:
            return cols[0]
        raise InputError(
            f"{where}: which column holds the text? Columns are: {', '.join(cols)}. "
            f"Pass {self.text_option}=NAME."
        )

    def __iter__(self) -> Iterator[dict]:
        if self._first_rows is None:
            self.open()
        assert self._first_rows is not None
        rows, self._first_rows = self._first_rows, None
        return rows


def read(spec: str, **kwargs: Any) -> Source:
    """Open an input; iterate the result for rows (dicts). See :class:`Source`."""
    return Source(spec, **kwargs).open()
