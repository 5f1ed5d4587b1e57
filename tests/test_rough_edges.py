"""The rough edges of issue 20: column names on a file that already has kotext's columns,
JSONL lines that are no record, a record without the text field."""

from __future__ import annotations

import json

from kotext.runner import output_names


def test_a_second_run_names_all_its_columns_alike():
    # a run over an earlier run's output gave kotext_label_2 beside kotext_score and
    # kotext_error
    cols = ["text", "label", "kotext_label", "score", "error"]
    assert output_names(["label", "scores"], cols) == {
        "label": "kotext_label_2", "score": "kotext_score_2", "error": "kotext_error_2"}
    assert output_names(["label", "scores"], ["text", "label"]) == {
        "label": "kotext_label", "score": "score", "error": "error"}


def test_jsonl_lines_that_are_no_record_keep_their_content(cli, write):
    src = write("j.jsonl", '{"text": "좋은 영화"}\nnot json here\n{"a": 1}\n[1, 2]\n{}\n')
    r = cli("tokenize", src, "--format", "jsonl")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 5 and r.exit_code == 1
    assert rows[0]["error"] is None
    assert rows[1]["text"] == "not json here" and "not valid JSON" in rows[1]["error"]
    # {"a": 1} was "empty text"; with empty no error it would have passed silently
    assert "no field 'text'" in rows[2]["error"] and "its fields: a" in rows[2]["error"]
    assert rows[3]["text"] == "[1, 2]" and "expected a JSON object" in rows[3]["error"]
    assert "no field 'text'" in rows[4]["error"]


def test_resume_refuses_an_input_edited_in_place_to_the_same_size(cli, write, tmp_path):
    # only the size was checked: an edited input's rows were mixed with the old ones
    import os

    src = write("r.csv", "id,text\n1,좋은 영화\n2,나\x00쁜\n3,지루한 영화\n")
    out = tmp_path / "o.csv"
    r = cli("tokenize", src, "-o", out, "--on-error", "abort")
    assert r.exit_code == 1 and (tmp_path / "o.csv.part").exists()
    st = src.stat()
    data = src.read_bytes().replace("좋은".encode(), "나쁜".encode())
    src.write_bytes(data)
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same size and time: the hash
    assert src.stat().st_size == st.st_size
    r = cli("tokenize", src, "-o", out, "--resume", "--on-error", "keep")
    assert r.exit_code == 2 and "changed" in r.stderr, r.stderr


def test_a_jsonl_record_holding_u0085_stays_one_row(write):
    # found by the fuzz suite: after a first line "[...]" that is no JSON array, the lines
    # were cut with str.splitlines, which also cuts at U+0085 and U+2028 inside a string
    from kotext.io.readers import read

    src = write("j.jsonl", '[1]\n{"text": "가\x85나\u2028다"}\n')
    rows = list(read(str(src)))
    assert len(rows) == 2 and rows[1]["text"] == "가\x85나\u2028다"
