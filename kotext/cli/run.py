"""Commands that stream rows through stages: clean, tokenize, run (a pipeline file), validate."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError
from ..stages.clean import Clean
from ..stages.tokenize import KiwiTokenizer
from .base import CONTEXT, code_option, io_options, main, run_job, stage_options
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
@code_option
def run(pipeline_file: str, overrides: tuple[str, ...], token_format: str,
        with_sentences: bool, per_line: bool, **io: Any) -> None:
    """Run a pipeline file (TOML) over INPUT.

    PIPELINE is a path to a .toml file or the name of a shipped one (clean, tokenize, ...).

    \b
    Examples:
      kotext run pipelines/tokenize.toml reviews.csv --text-column document -o out.csv
      kotext run tokenize reviews.tsv --set stages.tokenize.pos=nouns --set stages.clean.emoji=remove
      kotext run my_pipeline.toml reviews.csv --code my_stages.py   # stages of your own
    """
    from ..loading import load

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
