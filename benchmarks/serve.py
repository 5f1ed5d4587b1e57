"""kotext serve over HTTP against the in-process pipe() on the same texts, in one run:
throughput and p50/p99 latency for single-text and 64-text classify requests with 1, 4 and
16 concurrent clients on 127.0.0.1, and the server's memory over many requests.

    python benchmarks/serve.py                          # NSMC test reviews, 20,000 for memory
    python benchmarks/serve.py --memory-requests 100000

The server is `kotext serve --port 0` in its own process (what users run); the clients
are threads of this process, each with one keep-alive connection. On a machine with few
cores the clients take CPU from the server: the ratios are a floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _common import NSMC, read_tsv


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def start_server(workers: int | None) -> tuple[subprocess.Popen, int]:
    cmd = [sys.executable, "-m", "kotext", "serve", "--port", "0"]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    text = ""
    while "Ctrl-C" not in text:
        line = proc.stderr.readline()
        if not line:
            sys.exit(f"kotext serve did not start:\n{text}")
        text += line
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", text).group(1))
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
    return proc, port


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def post(self, body: dict) -> dict:
        self.conn.request("POST", "/v1/classify", json.dumps(body, ensure_ascii=False).encode(),
                          {"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{resp.status}: {data[:300]!r}")
        return json.loads(data)


def load_run(port: int, bodies: list[dict], clients: int, want: list[list[str]]):
    """Every body sent once, spread over ``clients`` threads: (seconds, latencies, lost)."""
    lat: list[float] = []
    lost = 0
    lock = threading.Lock()

    def work(k: int) -> None:
        nonlocal lost
        c = Client(port)
        mine, bad = [], 0
        for i in range(k, len(bodies), clients):
            t0 = time.perf_counter()
            r = c.post(bodies[i])
            mine.append(time.perf_counter() - t0)
            labels = [r["label"]] if "label" in r else [x["label"] for x in r["results"]]
            bad += labels != want[i]
        with lock:
            lat.extend(mine)
            lost += bad

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    return time.perf_counter() - t0, lat, lost


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--texts", type=int, default=4096, help="reviews for the 64-text requests")
    ap.add_argument("--singles", type=int, default=1500, help="single-text requests per run")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--memory-requests", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=None, help="kotext serve --workers")
    args = ap.parse_args()

    texts = [r["document"] for r in read_tsv(NSMC / "sentiment_test.tsv", args.texts)]
    from kotext.loading import classify_pipeline

    nlp = classify_pipeline()
    list(nlp.pipe(texts[:256]))  # Kiwi and the model loaded
    ref = [d.label for d in nlp.pipe(texts, on_error="record")]

    def pipe_rate(sent: list[str]) -> float:
        t0 = time.perf_counter()
        list(nlp.pipe(sent, on_error="record"))
        return len(sent) / (time.perf_counter() - t0)

    def in_process() -> tuple[float, float, float]:
        t0 = time.perf_counter()
        list(nlp.pipe(texts, on_error="record"))
        whole = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in range(0, len(texts), 64):
            list(nlp.pipe(texts[i:i + 64], on_error="record"))
        per64 = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in texts[:args.singles]:
            nlp(t)
        return whole, per64, args.singles / (time.perf_counter() - t0)

    proc, port = start_server(args.workers)
    try:
        print(f"cores {os.cpu_count()}, {len(texts)} NSMC test reviews, server pid {proc.pid}, "
              f"RSS after start {rss_mb(proc.pid):.0f} MB")
        before = in_process()
        for name, v in zip(("pipe(all texts)", "pipe() per 64 texts", "nlp(text) one by one"),
                           before):
            print(f"in-process {name:<24} {v:8.0f} docs/s")
        batches = [{"texts": texts[i:i + 64]} for i in range(0, len(texts), 64)]
        batch_want = [ref[i:i + 64] for i in range(0, len(texts), 64)]
        singles = [{"text": t} for t in texts[:args.singles]]
        single_want = [[x] for x in ref[:args.singles]]
        load_run(port, batches[:4], 1, batch_want[:4])  # warm
        print(f"{'request':>10} {'clients':>7} {'docs/s':>8} {'pipe()':>8} {'ratio':>9} "
              f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'wrong':>5}")
        for n in map(int, args.clients.split(",")):
            for kind, bodies, want, per in (("64 texts", batches, batch_want, 64),
                                            ("1 text", singles, single_want, 1)):
                # in-process pipe() on the same texts just before and after (the machine's
                # load changes from minute to minute): the ratio is against their mean
                sent = texts[:len(bodies)] if per == 1 else texts
                pre = pipe_rate(sent)
                secs, lat, wrong = load_run(port, bodies, n, want)
                near = (pre + pipe_rate(sent)) / 2
                docs = len(sent)
                print(f"{kind:>10} {n:>7} {docs / secs:8.0f} {near:8.0f} "
                      f"{docs / secs / near:8.2f}x {len(bodies) / secs:7.0f} "
                      f"{pct(lat, .5):7.1f} {pct(lat, .99):7.1f} {wrong:>5}")
        after = in_process()
        print(f"in-process again after the HTTP runs: {after[0]:.0f} docs/s (pipe(all)), "
              f"{after[1]:.0f} (per 64), {after[2]:.0f} (one by one)")
        # memory: single short texts from 4 clients, RSS sampled as they go
        total, step = args.memory_requests, max(1, args.memory_requests // 10)
        samples = [rss_mb(proc.pid)]
        bodies = [{"text": texts[i % len(texts)]} for i in range(step)]
        want = [[ref[i % len(texts)]] for i in range(step)]
        t0 = time.perf_counter()
        wrong = 0
        for _ in range(total // step):
            wrong += load_run(port, bodies, 4, want)[2]
            samples.append(rss_mb(proc.pid))
        secs = time.perf_counter() - t0
        print(f"memory over {total:,} single-text requests (4 clients, {total / secs:.0f} req/s, "
              f"{wrong} wrong): RSS MB every {step:,}: "
              + " ".join(f"{s:.0f}" for s in samples))
        print(f"  growth after the first {step:,}: {samples[-1] - samples[1]:+.0f} MB; "
              f"median {statistics.median(samples[1:]):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
