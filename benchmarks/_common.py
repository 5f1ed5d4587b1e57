"""Shared helpers for the benchmarks (data paths, timing, child-process peak memory)."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("KOTEXT_DATA", ROOT.parent / "shared" / "data"))
NSMC = DATA / "nsmc-reviews"


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path} not found: the benchmarks read ../shared/data (or $KOTEXT_DATA)")
    return path


def read_tsv(path: Path, limit: int | None = None) -> list[dict]:
    rows = []
    with open(need(path), encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if limit and i >= limit:
                break
            rows.append(row)
    return rows


def run_cli(args: list[str]) -> tuple[float, int]:
    """Run `kotext ARGS` in a child process: (wall seconds, peak RSS in MB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kotext", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"kotext {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) // 1024


def raw_kiwi_seconds(texts: list[str], with_load: bool = False):
    """Wall seconds of `Kiwi(num_workers=2).tokenize(texts)` with the model loaded
    beforehand; with ``with_load``, also (seconds to build Kiwi and load its model)."""
    t0 = time.perf_counter()
    from kiwipiepy import Kiwi

    kiwi = Kiwi(num_workers=2)
    kiwi.tokenize("준비 운동")  # Kiwi loads its model on first use
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in kiwi.tokenize(texts):
        pass
    secs = time.perf_counter() - t0
    return (secs, load) if with_load else secs


def count_csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def raw_vs_cli(texts: list[str], args: list[str], repeat: int = 2):
    """Raw Kiwi on ``texts`` and ``kotext ARGS`` alternately, ``repeat`` times each:
    best (raw seconds, Kiwi load seconds, kotext wall seconds). The machine's speed
    drifts by 10-15% from minute to minute, which one pair of runs would read as a ratio."""
    raws, loads, walls = [], [], []
    for _ in range(repeat):
        raw, load = raw_kiwi_seconds(texts, with_load=True)
        raws.append(raw)
        loads.append(load)
        walls.append(run_cli(args)[0])
    return min(raws), min(loads), min(walls)
