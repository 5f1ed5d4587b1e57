"""The ``kotext`` command: thin wrappers that parse arguments and call the library.

Results go to stdout (or ``-o``); progress and summaries go to stderr. Exit codes:
0 all rows fine, 1 some rows failed, 2 bad usage, input or an unwritable output.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from functools import partial, wraps
from pathlib import Path
from typing import Any

import click

from .classifiers import methods_of
from .errors import KotextError, KotextWarning, UsageError, require
from .stages.clean import Clean  # light modules: Kiwi itself is built on first use
from .stages.tokenize import KiwiTokenizer

RNN_METHODS = methods_of("kotext.classifiers.rnn")  # gru, lstm

_python_showwarning = warnings.showwarning
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, KotextWarning):  # a note for the user, not a code location
        click.echo(f"kotext: note: {message}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


class KotextGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _show_warning
        _RUN.update(part=None, resumable=False, exit=0)
        args = sys.argv[1:]
        to_file = any(a in ("-o", "--output", "--json") and i + 1 < len(args)
                      and args[i + 1] != "-" for i, a in enumerate(args)) or \
            any(a.startswith(("--output=", "--json=")) and not a.endswith("=-") for a in args)
        if sys.stdout is None and args and not to_file and \
                not any(a in ("-h", "--help") for a in args):
            # `kotext ... >&-`: the results would vanish, with exit 0
            click.echo("kotext: error: standard output is closed, and the results go there: "
                       "open it (e.g. > results.txt), or pass -o FILE where the command has "
                       "it", err=True)
            sys.exit(2)
        from . import kiwi

        kiwi.HARD_INTERRUPT_WHILE_LOADING = True  # Ctrl-C also while Kiwi loads
        try:
            return super().invoke(ctx)
        except KotextError as e:
            click.echo(f"kotext: error: {e}", err=True)
            sys.exit(e.exit_code)
        except click.UsageError as e:
            if "unexpected extra argument" in e.message:  # the shell expanded data/*.csv
                e.message += (". Several input files? Quote the pattern ('data/*.csv') for "
                              "kotext to expand, or give their folder")
            raise
        except BrokenPipeError:  # `kotext ... | head`
            sys.stderr.close()
            sys.exit(_RUN["exit"])  # 1 where rows had failed (a closed stderr made it 0)
        except OSError as e:  # a full disk, a closed stdout: not "some rows failed" (1)
            where = f" ({e.filename})" if e.filename else ""
            click.echo(f"kotext: error: cannot write the output{where}: {e.strerror or e}. "
                       f"Free some space or write elsewhere (-o), then run again"
                       + (" with --resume" if _RUN["resumable"] else ""), err=True)
            sys.exit(2)
        except KeyboardInterrupt:  # Ctrl-C: the shell's 130, not 1 ("some rows failed")
            part = _RUN["part"]
            click.echo("\nkotext: interrupted" + (
                f" ({part} keeps the rows done: the same command with --resume goes on from "
                f"there)" if part and part.suffix == ".part" and _RUN["resumable"] else
                " (parquet output starts over)" if part else ""), err=True)
            sys.exit(130)
        finally:
            kiwi.HARD_INTERRUPT_WHILE_LOADING = False


# the running job's -o part file, and the exit code it ends with once that is known (so
# that a pipe closing while the summary is printed does not turn "rows failed" into 0)
_RUN: dict[str, Any] = {"part": None, "resumable": False, "exit": 0}


@click.group(cls=KotextGroup, context_settings=CONTEXT)
@click.version_option(package_name="kotext")
def main() -> None:
    """kotext: Korean text analysis from the command line.

    \b
    Examples:
      kotext classify reviews.csv --text-column document -o labeled.csv
      kotext summarize article.txt -n 3
      kotext tokenize reviews.csv --text-column document -o tokens.csv
      kotext clean comments.txt
      kotext run pipelines/tokenize.toml reviews.tsv --set stages.tokenize.pos=nouns
      kotext validate pipelines/tokenize.toml

    Run `kotext COMMAND --help` for each command's options and an example.
    """


# -- shared input/output options ----------------------------------------------------------
def _on_error_name(ctx, param, value: str) -> str:
    return "keep" if value == "skip" else value  # skip kept the rows too: renamed keep


def _cli_n_process(ctx, param, value: int) -> int:
    from .pipeline import _n_process

    try:
        return _n_process(value)
    except ValueError:
        raise click.BadParameter("give 1 or more, or -1 for one process per CPU core") \
            from None


def io_options(f):
    opts = [
        click.argument("input", metavar="INPUT"),
        click.option("-o", "--output", default=None, metavar="FILE",
                     help="Write here (.csv .tsv .jsonl .parquet .txt); default: stdout."),
        click.option("--format", "out_format", default=None,
                     type=click.Choice(["csv", "tsv", "jsonl", "parquet", "text"]),
                     help="Output format; default: from -o's suffix, or text on stdout."),
        click.option("--text-column", "--text-field", "text_column", default=None,
                     metavar="NAME",
                     help="Column (CSV/TSV/parquet) or field (JSONL) with the text; guessed "
                          "when one is named text/document/review/content/body."),
        click.option("--encoding", default=None, metavar="ENC",
                     help="Input encoding; default: detected (UTF-8, UTF-8 BOM, CP949/EUC-KR)."),
        click.option("--input-format", default=None,
                     type=click.Choice(["txt", "csv", "tsv", "jsonl", "parquet"]),
                     help="Input format when the suffix does not tell (stdin: txt)."),
        click.option("--whole-file", is_flag=True,
                     help=".txt input: each file is one document (default: one per line; "
                          "summarize and keywords: one per file, see --per-line)."),
        click.option("--quoting", default="auto", type=click.Choice(["auto", "minimal", "none"]),
                     help="CSV quoting: auto = minimal for .csv, none for .tsv (minimal where "
                          "its first lines are quoted as in CSV).", show_default=True),
        click.option("--split", default=None, help="Dataset split for hf:NAME or saved datasets."),
        click.option("--output-encoding", default="utf-8", show_default=True,
                     help="Use utf-8-sig for CSV files that Excel opens in Korean correctly."),
        click.option("--on-error", default="fail", show_default=True,
                     type=click.Choice(["fail", "keep", "abort", "skip"]),
                     callback=_on_error_name,
                     help="A failing row keeps its place with an error column; fail = exit 1 at "
                          "the end, keep = exit 0 (still counted), abort = stop at once (skip: "
                          "keep's old name). Empty texts are no failure."),
        click.option("--resume", is_flag=True,
                     help="Continue an interrupted run into the same -o file (no row twice)."),
        click.option("--batch-size", default=None, type=click.IntRange(1), metavar="N",
                     help="Documents per batch (default: the pipeline's, 128)."),
        click.option("--n-process", default=1, type=int, metavar="N",
                     callback=_cli_n_process, show_default=True,
                     help="Worker processes (-1: one per CPU core)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _progress(desc: str):
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" docs", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True, mininterval=0.5)


def _model_folder(ctx, param, value):
    """``-o`` of a command that writes a model folder: checked before any training starts."""
    from .modelio import check_output_folder

    # what the command writes: a folder of another kind under -o is refused
    kind = {"classifier": "classifier", "summarizer": "summarizer", "pretrain": "encoder",
            "train": "vectors"}.get(ctx.info_name)  # `embed train` is named "train"
    try:
        return None if value is None else str(check_output_folder(value, kind))
    except UsageError as e:
        raise click.BadParameter(str(e).removeprefix("-o ")) from None


def _run_identity(source, pipeline, token_format: str = "text") -> dict[str, Any]:
    """What a --resume must find unchanged: each input file (resolved) with its size (None
    for stdin and datasets, which cannot be checked), the text column, the token format, the
    options that read the input and the stages' settings (not the batch size or thread
    counts, which change no output)."""
    from .io.writers import file_identity

    inputs = [file_identity(f) for f in source.files] if source.files else None
    stages = {name: {k: v for k, v in cfg.items() if k != "num_workers"}
              for name, cfg in pipeline.to_config()["stages"].items()}
    stages["(input)"] = {"text_column": source.text_key, "token_format": token_format}
    # how the input is cut into rows: resumed with another --quoting, the rows counted as
    # done were other rows (30,000 in, 33,000 out, duplicated and garbled). The format as
    # read (--input-format csv on a .csv changes nothing); the encoding is left out: one
    # that does not fit stops the run, and an auto-detected one equals the same given.
    from .io.readers import format_of

    formats = [source.input_format or format_of(f) for f in source.files] or \
        [source.input_format]
    stages["(reader)"] = {"formats": formats, "whole_file": source.whole_file,
                          "quoting": source.quoting, "split": source.split}
    return {"input": inputs, "settings": stages}


def _whole_file_used(source, whole_file: bool) -> None:
    """--whole-file given on the command line for tables only: refused (it was ignored)."""
    from .io.readers import format_of

    ctx = click.get_current_context(silent=True)
    if whole_file and ctx is not None and ctx.get_parameter_source("whole_file") == \
            click.core.ParameterSource.COMMANDLINE and source.files and \
            not any(format_of(p) == "txt" for p in source.files):
        raise UsageError(f"--whole-file applies to .txt files (a document per file); in a "
                         f"{format_of(source.files[0])} file each row is a document already: "
                         f"leave it out")


def _not_an_input(output: str | None, identity: dict[str, Any]) -> None:
    """Refuse ``-o`` naming one of the input files: the output would replace the data."""
    if output in (None, "-"):
        return
    out = Path(output).resolve()
    if any(path == str(out) for path, *_ in identity["input"] or ()):
        raise UsageError(f"-o {output} is the input file: kotext would replace your data "
                         f"with its output. Write to another file, e.g. -o "
                         f"{out.stem}_out{out.suffix}")


def run_job(pipeline, *, input: str, output: str | None, out_format: str | None,
            text_column: str | None, encoding: str | None, input_format: str | None,
            whole_file: bool, quoting: str, split: str | None, output_encoding: str,
            on_error: str, resume: bool, batch_size: int | None, n_process: int,
            sentences: bool = False, token_format: str = "text", desc: str = "kotext",
            line_format=None, fields: list[str] | None = None) -> None:
    """Shared by every command that streams a file through a pipeline."""
    import gc

    # Millions of small token tuples trigger the cyclic collector every few hundred
    # allocations; collecting less often makes runs ~10% faster (measured), and a
    # streaming run holds only a few batches, so memory stays flat.
    gc.set_threshold(100_000, 50, 50)
    from .io.readers import read
    from .io.writers import Writer
    from .runner import OUTPUT_TYPES, output_fields, output_names, run

    source = read(input, text_column=text_column, encoding=encoding, input_format=input_format,
                  whole_file=whole_file, quoting=quoting, split=split)
    _whole_file_used(source, whole_file)
    if fields is None:  # every field the pipeline assigns
        fields = output_fields(pipeline, sentences=sentences)
    names = output_names(fields, source.columns)
    columns = source.columns + list(names.values())
    text_key = names[OUTPUT_TEXT_KEY.get(fields[-1], "clean_text")] if fields else source.text_key
    if line_format is not None:
        line_format = line_format(names, source.text_key)
    identity = _run_identity(source, pipeline, token_format)
    _not_an_input(output, identity)
    if resume and input == "-":  # a part file from other data would be mixed in silently
        raise UsageError("--resume cannot tell whether stdin brings the same data as the "
                         "interrupted run: give the input as a file (kotext ... FILE -o OUT "
                         "--resume), or start over without --resume")
    if sentences and "sentences" not in pipeline.assigns:
        raise UsageError("--sentences: this pipeline makes no sentences (it needs a kiwi.v1 "
                         "stage with sentences = true)")
    writer = Writer(output, out_format, columns, encoding=output_encoding, resume=resume,
                    text_key=text_key, line_format=line_format, source=identity,
                    arrow_types=source.arrow_types,
                    column_types={c: OUTPUT_TYPES[k] for k, c in names.items()
                                  if k in OUTPUT_TYPES})
    if sentences and writer.fmt == "text":
        raise UsageError("--sentences adds a column, which text output has not: write "
                         ".csv, .tsv, .jsonl or .parquet (-o FILE or --format)")
    if writer.path is not None:
        _RUN.update(part=writer.part, resumable=writer.fmt != "parquet")
    writer.error_key = names["error"]
    resumed, failed_before = writer.rows_done, writer.failed_before
    if resume and not writer.resumed and writer.path is not None:
        click.echo(f"kotext: note: --resume: no interrupted run to go on from ({writer.part} "
                   f"with its checkpoint); running from the start", err=True)
    with _progress(desc) as bar:
        if resumed:
            bar.write(f"resuming after {resumed} rows already in {writer.part}",
                      file=sys.stderr)
        stats = run(pipeline, source, writer, fields=fields, names=names, on_error=on_error,
                    batch_size=batch_size, n_process=n_process, token_format=token_format,
                    progress=bar.update)
    where = f" -> {output}" if output else ""
    if stats.extra_rows and writer.fmt in ("csv", "tsv", "parquet"):
        names_ = ", ".join(sorted(stats.extra_fields)[:5])
        click.echo(f"kotext: note: {stats.extra_rows} row(s) hold fields first seen after the "
                   f"rows the columns were read from ({names_}); a {writer.fmt} table has no "
                   f"column for them: write .jsonl to keep them", err=True)
    failed = stats.failed + failed_before  # a resumed file's failed rows count too
    # (abort stops at a failure of its own; failed rows from the run it resumed count)
    _RUN["exit"] = int(bool(failed and (on_error == "fail"
                                        or (on_error == "abort" and failed_before))))
    if sys.stderr.isatty() or failed:
        rows = (f"{resumed + stats.rows} rows ({resumed} from the interrupted run, "
                f"{failed_before} of them failed; {stats.rows} now, {stats.failed} of them "
                f"failed)" if resumed else f"{stats.rows} rows, {stats.failed} failed")
        if stats.empty:
            rows += f", {stats.empty} empty (no error)"
        click.echo(f"{rows}, {stats.seconds:.1f} s ({stats.rate:,.0f} docs/s){where}",
                   err=True)
        for e in stats.errors:
            click.echo(f"  {e}", err=True)
        if stats.failed > len(stats.errors):
            click.echo(f"  ... see the error column for the other "
                       f"{stats.failed - len(stats.errors)}", err=True)
    if _RUN["exit"]:
        click.echo("  (each failing row keeps its place, with the reason in its error column; "
                   "--on-error keep accepts them and exits 0)", err=True)
        sys.exit(1)


OUTPUT_TEXT_KEY = {"text": "clean_text", "tokens": "tokens", "sentences": "tokens",
                   "label": "label", "scores": "label", "summary": "summary",
                   "keywords": "keywords", "vector": "vector"}


def stage_options(cls, exclude: tuple[str, ...] = ()):
    """Click options generated from a stage's constructor (its defaults shown in --help)."""
    sig = inspect.signature(cls.__init__)
    helps = cls.param_help

    def deco(f):
        params = []
        for name, p in sig.parameters.items():
            if name == "self" or name in exclude:
                continue
            flag = "--" + name.replace("_", "-")
            default = p.default
            h = helps.get(name, "")
            if isinstance(default, bool):
                opt = click.option(f"{flag}/--no-{flag[2:]}", name, default=default,
                                   show_default=True, help=h)
            elif isinstance(default, int):
                opt = click.option(flag, name, default=default, type=int, show_default=True,
                                   help=h)
            elif default is None and str(p.annotation).startswith("int"):
                opt = click.option(flag, name, default=None, type=click.IntRange(1), help=h)
            elif default is None and "list" in str(p.annotation):
                opt = click.option(flag, name, multiple=True, help=h + " (repeatable; "
                                   "or comma-separated)")
            else:
                opt = click.option(flag, name, default=default, show_default=default is not None,
                                   help=h)
            params.append((name, opt))
        for _, opt in reversed(params):
            f = opt(f)

        @wraps(f)
        def wrapper(*args, **kwargs):
            stage_kw = {}
            for name, _ in params:
                v = kwargs.pop(name)
                if isinstance(v, tuple):
                    v = [x.strip() for item in v for x in item.split(",") if x.strip()] or None
                stage_kw[name] = v
            return f(*args, stage_kw=stage_kw, **kwargs)

        return wrapper

    return deco


# -- commands ------------------------------------------------------------------------------
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
    from .pipeline import Pipeline
    from .registry import create

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
    from .pipeline import Pipeline
    from .registry import create

    stages = [create("clean.v1", name="clean")] if do_clean else []
    stages.append(create("kiwi.v1", name="tokenize", sentences=with_sentences, **stage_kw))
    run_job(Pipeline(stages), desc="tokenize", sentences=with_sentences,
            token_format=token_format, **io)


def _import_code(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """``--code FILE.py``: import a file of your own stages (``@kotext.registry.register``)
    before the pipeline is built. Its folder goes on sys.path, so that --n-process workers
    (which get the parent's sys.path) import it by the same name."""
    import importlib
    import importlib.util

    for item in value:
        path = Path(item)
        if path.suffix != ".py" or not path.is_file():
            raise click.BadParameter(f"{item}: not a .py file", ctx, param)
        name = path.stem
        if not name.isidentifier():
            raise click.BadParameter(f"{item}: {name!r} is not a module name (letters, digits "
                                     f"and _); rename the file, e.g. my_stages.py", ctx, param)
        have = sys.modules.get(name)
        try:
            spec = None if have is not None else importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        where = getattr(have, "__file__", None) if have is not None else \
            (spec.origin if spec is not None else None)
        if (have is not None or spec is not None) and \
                Path(where or "").resolve() != path.resolve():
            # json.py, csv.py, email.py: importing it would replace a module kotext uses
            raise click.BadParameter(f"{item}: Python already has a module named {name!r} "
                                     f"({where or 'built in'}); rename the file, e.g. "
                                     f"my_{name}.py", ctx, param)
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.append(folder)  # last: files beside it (csv.py) shadow nothing
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001 - the user's code: say where it failed
            raise click.BadParameter(f"{item}: {type(e).__name__}: {e}", ctx, param) from None
    return value


code_option = click.option(
    "--code", multiple=True, metavar="FILE.py", callback=_import_code, expose_value=False,
    is_eager=True, help="Import your own stages (a .py file whose classes are decorated with "
                        "@kotext.registry.register(\"name.v1\")) first; repeatable.")


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
    from .loading import load

    if engine == "ray":  # its options, summary and exit status: kotext.engines.cli
        from .engines.cli import run_on_ray

        _RUN["exit"] = run_on_ray(pipeline_file, list(overrides), address, token_format,
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
    from .loading import load

    nlp = load(pipeline_file, overrides=list(overrides))
    click.echo(f"{nlp.source or pipeline_file}: ok")
    for st in nlp.stages:
        click.echo(f"  {st.name:<12} {st.factory:<16} requires {', '.join(sorted(st.requires))}"
                   f"; assigns {', '.join(sorted(st.assigns))}")


@main.command(context_settings=CONTEXT)
@click.argument("items", nargs=-1, metavar="[URL|FILE.html|FOLDER|GLOB]...")
@click.option("--urls-file", default=None, metavar="FILE",
              help="A text file of URLs (or .html paths), one per line; - reads stdin. "
                   "Blank lines and lines starting with # are skipped.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write here (.csv .tsv .jsonl .parquet .txt); default: JSONL on stdout.")
@click.option("--format", "out_format", default=None,
              type=click.Choice(["csv", "tsv", "jsonl", "parquet", "text"]),
              help="Output format; default: from -o's suffix, or jsonl on stdout.")
@click.option("--output-encoding", default="utf-8", show_default=True,
              help="Use utf-8-sig for CSV files that Excel opens in Korean correctly.")
@click.option("--timeout", default=20.0, type=click.FloatRange(min=0, min_open=True),
              show_default=True, metavar="SECONDS", help="How long to wait for a server.")
@click.option("--workers", default=4, type=click.IntRange(1), show_default=True, metavar="N",
              help="Pages fetched at once (rows still come out in input order).")
@click.option("--include-comments", is_flag=True,
              help="Keep reader comments below the article.")
@click.option("--tables/--no-tables", default=True, show_default=True,
              help="Keep the text of tables in the article.")
@click.option("--favor", default="balanced", show_default=True,
              type=click.Choice(["balanced", "precision", "recall"]),
              help="precision: less boilerplate; recall: more text.")
@click.option("--user-agent", default=None, metavar="STRING",
              help="User-Agent header sent with requests (default: kotext/VERSION ...).")
@click.option("--on-error", default="fail", show_default=True,
              type=click.Choice(["fail", "keep", "abort", "skip"]), callback=_on_error_name,
              help="A failing page keeps its row with an empty text and an error; fail = exit "
                   "1 at the end, keep = exit 0 (still counted), abort = stop at once (skip: keep's old name).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run into the same -o file (no page fetched twice).")
def collect(items: tuple[str, ...], urls_file: str | None, output: str | None,
            out_format: str | None, output_encoding: str, timeout: float, workers: int,
            include_comments: bool, tables: bool, favor: str, user_agent: str | None,
            on_error: str, resume: bool) -> None:
    """Extract article text (url, title, date, text) from web pages or saved .html files.

    Each URL or file gives one row, in input order, with the columns url, title, date,
    text, source (the URL or path as given) and error. A page that cannot be fetched or
    has no article text keeps its row with an empty text and the reason in error. Saved
    pages may be UTF-8 or EUC-KR/CP949. Needs: pip install 'kotext[collect]'.

    \b
    Examples:
      kotext collect https://news.example.co.kr/article/123
      kotext collect --urls-file urls.txt -o articles.csv --output-encoding utf-8-sig
      kotext collect saved_pages/ 'archive/**/*.html' -o articles.jsonl
      kotext collect --urls-file urls.txt -o articles.parquet --timeout 10 --on-error keep
    """
    import contextlib
    import itertools
    import time

    from .io.collect import COLUMNS, check_items, read_urls_file
    from .io.collect import collect as collect_pages
    from .io.writers import Writer

    if not items and urls_file is None:
        raise UsageError("nothing to collect: give URLs, .html files or folders, or "
                         "--urls-file FILE")
    check_items(items)
    sources = itertools.chain(items, read_urls_file(urls_file) if urls_file else ())
    if out_format is None and output in (None, "-"):
        out_format = "jsonl"
    writer = Writer(output, out_format, COLUMNS, encoding=output_encoding, resume=resume,
                    text_key="text")
    t0 = time.perf_counter()
    n = failed = 0
    errors: list[str] = []
    ok = aborted = False
    try:
        rows = collect_pages(sources, timeout=timeout, include_comments=include_comments,
                             include_tables=tables, favor=favor, workers=workers,
                             user_agent=user_agent, skip=writer.rows_done)
        with contextlib.closing(rows), _progress("collect") as bar:
            if writer.rows_done:
                bar.write(f"resuming after {writer.rows_done} pages already in {writer.part}",
                          file=sys.stderr)
            for row in rows:
                if writer.fmt == "parquet":  # Writer types a column from its first row: an
                    # all-None error column would become null-typed and reject later errors
                    writer.write_rows([{k: "" if v is None else v for k, v in row.items()}])
                else:
                    writer.write_rows([row])
                n += 1
                bar.update(1)
                if row["error"] is not None:
                    failed += 1
                    if len(errors) < 5:
                        errors.append(f"{row['source']}: {row['error']}")
                    if on_error == "abort":
                        aborted = True
                        break
        ok = not aborted
    finally:
        writer.close(ok=ok)
    where = f" -> {output}" if output and ok else ""
    _RUN["exit"] = int(bool(aborted or (failed and on_error == "fail")))
    if sys.stderr.isatty() or failed:  # as the other commands: quiet in a pipeline
        click.echo(f"{n} pages, {failed} failed, {time.perf_counter() - t0:.1f} s{where}",
                   err=True)
    for e in errors:
        click.echo(f"  {e}", err=True)
    if failed > len(errors):
        click.echo(f"  ... see the error column for the other {failed - len(errors)}", err=True)
    if aborted and writer.path is not None:
        click.echo(f"stopped at the first failure (--on-error abort); the rows so far are "
                   f"in {writer.part}: rerun with --resume to go on", err=True)
    if _RUN["exit"]:
        sys.exit(1)


# -- classification ------------------------------------------------------------------------
def _fit(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` terminal cells (Hangul takes two), with an ellipsis."""
    import unicodedata

    used = 0
    for i, ch in enumerate(text):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > columns:
            return text[:max(i - 1, 0)] + "…"
    return text


def _table_line(names: dict[str, str], text_key: str, cut: bool = True,
                labels: tuple[str, ...] = ()):
    """A row of the classify table. On a terminal the text is cut to the window's width
    (a 100,000-character review is one line, not a screenful); piped or in a file, whole.
    The label column is as wide as the model's widest label, in terminal cells (Hangul
    takes two: 부정적인리뷰 pushed its row's score out of line)."""
    import shutil

    from .evaluate.classification import _cells, _left

    label, score, error = names["label"], names["score"], names["error"]
    width = max([9, *(_cells(str(x)) for x in labels)])
    tty = sys.stdout is not None and sys.stdout.isatty()
    room = shutil.get_terminal_size().columns - width - 9 if cut and tty else None

    def line(row: dict) -> str:
        text = str(row.get(text_key) or "").rstrip()  # (a whole file's last line break)
        if room is not None:
            text = _fit(" ".join(text.split()), max(room, 20))
        if row.get(error):
            return f"{_left('ERROR', width)} {'':>6}  {text}   [{row[error]}]"
        if row.get(label) is None:  # an empty text: no label
            return f"{_left('-', width)} {'':>6}  {text}".rstrip()
        return f"{_left(str(row.get(label)), width)} {float(row.get(score) or 0):6.3f}  {text}"

    return line


@main.command(context_settings=CONTEXT)
@io_options
@click.option("-m", "--model", default="sentiment-ko", show_default=True, metavar="MODEL",
              help="A model folder (from `kotext train classifier`) or a shipped model's name.")
@click.option("--quantize", is_flag=True,
              help="Transformer models on the CPU: int8 dynamic quantization (faster; the "
                   "probabilities change a little, and with the other texts in a batch, "
                   "since activations are quantized per batch).")
@click.option("--device", default=None, metavar="DEVICE",
              help="Transformer models: cpu, cuda or cuda:N (default: a GPU when there is one).")
def classify(model: str, quantize: bool, device: str | None, **io: Any) -> None:
    """Label each document (default: sentiment, positive/negative) with its probability.

    Prints a table (label, probability, text) on stdout; with -o or --format (csv, tsv,
    jsonl, parquet) it appends `label` and `score` (the label's probability) to every row.
    Uses the model shipped in models/ unless --model names another: no download.

    \b
    Examples:
      kotext classify reviews.txt
      kotext classify reviews.csv --text-column document -o out.csv
      echo "배우 연기가 정말 좋았다" | kotext classify - --format jsonl
      kotext classify comments.csv --model models/my-model -o labeled.parquet
    """
    from .loading import classify_pipeline

    nlp = classify_pipeline(model, quantize=quantize, device=device)
    _load_models(nlp)
    run_job(nlp, desc="classify", fields=["label", "scores"], line_format=_table_for(io, nlp),
            **io)


def _load_models(nlp) -> None:
    """Load the classifiers' models now: a damaged one is one clear error before any
    output (it left OUT.part, or a CSV header on stdout, behind)."""
    for st in nlp.stages:
        if getattr(st, "factory", "") == "classifier.v1":
            _ = st.classifier  # the property loads it (hasattr had loaded it already)


def _use_color(flag: bool | None) -> bool:
    """--color/--no-color, else colours on a terminal that takes them (not under NO_COLOR
    or TERM=dumb, as https://no-color.org asks)."""
    import os

    if flag is not None:
        return flag
    return bool(sys.stdout is not None and sys.stdout.isatty() and
                not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb")


def _table_for(io: dict[str, Any], nlp=None):
    """The classify table's line format where the output is text (stdout, a .txt file),
    else None. In a .txt file too (it held the label alone, and a failed row was a blank
    line), never cut to the window's width there."""
    out = io.get("output")
    labels = tuple(getattr(nlp.stages[-1], "labels", ())) if nlp is not None else ()
    return partial(_table_line, cut=out in (None, "-"), labels=labels) if _text_out(io) \
        else None


@main.group(context_settings=CONTEXT)
def train() -> None:
    """Train models on your own data: classifiers and summarizers.

    \b
    Examples:
      kotext train classifier --train reviews.csv --text-column document \\
          --label-column label --label-map 0=negative,1=positive -o models/my-model
      kotext train classifier --method transformer --base klue/bert-base --train ... -o ...
      kotext train summarizer --train pairs.jsonl --model ./kobart-base -o models/my-sum

    See `kotext train classifier --help` and `kotext train summarizer --help`.
    """


def _labeled(path, text_column, label_column, encoding, label_map, drop_blank_labels, limit=None,
             aux_column=None):
    from .training.data import read_labeled

    return read_labeled(path, text_column=text_column, label_column=label_column,
                        encoding=encoding, label_map=label_map,
                        drop_blank_labels=drop_blank_labels, limit=limit, aux_column=aux_column)


def label_options(f):
    opts = [
        click.option("--text-column", "--text-field", "text_column", default=None, metavar="NAME",
                     help="Column with the text (guessed when named text/document/review/...)."),
        click.option("--label-column", default="label", show_default=True, metavar="NAME",
                     help="Column with the gold label."),
        click.option("--label-map", default=None, metavar="MAP",
                     help="Rename/merge/drop labels: e.g. 0=negative,1=positive or "
                          "1-4=negative,5-7=neutral,8-10=positive (ranges inclusive; =drop "
                          "removes rows)."),
        click.option("--drop-blank-labels", is_flag=True,
                     help="Leave out rows with an empty label (default: an error)."),
        click.option("--encoding", default=None, metavar="ENC",
                     help="Input encoding; default: detected."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _stage_progress(desc: str, total: int | None = None):
    from tqdm import tqdm

    return tqdm(desc=desc, total=total, unit=" docs", file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True, mininterval=0.5)


def _options_from_toml(ctx: click.Context, param: click.Parameter, value: str | None):
    """``--config FILE.toml``: option defaults from a TOML file (top-level keys, or a
    [train] / [train.classifier] / [pretrain] table, named like the flags: lr, base,
    batch-size, ...). Flags given on the command line win."""
    if not value:
        return value
    from pathlib import Path

    from .config import read_toml

    data = read_toml(Path(value))
    # top-level keys, then [train], then [train.classifier] (or [pretrain]): each layer
    # over the one before (top-level keys beside a [train.classifier] table were dropped,
    # unknown ones included)
    table: dict[str, Any] = {}
    layer = data
    while True:
        table.update({k: v for k, v in layer.items() if not isinstance(v, dict)})
        nxt = next((layer[k] for k in ("train", ctx.info_name)
                    if isinstance(layer.get(k), dict)), None)
        if nxt is None:
            break
        layer = nxt
    flags = {}
    for p in ctx.command.params:
        for opt in [*p.opts, *getattr(p, "secondary_opts", [])]:
            if opt.startswith("--"):
                flags[opt[2:]] = p.name
    defaults = dict(ctx.default_map or {})
    for key, val in table.items():
        if isinstance(val, dict):
            continue
        name = flags.get(str(key).replace("_", "-"))
        if name is None or name == param.name:
            raise UsageError(f"{value}: unknown option {key!r} for `kotext "
                             f"{ctx.command_path.split(' ', 1)[-1]}`; options are: "
                             f"{', '.join(sorted(k for k in flags if k != 'config'))}")
        defaults[name] = val
    ctx.default_map = defaults
    return value


def config_option(f):
    return click.option("--config", default=None, metavar="FILE.toml", is_eager=True,
                        expose_value=False, callback=_options_from_toml,
                        type=click.Path(exists=True, dir_okay=False),
                        help="Read option values from a TOML file (keys named like the "
                             "flags, e.g. lr = 3e-5); flags given here win.")(f)


def transformer_options(f):
    """`train classifier --method transformer` options, handed over as transformer_params."""
    opts = [
        ("--base", dict(metavar="NAME|DIR", help="Pretrained encoder: a hub name (klue/bert-"
                        "base, klue/roberta-base, skt/kobert-base-v1) or a local folder "
                        "(save_pretrained, hf download, `kotext pretrain`).")),
        ("--lr", dict(type=float, help="Peak learning rate (transformer 3e-5; gru/lstm 2e-3).")),
        ("--warmup", dict(type=float, help="Warmup: a share of the steps (0.1) or a number "
                          "of steps.")),
        ("--decay", dict(type=click.Choice(["linear", "cosine", "constant"]),
                         help="Learning-rate decay after warmup (linear).")),
        ("--batch-size", dict(type=click.IntRange(1), help="Texts per batch (transformer 32; gru/lstm 128).")),
        ("--grad-accum", dict(type=click.IntRange(1), help="Batches per optimizer step (1).")),
        ("--epochs", dict(type=click.IntRange(1), help="Maximum epochs (transformer 3; gru/lstm 5).")),
        ("--patience", dict(type=click.IntRange(0), help="Stop after N epochs without a "
                            "better validation metric (2; 0 = off).")),
        ("--metric", dict(type=click.Choice(["macro_f1", "accuracy"]),
                          help="Validation metric for early stopping (macro_f1).")),
        ("--max-length", dict(type=click.IntRange(8), help="Tokens per window (128); longer "
                              "texts are read in overlapping windows. gru/lstm: tokens kept "
                              "(64).")),
        ("--freeze", dict(metavar="WHAT", help="Freeze: embeddings, N (embeddings + first N "
                          "layers) or encoder (train only the head).")),
        ("--label-smoothing", dict(type=float, help="Label smoothing (transformer 0; gru/lstm 0.05).")),
        ("--dropout", dict(type=float, help="Dropout (transformer: the model's own; gru/lstm 0.3).")),
        ("--weight-decay", dict(type=float, help="AdamW weight decay (transformer 0.01; gru/lstm 0).")),
        ("--max-grad-norm", dict(type=float, help="Gradient clipping norm (1.0; 0 = off).")),
        ("--sampler", dict(type=click.Choice(["balanced", "weighted"]), help="gru/lstm/"
                           "transformer: draw each epoch's rows class-evenly (instead of "
                           "--class-weight balanced; weighted is an older name).")),
        ("--fp16", dict(is_flag=True, default=None, help="Mixed precision on a GPU.")),
        ("--device", dict(metavar="DEVICE", help="cpu, cuda or cuda:N (default: a GPU when "
                          "there is one).")),
        ("--resume", dict(is_flag=True, default=None, help="Continue from FOLDER.checkpoint "
                          "(written after every epoch).")),
        ("--max-steps", dict(type=click.IntRange(1), help="Stop after N optimizer steps.")),
    ]
    for flag, kw in reversed(opts):
        f = click.option(flag, "tx_" + flag[2:].replace("-", "_"), **kw)(f)

    @wraps(f)
    def wrapper(*args, **kwargs):
        tx = {k[3:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("tx_")}
        return f(*args, transformer_params={k: v for k, v in tx.items()
                                            if v is not None and v is not False}, **kwargs)

    return wrapper


@train.command("classifier", context_settings=CONTEXT)
@config_option
@click.option("--train", "train_file", required=True, metavar="FILE",
              help="Labeled training data (.csv .tsv .jsonl .parquet).")
@label_options
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Model folder to write.",
              callback=_model_folder)
@click.option("--method", default="linear", show_default=True,
              type=click.Choice(["linear", "transformer", *RNN_METHODS, "ensemble"]),
              help="linear: logistic regression over hashed character + morpheme n-grams; "
                   "transformer: fine-tune a pretrained encoder (--base); gru/lstm: a "
                   "bidirectional GRU/LSTM with attention over word vectors (--vectors); "
                   "ensemble: combine trained models (--members).")
@click.option("--eval", "eval_file", default=None, metavar="FILE",
              help="A labeled test file, reported in the model card.")
@click.option("--eval-text-column", default=None, metavar="NAME",
              help="--eval's text column, where it differs from --text-column.")
@click.option("--eval-label-column", default=None, metavar="NAME",
              help="--eval's label column, where it differs from --label-column.")
@click.option("--eval-label-map", default=None, metavar="MAP",
              help="--eval's label map, where it differs from --label-map (e.g. training on "
                   "ratings, testing on 0/1 labels).")
@click.option("--val-fraction", default=0.1, show_default=True, type=float,
              help="Share of the training data held out (stratified) for validation.")
@click.option("--refit/--no-refit", default=False, show_default=True,
              help="After validating, refit on all the training data.")
@click.option("--class-weight", default=None, type=click.Choice(["balanced"]),
              help="Weight classes inversely to their frequency (imbalanced labels).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed: the same data and seed give the same model.")
@click.option("--C", "C", default=None, type=float, help="Inverse regularization (linear; 0.1 for two labels, 3 for more).")
@click.option("--char-ngrams", default=None, metavar="LO,HI", help="Character n-gram range (1,5).")
@click.option("--morph-ngrams", default=None, metavar="LO,HI", help="Morpheme n-gram range (1,3).")
@click.option("--bits", default=None, type=click.IntRange(12, 26),
              help="Hash 2**BITS feature columns (22 = 4M; the model is 8 MB per label).")
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N rows.")
@click.option("--name", default=None, help="Model name for the model card.")
@click.option("--members", default=None, metavar="A,B,...",
              help="ensemble: model folders trained on this file with the same --val-fraction "
                   "and --seed (no --refit); weights are fitted on those held-out rows.")
@click.option("--description", default="", help="What the model is for (model card).")
@click.option("--licence", default=None, help="Licence line for the model card.")
@click.option("--vectors", default=None, metavar="PATH",
              help="gru/lstm: word vectors to start the embeddings from (a `kotext embed "
                   "train` folder, word2vec or fastText file); --freeze embeddings keeps them.")
@click.option("--hidden", default=None, type=click.IntRange(1),
              help="gru/lstm: hidden units per direction (128).")
@click.option("--threads", default=None, type=click.IntRange(0),
              help="gru/lstm: torch CPU threads (1, fastest on a busy machine; 0: torch's "
                   "default). Results can differ slightly with the thread count.")
@click.option("--balance", is_flag=True,
              help="Use as many rows of each label as the rarest label has (a sample seeded "
                   "by --seed), e.g. to train on a balanced share of imbalanced ratings.")
@click.option("--cv", "cv", default=None, type=click.IntRange(2), metavar="K",
              help="Also cross-validate: K stratified folds (seeded by --seed); per-fold and "
                   "mean +- std accuracy and macro-F1, the per-class table; in the model card.")
@click.option("--json", "json_out", default=None, metavar="FILE",
              help="--cv: the cross-validation metrics as JSON ('-': stdout).")
@click.option("--oof", default=None, metavar="FILE.csv",
              help="--cv: write the out-of-fold predictions (row, fold, text, gold, pred, "
                   "p_LABEL...).")
@click.option("--unlabeled", default=None, metavar="FILE",
              help="Unlabeled text (any file kotext reads): pseudo-labels, or with --teacher "
                   "its soft labels.")
@click.option("--unlabeled-text-column", default=None, metavar="NAME",
              help="--unlabeled's text column, where it differs from --text-column.")
@click.option("--unlabeled-where", default=None, metavar="COL=VALUES",
              help="Use only --unlabeled rows whose column holds these values/ranges, e.g. "
                   "rating=5-8.")
@click.option("--pseudo-threshold", default=0.95, show_default=True,
              type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Pseudo-labels: keep rows the model labels with at least this probability.")
@click.option("--pseudo-rounds", default=1, show_default=True, type=click.IntRange(1),
              help="Pseudo-labels: label, add, retrain this many times.")
@click.option("--pseudo-per-class", default=None, type=click.IntRange(1), metavar="N",
              help="Pseudo-labels: add at most N rows per label a round (the most confident).")
@click.option("--teacher", default=None, metavar="MODEL",
              help="Distill: a model folder (an ensemble too) whose soft labels on the "
                   "training rows and --unlabeled text the model trains on.")
@click.option("--temperature", default=1.0, show_default=True,
              type=click.FloatRange(0, min_open=True), help="--teacher: soften its "
              "probabilities (softmax(logits / T)).")
@click.option("--gold-weight", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="--teacher: the gold label's share of a training row's target.")
@click.option("--aux-column", default=None, metavar="NAME",
              help="gru/lstm/transformer: train an auxiliary head on this column too "
                   "(multi-task; e.g. rating); the saved model has the main head only.")
@click.option("--aux-type", default="auto", show_default=True,
              type=click.Choice(["auto", "regression", "classes"]),
              help="--aux-column: regression (numbers) or classes; auto: regression when "
                   "every value is a number.")
@click.option("--aux-weight", default=0.5, show_default=True,
              type=click.FloatRange(0, min_open=True), help="--aux-column: its loss weight.")
@transformer_options
def train_classifier_cmd(train_file: str, text_column, label_column, label_map,
                         drop_blank_labels, encoding, output, method, eval_file,
                         eval_text_column, eval_label_column, val_fraction, refit,
                         class_weight, seed, C, char_ngrams, morph_ngrams, bits, limit,
                         name, members=None, description="", licence=None, vectors=None,
                         hidden=None, threads=None, cv=None, json_out=None, oof=None,
                         unlabeled=None, unlabeled_text_column=None, unlabeled_where=None,
                         pseudo_threshold=0.95, pseudo_rounds=1, pseudo_per_class=None,
                         teacher=None, temperature=1.0, gold_weight=0.5, aux_column=None,
                         aux_type="auto", aux_weight=0.5, eval_label_map=None, balance=False,
                         transformer_params=None) -> None:
    """Train a text classifier on your own labels (binary or multi-class).

    Writes a model folder: config.json (with the exact cleaning and tokenization settings),
    weights.safetensors and README.md (the model card, with the command that rebuilds it).

    \b
    Examples:
      kotext train classifier --train train.csv --text-column document \\
          --label-column label --label-map 0=negative,1=positive -o models/my-model
      kotext train classifier --train reviews.tsv.gz --text-column document \\
          --label-column rating --label-map 1-4=negative,5-7=neutral,8-10=positive \\
          --class-weight balanced -o models/rating3
      kotext train classifier --method transformer --base klue/bert-base \\
          --train train.tsv --eval test.tsv --label-map 0=negative,1=positive \\
          --epochs 3 --lr 3e-5 --batch-size 32 -o models/my-bert
      kotext train classifier --config train.toml --lr 2e-5   # options from TOML

    \b
    Training techniques:
      ... --cv 5 --json cv.json --oof oof.csv        # 5-fold cross-validation too
      ... --unlabeled reviews.tsv.gz --unlabeled-where rating=5-8 \\
          --pseudo-threshold 0.95 --pseudo-rounds 2 --pseudo-per-class 20000
      ... --teacher models/my-ensemble --unlabeled more.txt --temperature 2 \\
          --gold-weight 0.5                          # distill into a fast student
      ... --method gru --aux-column rating --aux-weight 0.3   # multi-task
      ... --method lstm --sampler balanced           # class-even epochs
    """
    from .training.classifier import train_classifier

    def pair(v, opt):
        if v is None:
            return None
        try:
            lo, hi = (int(x) for x in v.split(","))
        except ValueError:
            raise UsageError(f"{opt} {v!r}: give LO,HI, e.g. 1,3 (0,0 turns them off)") from None
        if not 0 <= lo <= hi:
            raise UsageError(f"{opt} {v!r}: LO,HI with 0 <= LO <= HI, e.g. 1,3 (0,0 turns "
                             f"them off)")
        return (lo, hi)

    params = {k: v for k, v in {"C": C, "char_ngrams": pair(char_ngrams, "--char-ngrams"),
                                "morph_ngrams": pair(morph_ngrams, "--morph-ngrams"),
                                "bits": bits}.items() if v is not None}
    if method not in RNN_METHODS and (vectors or hidden or threads is not None):
        raise UsageError("--vectors, --hidden and --threads apply to --method gru|lstm only")
    linear_only = [f"--{k.replace('_', '-')}" for k in params]  # C, n-grams, bits
    if linear_only and method != "linear":
        raise UsageError(f"{', '.join(linear_only)} apply to --method linear, not {method}")
    if refit and method != "linear":
        raise UsageError(f"--refit applies to --method linear; a {method} model keeps the "
                         f"weights of its best validation epoch (an ensemble's members must "
                         f"not be refit either)")
    if (members is not None) != (method == "ensemble"):
        raise UsageError("--method ensemble and --members go together")
    if method == "ensemble":
        params["members"] = [m.strip() for m in members.split(",") if m.strip()]
    from .classifiers import METHODS

    # before reading and featurizing the data, not after
    for module, extra, package, what in METHODS[method].trains_with:
        require(module, extra, what, package)
    for module in METHODS[method].runs_with:  # torch, transformers
        require(module, "transformers", f"training a {method} classifier")
    if method == "transformer":
        params.update(transformer_params or {})
    elif method in RNN_METHODS:
        params.update(_rnn_params(transformer_params or {}, vectors, hidden))
        if threads is not None:
            params["threads"] = threads
    elif transformer_params:
        raise UsageError(_not_for(sorted(transformer_params), method))
    _check_techniques(method, cv, json_out, oof, unlabeled, unlabeled_text_column,
                      unlabeled_where, teacher, aux_column, click.get_current_context())
    if aux_column and method in ("gru", "lstm", "transformer"):
        params.update(aux_type=aux_type, aux_weight=aux_weight)
    try:  # the method's parameters dataclass checks the values, before any data is read
        params = METHODS[method].make_params(params)
    except UsageError as e:
        raise _as_flag(e, {v: k for k, v in _RNN_SHARED.items()}) from None
    data = _labeled(train_file, text_column, label_column, encoding, label_map,
                    drop_blank_labels, limit, aux_column=aux_column)
    if balance:
        from .training.data import balanced

        data = balanced(data, seed)
    if (eval_text_column or eval_label_column or eval_label_map) and not eval_file:
        raise UsageError("--eval-text-column, --eval-label-column and --eval-label-map go "
                         "with --eval FILE")
    eval_data = _labeled(eval_file, eval_text_column or text_column,
                         eval_label_column or label_column, encoding,
                         eval_label_map or label_map, drop_blank_labels) if eval_file else None
    if eval_data is not None:
        unseen = {k: v for k, v in eval_data.counts().items() if k not in data.counts()}
        if unseen:
            raise UsageError(
                f"{eval_file}: labels the training data does not have: "
                + ", ".join(f"{k!r} ({v} rows)" for k, v in sorted(unseen.items()))
                + ". A model cannot predict them; map them with --label-map (e.g. to a "
                "training label, or =drop)")
    for d, f in ((data, train_file), (eval_data, eval_file)):
        if d is not None and d.empty:
            click.echo(f"note: {f}: {d.empty} row(s) with an empty text (as given, or once "
                       f"cleaned) left out: classify gives such a row no label either", err=True)
    click.echo(f"training on {len(data.texts)} rows: " + ", ".join(
        f"{k} {v}" for k, v in sorted(data.counts().items())), err=True)
    texts = None
    if unlabeled:
        from .training.data import read_unlabeled

        texts = read_unlabeled(unlabeled, text_column=unlabeled_text_column or text_column,
                               encoding=encoding, where=unlabeled_where)
        click.echo(f"unlabeled: {len(texts)} texts from {unlabeled}"
                   + (f" where {unlabeled_where}" if unlabeled_where else ""), err=True)
    log = lambda s: click.echo(s, err=True)  # noqa: E731
    kw = dict(method=method, eval_data=eval_data, val_fraction=val_fraction, seed=seed,
              class_weight=class_weight, params=params, refit=refit, name=name,
              description=description, licence=licence,
              data_description=f"`{train_file}`, text column `{data.text_column}`"
              f", labels from `{label_column}`"
              + (f" mapped with `{label_map}`" if label_map else "")
              + (f"; {data.dropped} rows left out" if data.dropped else "") + ".",
              progress=_stage_progress, log=log)
    if teacher:
        from .training.distill import distill, distillation_data

        student = distillation_data(data, teacher, texts, temperature=temperature,
                                    gold_weight=gold_weight, log=log)
        cv_result = _cv(student, cv, json_out, oof, kw)
        distill(data, output, teacher=teacher, unlabeled=texts, temperature=temperature,
                gold_weight=gold_weight, prepared=student, **kw)
    elif texts is not None:
        from .training.pseudo import train_with_pseudo_labels

        cv_result = _cv(data, cv, json_out, oof, kw)
        train_with_pseudo_labels(data, texts, output, threshold=pseudo_threshold,
                                 rounds=pseudo_rounds, per_class=pseudo_per_class, **kw)
    else:
        cv_result = _cv(data, cv, json_out, oof, kw)
        train_classifier(data, output, **kw)
    if cv_result is not None:
        from .training.card import add_to_model
        from .training.cv import markdown

        add_to_model(output, "Cross-validation", markdown(cv_result), "cross_validation",
                     {k: v for k, v in cv_result.items() if k != "oof_path"})
    click.echo(f"model written to {output}", err=True)


def _check_techniques(method, cv, json_out, oof, unlabeled, unlabeled_text_column,
                      unlabeled_where, teacher, aux_column, ctx) -> None:
    """`train classifier`: the technique flags that need another flag, or another method."""
    if (json_out or oof) and not cv:
        raise UsageError("--json and --oof report cross-validation: add --cv K")
    if (unlabeled_text_column or unlabeled_where) and not unlabeled:
        raise UsageError("--unlabeled-text-column and --unlabeled-where go with --unlabeled FILE")
    changed = [f"--{n.replace('_', '-')}" for n in ("pseudo_threshold", "pseudo_rounds",
                                                     "pseudo_per_class")
               if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if changed and (teacher or not unlabeled):
        raise UsageError(f"{', '.join(changed)} set pseudo-labels: they need --unlabeled FILE "
                         f"and no --teacher (with a teacher, its soft labels label the text)")
    soft = [f"--{n.replace('_', '-')}" for n in ("temperature", "gold_weight")
            if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if soft and not teacher:
        raise UsageError(f"{', '.join(soft)} go with --teacher MODEL")
    aux = [f"--{n.replace('_', '-')}" for n in ("aux_type", "aux_weight")
           if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if aux and not aux_column:
        raise UsageError(f"{', '.join(aux)} go with --aux-column NAME")
    if aux_column and method not in ("gru", "lstm", "transformer"):
        raise UsageError(f"--aux-column trains a second head: --method gru, lstm or "
                         f"transformer, not {method}")
    if method == "ensemble" and (cv or unlabeled or teacher):
        raise UsageError("--cv, --unlabeled and --teacher train models; --method ensemble "
                         "combines trained ones: use them when training its members")


def _cv(data, cv, json_out, oof, kw):
    if not cv:
        return None
    from .evaluate import format_report
    from .training.cv import cross_validate

    ckw = {k: v for k, v in kw.items() if k in ("method", "val_fraction", "seed",
                                               "class_weight", "params", "log")}
    res = cross_validate(data, k=cv, oof_path=oof, **ckw)

    def text(r):
        lines = [f"cross-validation, {r['k']} folds ({r['method']}, seed {r['seed']}):",
                 f"{'fold':>4}  {'rows':>7}  accuracy  macro-F1"]
        lines += [f"{x['fold']:>4}  {x['test_rows']:>7}  {x['accuracy']:8.4f}  "
                  f"{x['macro_f1']:8.4f}" for x in r["folds"]]
        lines += [f"mean +- std:    {r['accuracy']['mean']:.4f} +- {r['accuracy']['std']:.4f}"
                  f"   {r['macro_f1']['mean']:.4f} +- {r['macro_f1']['std']:.4f}", "",
                  "out-of-fold predictions, all folds:", format_report(r["out_of_fold"])]
        return "\n".join(lines)

    _report(res, json_out, text)
    return res


@main.command(context_settings=CONTEXT)
@click.argument("model", metavar="MODEL")
@click.argument("data", metavar="DATA")
@label_options
@click.option("--json", "json_out", default=None, metavar="FILE",
              help="Write the metrics as JSON here ('-' for stdout instead of the table).")
@click.option("--plot", default=None, metavar="FILE.png",
              help="Draw the confusion matrix (Korean labels rendered).")
def evaluate(model, data, text_column, label_column, label_map, drop_blank_labels, encoding,
             json_out, plot) -> None:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix.

    MODEL is a model folder or a shipped model's name; DATA a labeled file.

    \b
    Examples:
      kotext evaluate sentiment-ko test.tsv --text-column document \\
          --label-column label --label-map 0=negative,1=positive --plot cm.png
      kotext evaluate models/my-model test.csv --label-map 0=negative,1=positive \\
          --json metrics.json
    """
    from .errors import InputError
    from .evaluate import classification_report, format_report, plot_confusion
    from .loading import classify_pipeline

    if plot:  # before predicting, not after
        require("matplotlib", "plot", "--plot")
    nlp = classify_pipeline(model)
    ds = _labeled(data, text_column, label_column, encoding, label_map, drop_blank_labels)
    labels = nlp.stages[-1].labels
    unknown = sorted(set(ds.labels) - set(labels))
    if unknown:
        have = sorted(set(ds.labels))
        # with --label-map, the example maps the file's own labels (the rules' keys): the
        # mapped ones it named were refused as "not covered" when given as keys
        source = {}
        if label_map:
            from .training.data import parse_label_map

            for lo, hi, val in parse_label_map(label_map):
                key = f"{lo:g}-{hi:g}" if hi is not None else str(lo)
                source.setdefault(val, key)
        import shlex

        if unknown == have and len(have) == len(labels):  # one to one: a pairing to check
            example = shlex.quote(",".join(f"{source.get(a, a)}={b}"
                                           for a, b in zip(have, labels))) + \
                " (check the pairing)"
        else:  # no pairing to guess (ratings to 3 classes): the form, with the model's labels
            example = shlex.quote("VALUE=LABEL,...") + " or ranges " + \
                shlex.quote(f"1-4={labels[0]},...")
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        given = f" (your --label-map makes them {', '.join(have)})" if label_map else ""
        raise InputError(
            f"{data}: labels {', '.join(map(repr, unknown[:8]))}{more} are not among the "
            f"model's ({', '.join(labels)}){given}. Map the file's labels to the model's with "
            f"--label-map, e.g. --label-map {example}"
        )
    gold, preds, empty = [], [], ds.empty
    with _stage_progress("evaluate", len(ds.texts)) as bar:
        for doc, want in zip(nlp.pipe(ds.texts, on_error="record"), ds.labels):
            bar.update(1)
            if doc.error is None and doc.is_empty:
                empty += 1  # empty once cleaned (only HTML, a zero-width space): no label
                continue
            gold.append(want)
            preds.append(doc.label if doc.error is None else "<error>")
    if empty:
        click.echo(f"note: {empty} row(s) with an empty text (as given, or once cleaned) left "
                   f"out: nothing to classify", err=True)
    if not gold:
        raise InputError(f"{data}: every row's text is empty (as given, or once cleaned): "
                         f"nothing to evaluate; check --text-column")
    rep = classification_report(gold, preds, labels)
    rep["model"] = str(model)
    rep["data"] = str(data)
    _RUN["exit"] = int(bool(rep["failed"]))
    _report(rep, json_out, format_report)
    if plot:
        Path(plot).parent.mkdir(parents=True, exist_ok=True)
        plot_confusion(rep, plot)
        click.echo(f"confusion matrix drawn to {plot}", err=True)
    if _RUN["exit"]:  # as every command: 1 when some rows failed
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@click.argument("text")
@click.option("-m", "--model", default="sentiment-ko", show_default=True, metavar="MODEL",
              help="A model folder or a shipped model's name.")
@click.option("-n", "--top", default=5, show_default=True, type=click.IntRange(1),
              help="Morphemes listed per label.")
@click.option("--html", "html_out", default=None, metavar="FILE",
              help="Also write the explanation as an HTML page.")
@click.option("--color/--no-color", default=None,
              help="Colour the terminal output (default: when stdout is a terminal, unless "
                   "NO_COLOR is set or TERM=dumb).")
def explain(text: str, model: str, top: int, html_out: str | None, color: bool | None) -> None:
    """Show which morphemes pushed the prediction toward which label.

    \b
    Examples:
      kotext explain "배우 연기는 좋았는데 스토리가 너무 지루했다"
      kotext explain "최고의 영화" --model models/my-model --html why.html
    """
    from .explain import explain as _explain
    from .explain import to_html, to_terminal
    from .loading import classify_pipeline

    ex = _explain(classify_pipeline(model), text)
    use_color = _use_color(color)
    click.echo(to_terminal(ex, n=top, color=use_color), color=use_color)
    if html_out:
        Path(html_out).parent.mkdir(parents=True, exist_ok=True)
        with open(html_out, "w", encoding="utf-8") as f:
            f.write(to_html(ex, n=top))
        click.echo(f"written to {html_out}", err=True)


# -- summarization and keywords --------------------------------------------------------------
def _report(rep: dict[str, Any], json_out: str | None, as_text) -> None:
    """A metrics report: as text on stdout, and as JSON to ``--json FILE`` ('-': stdout
    instead of the text); an undefined score (NaN) is null."""
    import json

    from .io.writers import json_safe

    if json_out == "-":
        click.echo(json.dumps(json_safe(rep), ensure_ascii=False, indent=2, allow_nan=False))
        return
    click.echo(as_text(rep))
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        with open(json_out, "w", encoding="utf-8") as f:
            json.dump(json_safe(rep), f, ensure_ascii=False, indent=2, allow_nan=False)


def _summary_stages(do_clean: bool) -> list:
    from .registry import create

    stages = [create("clean.v1", name="clean")] if do_clean else []
    stages.append(create("kiwi.v1", name="tokenize", sentences=True))
    return stages


def _print_docs(nlp, io: dict[str, Any], show) -> None:
    """Text output for summarize/keywords, on stdout or in -o FILE.txt: a block of lines per
    document. A file is written whole or not at all (to FILE.part, renamed at the end)."""
    import os

    from .io.readers import read
    from .io.writers import _stdout_in, is_device
    from .runner import doc_of

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
    _not_an_input(out, {"input": [[str(Path(p).resolve()), 0] for p in src.files]})
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
    from .io.writers import device_format, is_device

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
@click.option("--device", default=None,
              help="abstractive: cpu, cuda, cuda:1, mps (default: a GPU when there is one).")
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
    from .pipeline import Pipeline
    from .registry import create

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
        stage = create("textrank.v1", name="summarize", n=n or 3, ratio=ratio,
                       similarity=similarity, position_weight=position_weight,
                       position_decay=position_decay, mmr=mmr, units=units)
    else:
        if n is not None or ratio is not None:
            raise UsageError("-n/--ratio choose sentences (textrank); for abstractive "
                             "summaries set the length with --max-length/--min-length")
        stage = create("abstractive.v1", name="summarize", model=model, num_beams=num_beams,
                       max_length=max_length, min_length=min_length,
                       no_repeat_ngram_size=no_repeat_ngram_size,
                       max_input_tokens=max_input_tokens, device=device)
        _ = stage.runner  # load the model now: a missing model is one clear error, not one per row
    nlp = Pipeline([*_summary_stages(do_clean), stage])
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
    from .pipeline import Pipeline
    from .registry import create

    _one_doc_per_file(io, per_line)
    stage = create("keywords.v1", name="keywords", n=n, pos=pos, compounds=compounds,
                   window=window, min_count=min_count, min_length=min_length,
                   stopwords=stopwords)
    nlp = Pipeline([*_summary_stages(do_clean), stage])
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
@click.option("--encoding", default=None, metavar="ENC", help="Input encoding (CSV/JSONL).")
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
    from .evaluate.rouge import format_summary_report, rouge, sentence_prf
    from .evaluate.summary_data import is_index_list as _is_index_list
    from .evaluate.summary_data import read_summary_rows
    from .loading import load
    from .pipeline import Pipeline
    from .registry import create

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
            else:
                stage = create("textrank.v1", name="summarize", n=k, ratio=ratio,
                               units="lines" if keep is not None else "auto")
                doc = Pipeline([*_summary_stages(keep is None), stage])(text)
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


@train.command("summarizer", context_settings=CONTEXT)
@click.option("--train", "train_file", required=True, metavar="FILE",
              help="(document, summary) pairs: .jsonl .csv .tsv .parquet.")
@click.option("-m", "--model", required=True, metavar="MODEL",
              help="The seq2seq model to start from: a local folder or a Hub name.")
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Model folder to write.",
              callback=_model_folder)
@click.option("--doc-field", default=None, metavar="NAME",
              help="Field with the document  [default: document, text, article, body, "
                   "content or source]")
@click.option("--summary-field", default=None, metavar="NAME",
              help="Field with the summary  [default: summary, target, abstract or "
                   "highlights]")
@click.option("--eval", "eval_file", default=None, metavar="FILE",
              help="Held-out pairs: their loss goes into the model card.")
@click.option("--epochs", default=3.0, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--lr", default=5e-5, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=4, show_default=True, type=click.IntRange(1),
              help="Document-summary pairs per training step.")
@click.option("--max-steps", default=None, type=click.IntRange(1),
              help="Stop after this many steps (overrides --epochs).")
@click.option("--max-source-length", default=512, show_default=True, type=click.IntRange(8))
@click.option("--max-target-length", default=128, show_default=True, type=click.IntRange(4))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N pairs.")
@click.option("--encoding", default=None, metavar="ENC", help="Input encoding.")
@click.option("--device", default=None,
              help="cpu, cuda, cuda:1, mps (default: a GPU when there is one).")
def train_summarizer_cmd(train_file, model, output, doc_field, summary_field, eval_file,
                         epochs, lr, batch_size, max_steps, max_source_length,
                         max_target_length, seed, limit, encoding, device) -> None:
    """Fine-tune a seq2seq model (BART, T5, ...) on (document, summary) pairs.

    Writes a transformers model folder in safetensors with training.json and a model card;
    use it with `kotext summarize --method abstractive --model FOLDER`.

    \b
    Examples:
      kotext train summarizer --train pairs.jsonl --model ./kobart-base -o models/my-sum
      kotext train summarizer --train news.csv --doc-field body --summary-field lead \\
          --model ./kobart-base --epochs 5 --lr 3e-5 -o models/news-sum
    """
    from .training.summarizer import read_pairs, train_summarizer

    for module in ("torch", "transformers"):  # before reading the pairs
        require(module, "transformers", "training a summarizer")
    pairs = read_pairs(train_file, doc_field, summary_field, encoding, limit)
    eval_pairs = read_pairs(eval_file, doc_field, summary_field, encoding) if eval_file else None
    click.echo(f"fine-tuning {model} on {len(pairs)} pairs", err=True)
    res = train_summarizer(pairs, output, model=model, epochs=epochs, lr=lr,
                           batch_size=batch_size, max_steps=max_steps,
                           max_source_length=max_source_length,
                           max_target_length=max_target_length, seed=seed, device=device,
                           eval_pairs=eval_pairs, log=lambda s: click.echo(s, err=True))
    click.echo(f"model written to {output} ({res['steps']} steps)", err=True)


# -- pretrain (kotext.transformer.pretrain) ------------------------------------------------
@main.command(context_settings=CONTEXT)
@config_option
@click.argument("corpus", metavar="CORPUS")
@click.option("--text-column", "--text-field", "text_column", default=None, metavar="NAME",
              help="Column with the text (guessed when named text/document/review/...).")
@click.option("--encoding", default=None, metavar="ENC", help="Input encoding; default: detected.")
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Encoder folder to write.",
              callback=_model_folder)
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N texts.")
@click.option("--vocab-size", default=None, type=click.IntRange(16),
              help="WordPiece vocabulary size (16000).")
@click.option("--min-frequency", default=None, type=click.IntRange(1),
              help="Least count of a vocabulary entry (2).")
@click.option("--hidden", default=None, type=click.IntRange(8), help="Hidden size (256).")
@click.option("--layers", default=None, type=click.IntRange(1), help="Transformer layers (4).")
@click.option("--heads", default=None, type=click.IntRange(1), help="Attention heads (4).")
@click.option("--intermediate", default=None, type=click.IntRange(8),
              help="Feed-forward size (4 x hidden).")
@click.option("--max-length", default=None, type=click.IntRange(8),
              help="Tokens per text; also the encoder's position limit (128).")
@click.option("--epochs", default=None, type=click.IntRange(1), help="Passes over the corpus (1).")
@click.option("--max-steps", default=None, type=click.IntRange(1), help="Stop after N steps.")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Texts per step (64).")
@click.option("--lr", default=None, type=float, help="Peak learning rate (5e-4).")
@click.option("--warmup", default=None, type=float, help="Warmup share of the steps (0.06).")
@click.option("--mlm-probability", default=None, type=float,
              help="Share of tokens masked (0.15).")
@click.option("--val-fraction", default=None, type=float,
              help="Share of texts held out for the MLM loss (0.01; none under 100 texts).")
@click.option("--fp16", is_flag=True, help="Mixed precision on a GPU.")
@click.option("--device", default=None, metavar="DEVICE",
              help="cpu, cuda or cuda:N (default: a GPU when there is one).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--name", default=None, help="Model name for the model card.")
def pretrain(corpus: str, text_column, encoding, output, limit, seed, name, **opts) -> None:
    """Pre-train a small Korean BERT on your own texts: no hub needed.

    Trains a WordPiece vocabulary (tokenizers) and a BERT with masked-language-model
    pre-training, and writes a transformers folder (config.json, model.safetensors,
    tokenizer.json) with a model card and the loss curve. Fine-tune it with
    `kotext train classifier --method transformer --base FOLDER`. A GPU helps a lot.

    \b
    Examples:
      kotext pretrain reviews.tsv.gz --text-column document -o models/my-encoder
      kotext pretrain corpus.txt --layers 4 --hidden 256 --epochs 2 --fp16 -o models/enc
      kotext train classifier --method transformer --base models/my-encoder \\
          --train train.tsv --label-map 0=negative,1=positive -o models/my-clf
    """
    from .io.readers import read, text_of
    from .transformer.pretrain import pretrain as run_pretrain

    for module in ("torch", "transformers", "tokenizers"):  # before reading the corpus
        require(module, "transformers", "pre-training")
    src = read(corpus, text_column=text_column, encoding=encoding)
    texts = []
    for row in src:
        texts.append(text_of(row.get(src.text_key)))
        if limit and len(texts) >= limit:
            break
    params = {k: v for k, v in opts.items() if v is not None and v is not False}
    click.echo(f"pre-training on {len(texts)} texts from {corpus}", err=True)
    run_pretrain(texts, output, params=params, seed=seed, name=name,
                 data_description=f"{len(texts)} texts from `{corpus}`.",
                 progress=_stage_progress, log=lambda s: click.echo(s, err=True))
    click.echo(f"encoder written to {output}", err=True)


# -- word embeddings: embed train / similar / analogy / evaluate / plot, similar-docs -------
def _corpus_options(f):
    opts = [
        click.option("--text-column", "--text-field", "text_column", default=None,
                     metavar="NAME", help="Column/field with the text (guessed when named "
                                          "text/document/review/...)."),
        click.option("--encoding", default=None, metavar="ENC",
                     help="Input encoding; default: detected."),
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
    from .io.readers import read, text_of

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
                bad, first = bad + 1, first or f"row {i + 1}: {src.text_key}: {e}"
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


# the transformer options gru/lstm take too, under the RNN trainer's names
_RNN_SHARED = {"epochs": "epochs", "patience": "patience", "label_smoothing": "label_smoothing",
               "dropout": "dropout", "batch_size": "batch_size", "lr": "lr",
               "weight_decay": "weight_decay", "max_grad_norm": "clip",
               "max_length": "max_len", "freeze": "freeze", "decay": "decay",
               "sampler": "sampler"}


def _as_flag(e: UsageError, names: dict[str, str]) -> UsageError:
    """A parameters dataclass's error, its leading ``name=value`` written as the flag
    (``lr=-1.0: ...`` -> ``--lr -1.0: ...``); ``names`` maps a parameter to its option."""
    import re

    m = re.match(r"([A-Za-z_]+)=", str(e))
    if not m:
        return e
    flag = "--" + names.get(m.group(1), m.group(1)).replace("_", "-")
    return type(e)(f"{flag} {str(e)[m.end():]}")


def _not_for(options: list[str], method: str) -> str:
    """'--base applies to --method transformer, not linear', grouped by who takes them."""
    parts = []
    for group, where in ((["--" + k.replace("_", "-") for k in options if k in _RNN_SHARED
                           and method == "linear"], "transformer, gru or lstm"),
                         (["--" + k.replace("_", "-") for k in options
                           if k not in _RNN_SHARED or method != "linear"], "transformer")):
        if group:
            verb = "applies" if len(group) == 1 else "apply"
            parts.append(f"{', '.join(group)} {verb} to --method {where}")
    return "; ".join(parts) + f", not {method}"


def _rnn_params(shared: dict[str, Any], vectors: str | None, hidden: int | None
                ) -> dict[str, Any]:
    """`train classifier --method gru|lstm`: the options shared with the transformer method
    (--epochs, --patience, --label-smoothing, ...) under the RNN trainer's names."""
    names = _RNN_SHARED
    other = sorted(k for k in shared if k not in names)
    if other:
        raise UsageError(_not_for(other, "gru|lstm"))
    out = {names[k]: v for k, v in shared.items()}
    if "freeze" in out:
        # (a number means "embeddings + the first N layers" to a transformer: not here)
        if str(out["freeze"]).lower() not in ("embeddings", "yes", "true"):
            raise UsageError(f"--freeze {out['freeze']!r}: with --method gru|lstm use "
                             f"--freeze embeddings (keep the --vectors fixed)")
        out["freeze"] = True
    if vectors:
        out["vectors"] = vectors
    if hidden:
        out["hidden"] = hidden
    return out


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

    from .embeddings import train_vectors
    from .training.card import command_line

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
                            log=lambda s: (bar if ebar is None else ebar).write(s, file=sys.stderr))
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
    from .embeddings import Vectors

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
    from .embeddings import Vectors

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
    from .embeddings import Vectors, evaluate_analogy, evaluate_similarity
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
    from .embeddings import Vectors, plot_words
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

    from .loading import docvec_pipeline
    from .stages.docvec import common_components, remove_components

    if not query.strip():
        raise UsageError("--query is empty: give the text to search for, e.g. -q \"배우 연기\"")
    from .embeddings import Vectors

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


from .serve.command import serve as _serve  # noqa: E402 - click only; the web loads when run

main.add_command(_serve)

if __name__ == "__main__":  # pragma: no cover
    main()
