"""The same pipeline on one process, on Ray Data (1 and 2 actors) and on Spark local[2]:
`kotext run pipelines/tokenize.toml` over N reviews built from ../shared/data (the reviews
of reviews.tsv.gz, repeated, as tokenize_throughput.py builds its stream), parquet in and
out. Rows in = rows out for each; docs/s; peak memory per worker; the ratios.

    python benchmarks/distributed.py                 # 1,000,000 rows
    python benchmarks/distributed.py --rows 100000   # while developing / on a busy machine

Each run is a child process that starts its engine (Ray, Spark) itself; the engines' start
is counted (and shown apart). Peak memory per worker is the largest VmHWM of the worker
processes (Ray's actors, Spark's Python workers), read from /proc while they run.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import NSMC, ROOT, need

PIPELINE = str(ROOT / "pipelines/tokenize.toml")


def build_input(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids, texts = [], []
    while len(ids) < rows:
        with gzip.open(need(NSMC / "reviews.tsv.gz"), "rt", encoding="utf-8") as g:
            next(g)
            for line in g:
                parts = line.rstrip("\n").split("\t")
                ids.append(len(ids))
                texts.append(parts[3] if len(parts) > 3 else "")
                if len(ids) >= rows:
                    break
    # row groups of 10,000: the blocks Ray and Spark read in parallel
    pq.write_table(pa.table({"id": ids, "document": texts}), path, row_group_size=10_000)


class PeakWatch:
    """Largest VmHWM (peak resident memory, MB) of the processes whose command line
    matches, sampled every 0.2 s until stopped."""

    def __init__(self, match) -> None:
        self.match, self.peak, self.pids = match, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if not self.match(entry):
                        continue
                    status = (entry / "status").read_text()
                except (OSError, ValueError, IndexError):
                    continue
                m = re.search(r"VmHWM:\s+(\d+) kB", status)
                if m:
                    self.pids.add(int(entry.name))
                    self.peak = max(self.peak, int(m.group(1)) // 1024)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _cmd(entry: Path) -> bytes:
    return (entry / "cmdline").read_bytes()


def _ray_actor(entry: Path) -> bool:
    return _cmd(entry).startswith(b"ray::MapWorker(MapBatches(KotextBatches")


def _spark_worker(entry: Path) -> bool:  # forked by pyspark.daemon: same command line
    if b"pyspark.daemon" not in _cmd(entry):
        return False
    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    return b"pyspark.daemon" in (Path("/proc") / str(ppid) / "cmdline").read_bytes()


def run(cmd: list[str], match=None) -> dict:
    watch = PeakWatch(match) if match else None
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_self = 0
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    import resource

    peak_self = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    start = re.search(r"(?:Ray's start|Spark's start) ([\d.]+) s", err + out)
    return {"wall": wall, "start": float(start.group(1)) if start else 0.0,
            "worker_peak": watch.stop() if watch else peak_self,
            "workers": len(watch.pids) if watch else 1}


def count_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def spark_child(src: str, out: str) -> None:
    """Run as `distributed.py --spark-child SRC OUT`: Spark local[2], the UDF, parquet."""
    t0 = time.perf_counter()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    sys.path.insert(0, str(ROOT))
    from kotext.engines.spark import apply, session_conf

    b = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
    for k, v in session_conf().items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    # a small file is one partition (spark.sql.files.maxPartitionBytes, 128 MB): spread
    # it over both task slots, as Ray's blocks are
    df = spark.read.parquet(src).repartition(2 * (os.cpu_count() or 1))
    apply(df, PIPELINE, text_column="document").write.parquet(out)
    spark.stop()
    print(f"Spark's start {start:.1f} s; total {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-child", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.spark_child:
        return spark_child(*args.spark_child)
    kotext = [sys.executable, "-m", "kotext", "run", PIPELINE]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.parquet"
        build_input(src, args.rows)
        runs = {}
        out = Path(tmp) / "single.parquet"
        runs["kotext run, 1 process (Kiwi: 2 threads)"] = (run(
            [*kotext, str(src), "--text-column", "document", "-o", str(out)]), out)
        for n in (1, 2):
            out = Path(tmp) / f"ray{n}"
            runs[f"--engine ray, {n} actor{'s' if n > 1 else ''} (1 thread each)"] = (run(
                [*kotext, str(src), "--text-column", "document", "--engine", "ray",
                 "--n-process", str(n), "-o", f"{out}/"], _ray_actor), out)
        if not args.no_spark:
            out = Path(tmp) / "spark"
            runs["Spark local[2] (pandas_udf)"] = (run(
                [sys.executable, __file__, "--spark-child", str(src), str(out)],
                _spark_worker), out)
        print(f"rows in: {args.rows:,}; pipeline: tokenize.toml (clean + Kiwi); "
              f"{os.cpu_count()} cores")
        print(f"{'run':44} {'rows out':>10} {'wall s':>8} {'start s':>8} {'docs/s':>8} "
              f"{'excl. start':>11} {'peak MB/worker':>15}")
        rates = {}
        for name, (r, out) in runs.items():
            n_out = count_rows(out)
            rate, steady = args.rows / r["wall"], args.rows / max(r["wall"] - r["start"], 1e-9)
            rates[name] = (rate, steady)
            lost = "" if n_out == args.rows else "   ROWS LOST"
            print(f"{name:44} {n_out:>10,} {r['wall']:>8.1f} {r['start']:>8.1f} {rate:>8.0f} "
                  f"{steady:>11.0f} {r['worker_peak']:>10} ({r['workers']}){lost}")
        names = list(rates)
        single, one, two = rates[names[0]], rates[names[1]], rates[names[2]]
        print(f"ray 2 actors / single process: {two[0] / single[0]:.2f} "
              f"(excl. Ray's start {two[1] / single[1]:.2f}; target >= 0.85)")
        print(f"ray 2 actors / 1 actor:        {two[0] / one[0]:.2f} "
              f"(excl. Ray's start {two[1] / one[1]:.2f}; target >= 1.6)")
        if len(names) > 3:
            sp = rates[names[3]]
            print(f"spark local[2] / single process: {sp[0] / single[0]:.2f} "
                  f"(excl. Spark's start {sp[1] / single[1]:.2f})")


if __name__ == "__main__":
    main()
