"""A Korean encoder with no hub: pre-train on NSMC reviews, fine-tune, test. One run.

    python benchmarks/pretrain.py            # the full figure: needs a GPU (auto-detected, fp16)
    python benchmarks/pretrain.py --smoke    # a few minutes on a CPU: checks the path only

1. `kotext pretrain`: a WordPiece vocabulary and a BERT (MLM) on reviews.tsv.gz (every
   review except those in sentiment_test.tsv);
2. `kotext train classifier --method transformer --base ENCODER` on sentiment_train.tsv;
3. accuracy on sentiment_test.tsv (target >= 0.890) and the wall time of each step.

The smoke run uses a sliver of the data and a tiny model: its accuracy says nothing about
the full figure.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import time
from pathlib import Path

from _common import NSMC, need, read_tsv

LABELS = {"0": "negative", "1": "positive"}

FULL = {
    "pretrain": dict(vocab_size=24000, hidden=512, layers=6, heads=8, max_length=128,
                     epochs=3, batch_size=256, lr=5e-4, warmup=0.05, fp16=True),
    "pretrain_limit": None,
    "finetune": dict(epochs=3, batch_size=64, lr=5e-5, warmup=0.1, max_length=128,
                     patience=1, fp16=True),
    "train_limit": None, "test_limit": None,
}
SMOKE = {
    "pretrain": dict(vocab_size=8000, hidden=128, layers=2, heads=2, max_length=64,
                     max_steps=150, batch_size=64, lr=1e-3, warmup=0.05, log_every=50),
    "pretrain_limit": 20000,
    "finetune": dict(epochs=1, batch_size=32, lr=2e-4, warmup=0.1, max_length=64,
                     patience=0),
    "train_limit": 4000, "test_limit": 2000,
}


def read_reviews(limit: int | None) -> list[str]:
    texts = []
    with gzip.open(need(NSMC / "reviews.tsv.gz"), "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            t = (row.get("document") or "").strip()
            if t:
                texts.append(t)
                if limit and len(texts) >= limit:
                    break
    return texts


def build(work: Path, cfg: dict, log=print) -> tuple[Path, Path, dict]:
    """Pre-train then fine-tune under ``work``; both folders are reused when present."""
    from kotext.training.data import LabeledData
    from kotext.transformer.pretrain import pretrain
    from kotext.transformer.train import train_transformer

    enc, clf = work / "encoder", work / "classifier"
    times: dict = {}
    if not (enc / "model.safetensors").is_file():
        texts = read_reviews(cfg["pretrain_limit"])
        t0 = time.perf_counter()
        pretrain(texts, enc, params=cfg["pretrain"], seed=0, log=log,
                 data_description=f"{len(texts)} reviews from NSMC reviews.tsv.gz",
                 command="python benchmarks/pretrain.py (kotext pretrain reviews.tsv.gz "
                         "--text-column document " + " ".join(
                             f"--{k.replace('_', '-')} {v}" for k, v in cfg["pretrain"].items())
                         + ")")
        times["pretrain_s"] = time.perf_counter() - t0
    if not (clf / "model.safetensors").is_file():
        rows = read_tsv(NSMC / "sentiment_train.tsv", cfg["train_limit"])
        data = LabeledData([r["document"] for r in rows], [LABELS[r["label"]] for r in rows])
        t0 = time.perf_counter()
        train_transformer(data, clf, params={**cfg["finetune"], "base": str(enc)},
                          val_fraction=0.05, seed=0, log=log,
                          command=f"kotext train classifier --method transformer --base {enc} "
                                  f"--train sentiment_train.tsv --text-column document "
                                  f"--label-map 0=negative,1=positive " + " ".join(
                                      f"--{k.replace('_', '-')} {v}"
                                      for k, v in cfg["finetune"].items()))
        times["finetune_s"] = time.perf_counter() - t0
    return enc, clf, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few minutes on a CPU")
    ap.add_argument("--work", default=None, help="folder for the encoder and the classifier")
    args = ap.parse_args()
    import torch

    cfg = SMOKE if args.smoke else FULL
    gpu = torch.cuda.is_available()
    if not gpu and not args.smoke:
        print("no GPU here: the full run would take days on a CPU; run with --smoke to check "
              "the path, or on a GPU machine for the figure")
        return
    work = Path(args.work or f"/tmp/kotext-bench-pretrain-{'smoke' if args.smoke else 'full'}")
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    enc, clf, times = build(work, cfg)
    from kotext.doc import Doc
    from kotext.stages.classify import Classifier

    test = read_tsv(NSMC / "sentiment_test.tsv", cfg["test_limit"])
    stage = Classifier(str(clf))
    t1 = time.perf_counter()
    docs = list(stage.pipe((Doc(text=r["document"]) for r in test), batch_size=1000))
    t_test = time.perf_counter() - t1
    acc = sum(d.label == LABELS[r["label"]] for d, r in zip(docs, test)) / len(test)
    res = {"mode": "smoke (CPU, tiny model, data slices)" if args.smoke else "full",
           "device": torch.cuda.get_device_name(0) if gpu else "cpu",
           "test_rows": len(test), "accuracy": round(acc, 4), "target": 0.890,
           **{k: round(v, 1) for k, v in times.items()},
           "test_s": round(t_test, 1), "wall_s": round(time.perf_counter() - t0, 1),
           "encoder": str(enc), "classifier": str(clf)}
    print(json.dumps(res, indent=2, ensure_ascii=False))
    if args.smoke:
        print("smoke run: the accuracy of this tiny, briefly trained model is not the figure")


if __name__ == "__main__":
    main()
