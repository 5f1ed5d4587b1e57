"""The command-line side of the engines: ``kotext run --engine ray`` (flags in, the summary
on stderr, the exit status out), called by ``kotext.cli``."""

from __future__ import annotations

from typing import Any

import click

from ..errors import UsageError, require


def run_on_ray(pipeline_file: str, overrides: list[str], address: str | None,
               token_format: str, sentences: bool, io: dict[str, Any]) -> int:
    """``kotext run --engine ray``: kotext.engines.ray.run_files, its summary on stderr;
    returns the exit status (1 when rows failed, unless --on-error skip)."""
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
                         "(and --on-error fail or skip)")
    from .ray import BATCH_ROWS, run_files

    actors = io["n_process"] if ctx.get_parameter_source("n_process") == \
        click.core.ParameterSource.COMMANDLINE else None
    flags = {"text_column": "--text-column", "output": "-o", "input_format": "--input-format",
             "concurrency": "--n-process", "batch_size": "--batch-size"}
    try:
        stats = run_files(pipeline_file, io["input"], io["output"], overrides=overrides,
                          text_column=io["text_column"], address=address, concurrency=actors,
                          batch_size=io["batch_size"] or BATCH_ROWS, sentences=sentences,
                          token_format=token_format, input_format=io["input_format"])
    except ValueError as e:  # the library names its parameters: here they are flags
        msg = str(e)
        for param, flag in flags.items():
            msg = msg.replace(f"{param}=", f"{flag} ").replace(f"{param}:", f"{flag}:")
        raise UsageError(msg) from None
    code = int(bool(stats.failed and io["on_error"] == "fail"))
    click.echo(f"{stats.rows} rows, {stats.failed} failed, {stats.seconds:.1f} s "
               f"({stats.rows / max(stats.seconds, 1e-9):,.0f} docs/s; Ray's start "
               f"{stats.start_seconds:.1f} s of it) -> {io['output']} ({len(stats.parts)} "
               f"parquet parts, in row order by name)", err=True)
    for e in stats.errors:
        click.echo(f"  {e}", err=True)
    if code:
        click.echo("  (each failing row keeps its place, with the reason in its error column; "
                   "--on-error skip accepts them and exits 0)", err=True)
    return code
