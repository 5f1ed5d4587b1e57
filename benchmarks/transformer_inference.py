"""CPU inference: kotext's transformer stage against transformers.pipeline, one run.

    python benchmarks/transformer_inference.py [--model DIR] [--n 5000]

Both classify the same 5,000 reviews of sentiment_test.tsv with the same model on the CPU:
  - kotext: the classifier.v1 stage (length-sorted batches, dynamic padding,
    torch.inference_mode, sliding windows), and again with --quantize (int8);
  - transformers.pipeline("text-classification") as documented (one text at a time), and
    with batch_size=64 (batches in input order, padded to their longest text).
Target: kotext >= 1.5x the default pipeline's docs/s, with identical predictions
(unquantized); the accuracy change with quantization is reported. The runners take turns
on chunks of 1,000 texts, so a change in the load of a shared machine hits them alike;
process CPU seconds are printed beside the wall time.

No hub model can be downloaded here, so without --model the model is one kotext makes
itself (cached under /tmp): `kotext pretrain` on 30,000 reviews of reviews.tsv.gz gives the
WordPiece vocabulary (16,000) and a BERT (4 layers, hidden 256, 128 positions) that is then
fine-tuned for one epoch on 8,000 rows of sentiment_train.tsv, on a shared 2-core CPU.
The MLM run is cut to one step: a few hundred CPU steps of MLM leave a collapsed encoder
(measured: the [CLS] vector varied by a std of 0.0007 across texts after 200 steps, and
the fine-tuned model gave every review the same probability), which makes a useless test
of identical predictions. It is a weak model; the speed figures depend on its size, not
on its accuracy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import NSMC, read_tsv

LABELS = {"0": "negative", "1": "positive"}
CPU_MODEL = {
    "pretrain": dict(vocab_size=16000, hidden=256, layers=4, heads=4, max_length=128,
                     max_steps=1, batch_size=32, lr=1e-3, warmup=0.05, log_every=50),
    "pretrain_limit": 30000,
    "finetune": dict(epochs=1, batch_size=32, lr=3e-4, warmup=0.1, max_length=128,
                     patience=0),
    "train_limit": 8000,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="a fine-tuned model folder")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--work", default="/tmp/kotext-bench-transformer")
    args = ap.parse_args()

    import torch
    from transformers import pipeline
    from transformers.utils import logging as tlog

    from kotext.doc import Doc
    from kotext.stages.classify import Classifier

    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    t_build = None
    if args.model:
        model = Path(args.model)
    else:
        from pretrain import build

        t0 = time.perf_counter()
        _, model, _ = build(Path(args.work), CPU_MODEL,
                            log=lambda s: print(s, file=sys.stderr, flush=True))
        t_build = time.perf_counter() - t0
    rows = read_tsv(NSMC / "sentiment_test.tsv", args.n)
    texts = [r["document"] for r in rows]
    gold = [LABELS[r["label"]] for r in rows]

    def acc(pred) -> float:
        return sum(p == g for p, g in zip(pred, gold)) / len(gold)

    # The machine is shared: the load changes while a benchmark runs. So the texts are cut
    # into chunks and every runner takes its turn on each chunk; each runner's time is the
    # sum over the chunks (wall and process CPU seconds), its predictions cover all texts.
    k_stage = Classifier(str(model), device="cpu")
    q_stage = Classifier(str(model), quantize=True, device="cpu")
    hf = pipeline("text-classification", model=str(model), device=-1)

    def kotext(stage):
        return lambda chunk: [(d.label, d.score) for d in stage.pipe(
            (Doc(text=t) for t in chunk), batch_size=1000)]

    def hf_run(batch_size: int | None):
        kw = {"batch_size": batch_size} if batch_size else {}
        return lambda chunk: [(o["label"], o["score"])
                              for o in hf(chunk, truncation=True, **kw)]

    runners = {"kotext classifier.v1 (transformer)": kotext(k_stage),
               "transformers.pipeline (default, batch 1)": hf_run(None),
               "transformers.pipeline (batch_size=64)": hf_run(64),
               "kotext --quantize (int8 dynamic)": kotext(q_stage)}
    for run in runners.values():
        run(texts[:64])  # load + warm up
    wall = dict.fromkeys(runners, 0.0)
    cpu = dict.fromkeys(runners, 0.0)
    labels: dict[str, list[tuple[str, float]]] = {k: [] for k in runners}
    step = 1000
    for c in range(0, len(texts), step):
        chunk = texts[c:c + step]
        for name, run in runners.items():
            t0, p0 = time.perf_counter(), time.process_time()
            labels[name] += run(chunk)
            wall[name] += time.perf_counter() - t0
            cpu[name] += time.process_time() - p0
    n = len(texts)
    names = list(runners)
    k_lab, h_lab, hb_lab, q_lab = ([lab for lab, _ in labels[x]] for x in names)
    dp = max(abs(a[1] - b[1]) for a, b in zip(labels[names[0]], labels[names[1]]))
    dpb = max(abs(a[1] - b[1]) for a, b in zip(labels[names[0]], labels[names[2]]))
    spread = [p for _, p in labels[names[0]]]
    k_s, h_s, hb_s, q_s = (wall[x] for x in names)
    print(f"model: {model} (made by kotext: pretrain + fine-tune on CPU"
          + (f", built in {t_build:.0f} s" if t_build and t_build > 60 else "")
          + f"); {n} reviews of sentiment_test.tsv; CPU, torch threads "
            f"{torch.get_num_threads()}; runners interleaved in chunks of {step}")
    print(f"{'runner':<44} {'wall s':>8} {'docs/s':>9} {'CPU s':>8} {'accuracy':>9}")
    for name in names:
        print(f"{name:<44} {wall[name]:>8.2f} {n / wall[name]:>9.1f} {cpu[name]:>8.2f} "
              f"{acc([lab for lab, _ in labels[name]]):>9.4f}")
    same = sum(a == b for a, b in zip(k_lab, h_lab))
    same_b = sum(a == b for a, b in zip(k_lab, hb_lab))
    q_same = sum(a == b for a, b in zip(k_lab, q_lab))
    print(f"ratio kotext / pipeline default: {h_s / k_s:.2f}x docs/s (target >= 1.5; CPU time "
          f"{cpu[names[1]] / cpu[names[0]]:.2f}x); kotext / pipeline batch 64: "
          f"{hb_s / k_s:.2f}x (CPU time {cpu[names[2]] / cpu[names[0]]:.2f}x)")
    print(f"predictions identical to the pipeline: {same}/{n} (default), {same_b}/{n} "
          f"(batch 64); largest difference in the predicted label's probability: "
          f"{dp:.1e} (default), {dpb:.1e} (batch 64); kotext's probabilities range "
          f"{min(spread):.3f}-{max(spread):.3f}, labels predicted: "
          f"{dict(sorted(__import__('collections').Counter(k_lab).items()))}")
    print(f"int8: {n / q_s:.1f} docs/s ({k_s / q_s:.2f}x unquantized), accuracy "
          f"{acc(q_lab) - acc(k_lab):+.4f} vs unquantized ({acc(k_lab):.4f} -> "
          f"{acc(q_lab):.4f}), same label on {q_same}/{n}")


if __name__ == "__main__":
    main()
