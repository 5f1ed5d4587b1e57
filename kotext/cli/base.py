"""What every command shares: the ``kotext`` group and its error handling, the parameter ->
flag table, the option groups defined once, and the batch job's command-line shell."""

from __future__ import annotations

import inspect
import os
import re
import signal
import sys
import threading
import warnings
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ..errors import KotextError, KotextWarning, UsageError


_python_showwarning = warnings.showwarning


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, KotextWarning):  # a note for the user, not a code location
        click.echo(f"kotext: note: {flag_message(str(message))}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


# Seconds a command has to end after Ctrl-C before the process is ended as by kill -9
# (what it wrote is then as after a kill, which --resume takes)
INTERRUPT_GRACE = 5.0


def _hard_exit() -> None:
    try:
        sys.stderr.write("\nkotext: interrupted (ended at once; --resume goes on from the "
                         "last checkpoint)\n")
        sys.stderr.flush()
    finally:
        os._exit(130)


def _on_interrupt(signum, frame) -> None:
    """Ctrl-C raises KeyboardInterrupt, as Python's own handler does; a process that has not
    ended INTERRUPT_GRACE seconds later (the exception was raised where Python only reports
    it, such as a finalizer) is ended with 130."""
    timer = threading.Timer(INTERRUPT_GRACE, _hard_exit)
    timer.daemon = True
    timer.start()
    raise KeyboardInterrupt


def _catch_interrupt():
    """Install ``_on_interrupt`` for SIGINT where Python's default handler is in place, in
    the main thread; returns the handler to restore, or None."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None
    return signal.signal(signal.SIGINT, _on_interrupt)


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
        from .. import kiwi

        kiwi.HARD_INTERRUPT_WHILE_LOADING = True  # Ctrl-C also while Kiwi loads
        previous = _catch_interrupt()
        try:
            return super().invoke(ctx)
        except KotextError as e:
            click.echo(f"kotext: error: {flag_message(str(e))}", err=True)
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
            if previous is not None:
                signal.signal(signal.SIGINT, previous)


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


# library parameters and the flags that set them: a library message names the parameter in
# Python terms (text_column='document', resume=True), the CLI shows the flag
FLAGS = {"output": "-o", "out_format": "--format", **{p: "--" + p.replace("_", "-") for p in (
    "text_column", "encoding", "input_format", "quoting", "whole_file", "split",
    "output_encoding", "on_error", "resume", "batch_size", "n_process", "sentences",
    "token_format", "set", "code", "urls_file", "timeout", "model", "device", "quantize",
    "pos", "min_count", "emoji", "emoji_token", "weighting", "vectors", "vectors_format",
    "method", "base", "train", "eval", "members", "label_column", "label_map",
    "drop_blank_labels", "val_fraction", "refit", "seed", "limit", "class_weight", "sampler",
    "lr", "warmup", "decay", "epochs", "max_steps", "max_length", "patience", "metric",
    "label_smoothing", "dropout", "freeze", "fp16", "hidden", "heads", "layers",
    "vocab_size", "mlm_probability", "plot", "gold_field", "pred_field", "doc_field",
    "summary_field", "max_source_length", "max_target_length", "weight_decay",
    "max_grad_norm", "grad_accum", "C", "bits", "char_ngrams", "morph_ngrams", "threads",
    "aux_column", "aux_type", "aux_weight")},
    "concurrency": "--n-process"}


_PY_PARAM = re.compile(r"\b(" + "|".join(sorted(FLAGS, key=len, reverse=True)) +
                       r")=(True|False|'[^']*'|\"[^\"]*\"|[^\s,;:)]+)")


_BARE_PARAM = re.compile(r"`(" + "|".join(FLAGS) + r")`|\b(" +
                         "|".join(k for k in FLAGS if "_" in k) + r")\b")


def flag_message(message: str) -> str:
    """A library message as the command line says it: text_column='document' ->
    --text-column document, resume=True -> --resume, `quoting` or a bare out_format ->
    --quoting, --format."""
    def value(m: re.Match) -> str:
        flag, v = FLAGS[m[1]], m[2]
        if v == "True":
            return flag
        if v == "False":
            return "--no-" + flag[2:]
        return f"{flag} {v[1:-1] if v[0] in chr(39) + chr(34) else v}"

    return _BARE_PARAM.sub(lambda m: FLAGS[m[1] or m[2]], _PY_PARAM.sub(value, message))


def _log(message: str) -> None:
    """A library log line (training progress) on stderr, with flags for parameters."""
    click.echo(flag_message(message), err=True)


def _on_error_name(ctx, param, value: str) -> str:
    return "keep" if value == "skip" else value  # skip kept the rows too: renamed keep


def _cli_n_process(ctx, param, value: int) -> int:
    from ..pipeline import _n_process

    try:
        return _n_process(value)
    except ValueError:
        raise click.BadParameter("give 1 or more, or -1 for one process per CPU core") \
            from None


# options that several commands take, defined once; a command may say in its help what the
# option means there
TEXT_HELP = "Column with the text (guessed when named text/document/review/...)."
DEVICE_HELP = "cpu, cuda or cuda:N (default: a GPU when there is one)."


def text_column_option(help: str = TEXT_HELP):
    return click.option("--text-column", "--text-field", "text_column", default=None,
                        metavar="NAME", help=help)


def encoding_option(help: str = "Input encoding; default: detected."):
    return click.option("--encoding", default=None, metavar="ENC", help=help)


def device_option(help: str = DEVICE_HELP, metavar: str | None = "DEVICE"):
    return click.option("--device", default=None, metavar=metavar, help=help)


def io_options(f):
    opts = [
        click.argument("input", metavar="INPUT"),
        click.option("-o", "--output", default=None, metavar="FILE",
                     help="Write here (.csv .tsv .jsonl .parquet .txt); default: stdout."),
        click.option("--format", "out_format", default=None,
                     type=click.Choice(["csv", "tsv", "jsonl", "parquet", "text"]),
                     help="Output format; default: from -o's suffix, or text on stdout."),
        text_column_option("Column (CSV/TSV/parquet) or field (JSONL) with the text; guessed "
                           "when one is named text/document/review/content/body."),
        encoding_option("Input encoding; default: detected (UTF-8, UTF-8 BOM, CP949/EUC-KR)."),
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
    from ..modelio import check_output_folder

    # what the command writes: a folder of another kind under -o is refused
    kind = {"classifier": "classifier", "summarizer": "summarizer", "pretrain": "encoder",
            "train": "vectors"}.get(ctx.info_name)  # `embed train` is named "train"
    try:
        return None if value is None else str(check_output_folder(value, kind))
    except UsageError as e:
        raise click.BadParameter(flag_message(str(e)).removeprefix("-o ")) from None


def _whole_file_used(source, whole_file: bool) -> None:
    """--whole-file given on the command line for tables only: refused (it was ignored)."""
    from ..batch import check_whole_file

    ctx = click.get_current_context(silent=True)
    if whole_file and ctx is not None and ctx.get_parameter_source("whole_file") == \
            click.core.ParameterSource.COMMANDLINE:
        check_whole_file(source)


def run_job(pipeline, *, input: str, output: str | None, out_format: str | None,
            text_column: str | None, encoding: str | None, input_format: str | None,
            whole_file: bool, quoting: str, split: str | None, output_encoding: str,
            on_error: str, resume: bool, batch_size: int | None, n_process: int,
            sentences: bool = False, token_format: str = "text", desc: str = "kotext",
            line_format=None, fields: list[str] | None = None) -> None:
    """Shared by every command that streams a file through a pipeline: kotext.batch's
    run_batch, its notes and summary on stderr, its exit status."""
    from ..batch import open_source, run_batch

    source = open_source(input, text_column=text_column, encoding=encoding,
                         input_format=input_format, whole_file=whole_file, quoting=quoting,
                         split=split)
    _whole_file_used(source, whole_file)

    def note(message: str) -> None:
        click.echo(f"kotext: note: {flag_message(message)}", err=True)

    with _progress(desc) as bar:
        def opened(res) -> None:
            _RUN.update(part=res.part, resumable=res.resumable)
            if res.resumed:
                bar.write(f"resuming after {res.resumed} rows already in {res.part}",
                          file=sys.stderr)

        res = run_batch(pipeline, source, output, out_format=out_format,
                        output_encoding=output_encoding, on_error=on_error, resume=resume,
                        batch_size=batch_size, n_process=n_process, sentences=sentences,
                        token_format=token_format, fields=fields, line_format=line_format,
                        progress=bar.update, on_note=note, on_open=opened,
                        error_text=flag_message)
    _RUN["exit"] = res.exit_status
    if sys.stderr.isatty() or res.total_failed:
        where = f" -> {output}" if output else ""
        rows = (f"{res.resumed + res.rows} rows ({res.resumed} from the interrupted run, "
                f"{res.failed_before} of them failed; {res.rows} now, {res.failed} of them "
                f"failed)" if res.resumed else f"{res.rows} rows, {res.failed} failed")
        if res.empty:
            rows += f", {res.empty} empty (no error)"
        click.echo(f"{rows}, {res.seconds:.1f} s ({res.rate:,.0f} docs/s){where}", err=True)
        for e in res.errors:
            click.echo(f"  {e}", err=True)
        if res.failed > len(res.errors):
            click.echo(f"  ... see the error column for the other "
                       f"{res.failed - len(res.errors)}", err=True)
    if res.exit_status:
        click.echo("  (each failing row keeps its place, with the reason in its error column; "
                   "--on-error keep accepts them and exits 0)", err=True)
        sys.exit(1)


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
            h = flag_message(helps.get(name, ""))
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


def _stage_progress(desc: str, total: int | None = None):
    from tqdm import tqdm

    return tqdm(desc=desc, total=total, unit=" docs", file=sys.stderr,
                disable=not sys.stderr.isatty(), dynamic_ncols=True, mininterval=0.5)


def _report(rep: dict[str, Any], json_out: str | None, as_text) -> None:
    """A metrics report: as text on stdout, and as JSON to ``--json FILE`` ('-': stdout
    instead of the text); an undefined score (NaN) is null."""
    import json

    from ..io.writers import json_safe

    if json_out == "-":
        click.echo(json.dumps(json_safe(rep), ensure_ascii=False, indent=2, allow_nan=False))
        return
    click.echo(as_text(rep))
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        with open(json_out, "w", encoding="utf-8") as f:
            json.dump(json_safe(rep), f, ensure_ascii=False, indent=2, allow_nan=False)
