"""kotext on a real local Spark (a local[2, 3] SparkSession for the module: 2 task slots, a
failed task tried up to 3 times): the same output as `kotext run`; a bad row fails neither
its task nor the job; a Python worker killed mid-task is retried, each row once."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pandas")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (apt-get install default-jre-headless)",
                allow_module_level=True)

from engine_rows import NUL_ROW, engine_rows, write_rows  # noqa: E402

from kotext.config import bundled_dir  # noqa: E402

SENTIMENT = str(bundled_dir("pipelines") / "sentiment.toml")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    from kotext.engines.spark import session_conf

    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers run this Python, with kotext
    builder = (SparkSession.builder.master("local[2, 3]").appName("kotext-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2"))
    for key, value in session_conf().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


def _rows(df) -> list[dict]:
    return sorted((r.asDict(recursive=True) for r in df.collect()), key=lambda r: r["id"])


def test_spark_gives_what_kotext_run_gives(spark, rows_file, reference):
    from kotext.engines.spark import apply

    df = spark.read.parquet(str(rows_file)).repartition(4)  # rows cross partitions
    out = apply(df, SENTIMENT, text_column="document", sentences=True)
    assert out.columns == list(reference["rows"][0])  # kotext_label beside the input's label
    got = _rows(out)
    assert got == reference["rows"]  # every column, value and error
    assert got[NUL_ROW]["error"].startswith("input: document: the text holds a NUL byte")


def test_udf_as_a_column_expression(spark):
    from kotext.engines.spark import udf

    df = spark.createDataFrame([(1, "정말 재밌는 영화였어요"), (2, None), (3, "나쁜\x00행")],
                               "id long, document string")
    k = udf("tokenize", text_column="document", input_columns=df.columns)
    got = _rows(df.withColumn("k", k("document")).select("*", "k.*").drop("k"))
    assert [r["id"] for r in got] == [1, 2, 3]
    assert got[0]["tokens"].startswith("정말/MAG") and got[0]["error"] is None
    assert got[1]["tokens"] == "" and got[1]["error"] is None  # an empty cell: no tokens
    assert got[2]["tokens"] is None and "NUL byte" in got[2]["error"]


def _python_workers() -> dict[int, int]:
    """Spark's Python workers (the processes pyspark.daemon forks, not the daemon) -> the
    CPU time each has used, in clock ticks."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if b"pyspark.daemon" in cmd:
            procs[int(entry.name)] = (int(stat[1]), int(stat[11]) + int(stat[12]))
    return {pid: ticks for pid, (ppid, ticks) in procs.items() if ppid in procs}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds workers in /proc")
def test_a_python_worker_killed_mid_task_is_retried_each_row_once(spark, tmp_path):
    """Spark reruns a failed task from its partition's start, on a new Python worker that
    builds the pipeline again; the failed attempt's rows are dropped, so each row comes out
    once (local[2, 3]: up to 3 attempts; on a cluster, spark.task.maxFailures, default 4)."""
    from kotext.engines.spark import apply

    rows = [{"id": r["id"], "document": r["document"]} for r in engine_rows(1500)]
    src = write_rows(tmp_path / "rows.parquet", rows)
    df = spark.read.parquet(str(src)).repartition(6)
    out = apply(df, "tokenize", text_column="document")
    before = _python_workers()  # idle workers that earlier tests left (Spark reuses them)
    result: dict = {}

    def collect() -> None:
        result["rows"] = _rows(out)

    job = threading.Thread(target=collect)
    job.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and job.is_alive() and time.monotonic() < deadline:
        busy = [pid for pid, ticks in _python_workers().items()
                if ticks - before.get(pid, 0) > 30]  # inside a task: 0.3 s of CPU since
        if busy:
            killed = busy[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    job.join()
    assert killed is not None, "no busy Python worker seen"
    got = result["rows"]
    assert [r["id"] for r in got] == list(range(len(rows)))
    assert sum(r["error"] is None for r in got) > 1400
