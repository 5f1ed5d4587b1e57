"""kotext collect: web pages or HTML files to article text."""

from __future__ import annotations

import sys

import click

from ..errors import UsageError
from .base import CONTEXT, _RUN, _on_error_name, _progress, main


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

    from ..io.collect import COLUMNS, check_items, read_urls_file
    from ..io.collect import collect as collect_pages
    from ..io.writers import Writer

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
