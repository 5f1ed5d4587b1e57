"""Document similarity on NSMC (../shared/data/nsmc-reviews): does the nearest review share
the query's sentiment? kotext's document vectors with and without removing the direction all
documents share (`kotext similar-docs --common N`), one run.

For each test review (the query), the training reviews are ranked by cosine of their
docvec.v1 vectors; printed: how often the nearest one has the query's label (top-1) and how
often the majority of the 10 nearest does (k=10). Vectors: a kotext vectors folder, e.g.
from `kotext embed train ../shared/data/nsmc-reviews/reviews.tsv.gz --text-column document
-o /tmp/w2v` (or the one benchmarks/embeddings.py writes under --work).

    python benchmarks/similar_docs.py --vectors /tmp/w2v [--corpus 20000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import NSMC, read_tsv

from kotext.cli.embed import COMMON_FIT_DOCS  # what `similar-docs` fits the shared direction on


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vectors", required=True, help="a kotext vectors folder")
    ap.add_argument("--corpus", type=int, default=20_000, help="training reviews searched")
    ap.add_argument("--queries", type=int, default=2_000, help="test reviews asked")
    args = ap.parse_args()

    from kotext.loading import docvec_pipeline
    from kotext.stages.docvec import common_components, remove_components

    corpus = read_tsv(NSMC / "sentiment_train.tsv", limit=args.corpus)
    queries = read_tsv(NSMC / "sentiment_test.tsv", limit=args.queries)
    yc = np.array([r["label"] for r in corpus])
    yq = np.array([r["label"] for r in queries])
    print(f"{len(queries)} test reviews against {len(corpus)} training reviews; "
          f"vectors {args.vectors}")
    print(f"{'weighting':10s} {'common':>6s} {'top-1':>7s} {'k=10':>7s}")
    for weighting in ("mean", "sif"):
        t0 = time.perf_counter()
        nlp = docvec_pipeline(args.vectors, weighting=weighting)
        c = np.stack([d.vector for d in nlp.pipe(r["document"] for r in corpus)])
        q = np.stack([d.vector for d in nlp.pipe(r["document"] for r in queries)])
        for common in (0, 1, 2):
            comps = common_components(c[:COMMON_FIT_DOCS], common)
            sims = remove_components(q, comps) @ remove_components(c, comps).T
            near = np.argsort(-sims, axis=1, kind="stable")[:, :10]
            top1 = float((yc[near[:, 0]] == yq).mean())
            votes = (yc[near] == "1").mean(axis=1)
            k10 = float(((votes > 0.5) == (yq == "1")).mean())
            note = "   (plain cosine)" if common == 0 else ""
            print(f"{weighting:10s} {common:6d} {top1:7.4f} {k10:7.4f}{note}")
        print(f"  ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
