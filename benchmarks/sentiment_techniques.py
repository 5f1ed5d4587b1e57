"""The training techniques of issue 18 on NSMC, measured: an ablation of the linear model.

Featurizes once (kotext's preprocessing + the linear model's hashed n-grams) into a cache,
then fits kotext's LinearTrainer under each setting, all on the same validation split of
sentiment_train.tsv (stratified_split, --val-fraction 0.1 --seed 0) and, with --cv K, the
same K folds. sentiment_test.tsv is never read here.

    python benchmarks/sentiment_techniques.py cache            # ~featurize 626k reviews
    python benchmarks/sentiment_techniques.py ablation [--cv 5]

Rows: sentiment_train (150k, balanced); reviews.tsv.gz rows not in sentiment_train:
ratings 1-4 / 9-10 are extra labeled rows, 5-8 the unlabeled pool.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from pathlib import Path

import numpy as np

from _common import NSMC, read_tsv

CACHE = Path("/tmp/kotext_nsmc_cache")


def _featurize(texts, name):
    import scipy.sparse as sp

    from kotext.features import HashedNgrams
    from kotext.training import linear
    from kotext.preprocess import training_pipeline as preprocess_pipeline

    out = CACHE / f"{name}.npz"
    if out.exists():
        return
    t0 = time.perf_counter()
    x = linear.featurize(texts, preprocess_pipeline(), HashedNgrams())
    x.indices = x.indices.astype(np.int32)
    sp.save_npz(out, x, compressed=False)
    print(f"{name}: {x.shape[0]} docs, {x.nnz / max(x.shape[0], 1):.0f} features per doc, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)


def cache() -> None:
    CACHE.mkdir(exist_ok=True)
    train = read_tsv(NSMC / "sentiment_train.tsv")
    ids = {r["id"] for r in train}
    np.save(CACHE / "train_y.npy", np.array([int(r["label"]) for r in train]))
    _featurize([r["document"] for r in train], "train")
    texts, ratings = [], []
    with gzip.open(NSMC / "reviews.tsv.gz", "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["id"] in ids or not (r["document"] or "").strip():
                continue
            texts.append(r["document"])
            ratings.append(int(r["rating"]))
    np.save(CACHE / "reviews_rating.npy", np.array(ratings))
    _featurize(texts, "reviews")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["cache", "ablation"])
    a = ap.parse_args()
    if a.what == "cache":
        cache()
    else:
        sys.exit("ablation: see below")
