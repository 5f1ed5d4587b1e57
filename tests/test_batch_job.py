"""kotext.batch.run_batch: the batch job as a library call (no printing, a result, errors that
name parameters), and the CLI's rendering of those parameters as flags."""

from __future__ import annotations

import csv

import pytest

from kotext.batch import run_batch
from kotext.cli import flag_message
from kotext.errors import UsageError
from kotext.pipeline import Pipeline
from kotext.registry import create


def clean_pipeline() -> Pipeline:
    return Pipeline([create("clean.v1", name="clean")])


def test_run_batch_writes_rows_in_order_and_returns_the_counts(write, tmp_path, capsys):
    src = write("r.csv", "id,text\n1,좋다!!!!!\n2,\n3,끝\n")
    out = tmp_path / "o.csv"
    seen, notes = [], []
    res = run_batch(clean_pipeline(), str(src), str(out), progress=seen.append,
                    on_note=notes.append)
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["clean_text"] == "좋다!!"
    assert (res.rows, res.failed, res.resumed, res.exit_status) == (3, 0, 0, 0)
    assert sum(seen) == 3 and notes == [] and res.part is not None
    assert capsys.readouterr() == ("", "")  # the library prints nothing


def test_run_batch_failed_rows_decide_the_exit_status(write, tmp_path):
    src = write("r.csv", "id,text\n1,좋다\n2,나쁘다,x\n3,끝\n")  # row 2 is ragged
    for on_error, status in (("fail", 1), ("skip", 0)):
        res = run_batch(clean_pipeline(), str(src), str(tmp_path / f"{on_error}.jsonl"),
                        on_error=on_error)
        assert (res.rows, res.failed, res.exit_status) == (3, 1, status)
        assert res.errors[0].startswith("row 2: input: ragged row")


def test_run_batch_resume_without_a_run_to_resume_is_a_note(write, tmp_path):
    src = write("r.csv", "id,text\n1,좋다\n")
    res = run_batch(clean_pipeline(), str(src), str(tmp_path / "o.csv"), resume=True)
    assert res.rows == 1 and len(res.notes) == 1
    assert res.notes[0].startswith("resume=True: no interrupted run")


def test_run_batch_errors_name_the_parameter(write):
    src = write("r.csv", "id,text\n1,좋다\n")
    with pytest.raises(UsageError, match=r"output='.*r.csv' is the input file") as e:
        run_batch(clean_pipeline(), str(src), str(src))
    assert e.value.param == "output"
    with pytest.raises(UsageError, match=r"sentences=True: this pipeline makes no") as e:
        run_batch(clean_pipeline(), str(src), None, out_format="jsonl", sentences=True)
    assert e.value.param == "sentences"


@pytest.mark.parametrize("message, shown", [
    ("pass text_column='document'", "pass --text-column document"),
    ('resume=True and on_error="skip"', "--resume and --on-error skip"),
    ("output='a b.csv' is the input", "-o a b.csv is the input"),
    ("(output=FILE or out_format)", "(-o FILE or --format)"),
    ("the output_encoding=utf-8-sig, for Excel", "the --output-encoding utf-8-sig, for Excel"),
    ("no parameter here: output is fine", "no parameter here: output is fine"),
])
def test_flag_message_shows_flags(message, shown):
    assert flag_message(message) == shown


@pytest.mark.parametrize("name", ["summarize", "keywords"])
def test_task_commands_build_the_shipped_pipeline(name):
    from kotext.cli.summarize import _shipped
    from kotext.loading import load

    shipped = load(name).to_config()
    assert _shipped(name, {}).to_config() == shipped
    opts = _shipped(name, {"n": 7}, do_clean=False).to_config()
    assert opts["pipeline"]["stages"] == shipped["pipeline"]["stages"][1:]
    last = shipped["pipeline"]["stages"][-1]
    assert opts["stages"][last] == {**shipped["stages"][last], "n": 7}


def test_a_row_error_names_the_parameter_in_python_and_the_flag_in_the_cli(write, tmp_path,
                                                                           cli):
    # a TSV read with quotes as text: the ragged row says how to read its quoted cell
    src = write("r.tsv", 'id\ttext\n1\t좋다\n2\t"a\tb"\n')
    res = run_batch(clean_pipeline(), str(src), str(tmp_path / "o.jsonl"), on_error="skip",
                    quoting="none")
    assert res.failed == 1 and "quoting='minimal'" in res.errors[0]
    r = cli("clean", str(src), "-o", str(tmp_path / "c.jsonl"), "--on-error", "skip",
            "--quoting", "none")
    assert "--quoting minimal" in r.stderr
    assert "--quoting minimal" in (tmp_path / "c.jsonl").read_text("utf-8")
