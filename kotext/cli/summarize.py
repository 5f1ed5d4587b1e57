"""Summaries and keywords (the shipped summarize/keywords pipelines), evaluate-summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import KotextError, UsageError
from ..stages.clean import Clean
from .base import (CONTEXT, _RUN, _report, _whole_file_used, device_option, encoding_option,
                   io_options, main, run_job)


def _shipped(name: str, options: dict[str, Any], *, factory: str | None = None,
             do_clean: bool = True):
    """The shipped pipeline ``name`` (pipelines/NAME.toml) with the command's options over its
    last stage's (``factory``: that stage replaced by another, with these options only);
    ``do_clean=False`` leaves its clean stage out."""
    from ..config import find_pipeline, read_toml
    from ..pipeline import Pipeline

    cfg = read_toml(find_pipeline(name))
    names = cfg["pipeline"]["stages"]
    last = cfg["stages"][names[-1]]
    cfg["stages"][names[-1]] = {"factory": factory, **options} if factory else \
        {**last, **options}
    if not do_clean:
        names.remove("clean")
        del cfg["stages"]["clean"]
    return Pipeline.from_config(cfg)


def _print_docs(nlp, io: dict[str, Any], show) -> None:
    """Text output for summarize/keywords, on stdout or in -o FILE.txt: a block of lines per
    document. A file is written whole or not at all (to FILE.part, renamed at the end)."""
    import os

    from ..batch import check_not_an_input, doc_of
    from ..io.readers import read
    from ..io.writers import _stdout_in, is_device

    if io.get("resume"):
        raise UsageError("--resume works with csv, tsv and jsonl output (-o FILE.csv); text "
                         "output is a block of lines per document")
    src = read(io["input"], text_column=io["text_column"], encoding=io["encoding"],
               input_format=io["input_format"], whole_file=io["whole_file"],
               quoting=io["quoting"], split=io["split"])
    _whole_file_used(src, io["whole_file"])
    out = io.get("output")
    path = Path(out) if out not in (None, "-") else None
    if path is not None and path.is_dir():
        raise UsageError(f"-o {path} is a folder: give a file name, e.g. -o {path / 'out.txt'}")
    # any input file, also one of a folder or a glob (that article was replaced)
    check_not_an_input(out, src.files)
    enc = io.get("output_encoding") or "utf-8"
    part = path if path is None or is_device(path) else path.with_name(path.name + ".part")
    if part is not None:
        part.parent.mkdir(parents=True, exist_ok=True)
        f = open(part, "w", encoding=enc, newline="")
    else:
        f = _stdout_in(enc)  # --output-encoding also on stdout, as the other commands

    def echo(line: str) -> None:
        try:
            f.write(line + "\n")
        except UnicodeEncodeError as e:
            bad = e.object[e.start:e.end]
            raise UsageError(f"{bad!r} (U+{ord(bad[0]):04X}) cannot be written in {enc}. "
                             f"Use --output-encoding utf-8 (the default) or utf-8-sig") \
                from None

    try:
        failed = _print_blocks(nlp, io, show, echo, src, doc_of)
    except BaseException:
        if part is not None:
            f.close()
            if part != path:
                part.unlink(missing_ok=True)
        raise
    if part is not None:
        f.close()
        if part != path:
            os.replace(part, path)
    else:
        f.flush()
    if failed:  # after the file is in place (exiting inside deleted it, good rows and all)
        sys.exit(1)


def _print_blocks(nlp, io: dict[str, Any], show, echo, src, doc_of) -> bool:
    """Each document's lines through ``echo``; whether the run should exit 1."""
    def docs():
        for row in src:
            yield doc_of(row, src.text_key)

    n = failed = 0
    errors: list[str] = []
    for doc in nlp.pipe(docs(), batch_size=io["batch_size"], n_process=io["n_process"],
                        on_error="raise" if io["on_error"] == "abort" else "record"):
        n += 1
        if n > 1:
            echo("")
        if doc.error is not None:
            if io["on_error"] == "abort":  # a row the reader could not read (the stages'
                # own failures raise in the pipe): it went on and exited 0
                raise KotextError(f"document {n}: {doc.error}. Stopped there (--on-error "
                                  f"abort)")
            failed += 1
            echo(f"ERROR  {doc.error}")
            if len(errors) < 5:
                errors.append(f"document {n}: {doc.error}")
            continue
        for line in show(doc):
            echo(line)
    if failed:
        _RUN["exit"] = int(io["on_error"] == "fail")
        click.echo(f"{n} documents, {failed} failed", err=True)
        for e in errors:
            click.echo(f"  {e}", err=True)
    return bool(_RUN["exit"])


def _text_out(io: dict[str, Any]) -> bool:
    """Text output: --format text, or stdout, or -o FILE.txt (the same lines in a file;
    -o k.txt wrote a JSON list, and --format text -o FILE wrote no file), or -o a device
    or named pipe, written as stdout is (/dev/stdout got labels alone)."""
    from ..io.writers import device_format, is_device

    out = io.get("output")
    return io.get("out_format") == "text" or (io.get("out_format") is None and (
        out in (None, "-") or Path(out).suffix.lower() in (".txt", ".text")
        or (is_device(Path(out)) and device_format(Path(out)) == "text")))


def _one_doc_per_file(io: dict[str, Any], per_line: bool) -> None:
    if not per_line:
        io["whole_file"] = True
    elif io.get("whole_file"):
        raise UsageError("--per-line and --whole-file contradict each other; give one")


@main.command(context_settings=CONTEXT)
@io_options
@click.option("-n", "--sentences", "n", default=None, type=click.IntRange(1), metavar="N",
              help="Sentences in the summary  [default: 3]")
@click.option("--ratio", default=None, type=click.FloatRange(0, 1, min_open=True),
              metavar="R", help="Share of the sentences instead of -n (e.g. 0.2).")
@click.option("--method", default="textrank", show_default=True,
              type=click.Choice(["textrank", "abstractive"]),
              help="textrank: pick central sentences (no model, no download); abstractive: "
                   "generate with a seq2seq model (--model).")
@click.option("--per-line", is_flag=True,
              help=".txt input: each line is a document (default: each file is one).")
@click.option("--clean/--no-clean", "do_clean", default=True, show_default=True,
              help="Run the default cleaning stage first.")
@click.option("--similarity", default="bm25", show_default=True,
              type=click.Choice(["bm25", "tfidf"]),
              help="textrank: sentence similarity over content morphemes.")
@click.option("--position-weight", default=0.3, show_default=True,
              type=click.FloatRange(0, 1), help="textrank: weight of the lead prior "
              "(0 = centrality only, 1 = the first sentences).")
@click.option("--position-decay", default=4.0, show_default=True,
              type=click.FloatRange(0, min_open=True),
              help="textrank: lead prior 1/(1 + i/decay); larger = flatter.")
@click.option("--mmr", default=0.8, show_default=True, type=click.FloatRange(0, 1),
              help="textrank: 1 = top scores only; lower = less repetition.")
@click.option("--units", default="auto", show_default=True,
              type=click.Choice(["auto", "sentences", "lines"]),
              help="textrank: auto = lines when the text has one sentence per line, else "
                   "Kiwi's sentences.")
@click.option("-m", "--model", default="gogamza/kobart-summarization", show_default=True,
              metavar="MODEL", help="abstractive: a local model folder (safetensors) or a "
              "Hugging Face Hub name (needs the network).")
@click.option("--num-beams", default=4, show_default=True, type=click.IntRange(1),
              help="abstractive: beam width.")
@click.option("--max-length", default=128, show_default=True, type=click.IntRange(1),
              help="abstractive: most tokens generated.")
@click.option("--min-length", default=0, show_default=True, type=click.IntRange(0),
              help="abstractive: fewest tokens generated.")
@click.option("--no-repeat-ngram-size", default=3, show_default=True, type=click.IntRange(0),
              help="abstractive: never repeat an n-gram of this size (0 = off).")
@click.option("--max-input-tokens", default=None, type=click.IntRange(8), metavar="N",
              help="abstractive: chunk size (default: the model's input limit); longer "
                   "texts are summarized chunk by chunk, then again.")
@device_option("abstractive: cpu, cuda, cuda:1, mps (default: a GPU when there is one).",
               metavar=None)
def summarize(n, ratio, method, per_line, do_clean, similarity, position_weight,
              position_decay, mmr, units, model, num_beams, max_length, min_length,
              no_repeat_ngram_size, max_input_tokens, device, **io: Any) -> None:
    """Summarize each document: its most central sentences, or a generated summary.

    textrank (default) picks the N most central sentences of a sentence graph (BM25 over
    Kiwi content morphemes, PageRank, a lead prior and MMR against repetition) and prints
    them in their original order with their index and score. A .txt file is one document
    (--per-line: one per line); CSV/TSV/JSONL/parquet rows are documents, and -o appends
    the columns summary, summary_indices and summary_scores.

    \b
    Examples:
      kotext summarize article.txt -n 3
      kotext summarize article.txt --ratio 0.2 --format jsonl
      kotext summarize articles.csv --text-column body -o out.csv
      kotext summarize article.txt --method abstractive --model ./kobart-summarization
    """
    _one_doc_per_file(io, per_line)
    ctx = click.get_current_context()
    given = {k for k in ctx.params
             if ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE}
    other = sorted(given & ({"model", "num_beams", "max_length", "min_length",
                             "no_repeat_ngram_size", "max_input_tokens", "device"}
                            if method == "textrank" else
                            {"similarity", "position_weight", "position_decay", "mmr", "units"}))
    if other:  # they were ignored: --model without --method abstractive gave TextRank
        names = ", ".join("--" + k.replace("_", "-") for k in other)
        fix = ("add --method abstractive" if method == "textrank" else
               f"leave {'it' if len(other) == 1 else 'them'} out (textrank's sentence choice)")
        raise UsageError(f"{names}: {'applies' if len(other) == 1 else 'apply'} to --method "
                         f"{'abstractive' if method == 'textrank' else 'textrank'}, and this "
                         f"is {method}: {fix}")
    if n is not None and ratio is not None:  # --ratio won, silently
        raise UsageError("-n and --ratio both choose how many sentences; give one")
    if method == "textrank":
        opts = {"similarity": similarity, "position_weight": position_weight,
                "position_decay": position_decay, "mmr": mmr, "units": units}
        opts.update({k: v for k, v in (("n", n), ("ratio", ratio)) if v is not None})
        nlp = _shipped("summarize", opts, do_clean=do_clean)
    else:
        if n is not None or ratio is not None:
            raise UsageError("-n/--ratio choose sentences (textrank); for abstractive "
                             "summaries set the length with --max-length/--min-length")
        if Path(model).exists():  # a folder here, not one beside the pipeline file
            model = str(Path(model).resolve())
        nlp = _shipped("summarize", {
            "model": model, "num_beams": num_beams, "max_length": max_length,
            "min_length": min_length, "no_repeat_ngram_size": no_repeat_ngram_size,
            "max_input_tokens": max_input_tokens, "device": device},
            factory="abstractive.v1", do_clean=do_clean)
        _ = nlp.stages[-1].runner  # load the model now: one clear error, not one per row
    if not _text_out(io):
        run_job(nlp, desc="summarize", fields=["summary"], **io)
        return

    def show(doc):
        if method == "abstractive":
            return [doc.summary[0] if doc.summary else ""]
        if not doc.summary_indices:
            return ["(no sentences)"]
        scores = doc.summary_scores or []
        return [f"[{i}] {sc:.3f}  {s}" for i, sc, s in
                zip(doc.summary_indices, scores, doc.summary)]

    _print_docs(nlp, io, show)


@main.command(context_settings=CONTEXT)
@io_options
@click.option("-n", "--top", "n", default=10, show_default=True, type=click.IntRange(1),
              help="Keywords per document.")
@click.option("--pos", default=None, metavar="TAGS",
              help="Candidate tags: prefixes (NNG,NNP,SL) or a preset (nouns, content)  "
                   "[default: nouns]")
@click.option("--compounds/--no-compounds", default=True, show_default=True,
              help="Join adjacent nouns into compound nouns (인공 + 지능 -> 인공지능).")
@click.option("--window", default=3, show_default=True, type=click.IntRange(2),
              help="Co-occurrence window, in candidate words.")
@click.option("--min-count", default=1, show_default=True, type=click.IntRange(1),
              help="Drop candidates seen fewer times.")
@click.option("--min-length", default=1, show_default=True, type=click.IntRange(1),
              help="Drop candidates shorter than this (characters).")
@click.option("--stopwords/--no-stopwords", default=True, show_default=True,
              help="Drop Kiwi's default Korean stopwords.")
@click.option("--per-line", is_flag=True,
              help=".txt input: each line is a document (default: each file is one).")
@click.option("--clean/--no-clean", "do_clean", default=True, show_default=True,
              help="Run the default cleaning stage first.")
def keywords(n, pos, compounds, window, min_count, min_length, stopwords, per_line, do_clean,
             **io: Any) -> None:
    """Keywords of each document: nouns ranked by TextRank over their co-occurrence graph.

    Prints `score  keyword` lines (best first); with -o or --format csv|jsonl|... appends a
    keywords column ([[keyword, score], ...]) to every row.

    \b
    Examples:
      kotext keywords article.txt -n 10
      kotext keywords articles.csv --text-column body -o keywords.csv
      kotext keywords article.txt --pos NNG,NNP,SL --no-compounds --format jsonl
    """
    _one_doc_per_file(io, per_line)
    opts = {"n": n, "compounds": compounds, "window": window, "min_count": min_count,
            "min_length": min_length, "stopwords": stopwords}
    nlp = _shipped("keywords", {**opts, **({"pos": pos} if pos is not None else {})},
                   do_clean=do_clean)
    if not _text_out(io):
        run_job(nlp, desc="keywords", fields=["keywords"], **io)
        return
    _print_docs(nlp, io, lambda d: [f"{s:.3f}  {w}" for w, s in d.keywords]
                or ["(no keywords)"])


@main.command("evaluate-summary", context_settings=CONTEXT)
@click.argument("data", metavar="DATA")
@click.option("--text-field", "--text-column", "text_field", default=None, metavar="NAME",
              help="The article: a text, or a list of sentences (their indices are the gold "
                   "indices)  [default: sentences or text]")
@click.option("--gold-field", default=None, metavar="NAME",
              help="The reference: a text, a list of sentences, or a list of sentence "
                   "indices  [default: summaries or summary]")
@click.option("--pred-field", default=None, metavar="NAME",
              help="Score this field (text or sentence indices) instead of running kotext.")
@click.option("-n", "--sentences", "n", default=None, type=click.IntRange(1),
              help="Sentences kotext picks  [default: as many as the gold indices, else 3]")
@click.option("--ratio", default=None, type=click.FloatRange(0, 1, min_open=True),
              help="Share of the sentences instead of -n.")
@click.option("--pipeline", "pipeline_file", default=None, metavar="PIPELINE",
              help="Summarize with this pipeline file instead of the default textrank one.")
@encoding_option("Input encoding (CSV/JSONL).")
@click.option("--json", "json_out", default=None, metavar="FILE",
              help="Write the metrics as JSON here ('-' for stdout instead of the table).")
def evaluate_summary(data, text_field, gold_field, pred_field, n, ratio, pipeline_file,
                     encoding, json_out) -> None:
    """ROUGE-1/2/L over Kiwi morphemes, and sentence P/R/F1 when the gold is sentence indices.

    DATA: a .jsonl/.csv/.tsv/.parquet file, a .json file, or a folder of .json files (one
    article each). Without --pred-field, kotext summarizes each article first (picking as
    many sentences as the gold indices). Scores are means over the documents, x100 in the
    table (fractions, 0-1, in --json).

    \b
    Examples:
      kotext evaluate-summary sci-news-sum-kr/ --text-field sentences --gold-field summaries
      kotext evaluate-summary preds.jsonl --pred-field summary --gold-field reference
      kotext evaluate-summary news.jsonl --text-field body --gold-field summary -n 3 --json m.json
    """
    from ..evaluate.rouge import format_summary_report, rouge, sentence_prf
    from ..evaluate.summary_data import is_index_list as _is_index_list
    from ..evaluate.summary_data import read_summary_rows
    from ..loading import load

    rows, text_field, gold_field = read_summary_rows(data, text_field, gold_field,
                                                     pred_field, encoding)
    summarizer = None
    cleaner = Clean()  # list articles are cleaned item by item (the pipeline's own, if any)
    if pred_field is None and pipeline_file:
        nlp = load(pipeline_file)
        summarizer = next((st for st in nlp.stages if "summary" in st.assigns), None)
        if summarizer is None:
            raise UsageError(f"--pipeline {pipeline_file}: no stage makes a summary; use a "
                             f"pipeline ending in textrank.v1 or abstractive.v1")
        units = getattr(summarizer, "units", None)
        cleaner = next((st for st in nlp.stages if st.factory == "clean.v1"), cleaner)
    shipped: dict[bool, Any] = {}  # with cleaning, without
    cands: list[Any] = []
    refs: list[Any] = []
    pred_idx: list[list[int]] = []
    gold_idx: list[list[int]] = []
    for i, r in enumerate(rows, 1):
        sents = r["sentences"]
        if pred_field is not None:
            pred = r["pred"]
        else:
            k = n or (len(r["gold_indices"]) if r["gold_indices"] is not None else 3)
            keep = None
            if sents is None:
                text = r["text"]
            else:
                # one line per list item, and an item that cleans to nothing skipped, so
                # that the summary's line numbers map back to the items
                lines = [cleaner.clean_text(" ".join(str(x).split())) for x in sents]
                keep = [j for j, line in enumerate(lines) if line.strip()]
                text = "\n".join(lines[j] for j in keep)
            if summarizer is not None:
                if hasattr(summarizer, "n"):  # textrank.v1: -n or the gold's count
                    summarizer.n, summarizer.ratio = k, ratio
                    summarizer.units = "lines" if keep is not None else units
                doc = nlp(text)
            else:  # the shipped summarize pipeline, without cleaning for a list of lines
                if (keep is None) not in shipped:
                    shipped[keep is None] = _shipped("summarize", {}, do_clean=keep is None)
                default = shipped[keep is None]
                default.stages[-1].n, default.stages[-1].ratio = k, ratio
                default.stages[-1].units = "lines" if keep is not None else "auto"
                doc = default(text)
            if keep is not None and doc.summary_indices is not None:
                pred = [keep[j] for j in doc.summary_indices]
            else:
                pred = doc.summary
            if doc.error is not None:
                raise UsageError(f"{data}: row {i}: {doc.error}")
        if r["gold_indices"] is not None:
            refs.append([sents[j] for j in r["gold_indices"]])
        else:
            refs.append(r["gold"])
        if _is_index_list(pred):
            if sents is None:
                raise UsageError(f"{data}: row {i}: the prediction ({pred_field}) is sentence "
                                 f"indices, so the article ({text_field}) must be a list of "
                                 f"sentences")
            bad = [j for j in pred if not 0 <= j < len(sents)]
            if bad:
                raise UsageError(f"{data}: row {i}: predicted index {bad[0]} is outside the "
                                 f"article's {len(sents)} sentences")
            cands.append([sents[j] for j in pred])
            if r["gold_indices"] is not None:
                pred_idx.append(pred)
                gold_idx.append(r["gold_indices"])
        else:
            cands.append(pred)
    rep: dict[str, Any] = dict(rouge(cands, refs))
    if gold_idx and len(gold_idx) == len(cands):
        rep["sentences"] = sentence_prf(pred_idx, gold_idx)
    rep["n"] = len(cands)
    rep["data"] = str(data)
    _report(rep, json_out, format_summary_report)
