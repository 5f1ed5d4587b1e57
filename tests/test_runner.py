"""kotext.runner: rows in = rows out, in order; failures in place; interrupt + resume."""

from __future__ import annotations

import csv
import json

import pytest

from kotext import KotextError, Pipeline
from kotext.io.readers import read
from kotext.io.writers import Writer
from kotext.registry import create, register
from kotext.runner import output_fields, output_names, run
from kotext.stages.base import Stage
from kotext.stages.clean import Clean


@register("test_interrupt.v1")
class InterruptAfter(Stage):
    """Raises KeyboardInterrupt (a user's Ctrl-C) once ``n`` documents have gone through."""

    assigns = frozenset({"label"})
    seen = 0

    def __init__(self, n: int = 10):
        self.n = n

    def process_batch(self, docs):
        for d in docs:
            if InterruptAfter.seen >= self.n:
                raise KeyboardInterrupt
            InterruptAfter.seen += 1
            d.label = "ok"
        return docs


@register("test_boom.v1")
class Boom(Stage):
    assigns = frozenset({"label"})

    def __init__(self, word: str = "폭발"):
        self.word = word

    def process_batch(self, docs):
        for d in docs:
            if self.word in d.text:
                raise RuntimeError("boom")
            d.label = "ok"
        return docs


def go(nlp, src_path, out_path, *, resume=False, token_format="text", **kw):
    src = read(str(src_path))
    fields = output_fields(nlp)
    names = output_names(fields, src.columns)
    w = Writer(out_path, None, src.columns + list(names.values()), resume=resume)
    return run(nlp, src, w, fields=fields, names=names, token_format=token_format, **kw)


def read_csv(p):
    with open(p, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_columns_kept_and_appended(write, tmp_path):
    src = write("r.csv", "id,document,label\n1,<b>좋은</b> 영화,1\n2,ㅋㅋㅋㅋ,0\n")
    out = tmp_path / "o.csv"
    stats = go(Pipeline([Clean()]), src, out)
    assert (stats.rows, stats.failed) == (2, 0)
    rows = read_csv(out)
    assert list(rows[0]) == ["id", "document", "label", "clean_text", "error"]
    assert [(r["id"], r["document"], r["clean_text"]) for r in rows] == [
        ("1", "<b>좋은</b> 영화", "좋은 영화"), ("2", "ㅋㅋㅋㅋ", "ㅋㅋ")]


def test_clashing_column_names_get_prefix(write, tmp_path):
    src = write("r.csv", "text,clean_text,error\n좋다,old,old\n")
    go(Pipeline([Clean()]), src, tmp_path / "o.csv")
    row = read_csv(tmp_path / "o.csv")[0]
    assert row == {"text": "좋다", "clean_text": "old", "error": "old",
                   "kotext_clean_text": "좋다", "kotext_error": ""}
    # an earlier run's output run again: kotext_ names taken too get a number, never a
    # second column of the same name
    go(Pipeline([Clean()]), tmp_path / "o.csv", tmp_path / "o2.csv")
    with open(tmp_path / "o2.csv", encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["text", "clean_text", "error", "kotext_clean_text", "kotext_error",
                      "kotext_clean_text_2", "kotext_error_2"]


def test_tokens_text_and_json(write, tmp_path):
    src = write("r.jsonl", json.dumps({"id": 7, "text": "영화가 좋다"}, ensure_ascii=False) + "\n")
    nlp = Pipeline([create("kiwi.v1", name="tokenize", sentences=False)])
    go(nlp, src, tmp_path / "a.jsonl")
    go(nlp, src, tmp_path / "b.jsonl", token_format="json")
    a = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "b.jsonl").read_text(encoding="utf-8"))
    assert a["id"] == 7 and a["tokens"].startswith("영화/NNG 가/JKS 좋/VA")
    assert b["tokens"][0] == ["영화", "NNG", 0, 2]
    text = "영화가 좋다"
    assert all(text[s:e] == f for f, t, s, e in b["tokens"] if t.startswith("N"))


def test_failures_keep_their_place(write, tmp_path):
    src = write("r.csv", "id,text\n1,좋다\n2,폭발한다\n3,짧은\n4,끝,x\n5,폭발\n6,마지막\n")
    stats = go(Pipeline([Clean(), create("test_boom.v1", name="boom")]), src,
               tmp_path / "o.csv", batch_size=2)
    rows = read_csv(tmp_path / "o.csv")
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert stats.rows == 6 and stats.failed == 3
    assert rows[1]["error"] == "boom: RuntimeError: boom" and rows[1]["label"] == ""
    assert rows[3]["error"].startswith("input: ragged row at line 5")
    assert rows[0]["label"] == "ok" and rows[2]["label"] == "ok" and rows[5]["error"] == ""
    assert stats.errors[0] == "row 2: boom: RuntimeError: boom"


def test_abort_stops_at_first_failure(write, tmp_path):
    src = write("r.csv", "id,text\n1,좋다\n2,나쁘다,x\n3,끝\n")
    out = tmp_path / "o.csv"
    with pytest.raises(KotextError, match=r"row 2: input: ragged row.*on_error='abort'"):
        go(Pipeline([Clean()]), src, out, on_error="abort", batch_size=10)
    assert not out.exists()
    part = read_csv(tmp_path / "o.csv.part")
    assert [r["id"] for r in part] == ["1"]  # the rows before it, ready for --resume


def test_interrupt_then_resume_no_dupes_no_loss(write, tmp_path):
    n = 23
    lines = [f"{i}번 리뷰 ㅋㅋㅋㅋ" for i in range(n)]
    src = write("r.txt", "\n".join(lines) + "\n")
    out = tmp_path / "o.jsonl"
    InterruptAfter.seen = 0
    stop = Pipeline([Clean(), create("test_interrupt.v1", name="stop", n=11)])
    with pytest.raises(KeyboardInterrupt):
        go(stop, src, out, batch_size=4)
    assert not out.exists()
    part_rows = (tmp_path / "o.jsonl.part").read_text(encoding="utf-8").splitlines()
    assert len(part_rows) == 8  # two whole batches made it; the third was lost mid-way
    InterruptAfter.seen = 0
    again = Pipeline([Clean(), create("test_interrupt.v1", name="stop", n=10**6)])
    stats = go(again, src, out, resume=True, batch_size=4)
    assert stats.skipped_resume == 8 and stats.rows == n - 8
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [g["text"] for g in got] == lines
    assert all(g["label"] == "ok" and g["clean_text"].endswith("ㅋㅋ") for g in got)
    assert not (tmp_path / "o.jsonl.part").exists()
    assert not (tmp_path / "o.jsonl.part.json").exists()


def test_nulls_and_empty_text(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "r.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3], "text": ["좋다", None, ""]}), src)
    out = tmp_path / "o.parquet"
    stats = go(Pipeline([Clean(), create("kiwi.v1", name="tokenize")]), src, out)
    got = pq.read_table(out).to_pylist()
    assert stats.failed == 0
    assert [(r["id"], r["text"], r["clean_text"]) for r in got] == [
        (1, "좋다", "좋다"), (2, None, ""), (3, "", "")]
    assert got[1]["tokens"] == ""


def test_list_and_object_cells(tmp_path):
    # a JSON array is read as one line per item (lines stay sentence boundaries); an object
    # holds no one text: that row fails in its place, the others go through
    src = tmp_path / "r.jsonl"
    rows = [{"id": 1, "body": ["첫 문장이다", "둘째 문장이다"]}, {"id": 2, "body": {"title": "x"}},
            {"id": 3, "body": 7}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "o.jsonl"
    stats = go(Pipeline([Clean(), create("kiwi.v1", name="tokenize")]), src, out)
    got = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert stats.failed == 1 and [r["id"] for r in got] == [1, 2, 3]
    assert got[0]["clean_text"] == "첫 문장이다\n둘째 문장이다" and got[0]["error"] is None
    assert got[0]["body"] == rows[0]["body"]  # the input cell itself is kept as it was
    assert got[1]["error"].startswith("input: body: a JSON object (keys: title) where text")
    assert got[1]["tokens"] is None
    assert got[2]["tokens"] == "7/SN"
