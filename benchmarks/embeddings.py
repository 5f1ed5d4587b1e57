"""Word embeddings and the neural classifier on NSMC (../shared/data), kotext beside gensim,
measured in one run.

Prints
  - training words/s of kotext's `embed train` training step (kotext.embeddings.
    train_on_token_file, what the command runs after its one streamed Kiwi pass) against
    gensim trained directly on the same pre-tokenized corpus file with the same settings
    (target ratio >= 0.90), on reviews.tsv.gz; the Kiwi pass itself is timed separately;
  - Spearman on kor_ws353.csv and analogy top-1 accuracy with coverage, for word2vec and
    fastText trained on reviews.tsv.gz (fastText also with subword vectors for unseen words);
  - the GRU classifier's accuracy on sentiment_test.tsv trained on sentiment_train.tsv with
    word2vec vectors (target >= 0.880), next to the linear classifier trained the same way.
    The classifier's vectors use form/TAG keys (`--tokens form/tag`; a second Kiwi pass and
    word2vec run with the same settings), which classify better than bare forms;
    `--classifier-tokens form` reuses the evaluation vectors instead.

    python benchmarks/embeddings.py [--limit N] [--skip-linear] [--peer-fasttext] [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import tempfile
import time
from pathlib import Path

from _common import DATA, NSMC, need, read_tsv

LABELS = {"0": "negative", "1": "positive"}
EVAL = DATA / "kor-word-eval"


def reviews(limit: int | None):
    with gzip.open(need(NSMC / "reviews.tsv.gz"), "rt", encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if limit and i >= limit:
                break
            yield row["document"] or ""


def gensim_direct(method: str, tok_path: str, settings: dict) -> float:
    """gensim on the same token file, same settings: words/s of train()."""
    from kotext.embeddings import gensim_model

    model = gensim_model(method, **settings)
    model.build_vocab(corpus_file=tok_path)
    t0 = time.perf_counter()
    model.train(corpus_file=tok_path, total_examples=model.corpus_count,
                total_words=model.corpus_total_words, epochs=settings["epochs"])
    return model.corpus_total_words * settings["epochs"] / (time.perf_counter() - t0)


def fmt_eval(vec, oov: bool = False) -> str:
    from kotext.embeddings import evaluate_analogy, evaluate_similarity

    ws = evaluate_similarity(vec, need(EVAL / "kor_ws353.csv"), oov=oov)
    sem = evaluate_analogy(vec, need(EVAL / "kor_analogy_semantic.txt"), oov=oov)
    syn = evaluate_analogy(vec, need(EVAL / "kor_analogy_syntactic.txt"), oov=oov)
    return (f"ws353 Spearman {ws['spearman']:.3f} (coverage {ws['covered']}/{ws['pairs']}); "
            f"analogy semantic {sem['accuracy']:.3f} (coverage {sem['covered']}/"
            f"{sem['questions']}), syntactic {syn['accuracy']:.3f} (coverage {syn['covered']}/"
            f"{syn['questions']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="use the first N reviews only")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--gru-epochs", type=int, default=5)
    ap.add_argument("--method", default="gru", choices=["gru", "lstm"])
    ap.add_argument("--classifier-tokens", default="form/tag", choices=["form", "form/tag"],
                    help="vocabulary keys of the classifier's word2vec vectors")
    ap.add_argument("--skip-linear", action="store_true")
    ap.add_argument("--skip-classifier", action="store_true")
    ap.add_argument("--peer-fasttext", action="store_true",
                    help="also time gensim fastText directly (slow)")
    ap.add_argument("--work", default=None, help="keep the vectors and models here")
    args = ap.parse_args()

    from kotext.embeddings import Vectors, tokenize_to_file, train_on_token_file
    from kotext.preprocess import recorded as preprocess_config
    from kotext.preprocess import training_pipeline as preprocess_pipeline

    t_start = time.perf_counter()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kotext-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    workers = os.cpu_count() or 1
    print(f"machine: {workers} cores (shared); corpus reviews.tsv.gz"
          + (f" (first {args.limit:,})" if args.limit else ""), flush=True)

    # 1. one streamed Kiwi pass into a token file (what `kotext embed train` does first)
    pre = preprocess_pipeline()
    tok = work / "tokens.txt"
    t0 = time.perf_counter()
    st = tokenize_to_file(reviews(args.limit), pre, tok, tokens="form")
    secs = time.perf_counter() - t0
    print(f"tokenize (clean + Kiwi, streamed to a file): {st.docs:,} docs, {st.tokens:,} tokens, "
          f"{secs:.0f} s ({st.rows / secs:,.0f} docs/s)", flush=True)

    settings = dict(dim=args.dim, window=5, min_count=5, epochs=args.epochs, sg=True,
                    negative=5, sample=1e-3, workers=workers, seed=0, min_n=2, max_n=5,
                    bucket=200_000)
    vecs: dict[str, Vectors] = {}
    print(f"\n== training speed ({args.epochs} epochs, dim {args.dim}, skip-gram, window 5, "
          f"min_count 5, {workers} workers) ==", flush=True)
    for method in ("word2vec", "fasttext"):
        vec = train_on_token_file(tok, st, work / method, method=method, tokens="form",
                                  preprocess=preprocess_config(pre), **settings)
        vecs[method] = vec
        kt = vec.config["speed"]["words_per_second"]
        line = f"{method:<9} kotext {kt:>10,.0f} words/s"
        if method == "word2vec" or args.peer_fasttext:
            g = gensim_direct(method, str(tok), settings)
            line += f"   gensim direct {g:>10,.0f} words/s   ratio {kt / g:.3f} (target >= 0.90)"
        print(line + f"   vocabulary {len(vec):,}", flush=True)

    print("\n== intrinsic evaluation (kor-word-eval) ==", flush=True)
    for method, vec in vecs.items():
        print(f"{method:<9} {fmt_eval(vec)}", flush=True)
    print(f"{'fasttext':<9} with subword vectors for unseen words: "
          f"{fmt_eval(vecs['fasttext'], oov=True)}", flush=True)
    print(f"{'':<9} (coverage: questions whose words all have vectors; accuracy over those)")

    if not args.skip_classifier:
        from kotext.loading import classify_pipeline
        from kotext.training.classifier import train_classifier
        from kotext.training.data import LabeledData

        train_rows = read_tsv(NSMC / "sentiment_train.tsv")
        test_rows = read_tsv(NSMC / "sentiment_test.tsv")
        tr = LabeledData([r["document"] for r in train_rows],
                         [LABELS[r["label"]] for r in train_rows])
        te = LabeledData([r["document"] for r in test_rows],
                         [LABELS[r["label"]] for r in test_rows])
        print("\n== sentiment: train on sentiment_train.tsv (150k), test on sentiment_test.tsv "
              "(50k) ==", flush=True)
        vectors = work / "word2vec"
        if args.classifier_tokens == "form/tag":
            t0 = time.perf_counter()
            tok_tag = work / "tokens_tag.txt"
            st_tag = tokenize_to_file(reviews(args.limit), pre, tok_tag, tokens="form/tag")
            vectors = work / "word2vec_tag"
            vec = train_on_token_file(tok_tag, st_tag, vectors, method="word2vec",
                                      tokens="form/tag", preprocess=preprocess_config(pre),
                                      **settings)
            print(f"word2vec on form/TAG keys for the classifier: vocabulary {len(vec):,} "
                  f"({time.perf_counter() - t0:.0f} s incl. the Kiwi pass)", flush=True)
        t0 = time.perf_counter()
        cfg = train_classifier(tr, work / args.method, method=args.method, eval_data=te,
                               val_fraction=0.05, seed=0,
                               params={"vectors": str(vectors), "epochs": args.gru_epochs,
                                       "threads": workers},
                               log=lambda s: print("  " + s, flush=True))
        secs = time.perf_counter() - t0
        acc = cfg["metrics"]["eval"]["accuracy"]
        print(f"{'kotext ' + args.method + ' (word2vec init, fine-tuned)':<44} accuracy "
              f"{acc:.4f}   (target >= 0.880; {secs / 60:.1f} min incl. tokenizing)",
              flush=True)
        nlp = classify_pipeline(str(work / args.method))
        t0 = time.perf_counter()
        pred = [d.label for d in nlp.pipe(te.texts, batch_size=2000)]
        acc2 = sum(p == g for p, g in zip(pred, te.labels)) / len(pred)
        print(f"{'  same model loaded, kotext classify path':<44} accuracy {acc2:.4f}   "
              f"({len(pred) / (time.perf_counter() - t0):,.0f} docs/s)", flush=True)
        if not args.skip_linear:
            t0 = time.perf_counter()
            cfg = train_classifier(tr, work / "linear", method="linear", eval_data=te,
                                   val_fraction=0.0, seed=0)
            print(f"{'kotext linear (same split)':<44} accuracy "
                  f"{cfg['metrics']['eval']['accuracy']:.4f}   "
                  f"({(time.perf_counter() - t0) / 60:.1f} min incl. tokenizing)", flush=True)
    print(f"\ntotal {(time.perf_counter() - t_start) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
