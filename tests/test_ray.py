"""kotext on a real local Ray (ray.init(num_cpus=2), started once for the module): the
same output as `kotext run`, in order; a killed actor loses and repeats no row."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from engine_rows import LONG_ROW, NUL_ROW, engine_rows, read_parts  # noqa: E402

from kotext.config import bundled_dir  # noqa: E402

SENTIMENT = str(bundled_dir("pipelines") / "sentiment.toml")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_cli_engine_ray_gives_what_kotext_run_gives(cli, rows_file, reference, tmp_path):
    out = tmp_path / "labeled"
    res = cli("run", SENTIMENT, rows_file, "--sentences", "--engine", "ray", "--n-process",
              "2", "--batch-size", "100", "-o", f"{out}/")
    assert res.exit_code == reference["exit_code"] == 1  # rows failed: the empty ones, NUL
    assert "2000 rows, " in res.output
    assert len(list(out.glob("*.parquet"))) > 1  # several blocks, on both actors
    got = read_parts(out)
    assert got == reference["rows"]  # every column, value and error, in input order
    assert got[NUL_ROW]["error"].startswith("input: document: the text holds a NUL byte")
    assert got[LONG_ROW]["error"] is None and got[LONG_ROW]["kotext_label"] in (
        "positive", "negative")


def test_cli_engine_ray_refuses_what_it_cannot_do(cli, rows_file, tmp_path):
    res = cli("run", SENTIMENT, rows_file, "--engine", "ray", "-o", tmp_path / "x.csv",
              "--encoding", "cp949")
    assert res.exit_code == 2 and "--encoding: not with --engine ray" in res.output
    res = cli("run", SENTIMENT, rows_file, "--engine", "ray")
    assert res.exit_code == 2 and "give -o FOLDER/" in res.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.parquet").write_bytes(b"x")
    res = cli("run", SENTIMENT, rows_file, "--engine", "ray", "-o", tmp_path / "full")
    assert res.exit_code == 2 and "not an empty folder" in res.output
    res = cli("run", SENTIMENT, rows_file, "--address", "ray://head:10001", "-o",
              tmp_path / "o.parquet")
    assert res.exit_code == 2 and "add --engine ray" in res.output


def test_apply_keeps_rows_in_place_with_their_errors():
    import pyarrow as pa

    import kotext
    from kotext.batch import apply_table

    rows = engine_rows(300)
    rows[10]["document"] = "나쁜\x00행"
    table = pa.Table.from_pylist([{k: r[k] for k in ("id", "document")} for r in rows])
    ds = ray.data.from_arrow(table)
    out = kotext.ray.apply(ds, "tokenize", text_column="document", concurrency=2,
                           batch_size=40)
    got = pa.concat_tables(ray.get(out.to_arrow_refs())).to_pylist()
    want = apply_table(kotext.load("tokenize"), table, text_column="document").to_pylist()
    assert got == want
    assert [r["id"] for r in got] == list(range(300))
    assert got[10]["error"].startswith("input: document: the text holds a NUL byte")
    assert got[11]["error"] is None


def test_apply_names_its_parameters():
    import kotext.engines.ray as kray

    ds = ray.data.from_items([{"document": "좋은 영화"}])
    with pytest.raises(ValueError, match="text_column='review' is not a column"):
        kray.apply(ds, "tokenize", text_column="review")
    with pytest.raises(ValueError, match="concurrency=0"):
        kray.apply(ds, "tokenize", text_column="document", concurrency=0)


def _map_workers() -> set[int]:
    """The pids of Ray Data's actors running KotextBatches on this machine."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"ray::MapWorker(MapBatches(KotextBatches"):
                pids.add(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds actors in /proc")
def test_an_actor_killed_mid_run_loses_and_repeats_no_row():
    import pyarrow as pa

    import kotext
    from kotext.batch import apply_table
    from kotext.engines.ray import apply

    rows = [{"id": r["id"], "document": r["document"]} for r in engine_rows(800)]
    table = pa.Table.from_pylist(rows)
    out = apply(ray.data.from_arrow(table), "tokenize", text_column="document",
                concurrency=2, batch_size=20)
    got, killed, after_kill = [], None, 0
    for batch in out.iter_batches(batch_size=None, batch_format="pyarrow"):
        got.extend(batch.to_pylist())
        if killed is None:
            workers = _map_workers()
            assert workers, "no KotextBatches actor found"
            killed = min(workers)
            os.kill(killed, signal.SIGKILL)  # as the OOM killer or a lost node would
        else:
            after_kill += 1
    assert killed not in _map_workers()
    assert after_kill > 0  # the run went on after the kill (Ray retried the lost batch on
    # a restarted actor: map_batches' default max_restarts=-1, max_task_retries=-1)
    assert [r["id"] for r in got] == list(range(len(rows)))  # each row once, in order
    want = apply_table(kotext.load("tokenize"), table, text_column="document").to_pylist()
    assert got == want


def test_cli_engine_ray_reads_a_folder_of_csv_as_kotext_run_reads_the_file(cli, tmp_path):
    import csv

    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    rows = [{"id": r["id"], "review": r["document"] or ""} for r in engine_rows(300)]
    rows[7]["review"] = "첫 줄\n둘째 줄, \"인용\"도 있음"  # a quoted cell with a line break
    with open(folder / "reviews.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["id", "review"])
        w.writeheader()
        w.writerows(rows)
    (folder / "_SUCCESS").write_text("")  # what a Spark or Ray job leaves: not read
    ref = tmp_path / "ref.parquet"
    res = cli("run", "tokenize", folder / "reviews.csv", "-o", ref)
    out = tmp_path / "out"
    res_ray = cli("run", "tokenize", folder, "--engine", "ray", "-o", out)
    assert res_ray.exit_code == res.exit_code
    want = pq.read_table(ref).to_pylist()
    got = read_parts(out)
    keep = ("clean_text", "tokens", "error")  # the input's own cells as each reader reads them
    assert [{k: r[k] for k in keep} for r in got] == [{k: r[k] for k in keep} for r in want]
    assert [r["id"] for r in got] == list(range(300))
    assert got[7]["clean_text"] == "첫 줄\n둘째 줄, \"인용\"도 있음"
