"""Commands that stream rows through stages: clean, tokenize, run (a pipeline file), validate."""

from __future__ import annotations

from typing import Any

import sys

import click

from ..errors import UsageError, require
from ..stages.clean import Clean
from ..stages.tokenize import KiwiTokenizer
from .base import CONTEXT, _RUN, code_option, io_options, main, run_job, stage_options
from .summarize import _one_doc_per_file
from .classify import _load_models, _table_for


@main.command(context_settings=CONTEXT)
@io_options
@stage_options(Clean)
def clean(stage_kw: dict, **io: Any) -> None:
    """Clean Korean text: Unicode NFC, HTML, personal data, emoji, repeats, spaces.

    Appends a clean_text column (or prints the cleaned lines).

    \b
    Examples:
      kotext clean comments.txt
      kotext clean reviews.csv --text-column document -o clean.csv --emoji remove
      kotext clean export.csv --text-column 내용 --encoding cp949 --urls remove --spacing
    """
    from ..pipeline import Pipeline
    from ..registry import create

    nlp = Pipeline([create("clean.v1", name="clean", **stage_kw)])
    run_job(nlp, desc="clean", **io)


@main.command(context_settings=CONTEXT)
@io_options
@click.option("--clean/--no-clean", "do_clean", default=True, show_default=True,
              help="Run the default cleaning stage first.")
@click.option("--token-format", default="text", type=click.Choice(["text", "json"]),
              show_default=True,
              help="text: form/TAG joined by spaces (a space inside a name becomes _: "
                   "휴_그랜트/NNP); json: [form, tag, start, end] lists "
                   "(with --lemmas, a predicate's lemma fifth).")
@click.option("--sentences", "with_sentences", is_flag=True,
              help="Add a sentences column (a JSON list of the sentences).")
@stage_options(KiwiTokenizer, exclude=("sentences",))
def tokenize(stage_kw: dict, do_clean: bool, token_format: str, with_sentences: bool,
             **io: Any) -> None:
    """Kiwi morphemes with POS tags (form/TAG), offsets and sentences.

    \b
    Examples:
      kotext tokenize reviews.txt
      kotext tokenize reviews.csv --text-column document -o tokens.csv --pos nouns
      kotext tokenize news.jsonl --text-field body --lemmas --stopwords --format jsonl
      kotext tokenize memo.txt --user-words 넷플릭스/NNP --token-format json
    """
    from ..pipeline import Pipeline
    from ..registry import create

    stages = [create("clean.v1", name="clean")] if do_clean else []
    stages.append(create("kiwi.v1", name="tokenize", sentences=with_sentences, **stage_kw))
    run_job(Pipeline(stages), desc="tokenize", sentences=with_sentences,
            token_format=token_format, **io)


@main.command(context_settings=CONTEXT)
@click.argument("pipeline_file", metavar="PIPELINE")
@io_options
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override an option, e.g. --set stages.tokenize.pos=NNG,NNP (repeatable).")
@click.option("--token-format", default="text", type=click.Choice(["text", "json"]),
              show_default=True, help="How tokens are written.")
@click.option("--sentences", "with_sentences", is_flag=True, help="Add a sentences column.")
@click.option("--per-line", is_flag=True,
              help=".txt input of a pipeline that summarizes or finds keywords: one document "
                   "per line (default for those: one per file, as `kotext summarize`).")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="ray: run on Ray Data (a local Ray, or the cluster --address names), -o "
                   "a folder of parquet parts, --n-process the actors (default: one per CPU).")
@click.option("--address", default=None, metavar="ADDR",
              help="--engine ray: the Ray cluster to join (default: $RAY_ADDRESS, else local).")
@code_option
def run(pipeline_file: str, overrides: tuple[str, ...], token_format: str,
        with_sentences: bool, per_line: bool, engine: str, address: str | None,
        **io: Any) -> None:
    """Run a pipeline file (TOML) over INPUT.

    PIPELINE is a path to a .toml file or the name of a shipped one (clean, tokenize, ...).

    \b
    Examples:
      kotext run pipelines/tokenize.toml reviews.csv --text-column document -o out.csv
      kotext run tokenize reviews.tsv --set stages.tokenize.pos=nouns --set stages.clean.emoji=remove
      kotext run my_pipeline.toml reviews.csv --code my_stages.py   # stages of your own
      kotext run sentiment reviews/ --text-column document --engine ray -o labeled/
    """
    from ..loading import load

    if engine == "ray":
        _RUN["exit"] = _run_on_ray(pipeline_file, list(overrides), address, token_format,
                                   with_sentences, io)
        if _RUN["exit"]:
            sys.exit(1)
        return
    if address is not None:
        raise UsageError("--address names a Ray cluster: add --engine ray")

    nlp = load(pipeline_file, overrides=list(overrides))
    if {"summary", "keywords"} & nlp.assigns:  # an article per file, as summarize/keywords
        _one_doc_per_file(io, per_line)
    elif per_line:
        raise UsageError("--per-line applies to pipelines that summarize or find keywords; "
                         "a .txt file is already read one document per line")
    _load_models(nlp)
    # a pipeline that ends in a classifier prints the classify table as text output
    table = _table_for(io, nlp) if {"label", "scores"} <= nlp.assigns and not \
        {"summary", "keywords", "vector"} & nlp.assigns else None
    run_job(nlp, desc=str(pipeline_file), sentences=with_sentences, token_format=token_format,
            line_format=table, **io)


def _run_on_ray(pipeline_file: str, overrides: list[str], address: str | None,
                token_format: str, sentences: bool, io: dict[str, Any]) -> int:
    """``kotext run --engine ray``: kotext.engines.ray.run_files, its summary on stderr;
    returns the exit status (1 when rows failed, unless --on-error keep)."""
    require("ray", "ray", "--engine ray", package="ray[data]")
    ctx = click.get_current_context()
    given = [f"--{k.replace('_', '-')}" for k in ("encoding", "whole_file", "quoting", "split",
                                                 "output_encoding", "resume", "out_format")
             if ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE]
    if given:
        raise UsageError(f"{', '.join(given)}: not with --engine ray, which reads UTF-8 files "
                         f"as Ray Data does and writes parquet parts; leave it out")
    if io["output"] in (None, "-") or io["on_error"] == "abort":
        raise UsageError("--engine ray writes parquet parts into a folder: give -o FOLDER/ "
                         "(and --on-error fail or keep)")
    from ..engines.ray import BATCH_ROWS, run_files

    actors = io["n_process"] if ctx.get_parameter_source("n_process") == \
        click.core.ParameterSource.COMMANDLINE else None
    try:
        stats = run_files(pipeline_file, io["input"], io["output"], overrides=overrides,
                          text_column=io["text_column"], address=address, concurrency=actors,
                          batch_size=io["batch_size"] or BATCH_ROWS, sentences=sentences,
                          token_format=token_format, input_format=io["input_format"])
    except ValueError as e:  # the library names its parameters; the group shows their flags
        raise UsageError(str(e)) from None
    code = int(bool(stats.failed and io["on_error"] == "fail"))
    click.echo(f"{stats.rows} rows, {stats.failed} failed, {stats.seconds:.1f} s "
               f"({stats.rows / max(stats.seconds, 1e-9):,.0f} docs/s; Ray's start "
               f"{stats.start_seconds:.1f} s of it) -> {io['output']} ({len(stats.parts)} "
               f"parquet parts, in row order by name)", err=True)
    for e in stats.errors:
        click.echo(f"  {e}", err=True)
    if code:
        click.echo("  (each failing row keeps its place, with the reason in its error column; "
                   "--on-error keep accepts them and exits 0)", err=True)
    return code


@main.command(context_settings=CONTEXT)
@click.argument("pipeline_file", metavar="PIPELINE")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Check with this override applied (repeatable).")
@code_option
def validate(pipeline_file: str, overrides: tuple[str, ...]) -> None:
    """Check a pipeline file without running it: factories, options, stage order.

    \b
    Example:
      kotext validate pipelines/tokenize.toml
    """
    from ..loading import load

    nlp = load(pipeline_file, overrides=list(overrides))
    click.echo(f"{nlp.source or pipeline_file}: ok")
    for st in nlp.stages:
        click.echo(f"  {st.name:<12} {st.factory:<16} requires {', '.join(sorted(st.requires))}"
                   f"; assigns {', '.join(sorted(st.assigns))}")
