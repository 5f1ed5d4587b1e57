"""Classification commands: classify, evaluate, explain, and the classify table."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import click

from ..errors import require
from .base import (CONTEXT, DEVICE_HELP, _RUN, _report, _stage_progress, device_option,
                   encoding_option, io_options, main, run_job, text_column_option)
from .summarize import _text_out


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

    from ..evaluate.classification import _cells, _left

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
@device_option("Transformer models: " + DEVICE_HELP)
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
    from ..loading import classify_pipeline

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


def _labeled(path, text_column, label_column, encoding, label_map, drop_blank_labels, limit=None,
             aux_column=None):
    from ..training.data import read_labeled

    return read_labeled(path, text_column=text_column, label_column=label_column,
                        encoding=encoding, label_map=label_map,
                        drop_blank_labels=drop_blank_labels, limit=limit, aux_column=aux_column)


def label_options(f):
    opts = [
        text_column_option(),
        click.option("--label-column", default="label", show_default=True, metavar="NAME",
                     help="Column with the gold label."),
        click.option("--label-map", default=None, metavar="MAP",
                     help="Rename/merge/drop labels: e.g. 0=negative,1=positive or "
                          "1-4=negative,5-7=neutral,8-10=positive (ranges inclusive; =drop "
                          "removes rows)."),
        click.option("--drop-blank-labels", is_flag=True,
                     help="Leave out rows with an empty label (default: an error)."),
        encoding_option(),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


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
    from ..errors import InputError
    from ..evaluate import classification_report, format_report, plot_confusion
    from ..loading import classify_pipeline

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
            from ..training.data import parse_label_map

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
    from ..explain import explain as _explain
    from ..explain import to_html, to_terminal
    from ..loading import classify_pipeline

    ex = _explain(classify_pipeline(model), text)
    use_color = _use_color(color)
    click.echo(to_terminal(ex, n=top, color=use_color), color=use_color)
    if html_out:
        Path(html_out).parent.mkdir(parents=True, exist_ok=True)
        with open(html_out, "w", encoding="utf-8") as f:
            f.write(to_html(ex, n=top))
        click.echo(f"written to {html_out}", err=True)
