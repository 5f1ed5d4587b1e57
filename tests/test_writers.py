"""kotext.io.writers: formats, columns, atomic output, checkpoints for --resume."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from kotext import UsageError
from kotext.io.writers import Writer

COLS = ["id", "document", "clean_text", "tokens", "error"]
ROWS = [
    {"id": "1", "document": "좋은, \"영화\"", "clean_text": "좋은, \"영화\"", "tokens": "좋/VA",
     "error": None},
    {"id": "2", "document": "여러\n줄", "clean_text": None, "tokens": None,
     "error": "tokenize: ValueError: x"},
]


def write_all(path, rows=ROWS, cols=COLS, **kw):
    w = Writer(path, None, cols, **kw)
    w.write_rows(rows)
    w.close()
    return path


def test_csv_round_trip(tmp_path):
    p = write_all(tmp_path / "o.csv")
    with open(p, encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == COLS
    assert got[1] == ["1", "좋은, \"영화\"", "좋은, \"영화\"", "좋/VA", ""]
    assert got[2] == ["2", "여러\n줄", "", "", "tokenize: ValueError: x"]
    assert not (tmp_path / "o.csv.part").exists()
    assert not (tmp_path / "o.csv.part.json").exists()


def test_tsv_and_utf8_sig(tmp_path):
    p = write_all(tmp_path / "o.tsv", encoding="utf-8-sig")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid\tdocument\t")
    assert raw.count(b"\xef\xbb\xbf") == 1


def test_tsv_reads_back_as_written(tmp_path):
    # TSV is written as NSMC-style files are read (quotes inside a review are text), and a
    # cell with a line break, a tab or a leading quote is quoted as in CSV, as pandas and
    # Excel do: kotext reads the file back as it was (a review starting with a quote beside
    # a multi-line cell made it unreadable either way)
    from kotext.io.readers import read

    rows = [{"id": "1", "document": '그는 "최고의 영화"라고', "error": None},
            {"id": "2", "document": '"재밌다" 최고', "error": None},
            {"id": "3", "document": "여러\n줄 \"인용\"", "error": None},
            {"id": "4", "document": "탭\t있음", "error": None}]
    cols = ["id", "document", "error"]
    p = write_all(tmp_path / "o.tsv", rows=rows, cols=cols)
    assert p.read_text(encoding="utf-8").splitlines()[:3] == [
        "id\tdocument\terror", '1\t그는 "최고의 영화"라고\t', '2\t"""재밌다"" 최고"\t']
    with pytest.warns(Warning, match="quoting='minimal'"):
        back = list(read(str(p)))
    assert [r["document"] for r in back] == [r["document"] for r in rows]
    with open(p, encoding="utf-8", newline="") as f:  # as pandas and Excel read it
        assert [r[1] for r in csv.reader(f, delimiter="\t")][1:] == [r["document"] for r in rows]
    # (a cell holding both a line break and a tab looks like rows swallowed by an open
    # quote, as in NSMC-style files: such a file is read with quotes as text, and the
    # ragged rows say --quoting minimal)
    # with no cell that needs quoting, quotes inside stay text
    p = write_all(tmp_path / "o2.tsv", rows=rows[:1], cols=cols)
    assert [r["document"] for r in read(str(p))] == [rows[0]["document"]]


def test_jsonl_keeps_types_and_nan_is_null(tmp_path):
    rows = [{"id": 1, "document": "좋다", "vals": [1, 2], "x": float("nan"), "error": None}]
    p = write_all(tmp_path / "o.jsonl", rows=rows, cols=["id", "document", "vals", "x", "error"])
    line = p.read_text(encoding="utf-8")
    assert json.loads(line) == {"id": 1, "document": "좋다", "vals": [1, 2], "x": None,
                                "error": None}
    assert "NaN" not in line and "좋다" in line  # real JSON, Korean not escaped


def test_parquet_types_across_batches(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(Writer, "PARQUET_ROWS", 1)  # each batch its own row group
    p = tmp_path / "o.parquet"
    w = Writer(p, None, ["id", "tokens", "score", "error"])
    # first batch: no errors yet (null column), mixed-type token lists (JSON tokens)
    w.write_rows([{"id": 1, "tokens": [["좋다", "VA", 0, 1]], "score": 0.5, "error": None}])
    w.write_rows([{"id": 2, "tokens": None, "score": None, "error": "tokenize: boom"},
                  {"id": 3, "tokens": [["영화", "NNG", 0, 2]], "score": float("nan"),
                   "error": None}])
    assert not p.exists()  # only published when closed
    w.close()
    t = pq.read_table(p).to_pylist()
    assert [r["id"] for r in t] == [1, 2, 3]
    assert t[1]["error"] == "tokenize: boom"
    assert json.loads(t[0]["tokens"]) == [["좋다", "VA", 0, 1]]
    assert t[2]["score"] is None


def test_parquet_row_groups_whatever_the_batch_size(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    def write(name, batch):
        p = tmp_path / name
        w = Writer(p, None, ["id", "text"])
        for i in range(0, 250, batch):
            w.write_rows([{"id": j, "text": f"리뷰 {j}"} for j in range(i, min(i + batch, 250))])
        w.close()
        return pq.ParquetFile(p)

    f = write("small.parquet", 10)
    assert f.metadata.num_row_groups == 1  # not 25 groups of 10 rows
    assert f.read().column("id").to_pylist() == list(range(250))
    monkeypatch.setattr(Writer, "PARQUET_ROWS", 100)
    f = write("groups.parquet", 10)
    assert [f.metadata.row_group(i).num_rows for i in range(3)] == [100, 100, 50]
    assert f.read().column("id").to_pylist() == list(range(250))


def test_checkpoint_at_most_every_few_seconds(tmp_path, monkeypatch):
    p = tmp_path / "o.jsonl"
    ckpt = tmp_path / "o.jsonl.part.json"
    monkeypatch.setattr(Writer, "CHECKPOINT_SECONDS", 3600.0)
    w = Writer(p, None, COLS)
    for _ in range(50):
        w.write_rows(ROWS)  # no fsync + checkpoint per batch
    assert json.loads(ckpt.read_text())["rows"] == 0
    monkeypatch.setattr(Writer, "CHECKPOINT_SECONDS", 0.0)
    w.write_rows(ROWS)
    state = json.loads(ckpt.read_text())
    assert state["rows"] == 102 and (tmp_path / "o.jsonl.part").stat().st_size == state["bytes"]
    w.close()
    assert len(p.read_text(encoding="utf-8").splitlines()) == 102


def test_killed_run_resumes_from_last_checkpoint(tmp_path, monkeypatch):
    # a run killed outright (no close): --resume redoes the rows after the last
    # checkpoint, none twice, none lost
    p = tmp_path / "o.csv"
    monkeypatch.setattr(Writer, "CHECKPOINT_SECONDS", 0.0)
    w = Writer(p, None, COLS)
    w.write_rows(ROWS[:1])  # checkpointed
    monkeypatch.setattr(Writer, "CHECKPOINT_SECONDS", 3600.0)
    w.write_rows(ROWS[1:])  # written, not checkpointed
    w._f.flush()  # what the OS has when the process dies
    w._lock.close()  # ... and its lock is gone with it
    w = Writer(p, None, COLS, resume=True)
    assert w.rows_done == 1
    w.write_rows(ROWS[1:])
    w.close()
    with open(p, encoding="utf-8", newline="") as f:
        assert [r[0] for r in csv.reader(f)] == ["id", "1", "2"]


def test_parquet_empty_output_is_valid(tmp_path):
    import pyarrow.parquet as pq

    p = tmp_path / "o.parquet"
    Writer(p, None, ["text", "error"]).close()
    assert pq.read_table(p).column_names == ["text", "error"]


def test_text_format(tmp_path):
    p = tmp_path / "o.txt"
    w = Writer(p, None, COLS, text_key="tokens")
    w.write_rows(ROWS)
    w.close()
    assert p.read_text(encoding="utf-8") == "좋/VA\n\n"  # a failed row is an empty line
    # one line per row whatever breaks lines (CR overwrote the label on a terminal, and
    # splitlines() counted more lines than rows) and no escape sequences; tabs stay
    w = Writer(p, None, ["t"], text_key="t")
    w.write_rows([{"t": "가\r나\x0b다\x85라\u2028마\x1b[31m바\t사"}])
    w.close()
    text = p.read_text(encoding="utf-8")
    assert text == "가 나 다 라 마 [31m바\t사\n" and len(text.splitlines()) == 1


def test_not_ok_leaves_part_and_checkpoint(tmp_path):
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS[:1])
    w.close(ok=False)
    assert not p.exists()
    state = json.loads((tmp_path / "o.csv.part.json").read_text())
    assert state["rows"] == 1 and state["columns"] == COLS
    assert (tmp_path / "o.csv.part").stat().st_size == state["bytes"]


def test_resume_in_another_encoding_is_refused(tmp_path):
    # the rest of the file came out in the new encoding: a file neither could decode
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS, encoding="cp949")
    w.write_rows(ROWS[:1])
    w._checkpoint()
    w.close(ok=False)
    for enc in ("utf-8", "utf-8-sig"):
        with pytest.raises(UsageError, match="written in cp949.*output_encoding=cp949"):
            Writer(p, None, COLS, resume=True, encoding=enc)
    w = Writer(p, None, COLS, resume=True, encoding="cp949")
    w.write_rows(ROWS[1:])
    w.close()
    assert p.read_bytes().decode("cp949").count("좋은") == 2


def test_resume_truncates_to_checkpoint(tmp_path):
    p = tmp_path / "o.jsonl"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS[:1])
    w._f.write('{"half a row')  # interrupted in the middle of a write
    w._f.flush()
    w.close(ok=False)
    w = Writer(p, None, COLS, resume=True)
    assert w.rows_done == 1
    w.write_rows(ROWS[1:])
    w.close()
    got = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in got] == ["1", "2"]


def test_resume_csv_no_second_header(tmp_path):
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS, encoding="utf-8-sig")
    w.write_rows(ROWS[:1])
    w.close(ok=False)
    w = Writer(p, None, COLS, resume=True, encoding="utf-8-sig")
    w.write_rows(ROWS[1:])
    w.close()
    with open(p, encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert [r[0] for r in got] == ["id", "1", "2"]
    assert p.read_bytes().count(b"\xef\xbb\xbf") == 1


def test_fresh_start_removes_stale_checkpoint(tmp_path):
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS)
    w.close(ok=False)  # an interrupted run with 2 rows
    w = Writer(p, None, COLS)  # started again without --resume, interrupted at once
    w.close(ok=False)
    w = Writer(p, None, COLS, resume=True)
    assert w.rows_done == 0


def test_resume_refuses_other_columns(tmp_path):
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS)
    w.close(ok=False)
    with pytest.raises(UsageError, match="written with other columns or format; delete it"):
        Writer(p, None, COLS + ["label"], resume=True)


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="`resume` needs an output file"):
        Writer(None, "csv", COLS, resume=True)
    with pytest.raises(UsageError, match="parquet cannot be written to stdout"):
        Writer(None, "parquet", COLS)
    with pytest.raises(UsageError, match="out_format='xml'"):
        Writer(tmp_path / "o.xml", "xml", COLS)


def test_stdout(capsys):
    w = Writer(None, "jsonl", COLS)
    w.write_rows(ROWS)
    w.close()
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["id"] for x in out] == ["1", "2"]


@pytest.mark.parametrize("name", ["o.csv", "o.parquet"])
def test_unwritable_output_is_a_usage_error(tmp_path, name):
    (tmp_path / "afile").write_text("x", encoding="utf-8")  # a file where a folder should be
    with pytest.raises(UsageError, match=r"cannot write .*afile/%s: .*folder you can write" % name):
        Writer(tmp_path / "afile" / name, None, ["text"])


def test_resume_refuses_another_input(tmp_path):
    p = tmp_path / "o.csv"
    run = {"input": [["/data/in.csv", 100]], "settings": {"classify": {"model": "a"}}}
    w = Writer(p, None, COLS, source=run)
    w.write_rows(ROWS[:1])
    w.close(ok=False)
    with pytest.raises(UsageError, match=r"another input, or the input has changed since "
                                         r"\(it was in.csv of 100 bytes\)"):
        Writer(p, None, COLS, resume=True, source={**run, "input": [["/data/in.csv", 140]]})
    with pytest.raises(UsageError, match=r"with other pipeline settings"):
        Writer(p, None, COLS, resume=True, source={**run, "settings": {"classify": {"model": "b"}}})
    # a part file from before the reader options were recorded is resumed, not refused
    reader = {**run, "settings": {**run["settings"], "(reader)": {"quoting": "auto"}}}
    w = Writer(p, None, COLS, resume=True, source=reader)  # the same input and settings
    assert w.rows_done == 1
    w.write_rows(ROWS[1:])
    w.close()
    assert [r["id"] for r in csv.DictReader(p.open(encoding="utf-8"))] == ["1", "2"]


def test_stdout_redirected_in_another_encoding_gets_utf8(monkeypatch):
    # Windows: a redirect (kotext classify x.txt > out.csv) is in the ANSI code page, CP949,
    # which has no emoji; kotext writes --output-encoding (UTF-8) there instead
    import io

    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="cp949"))
    w = Writer(None, "csv", ["text"])
    w.write_rows([{"text": "최고 😀"}])
    w.close()
    assert raw.getvalue().decode("utf-8") == "text\n최고 😀\n"


def test_a_terminal_that_cannot_show_a_character_says_what_to_do(monkeypatch):
    import io

    class Tty(io.TextIOWrapper):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Tty(io.BytesIO(), encoding="cp949"))
    w = Writer(None, "text", ["text"], text_key="text")
    with pytest.raises(UsageError, match="standard output, which is cp949.*output=FILE.*PYTHONUTF8"):
        w.write_rows([{"text": "최고 😀"}])


def test_output_that_cannot_be_replaced_keeps_the_part(tmp_path):
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS)
    p.mkdir()  # stands in for a file another program holds open (Windows, Excel)
    with pytest.raises(UsageError, match=r"cannot replace .*o.csv .*open in another program.*"
                                         r"whole output is in .*o.csv.part"):
        w.close()
    assert len(list(csv.DictReader((tmp_path / "o.csv.part").open(encoding="utf-8")))) == 2


def test_second_writer_to_the_same_output_is_refused(tmp_path):
    # two runs with the same -o would interleave their rows in one part file
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.write_rows(ROWS[:1])
    for resume in (False, True):
        with pytest.raises(UsageError, match=r"another kotext run is writing .*o\.csv"):
            Writer(p, None, COLS, resume=resume)
    w.write_rows(ROWS[1:])
    w.close()
    with open(p, encoding="utf-8", newline="") as f:
        assert [r[0] for r in csv.reader(f)] == ["id", "1", "2"]
    assert not (tmp_path / "o.csv.lock").exists()
    Writer(p, None, COLS).close()  # free again once the first run is done
    # a lock held by another process (the OS releases it when that process ends)
    import subprocess

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, fcntl; f = open(sys.argv[1], 'a+b'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('ok', flush=True); sys.stdin.read()",
         str(tmp_path / "o.csv.lock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(UsageError, match="another kotext run"):
            Writer(p, None, COLS)
    finally:
        holder.stdin.close()
        holder.wait()
    Writer(p, None, COLS).close()


@pytest.mark.parametrize("name, message", [
    ("o.json", r"writes JSON Lines.*\.jsonl"),
    ("o.xlsx", r"unknown output type \.xlsx.*output_encoding='utf-8-sig'"),
    ("o.csv.gz", r"uncompressed files; write o\.csv"),
    ("outdir", r"is a folder: give a file name"),  # was found out after the whole run
])
def test_output_names_that_promise_another_format_are_refused(tmp_path, name, message):
    # they were written as plain text (or uncompressed JSONL/CSV) under that name
    if name == "outdir":
        (tmp_path / name).mkdir()
    with pytest.raises(UsageError, match=message):
        Writer(tmp_path / name, None, COLS)
    assert [p.name for p in tmp_path.iterdir()] == ([name] if name == "outdir" else [])
    w = Writer(tmp_path / "o.json", "jsonl", COLS)  # asked for by name: kept
    w.close()
    assert (tmp_path / "o.json").exists()


def test_parquet_value_that_does_not_fit_the_schema(tmp_path, monkeypatch):
    # JSONL ids that are numbers and then text: an ArrowInvalid traceback and a stray part
    monkeypatch.setattr(Writer, "PARQUET_ROWS", 4)
    p = tmp_path / "o.parquet"
    w = Writer(p, None, ["id", "text", "error"])
    w.write_rows([{"id": i, "text": "가"} for i in range(4)])  # the schema: id is int64
    with pytest.raises(UsageError, match=r"column 'id': .*int64.*'A4'.*Write \.csv or \.jsonl"):
        w.write_rows([{"id": "A4", "text": "나"}] * 4)
        w.close()
    w.close(ok=False)
    assert list(tmp_path.iterdir()) == []


def test_jsonl_nan_inside_a_list_is_null(tmp_path):
    # the fallback made only top-level NaN null: a NaN inside a list was written as NaN
    rows = [{"id": 1, "vals": [1.0, float("nan"), float("inf")], "error": None}]
    p = write_all(tmp_path / "o.jsonl", rows=rows, cols=["id", "vals", "error"])
    line = p.read_text(encoding="utf-8")
    assert json.loads(line, parse_constant=lambda c: pytest.fail(c))["vals"] == [1.0, None, None]


def test_a_device_or_named_pipe_is_written_through_not_replaced(tmp_path, cli, write):
    # -o /dev/null (or a pipe) was written as a part file renamed onto it: the device
    # was replaced by a regular file; -o /dev/stdout is the screen
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text("utf-8")), daemon=True)
    reader.start()
    w = Writer(str(fifo), None, ["text"], text_key="text")
    w.write_rows([{"text": "가"}, {"text": "나"}])
    w.close()
    reader.join(10)
    assert fifo.is_fifo() and got == ["가\n나\n"]
    src = write("a.txt", "좋다\n")
    r = cli("tokenize", src, "-o", "/dev/stdout")
    assert r.exit_code == 0 and r.stdout == "좋/VA 다/EC\n", r.output


def test_a_field_first_seen_late_is_noted_when_a_table_drops_it(cli, write, tmp_path):
    # a JSONL key first seen after the first 1,000 records left a CSV without a word
    rows = [{"id": i, "text": "좋다"} for i in range(1002)]
    rows[-1]["extra"] = "late"
    src = write("late.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    r = cli("clean", src, "-o", tmp_path / "late.csv")
    assert r.exit_code == 0 and "1 row(s) hold fields first seen after" in r.stderr and \
        "(extra)" in r.stderr
    r = cli("clean", src, "-o", tmp_path / "out.jsonl")
    assert r.exit_code == 0 and "first seen" not in r.stderr
    assert '"extra": "late"' in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()[-1]


def test_resume_refuses_stdin_and_jsonl_gets_no_bom(cli, write, tmp_path):
    # stdin cannot be checked: another file's rows were appended to the part file
    r = cli("clean", "-", "--input-format", "csv", "-o", tmp_path / "o.csv", "--resume",
            input="id,text\nb1,최악\n")
    assert r.exit_code == 2 and "--resume cannot tell whether stdin" in r.output
    # a BOM is for Excel's CSV: a JSON Lines reader refuses one
    src = write("a.csv", "id,text\n1,좋다\n")
    r = cli("clean", src, "-o", tmp_path / "o.jsonl", "--output-encoding", "utf-8-sig")
    assert r.exit_code == 0 and not (tmp_path / "o.jsonl").read_bytes().startswith(b"\xef")
    assert "JSONL is written as UTF-8 without a BOM" in r.stderr  # it was ignored silently
    r = cli("clean", src, "-o", tmp_path / "o2.csv", "--output-encoding", "utf-8-sig")
    assert (tmp_path / "o2.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_an_aborted_parquet_run_is_not_told_to_resume(cli, write, tmp_path):
    # the advice was "--resume --on-error skip", which parquet output then refused
    src = write("a.csv", "id,text\na1,좋은 영화\na2,나\x00쁜\na3,별로\n")  # (a NUL fails a2)
    r = cli("classify", src, "-o", tmp_path / "o.parquet", "--on-error", "abort")
    assert r.exit_code == 1 and "parquet output cannot be resumed" in r.output
    assert "--resume --on-error" not in r.output
    assert list(tmp_path.glob("o.parquet*")) == []  # no part file left that nothing can use


def test_parquet_scores_are_numbers_even_when_the_first_rows_failed(cli, write, tmp_path,
                                                                    monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # first batch without scores (empty texts): score was a text column, "0.93" strings
    monkeypatch.setattr(Writer, "PARQUET_ROWS", 2)
    src = write("a.csv", "id,text\na1,\na2,\na3,정말 좋은 영화\n")
    r = cli("classify", src, "-o", tmp_path / "o.parquet", "--on-error", "skip",
            "--batch-size", "2")
    assert r.exit_code == 0
    t = pq.read_table(tmp_path / "o.parquet")
    assert t.schema.field("score").type == pa.float64()
    assert t.column("score").to_pylist()[:2] == [None, None]
    assert 0.5 <= t.column("score").to_pylist()[2] <= 1
    # no rows at all: a parquet input keeps its columns and types, and score is a number
    empty = tmp_path / "e.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.int64()), "text": pa.array([], pa.string())}),
                   empty)
    r = cli("classify", empty, "-o", tmp_path / "e_out.parquet")
    assert r.exit_code == 0, r.output
    schema = pq.read_table(tmp_path / "e_out.parquet").schema
    assert schema.names == ["id", "text", "label", "score", "error"]
    assert schema.field("id").type == pa.int64() and schema.field("score").type == pa.float64()


def test_parquet_integer_past_64_bits_is_text_not_a_traceback(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    p = tmp_path / "o.parquet"
    w = Writer(p, None, ["id", "text"])
    w.write_rows([{"id": 123456789012345678901234567890, "text": "좋다"},
                  {"id": 1, "text": "별로"}])
    w.close()
    assert pq.read_table(p).column("id").to_pylist() == ["123456789012345678901234567890", "1"]
    # the schema from a first batch of small numbers: the later one is named, not a crash
    monkeypatch.setattr(Writer, "PARQUET_ROWS", 1)
    w = Writer(tmp_path / "o2.parquet", None, ["id", "text"])
    w.write_rows([{"id": 1, "text": "좋다"}])
    with pytest.raises(UsageError, match="column 'id'.*123456789012345678901234567890"):
        w.write_rows([{"id": 123456789012345678901234567890, "text": "별로"}])


def test_parquet_refuses_an_output_encoding(tmp_path):
    with pytest.raises(UsageError, match="parquet stores its text as UTF-8"):
        Writer(tmp_path / "o.parquet", None, COLS, encoding="utf-8-sig")
    # UTF-8 by another name is UTF-8 (it was refused "... as UTF-8")
    Writer(tmp_path / "o.parquet", None, COLS, encoding="UTF8").close()
    # and a resume in CP949 spelt otherwise is the same encoding
    w = Writer(tmp_path / "o.csv", None, COLS, encoding="cp949")
    w.write_rows(ROWS[:1])
    w.close(ok=False)
    Writer(tmp_path / "o.csv", None, COLS, encoding="CP949", resume=True).close()


def test_unwritable_character_messages_give_the_right_reason(tmp_path):
    # ascii was told "has no emoji"; a file name's stray byte (a surrogate) was told to
    # use utf-8, the encoding already in use
    w = Writer(tmp_path / "a.csv", None, ["text"], encoding="ascii")
    with pytest.raises(UsageError, match="'좋' .* cannot be written in ascii.*ascii has no Korean"):
        w.write_rows([{"text": "좋다"}])
    w.close(ok=False)
    w = Writer(tmp_path / "u.csv", None, ["text"])
    with pytest.raises(UsageError, match="not text where it was read .*UTF-8 locale"):
        w.write_rows([{"text": "kdir/\udcec.txt"}])
    w.close(ok=False)


def test_source_names_are_read_as_utf8_whatever_the_locale():
    import os

    from kotext.io.readers import _path_text

    name = os.fsdecode("kdir/리뷰.txt".encode("utf-8"))  # as the locale decoded it
    assert _path_text(name) == "kdir/리뷰.txt"
    assert _path_text(os.fsdecode("영화.txt".encode("cp949"))) == "영화.txt"


def test_failed_rows_are_counted_across_a_resume(tmp_path):
    # a resumed run exited 0 and said "0 failed" with a failed row from before in the file
    p = tmp_path / "o.csv"
    w = Writer(p, None, COLS)
    w.error_key = "error"
    w.write_rows([{"id": "1", "error": None}, {"id": "2", "error": "classify: empty text"}])
    w.close(ok=False)
    w = Writer(p, None, COLS, resume=True)
    assert w.rows_done == 2 and w.failed_before == 1
    w.error_key = "error"
    w.write_rows([{"id": "3", "error": "boom"}])
    assert w.failed_done == 2
    w.close()


def test_kiwi_jamo_endings_in_cp949_are_explained(tmp_path):
    # "cp949 has no emoji and lacks some rarer characters" for a ᆫ/ETM in every other row
    w = Writer(tmp_path / "t.csv", None, ["tokens"], encoding="cp949")
    with pytest.raises(UsageError, match="Kiwi writes some endings as jamo.*tokens need UTF-8"):
        w.write_rows([{"tokens": "하/XSV 시/EP ᆫ/ETM"}])
    w.close(ok=False)


def test_a_device_gets_the_table_stdout_gets(cli, write):
    # -o /dev/stdout (or a named pipe) without --format printed classify's labels alone,
    # keywords as a JSON list: the text output is the one stdout gets
    src = write("r.txt", "배우 연기가 정말 좋았다\n두 시간이 아깝다\n")
    plain = cli("classify", src)
    dev = cli("classify", src, "-o", "/dev/stdout")
    assert plain.exit_code == dev.exit_code == 0
    assert dev.stdout == plain.stdout and "\t" not in dev.stdout and "0." in dev.stdout
    art = write("a.txt", "배우 연기가 좋았다. 영화 음악도 좋았다. 영화가 길었다.")
    import subprocess
    import sys

    run = [sys.executable, "-m", "kotext", "keywords", str(art)]
    dev_out = subprocess.run(run + ["-o", "/dev/stdout"], capture_output=True, text=True)
    assert dev_out.returncode == 0 and dev_out.stdout == cli("keywords", art).stdout


def test_resume_refuses_another_way_of_reading_the_input(tmp_path):
    p = tmp_path / "o.csv"
    run = {"input": [["/data/in.csv", 100]],
           "settings": {"(reader)": {"formats": ["csv"], "quoting": "auto"}}}
    w = Writer(p, None, COLS, source=run)
    w.write_rows(ROWS[:1])
    w.close(ok=False)
    other = {**run, "settings": {"(reader)": {"formats": ["csv"], "quoting": "none"}}}
    with pytest.raises(UsageError, match=r"other options for reading the input.*quoting auto"):
        Writer(p, None, COLS, resume=True, source=other)
    assert Writer(p, None, COLS, resume=True, source=run).rows_done == 1


def test_a_pipe_named_for_a_line_format_gets_it_and_dev_shm_holds_files(tmp_path):
    # a named pipe p.jsonl got text; -o /dev/shm/x.csv was taken for a device (text)
    import os
    import threading

    from pathlib import Path

    from kotext.io.writers import is_device

    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text("utf-8")), daemon=True)
    reader.start()
    w = Writer(str(fifo), None, ["text", "label"], text_key="text")
    w.write_rows([{"text": "가", "label": "x"}])
    w.close()
    reader.join(10)
    assert [json.loads(x) for x in got[0].splitlines()] == [{"text": "가", "label": "x"}]
    assert not is_device(Path("/dev/shm/x.csv")) and is_device(Path("/dev/stdout"))
