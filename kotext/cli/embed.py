"""Word vectors (embed train / similar / analogy / evaluate / plot) and similar-docs."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import KotextError, UsageError, require
from .base import (CONTEXT, _model_folder, _report, encoding_option, flag_message, main,
                   text_column_option)


def _corpus_options(f):
    opts = [
        text_column_option("Column/field with the text (guessed when named "
                           "text/document/review/...)."),
        encoding_option(),
        click.option("--input-format", default=None,
                     type=click.Choice(["txt", "csv", "tsv", "jsonl", "parquet"]),
                     help="Input format when the suffix does not tell."),
        click.option("--limit", default=None, type=click.IntRange(1),
                     help="Use only the first N rows."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _vectors_options(f):
    f = click.option("--vectors-format", "vectors_format", default="auto", show_default=True,
                     type=click.Choice(["auto", "kotext", "word2vec", "word2vec-binary",
                                        "fasttext-bin"]),
                     help="Format of --model when its suffix misleads.")(f)
    return click.option("-m", "--model", required=True, metavar="VECTORS",
                        help="A folder from `kotext embed train`, a word2vec .txt/.vec/.bin "
                             "file or a Facebook fastText .bin file.")(f)


def _texts(input: str, text_column, encoding, input_format, limit, where: bool = False):
    """Stream the texts of INPUT (never all in memory). A row whose cell holds no text (a
    JSON object) is an empty text, so the rows keep their numbers, and a note names it.
    ``where=True`` yields (where, text) pairs instead: the row number from 1, or
    ``FILE:ROW`` (numbered in its file) when INPUT is a folder or a glob of files."""
    from ..io.readers import read, text_of

    src = read(input, text_column=text_column, encoding=encoding, input_format=input_format)

    def gen():
        bad, first = 0, ""  # a count, not a list: a corpus may have millions of rows
        per_file: dict[str, int] = {}
        for i, row in enumerate(src):
            if limit and i >= limit:
                break
            try:
                text = text_of(row.get(src.text_key))
            except KotextError as e:
                bad, first = bad + 1, first or f"row {i + 1}: {src.text_key}: {flag_message(str(e))}"
                text = ""
            if not where:
                yield text
                continue
            name = row.get("kotext_source", row.get("source")) if src.many_files else None
            if name is None:
                yield str(i + 1), text
            else:
                per_file[name] = per_file.get(name, 0) + 1
                yield f"{name}:{per_file[name]}", text
        if bad:
            click.echo(f"note: {bad} row(s) with no text, left out (first: {first})",
                       err=True)

    return gen()


@main.group(context_settings=CONTEXT)
def embed() -> None:
    """Word vectors on Kiwi morphemes: train, query, evaluate, plot.

    \b
    Examples:
      kotext embed train reviews.csv --text-column document --method fasttext -o models/vec
      kotext embed similar 배우 --model models/vec -n 10
      kotext embed analogy 왕 남자 여자 --model models/vec
      kotext embed evaluate --model models/vec --similarity kor_ws353.csv \\
          --analogy kor_analogy_semantic.txt
      kotext embed plot --model models/vec --words 배우,감독,연기,스토리 -o words.png
    """


@embed.command("train", context_settings=CONTEXT)
@click.argument("input", metavar="INPUT")
@_corpus_options
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Vectors folder to write.",
              callback=_model_folder)
@click.option("--method", default="word2vec", show_default=True,
              type=click.Choice(["word2vec", "fasttext"]),
              help="fasttext adds character n-grams: unseen words and typos get vectors.")
@click.option("--dim", default=100, show_default=True, type=click.IntRange(1),
              help="Vector dimension.")
@click.option("--window", default=5, show_default=True, type=click.IntRange(1),
              help="Context window (tokens each side).")
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(1),
              help="Leave out tokens seen fewer times.")
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(1))
@click.option("--sg/--cbow", default=True, show_default=True, help="Skip-gram or CBOW.")
@click.option("--negative", default=5, show_default=True, type=click.IntRange(0),
              help="Negative samples.")
@click.option("--tokens", default="form", show_default=True,
              type=click.Choice(["form", "form/tag"]),
              help="Vocabulary keys: forms (배우) or form/TAG (배우/NNG).")
@click.option("--pos", default=None, metavar="TAGS",
              help="Keep only these POS tag prefixes or a preset (nouns, content, predicates).")
@click.option("--lemmas", is_flag=True, help="Predicates as stem + 다 (좋/VA -> 좋다).")
@click.option("--stopwords", is_flag=True, help="Drop Kiwi's default stopwords.")
@click.option("--min-n", default=2, show_default=True, type=click.IntRange(1),
              help="fastText: shortest character n-gram (syllables).")
@click.option("--max-n", default=5, show_default=True, type=click.IntRange(1),
              help="fastText: longest character n-gram.")
@click.option("--bucket", default=200_000, show_default=True, type=click.IntRange(1),
              help="fastText: n-gram hash buckets (the file holds BUCKET x DIM floats).")
@click.option("--workers", default=None, type=click.IntRange(1),
              help="Training threads (default: all cores).")
@click.option("--seed", default=0, show_default=True, type=int)
def embed_train(input, text_column, encoding, input_format, limit, output, method, dim,
                window, min_count, epochs, sg, negative, tokens, pos, lemmas, stopwords,
                min_n, max_n, bucket, workers, seed) -> None:
    """Train word2vec or fastText vectors on the Kiwi morphemes of INPUT.

    The corpus is read once, streamed through cleaning and Kiwi into a temporary token
    file next to FOLDER, and gensim trains from that file on all cores. The folder gets
    config.json (with the exact tokenization), vocab.json, vectors.safetensors and README.md.

    \b
    Examples:
      kotext embed train reviews.tsv.gz --text-column document -o models/w2v
      kotext embed train corpus.txt --method fasttext --dim 100 --epochs 10 -o models/ft
      kotext embed train news.jsonl --text-field body --tokens form/tag --pos content -o m
    """
    from tqdm import tqdm

    from ..embeddings import train_vectors
    from ..training.card import command_line

    require("gensim", "embed", f"training {method} vectors")
    tok = {k: v for k, v in {"pos": pos, "lemmas": lemmas or None,
                             "stopwords": stopwords or None}.items() if v is not None}
    texts = _texts(input, text_column, encoding, input_format, limit)
    tty = sys.stderr.isatty()
    bar = tqdm(desc="tokenize", unit=" docs", file=sys.stderr, disable=not tty,
               dynamic_ncols=True, mininterval=0.5)
    ebar = None

    def on_epoch(epoch: int, wps: float) -> None:
        nonlocal ebar
        if ebar is None:
            bar.close()
            ebar = tqdm(desc=f"train {method}", total=epochs, unit=" epoch", file=sys.stderr,
                        disable=not tty, dynamic_ncols=True)
        ebar.set_postfix_str(f"{wps:,.0f} words/s")
        ebar.update(1)
        if not tty:
            click.echo(f"epoch {epoch}/{epochs}: {wps:,.0f} words/s", err=True)

    try:
        vec = train_vectors(texts, output, method=method, dim=dim, window=window,
                            min_count=min_count, epochs=epochs, sg=sg, negative=negative,
                            workers=workers, seed=seed, tokens=tokens, min_n=min_n,
                            max_n=max_n, bucket=bucket, tokenize=tok or None, source=input,
                            command=command_line(),
                            progress=bar.update, on_epoch=on_epoch,
                            log=lambda s: (bar if ebar is None else ebar).write(flag_message(s),
                                                                      file=sys.stderr))
    finally:
        bar.close()
        if ebar is not None:
            ebar.close()
    click.echo(f"{vec!r} written to {output}", err=True)


def _print_neighbours(rows: list[tuple[str, float]]) -> None:
    for w, s in rows:
        click.echo(f"{w}\t{s:.4f}")


def _oov_note(vec, words) -> None:
    for w in words:
        if w not in vec and vec.has_subwords:
            click.echo(f"note: '{w}' is not in the vocabulary; its vector is built from "
                       f"character n-grams", err=True)


@embed.command("similar", context_settings=CONTEXT)
@click.argument("words", nargs=-1, required=True, metavar="WORD...")
@_vectors_options
@click.option("--negative", multiple=True, metavar="WORD", help="Subtract this word (repeatable).")
@click.option("-n", "--top", default=10, show_default=True, type=click.IntRange(1),
              help="How many nearest words to list.")
def embed_similar(words, model, vectors_format, negative, top) -> None:
    """The nearest words (cosine) to WORD (several words: to their sum).

    \b
    Examples:
      kotext embed similar 배우 --model models/vec -n 10
      kotext embed similar 영화 재미 --negative 지루 --model models/vec
    """
    from ..embeddings import Vectors

    vec = Vectors.load(model, vectors_format)
    _oov_note(vec, [*words, *negative])
    _print_neighbours(vec.most_similar(list(words), list(negative), n=top))


@embed.command("analogy", context_settings=CONTEXT)
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.argument("c", metavar="C")
@_vectors_options
@click.option("-n", "--top", default=5, show_default=True, type=click.IntRange(1),
              help="How many answers to list.")
def embed_analogy(a, b, c, model, vectors_format, top) -> None:
    """Words near A - B + C (왕 남자 여자 -> 여왕: A is to B as the answer is to C).

    \b
    Example:
      kotext embed analogy 왕 남자 여자 --model models/vec
    """
    from ..embeddings import Vectors

    vec = Vectors.load(model, vectors_format)
    _oov_note(vec, [a, b, c])
    _print_neighbours(vec.analogy(a, b, c, n=top))


@embed.command("evaluate", context_settings=CONTEXT)
@_vectors_options
@click.option("--similarity", multiple=True, metavar="FILE",
              help="Word-similarity file: word1,word2,score lines (e.g. kor_ws353.csv); "
                   "Spearman correlation. Repeatable.")
@click.option("--analogy", multiple=True, metavar="FILE",
              help="Analogy file: 'a b c d' lines and '# section' lines (e.g. "
                   "kor_analogy_semantic.txt); top-1 accuracy. Repeatable.")
@click.option("--oov", is_flag=True,
              help="fastText: give unseen words their subword vectors (coverage grows).")
@click.option("--sections", is_flag=True, help="Show analogy accuracy per section.")
@click.option("--json", "json_out", default=None, metavar="FILE",
              help="Also write the results as JSON ('-' for stdout instead of the table).")
def embed_evaluate(model, vectors_format, similarity, analogy, oov, sections, json_out) -> None:
    """Word similarity (Spearman) and analogies (top-1 accuracy), with coverage.

    Coverage is the share of pairs/questions whose words all have vectors; the scores are
    over those.

    \b
    Example:
      kotext embed evaluate --model models/vec --similarity kor_ws353.csv \\
          --analogy kor_analogy_semantic.txt
    """
    from ..embeddings import Vectors, evaluate_analogy, evaluate_similarity
    if not similarity and not analogy:
        raise UsageError("nothing to evaluate: give --similarity FILE and/or --analogy FILE")
    if similarity:  # Spearman's correlation is scipy's (which gensim brings)
        require("scipy", "embed", "--similarity (Spearman correlation)")
    vec = Vectors.load(model, vectors_format)
    results: dict[str, Any] = {"model": str(model), "similarity": [], "analogy": []}
    lines = [f"{vec!r}"]
    for f in similarity:
        r = evaluate_similarity(vec, f, oov=oov)
        results["similarity"].append(r)
        rho = f"{r['spearman']:.4f}" if r["spearman"] == r["spearman"] else \
            "n/a (fewer than 2 pairs covered)"  # NaN
        lines.append(f"{f}: Spearman {rho} on {r['covered']}/{r['pairs']} pairs "
                     f"(coverage {r['coverage']:.1%})")
    for f in analogy:
        r = evaluate_analogy(vec, f, oov=oov)
        results["analogy"].append(r)
        acc = f"{r['accuracy']:.4f}" if r["covered"] else "n/a (no question covered)"
        lines.append(f"{f}: accuracy {acc} on {r['covered']}/{r['questions']} "
                     f"questions (coverage {r['coverage']:.1%}; {r['accuracy_all']:.4f} "
                     f"counting uncovered as wrong)")
        if not r["covered"]:
            lines.append("  (these vectors are of Kiwi morphemes, as kotext embed train makes "
                         "them; questions in whole words with their particles and endings, "
                         "eojeol such as 밥을 or 먹었다, never match one: use questions in "
                         "morphemes, such as kor_analogy_semantic.txt)")
        if sections:
            for s in r["sections"]:
                lines.append(f"  {s['section']}: {s['correct']}/{s['covered']} "
                             f"(of {s['questions']})")
    _report(results, json_out, lambda _: "\n".join(lines))


@embed.command("plot", context_settings=CONTEXT)
@_vectors_options
@click.option("--words", required=True, multiple=True, metavar="W1,W2,...",
              help="Words to draw (comma-separated; repeatable).")
@click.option("-o", "--output", required=True, metavar="FILE.png", help="PNG to write.")
@click.option("--projection", default="pca", show_default=True,
              type=click.Choice(["pca", "tsne"]), help="2-D projection.")
@click.option("--title", default=None, help="Figure title.")
def embed_plot(model, vectors_format, words, output, projection, title) -> None:
    """Draw words on a 2-D projection (PCA or t-SNE) as PNG, Korean labels rendered.

    \b
    Example:
      kotext embed plot --model models/vec --words 배우,감독,연기,스토리,재미,지루 -o w.png
    """
    from ..embeddings import Vectors, plot_words
    require("matplotlib", "plot", "drawing words")
    if projection == "tsne":
        require("sklearn", "train", "--projection tsne", "scikit-learn")
    vec = Vectors.load(model, vectors_format)
    ws = [w.strip() for item in words for w in item.split(",") if w.strip()]
    plotted, missing = plot_words(vec, ws, output, method=projection, title=title)
    if missing:
        click.echo(f"left out (no vector): {', '.join(missing)}", err=True)
    click.echo(f"{len(plotted)} words drawn to {output}", err=True)


COMMON_FIT_DOCS = 10_000  # similar-docs --common: documents the shared direction is fitted on


COMMON_MIN_DOCS = 50


@main.command("similar-docs", context_settings=CONTEXT)
@click.argument("input", metavar="INPUT")
@_corpus_options
@click.option("-q", "--query", required=True, help="The text to find similar documents to.")
@_vectors_options
@click.option("-n", "--top", default=5, show_default=True, type=click.IntRange(1),
              help="How many similar documents to list.")
@click.option("--weighting", default="sif", show_default=True,
              type=click.Choice(["mean", "tfidf", "sif"]),
              help="How word vectors are averaged into a document vector.")
@click.option("--common", default=1, show_default=True, type=click.IntRange(0), metavar="N",
              help="Remove the N directions all documents share (SIF's last step), "
                   f"estimated on the first {COMMON_FIT_DOCS:,} documents; 0 = off. "
                   f"Needs {COMMON_MIN_DOCS} documents or more.")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1),
              help="Documents tokenized and scored per batch (memory stays flat).")
def similar_docs(input, text_column, encoding, input_format, limit, query, model,
                 vectors_format, top, weighting, common, batch_size) -> None:
    """The documents of INPUT nearest to --query (cosine of document vectors).

    Document vectors are weighted averages of word vectors (docvec.v1), less the direction
    that all documents share (--common); INPUT is streamed, only the best N are kept.
    Prints score, row number (from 1; FILE:ROW for a folder or glob) and text.

    \b
    Examples:
      kotext similar-docs reviews.csv --text-column document --query "배우 연기가 좋다" \\
          --model models/vec -n 5
      kotext similar-docs news.jsonl --text-field body -q "반도체 수출" -m models/vec
    """
    import heapq
    from itertools import chain, islice, tee

    import numpy as np

    from ..loading import docvec_pipeline
    from ..stages.docvec import common_components, remove_components

    if not query.strip():
        raise UsageError("--query is empty: give the text to search for, e.g. -q \"배우 연기\"")
    from ..embeddings import Vectors

    vec = Vectors.load(model, vectors_format)
    if weighting == "sif" and vec.counts is None and click.get_current_context() \
            .get_parameter_source("weighting") == click.core.ParameterSource.DEFAULT:
        click.echo(f"note: {model} holds no word counts (a word2vec file), which sif "
                   f"weighting needs: plain mean of the word vectors", err=True)
        weighting = "mean"
    nlp = docvec_pipeline(model, batch_size=batch_size, weighting=weighting,
                          format=vectors_format, loaded=vec)
    qdoc = nlp(query)
    q = qdoc.vector
    if not np.any(q):
        words = " ".join(t.form for t in qdoc.tokens or ()) or query
        raise UsageError(f"no word of the query ({words}) has a vector in {model}, so every "
                         f"document would score 0. Use other words, or fastText vectors "
                         f"(kotext embed train --method fasttext), which build one for any word")
    heap: list[tuple[float, int, str]] = []
    # the texts as given go to the output (the pipeline's are cleaned: ㅋㅋ, [URL]); tee
    # holds only what the pipeline has read ahead
    texts, given = tee(_texts(input, text_column, encoding, input_format, limit, where=True))
    docs = ((i, d, g) for i, (d, g) in enumerate(zip(nlp.pipe((t for _, t in texts),
                                                              on_error="record"), given))
            if d.error is None and d.vector is not None)
    comps = np.zeros((0, len(q)), dtype=np.float32)
    if common:
        head = list(islice(docs, COMMON_FIT_DOCS))  # held, then streamed on with the rest
        if len(head) >= COMMON_MIN_DOCS:
            comps = common_components(np.stack([d.vector for _, d, _ in head]), common)
        else:
            click.echo(f"note: {len(head)} documents, too few to estimate what they share "
                       f"(--common needs {COMMON_MIN_DOCS}); plain cosine", err=True)
        docs = chain(head, docs)
    q = remove_components(q, comps)
    for i, doc, text in docs:
        item = (float(np.dot(q, remove_components(doc.vector, comps))), -i, text)
        if len(heap) < top:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    for score, _, (where, text) in sorted(heap, reverse=True):  # one line each
        click.echo(f"{score:.4f}\t{where}\t{' '.join(text.split())}")
