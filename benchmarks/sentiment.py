"""Sentiment on NSMC (../shared/data/nsmc-reviews), kotext beside its peers, one run.

Prints test accuracy on sentiment_test.tsv for
  - kotext's linear classifier trained only on sentiment_train.tsv   (target >= 0.890)
  - with --members: kotext's ensemble of that linear model (trained here with
    --val-fraction 0.05 --seed 0) and the given model folders, trained on sentiment_train.tsv
    with the same split, e.g. (word vectors from reviews.tsv.gz text, no labels, no test rows;
    form/TAG keys gave better classifiers here than bare forms):
        kotext embed train ../shared/data/nsmc-reviews/reviews.tsv.gz --text-column document \
            --method word2vec --tokens form/tag -o /tmp/w2v_tag
        kotext train classifier --method gru --vectors /tmp/w2v_tag --train \
            ../shared/data/nsmc-reviews/sentiment_train.tsv --text-column document \
            --label-map 0=negative,1=positive --val-fraction 0.05 --seed 0 --threads 2 \
            -o /tmp/gru_tag
        (and the same with --method lstm --dropout 0.5 -o /tmp/lstm_tag)
        python benchmarks/sentiment.py --members /tmp/gru_tag,/tmp/lstm_tag
  - the shipped default model models/sentiment-ko                     (target >= 0.900)
  - peers trained and tested on the same split: scikit-learn TF-IDF (char 1-4 + Kiwi
    morpheme 1-2 grams) + LogisticRegression, and fastText supervised (fasttext-wheel)
and `kotext classify` end-to-end docs/s against raw Kiwi tokenization (target ratio >= 0.75).

    python benchmarks/sentiment.py [--skip-train] [--skip-peers]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import NSMC, count_csv_rows, raw_vs_cli, read_tsv

LABELS = {"0": "negative", "1": "positive"}


def acc(gold, pred) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / len(gold)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-train", action="store_true", help="skip training kotext on train")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="throughput runs of each, best taken")
    ap.add_argument("--members", default=None,
                    help="model folders to ensemble with the linear model (see above)")
    args = ap.parse_args()
    train_rows = read_tsv(NSMC / "sentiment_train.tsv")
    test_rows = read_tsv(NSMC / "sentiment_test.tsv")
    tr_x = [r["document"] for r in train_rows]
    tr_y = [LABELS[r["label"]] for r in train_rows]
    te_x = [r["document"] for r in test_rows]
    te_y = [LABELS[r["label"]] for r in test_rows]
    results: list[tuple[str, float, str]] = []

    from kotext.loading import classify_pipeline

    def kotext_acc(model) -> float:
        nlp = classify_pipeline(model)
        return acc(te_y, [d.label for d in nlp.pipe(te_x, batch_size=2000)])

    if not args.skip_train:
        from kotext.training.classifier import train_classifier
        from kotext.training.data import LabeledData

        data = LabeledData(tr_x, tr_y)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            val = 0.05 if args.members else 0.0
            train_classifier(data, Path(tmp) / "m", val_fraction=val, seed=0,
                             log=lambda s: print("  " + s, flush=True))
            secs = time.perf_counter() - t0
            results.append(("kotext linear, trained on sentiment_train", kotext_acc(Path(tmp) / "m"),
                            f"train {secs:.0f} s{'' if args.members else '; target >= 0.890'}"))
            print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)
            if args.members:
                members = [str(Path(tmp) / "m"), *args.members.split(",")]
                train_classifier(data, Path(tmp) / "ens", method="ensemble", val_fraction=0.05,
                                 seed=0, params={"members": members},
                                 log=lambda s: print("  " + s, flush=True))
                for m in args.members.split(","):
                    results.append((f"kotext member {Path(m).name}", kotext_acc(m), ""))
                    print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)
                results.append(("kotext ensemble (linear + " + ", ".join(
                    Path(m).name for m in args.members.split(",")) + ")",
                    kotext_acc(Path(tmp) / "ens"), "target >= 0.890"))
                print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)
    results.append(("kotext shipped sentiment-ko", kotext_acc("sentiment-ko"), "target >= 0.900"))
    print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)

    if not args.skip_peers:
        from kiwipiepy import Kiwi

        kiwi = Kiwi(num_workers=2)
        tr_m = [" ".join(t.form for t in toks) for toks in kiwi.tokenize(tr_x)]
        te_m = [" ".join(t.form for t in toks) for toks in kiwi.tokenize(te_x)]
        try:
            import scipy.sparse as sp
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression

            t0 = time.perf_counter()
            vc = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2,
                                 sublinear_tf=True)
            vm = TfidfVectorizer(tokenizer=str.split, ngram_range=(1, 2), min_df=2,
                                 sublinear_tf=True, token_pattern=None, lowercase=False)
            xtr = sp.hstack([vc.fit_transform(tr_x), vm.fit_transform(tr_m)]).tocsr()
            xte = sp.hstack([vc.transform(te_x), vm.transform(te_m)]).tocsr()
            clf = LogisticRegression(C=4.0, max_iter=1000, solver="liblinear").fit(xtr, tr_y)
            results.append(("peer: TF-IDF char1-4 + morph1-2 + LogisticRegression",
                            acc(te_y, clf.predict(xte)),
                            f"{time.perf_counter() - t0:.0f} s; reference 0.879"))
            print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)
        except ImportError:
            print("peer TF-IDF+LR skipped: pip install scikit-learn")
        try:
            import fasttext

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "train.txt"
                path.write_text("".join(f"__label__{y} {x}\n" for x, y in zip(tr_m, tr_y)),
                                encoding="utf-8")
                t0 = time.perf_counter()
                ft = fasttext.train_supervised(str(path), epoch=10, lr=0.5, wordNgrams=2,
                                               minn=1, maxn=3, dim=100, thread=2, seed=0,
                                               verbose=0)
                # the low-level call avoids fasttext-wheel's numpy 2 incompatibility
                pred = [ft.f.predict(x, 1, 0.0, "strict")[0][1].replace("__label__", "")
                        for x in te_m]
            results.append(("peer: fastText supervised (morphemes, bigrams)",
                            acc(te_y, pred), f"{time.perf_counter() - t0:.0f} s; reference 0.866"))
            print(f"{results[-1][0]:<52} {results[-1][1]:.4f}", flush=True)
        except ImportError:
            print("peer fastText skipped: pip install fasttext-wheel")

    # throughput: kotext classify end to end vs raw Kiwi tokenization of the same texts
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.csv"
        raw, load, wall = raw_vs_cli(te_x, ["classify", str(NSMC / "sentiment_test.tsv"),
                                            "--text-column", "document", "-o", str(out)],
                                     args.repeat)
        n_out = count_csv_rows(out)
    n = len(te_x)
    print()
    print(f"{'system':<52} {'accuracy':>8}")
    for name, a, note in results:
        print(f"{name:<52} {a:8.4f}   {note}")
    print()
    print(f"raw Kiwi tokenize (num_workers=2)   {n / raw:7.0f} docs/s")
    print(f"kotext classify end to end          {n / wall:7.0f} docs/s  ({n_out} rows out of {n})")
    print(f"ratio classify / raw Kiwi           {raw / wall:7.2f}  (target >= 0.75; best of "
          f"{args.repeat} alternating runs)")
    print(f"  raw counting Kiwi's model load ({load:.1f} s, which the classify run includes): "
          f"ratio {(raw + load) / wall:.2f}")


if __name__ == "__main__":
    main()
