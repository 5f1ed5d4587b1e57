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
