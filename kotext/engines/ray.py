"""kotext on Ray Data: ``apply`` maps a ``ray.data.Dataset`` through a pipeline, and
``run_files`` is ``kotext run --engine ray`` (files or folders in, parquet parts out).

One pipeline per actor, built in the actor from its config (``WorkerSpec``): Ray never
pickles a Pipeline. Each actor's Kiwi has one thread and the actor asks Ray for one CPU,
so N actors use N cores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import WorkerSpec, apply_batch, worker_pipeline

BATCH_ROWS = 1024  # rows per map_batches call: a few hundred ms of work


class KotextBatches:
    """The callable class Ray Data runs on each actor: the pipeline is built once, in
    ``__init__``; each call takes a pyarrow Table and returns it with kotext's columns."""

    def __init__(self, spec: WorkerSpec):
        self.spec = spec
        worker_pipeline(spec)

    def __call__(self, batch: Any) -> Any:
        return apply_batch(self.spec, batch)


def apply(ds: Any, pipeline: Any, *, text_column: str, concurrency: int = 1,
          batch_size: int = BATCH_ROWS, overrides: list[str] | None = None,
          sentences: bool = False, token_format: str = "text", kiwi_threads: int = 1,
          preserve_order: bool = True, **ray_remote_args: Any) -> Any:
    """``ds`` (a ``ray.data.Dataset``) through ``pipeline`` (a pipeline file, a shipped
    name, a model folder or a config dict) on ``concurrency`` actors: a Dataset with the
    same rows, and kotext's output columns and error column appended (the values ``kotext
    run`` writes; a row that fails keeps its place with its error).

    ``batch_size``: rows per actor call: the dataset is first cut into blocks of at most
    that many rows (Ray's streaming repartition, order kept; a file read as one block
    reached one actor only), and each block is one call, whose output is one block.
    ``preserve_order`` sets Ray Data's switch of the
    same name on the dataset's DataContext, so that rows come out (and are written) in
    input order; without it, keep an id column of your own to join on. Other keyword
    arguments go to ``map_batches`` (``num_cpus``, ``max_restarts``, ``memory``, ...): by
    default Ray restarts a dead actor and retries its batches, each row coming out exactly
    once, and each actor reserves ``kiwi_threads`` CPUs (less where the actors would hold
    every CPU of the cluster, see ``_actor_cpus``).
    """
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency={concurrency!r}: give the number of actors, 1 or more")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}: give the rows per batch, 1 or more")
    spec, _ = WorkerSpec.of(pipeline, text_column=text_column, overrides=overrides,
                            threads=kiwi_threads, sentences=sentences,
                            token_format=token_format)
    columns = ds.columns()
    if text_column not in columns:
        raise ValueError(f"text_column={text_column!r} is not a column of the dataset (it "
                         f"has {', '.join(map(repr, columns[:10]))}): pass the name of the "
                         f"column that holds the text")
    if preserve_order:
        ds.context.execution_options.preserve_order = True
    # one call, and one output block, per block of at most batch_size rows: the order of
    # blocks is what preserve_order keeps
    ds = ds.repartition(target_num_rows_per_block=batch_size)
    from ray.data import ActorPoolStrategy

    ray_remote_args.setdefault("num_cpus", _actor_cpus(concurrency, kiwi_threads))
    return ds.map_batches(KotextBatches, fn_constructor_kwargs={"spec": spec},
                          batch_format="pyarrow", batch_size=None,
                          compute=ActorPoolStrategy(size=concurrency), **ray_remote_args)


def _actor_cpus(concurrency: int, threads: int) -> float:
    """CPUs each actor reserves: ``threads``, or less where ``concurrency`` actors would
    reserve every CPU of the cluster: Ray Data's read, repartition and write tasks need a
    CPU too, and with none left the run waited forever (2 actors on ``ray.init(num_cpus=
    2)``). The reservation is Ray's bookkeeping: each actor still uses its threads."""
    import ray

    total = float(ray.cluster_resources().get("CPU", 0))
    want = float(threads)
    if total and concurrency * want > total - 1:
        want = max(0.1, min(want, (total - 1) / concurrency)) if total > 1 else total / (
            concurrency + 1)
    return round(want, 3)


# -- files: kotext run --engine ray --------------------------------------------------------
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
           ".parquet": "parquet"}


def _format_of(paths: list[str], input_format: str | None) -> str:
    if input_format is not None:
        if input_format not in set(FORMATS.values()):
            raise ValueError(f"input_format={input_format!r}: give one of csv, tsv, jsonl, "
                             f"parquet")
        return input_format
    found: set[str] = set()
    for p in paths:
        path = Path(p)
        if path.is_dir():  # the readable files in it (a _SUCCESS or README is left out)
            found |= {FORMATS[f.suffix.lower()] for f in path.rglob("*")
                      if f.is_file() and f.suffix.lower() in FORMATS and not any(
                          part.startswith((".", "_")) for part in f.relative_to(path).parts)}
        elif path.suffix.lower() in FORMATS:
            found.add(FORMATS[path.suffix.lower()])
        else:
            raise ValueError(f"{p}: not a .csv, .tsv, .jsonl or .parquet file; name its "
                             f"format with input_format")
    if len(found) != 1:
        what = ", ".join(sorted(found)) or "no .csv, .tsv, .jsonl or .parquet"
        raise ValueError(f"{', '.join(paths)}: {what} files; give files of one format, or "
                         f"name the one to read with input_format")
    return found.pop()


def read_files(paths: str | list[str], input_format: str | None = None) -> Any:
    """Files or folders (local, or any filesystem Ray reads: s3://, gs://, ...) as a
    ``ray.data.Dataset``, read by Ray Data's own readers. A TSV's quotes are text, as in
    NSMC-style files; a CSV's quoted cells may hold line breaks."""
    import pyarrow.csv as pacsv
    import ray.data

    paths = [paths] if isinstance(paths, str) else list(paths)
    fmt = _format_of(paths, input_format)
    if fmt == "parquet":
        return ray.data.read_parquet(paths, file_extensions=["parquet"])
    if fmt == "jsonl":
        return ray.data.read_json(paths, lines=True, file_extensions=["jsonl", "json"])
    tsv = fmt == "tsv"
    parse = pacsv.ParseOptions(delimiter="\t" if tsv else ",", quote_char=False if tsv else '"',
                               newlines_in_values=not tsv)
    return ray.data.read_csv(paths, parse_options=parse, file_extensions=[fmt])


@dataclass
class RayRun:
    rows: int = 0
    failed: int = 0
    seconds: float = 0.0
    start_seconds: float = 0.0  # of seconds: starting (or joining) Ray
    errors: list[str] = field(default_factory=list)  # the first few: "row N: message"
    parts: list[str] = field(default_factory=list)   # the parquet files, in row order


def _write_in_order(ds: Any, output: str) -> None:
    """``ds``'s blocks as parquet parts ``part-000000.parquet``, ... under ``output`` (a
    folder or any URI pyarrow writes), numbered in the order the driver receives them,
    which ``preserve_order`` makes the input's (Ray's own part names do not sort so)."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fs, root = pafs.FileSystem.from_uri(output)
    fs.create_dir(root, recursive=True)
    for i, block in enumerate(ds.iter_batches(batch_format="pyarrow", batch_size=None)):
        pq.write_table(block, f"{root}/part-{i:06d}.parquet", filesystem=fs)


def run_files(pipeline: Any, inputs: str | list[str], output: str, *,
              text_column: str | None = None, address: str | None = None,
              concurrency: int | None = None, batch_size: int = BATCH_ROWS,
              overrides: list[str] | None = None, sentences: bool = False,
              token_format: str = "text", input_format: str | None = None) -> RayRun:
    """Read ``inputs``, run ``pipeline`` on Ray and write parquet parts into the folder
    ``output``, in input order (their names sort in row order). ``address``: a Ray
    cluster to join (default: the one ``RAY_ADDRESS`` names, else a local Ray started
    here). ``concurrency``: actors (default: one per CPU of the cluster). Returns the
    counts of rows and failed rows, read back from the parts' metadata."""
    import ray

    from ..batch import output_columns
    from ..io.readers import TEXT_COLUMN_GUESSES

    out = Path(output)
    if "://" not in output and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"output={output!r} exists and is not an empty folder: the parquet "
                         f"parts go into a folder of their own; name a new one")
    t0 = time.perf_counter()
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    start = time.perf_counter() - t0
    ds = read_files(inputs, input_format)
    columns = ds.columns()
    if text_column is None:
        text_column = next((c for g in TEXT_COLUMN_GUESSES for c in columns
                            if c.lower() == g), None)
        if text_column is None:
            raise ValueError(f"text_column: none of the columns ({', '.join(columns[:10])}) "
                             f"is named text, document, review, ...: name the one that holds "
                             f"the text")
    if concurrency is None:
        concurrency = max(1, int(ray.cluster_resources().get("CPU", 1)))
    spec, nlp = WorkerSpec.of(pipeline, text_column=text_column, overrides=overrides,
                              sentences=sentences, token_format=token_format)
    result = apply(ds, spec.config, text_column=text_column, concurrency=concurrency,
                   batch_size=batch_size, sentences=sentences, token_format=token_format)
    _write_in_order(result, output if "://" in output else str(out.resolve()))
    # the error column's name from the pipeline (result.columns() would run a first block)
    error_column = list(output_columns(nlp, columns, sentences=sentences).values())[-1]
    stats = count_parquet(output if "://" in output else out, error_column=error_column)
    stats.seconds, stats.start_seconds = time.perf_counter() - t0, start
    return stats


def count_parquet(folder: str | Path, error_column: str = "error", keep: int = 5) -> RayRun:
    """Rows and failed rows of the parquet parts in ``folder`` (a path, or a URI pyarrow
    reads: s3://, gs://, ...), in name order, with the first ``keep`` errors numbered by
    row."""
    import pyarrow.compute as pc
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    if "://" in str(folder):
        filesystem, root = pafs.FileSystem.from_uri(str(folder))
    else:
        filesystem, root = pafs.LocalFileSystem(), str(Path(folder).resolve())
    infos = filesystem.get_file_info(pafs.FileSelector(root))
    stats = RayRun()
    for part in sorted(i.path for i in infos if i.path.endswith(".parquet")):
        with filesystem.open_input_file(part) as fh:
            f = pq.ParquetFile(fh)
            errors = f.read(columns=[error_column])[error_column]
            rows = f.metadata.num_rows
        failed = len(errors) - errors.null_count
        if failed and len(stats.errors) < keep:
            idx = pc.indices_nonzero(pc.is_valid(errors)).to_pylist()
            for i in idx[:keep - len(stats.errors)]:
                stats.errors.append(f"row {stats.rows + i + 1}: {errors[i].as_py()}")
        stats.rows += rows
        stats.failed += failed
        stats.parts.append(part)
    return stats
