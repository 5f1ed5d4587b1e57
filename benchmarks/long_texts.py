"""Time and memory against a text's length: `kotext classify` and `kotext tokenize` of ONE
text (one line, no line break) of 10^4 ... 10^7 characters, each a whole process.

Time per character, after the process's fixed cost (Python, Kiwi's load: the same command
on a one-word text), should be flat across sizes (within 2x), and peak memory linear.
Kiwi's own time on one text grows with its length squared; kotext gives it windows.

    python benchmarks/long_texts.py                      # 10^4 .. 10^6, both commands
    python benchmarks/long_texts.py --sizes 1e4,1e5,1e6,1e7
    python benchmarks/long_texts.py --issue              # the issue's 1.8M-character line
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import NSMC, read_tsv

SENTENCE = "정말 재미있는 영화였다 배우 연기가 좋았다. "


def base_text() -> str:
    """Reviews of the NSMC training file joined by spaces (real text), else a sentence."""
    path = NSMC / "sentiment_train.tsv"
    if path.exists():
        return " ".join(r["document"] for r in read_tsv(path, limit=20000) if r["document"])
    return SENTENCE * 1000


def one_line(n: int, base: str) -> str:
    text = (base * (n // len(base) + 1))[:n]
    return " ".join(text.split())[:n]  # one line


def run(args: list[str]) -> tuple[float, float, float]:
    """`kotext ARGS` in a child: (wall seconds, CPU seconds of all its threads, the
    child's own peak RSS in MB). On a shared machine CPU time is the steadier measure."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kotext", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"kotext {' '.join(args)} failed ({proc.returncode}): "
                 f"{proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1e4,1e5,1e6")
    ap.add_argument("--commands", default="classify,tokenize")
    ap.add_argument("--issue", action="store_true",
                    help="only the issue's reproduction: classify of a 1.8M-character line")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kotext-long-"))
    if args.issue:
        src = tmp / "big.txt"
        src.write_text((SENTENCE * 300000)[:1800000] + "\n", encoding="utf-8")
        for cmd in args.commands.split(","):
            wall, cpu, peak = run([cmd, str(src), "-o", str(tmp / f"out-{cmd}.jsonl")])
            print(f"{cmd} of the issue's line ({src.stat().st_size / 1e6:.1f} MB): "
                  f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB")
        return
    base = base_text()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(f"{'command':9} {'chars':>10} {'wall s':>8} {'CPU s':>8} {'- fixed':>8} "
          f"{'us/char':>8} {'peak MB':>8} {'MB over fixed':>13}   (us/char: CPU over fixed)")
    for cmd in args.commands.split(","):
        small = tmp / "small.txt"
        small.write_text("좋은 영화\n", encoding="utf-8")
        fwall, fixed, fixed_mb = run([cmd, str(small), "-o", str(tmp / "small.jsonl")])
        print(f"{cmd:9} {'(fixed)':>10} {fwall:8.2f} {fixed:8.2f} {'':>8} {'':>8} "
              f"{fixed_mb:8.0f}")
        rates, works = [], []
        for n in sizes:
            src = tmp / f"t{n}.txt"
            src.write_text(one_line(n, base) + "\n", encoding="utf-8")
            wall, cpu, peak = run([cmd, str(src), "-o", str(tmp / f"o{n}.jsonl")])
            per = max(cpu - fixed, 1e-9) / n * 1e6
            rates.append(per)
            works.append(cpu - fixed)
            print(f"{cmd:9} {n:10,} {wall:8.2f} {cpu:8.2f} {cpu - fixed:8.2f} {per:8.2f} "
                  f"{peak:8.0f} {peak - fixed_mb:13.0f}", flush=True)
            src.unlink()
        # where the work is within the fixed cost's noise (~1 s), no rate can be read off
        big = [r for r, w in zip(rates, works) if w > 1.0]
        print(f"{cmd}: CPU per character, largest / smallest where the work exceeds 1 s = "
              + (f"{max(big) / min(big):.2f}" if len(big) > 1 else "n/a (too little work)")
              + " (target within 2)")


if __name__ == "__main__":
    main()
