"""Pipeline: an ordered list of stages, checked when built, run on texts or Docs."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from numbers import Number
from pathlib import Path
from typing import Any

from . import registry
from .doc import Doc
from .errors import ConfigError, KotextError, UsageError
from .stages.base import Stage, batched

BASE_FIELDS = frozenset({"text", "id", "meta"})
# Documents per batch for the batched stages. Small on purpose: Kiwi reads only 32
# documents ahead of its caller (16 per worker thread), so while Python works through one
# batch (cleaning, features, writing) its threads idle once those 32 are done. Batches of
# 128 take a few milliseconds each, about what the 32 take Kiwi; batches of 1000 left its
# threads waiting (measured, classify over 50,000 reviews in one process: 14.9 s using
# 1.89 of 2 cores at 1000, 14.2 s using 1.98 at 128).
BATCH_SIZE = 128


def _as_doc(item: str | Doc | None) -> Doc:
    """A text, or a Doc as it is. Cells as a data frame holds them are texts too: None,
    NaN and pandas' NA are empty, numbers their digits, a list of strings one per line."""
    if isinstance(item, str):
        return Doc(text=item)
    if isinstance(item, Doc):
        return item
    from .io.readers import is_missing, text_of

    if is_missing(item) or isinstance(item, (Number, list, tuple)):
        try:
            return Doc(text=text_of(item))
        except KotextError as e:
            why = str(e).split("; point")[0]
            raise TypeError(f"expected a str or a Doc, got {type(item).__name__}: {why}") from None
    hint = " (decode bytes first: data.decode('utf-8'))" if isinstance(item, bytes) else ""
    raise TypeError(f"expected a str or a Doc, got {type(item).__name__}{hint}")


def _error_text(stage: Stage, exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    if not isinstance(exc, KotextError):
        msg = f"{type(exc).__name__}: {msg}"
    if isinstance(exc, UnicodeError) and "utf-16" in msg:  # Kiwi's on a lone surrogate
        msg += ("; the text holds a lone surrogate (U+D800-U+DFFF, e.g. from a broken JSON "
                "escape), which is no character: fix its source, or put the clean.v1 stage "
                "first (it replaces one with U+FFFD)")
    return f"{stage.name}: {msg}"


# Fields computed from doc.text: a stage that rewrites the text must come before them.
TEXT_DERIVED = frozenset({"tokens", "sentences", "label", "scores", "summary",
                          "summary_indices", "keywords", "vector"})


def _batch_size(value: Any) -> int:
    """A positive whole number (0 wrote nothing at all, -1 crashed in islice)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"pipeline batch_size = {value!r}: give a whole number of documents, "
                          f"1 or more (default {BATCH_SIZE})")
    return value


class Pipeline:
    """Stages run in order on each batch of documents.

    >>> nlp = Pipeline([Clean(), KiwiTokenizer()])   # doctest: +SKIP
    >>> nlp("배우 연기가 좋았다").tokens              # doctest: +SKIP
    """

    def __init__(self, stages: Iterable[Stage], batch_size: int = BATCH_SIZE,
                 source: Path | None = None):
        self.stages: list[Stage] = list(stages)
        self.batch_size = _batch_size(batch_size)
        self.source = source
        seen: set[str] = set()
        for i, st in enumerate(self.stages):
            if not isinstance(st, Stage):
                raise ConfigError(f"pipeline item {i} is {type(st).__name__}, not a Stage")
            if not st.name:
                st.name = st.factory.split(".")[0] or type(st).__name__.lower()
            if st.name in seen:
                raise ConfigError(f"two stages are named '{st.name}'; stage names must differ")
            seen.add(st.name)
            registry.check_options(st)
        self.check()

    # -- construction -------------------------------------------------------------------
    def check(self) -> None:
        """Fail if a stage needs a field that no earlier stage assigns."""
        have = set(BASE_FIELDS)
        for st in self.stages:
            missing = sorted(set(st.requires) - have)
            if missing:
                need = ", ".join(missing)
                hints = sorted({registry.PROVIDERS[m] for m in missing if m in registry.PROVIDERS})
                hint = f" Add a stage with factory {' / '.join(hints)} before it." if hints else ""
                for prev in self.stages[: self.stages.index(st)]:  # there, but set not to
                    when = [prev.assigns_when.get(m) for m in missing]
                    if all(when):
                        hint = (f" Stage '{prev.name}' ({prev.factory}) assigns "
                                f"{need} only with {', '.join(sorted(set(when)))}.")
                before = ", ".join(s.name for s in self.stages[: self.stages.index(st)]) or "none"
                raise ConfigError(
                    f"stage '{st.name}' ({st.factory}) requires {need}, which no earlier stage "
                    f"assigns (stages before it: {before}).{hint}"
                )
            if "text" in st.assigns:  # rewriting the text leaves earlier fields behind
                stale = sorted((have - set(BASE_FIELDS)) & TEXT_DERIVED)
                if stale:
                    made = ", ".join(s.name for s in self.stages[: self.stages.index(st)]
                                     if set(s.assigns) & set(stale))
                    raise ConfigError(
                        f"stage '{st.name}' ({st.factory}) rewrites the text after {made} "
                        f"assigned {', '.join(stale)}, whose offsets and words would then "
                        f"describe the old text. Put '{st.name}' first.")
            have |= set(st.assigns)
        for i, st in enumerate(self.stages):
            st.check_pipeline(self.stages[:i])

    @property
    def assigns(self) -> set[str]:
        out: set[str] = set()
        for st in self.stages:
            out |= set(st.assigns)
        return out

    @classmethod
    def from_config(cls, cfg: dict[str, Any], base_dir: Path | None = None,
                    source: Path | None = None) -> Pipeline:
        where = f"{source}: " if source else ""
        pipe_cfg = cfg.get("pipeline")
        if not isinstance(pipe_cfg, dict) or "stages" not in pipe_cfg:
            raise ConfigError(f'{where}missing [pipeline] table with stages = ["...", ...]')
        extra = set(pipe_cfg) - {"stages", "batch_size"}
        if extra:
            raise ConfigError(
                f"{where}unknown [pipeline] option(s) {', '.join(sorted(extra))}; "
                "options are: stages, batch_size"
            )
        top = set(cfg) - {"pipeline", "stages"}
        if top:
            raise ConfigError(
                f"{where}unknown table [{sorted(top)[0]}]; a pipeline file has [pipeline] "
                "and [stages.NAME] tables"
            )
        names_ = pipe_cfg["stages"]
        if not isinstance(names_, list) or not all(isinstance(n, str) for n in names_):
            raise ConfigError(f'{where}[pipeline] stages must be a list of stage names, '
                              f'e.g. stages = ["clean", "tokenize"]')
        stage_cfgs = cfg.get("stages", {})
        if not isinstance(stage_cfgs, dict):
            raise ConfigError(f"{where}stages must be tables [stages.NAME] (with factory = "
                              f'"..."), not {stage_cfgs!r}')
        for name, scfg in stage_cfgs.items():
            if not isinstance(scfg, dict):
                raise ConfigError(f'{where}stages.{name} must be a table ([stages.{name}] '
                                  f'with factory = "..."), not {scfg!r}')
        unused = set(stage_cfgs) - set(pipe_cfg["stages"])
        if unused:
            raise ConfigError(
                f"{where}[stages.{sorted(unused)[0]}] is defined but not listed in "
                f"[pipeline] stages = {pipe_cfg['stages']}"
            )
        stages = []
        for name in pipe_cfg["stages"]:
            scfg = dict(stage_cfgs.get(name, {}))
            factory = scfg.pop("factory", None)
            if not isinstance(factory, str):
                raise ConfigError(f'{where}[stages.{name}] needs factory = "..." '
                                  f"(known: {', '.join(registry.names())})")
            cls_ = registry.get(factory)
            for key in cls_.path_params:
                val = scfg.get(key)
                if isinstance(val, str) and base_dir is not None and not Path(val).is_absolute():
                    cand = (base_dir / val)
                    if cand.exists():
                        scfg[key] = str(cand.resolve())
            try:
                stages.append(registry.create(factory, name=name, **scfg))
                stages[-1].check_files()
            except ConfigError as e:
                raise ConfigError(f"{where}{e}") from None
        try:
            return cls(stages, batch_size=pipe_cfg.get("batch_size", BATCH_SIZE), source=source)
        except ConfigError as e:  # stage order, a model's settings: name the file too
            raise ConfigError(f"{where}{e}") from None

    def to_config(self) -> dict[str, Any]:
        stages: dict[str, Any] = {}
        for st in self.stages:
            stages[st.name] = {k: v for k, v in st.to_config().items() if v is not None}
        return {
            "pipeline": {"stages": [st.name for st in self.stages], "batch_size": self.batch_size},
            "stages": stages,
        }

    # -- running ------------------------------------------------------------------------
    def __call__(self, text: str | Doc) -> Doc:
        doc = _as_doc(text)
        for st in self.stages:
            doc = st(doc)
        return doc

    def _run_batch(self, docs: list[Doc], on_error: str) -> list[Doc]:
        for st in self.stages:
            self._apply(st, docs, on_error)
        return docs

    @staticmethod
    def _apply(st: Stage, docs: list[Doc], on_error: str) -> list[Doc]:
        """Run one stage on the documents that have not failed yet."""
        todo = [d for d in docs if d.error is None]
        if not todo:
            return docs
        if on_error == "raise":
            st.process_batch(todo)
            return docs
        try:
            st.process_batch(todo)
        except UsageError:  # a bad option or a missing model: no row can succeed
            raise
        except Exception:  # isolate the failing documents, keep the rest
            for d in todo:
                try:
                    st.process_batch([d])
                except UsageError:
                    raise
                except Exception as e:  # noqa: BLE001 - recorded on the row
                    d.error = _error_text(st, e)
        return docs

    def _batches_of(self, st: Stage, docs: Iterator[Doc], bs: int,
                    on_error: str) -> Iterator[Doc]:
        for batch in batched(docs, bs):
            yield from self._apply(st, batch, on_error)

    def _stream_of(self, st: Stage, docs: Iterator[Doc], on_error: str) -> Iterator[Doc]:
        upstream = _Guarded(docs)
        while True:
            pending: deque[Doc] = deque()
            try:
                yield from st.process_stream(upstream, pending)
                return
            except Exception as e:
                if upstream.failed and pending:
                    # the input itself raised (a reader's InputError too): the documents
                    # read before it still come out (Kiwi's read-ahead held up to 32 of
                    # them), then the error
                    yield from self._apply(st, list(pending), on_error)
                    raise
                # a bad option or a missing model: no document can succeed; nothing in
                # flight: the stage fails before any document (a bad option that only
                # Kiwi checks), and restarting it would loop forever
                if isinstance(e, UsageError) or on_error == "raise" or upstream.failed \
                        or not pending:
                    raise
            # A document failed inside the stream: redo those in flight one by one
            # (recording the failure on its row), then go on with the rest.
            for d in pending:
                yield from self._apply(st, [d], on_error)

    def pipe(self, texts: Iterable[str | Doc], batch_size: int | None = None,
             n_process: int = 1, on_error: str = "raise") -> Iterator[Doc]:
        """Stream Docs, lazily and in input order.

        ``on_error="raise"`` stops at the first failure; ``"record"`` keeps going and
        sets ``doc.error`` on each failing document (its place in the output is kept).
        ``n_process > 1`` runs batches in worker processes, each rebuilding the pipeline
        from its configuration.
        """
        if on_error not in ("raise", "record"):
            raise ValueError("on_error must be 'raise' or 'record'")
        _check_many(texts)
        bs = self.batch_size if batch_size is None else _batch_size(batch_size)
        n_process = _n_process(n_process)
        as_doc = _as_doc if on_error == "raise" else _as_doc_or_error
        if n_process == 1:
            # Measured: a background thread for batches made end-to-end runs slower (GIL
            # contention with Kiwi's result thread), so batches run in the caller's thread.
            # Each stage is a generator over the one before; a streaming stage (Kiwi)
            # gets the whole stream so that its threads never wait for a batch boundary.
            docs: Iterator[Doc] = (as_doc(t) for t in texts)
            for st in self.stages:
                docs = (self._stream_of(st, docs, on_error) if st.streams
                        else self._batches_of(st, docs, bs, on_error))
            yield from docs
            return
        self._check_rebuildable()
        ctx = mp.get_context("spawn")
        worker = _partial_worker(on_error)
        # Factories registered at run time (registry.register) are passed on by module
        # name, so that workers can import them.
        init = (self.to_config(), registry.factory_modules())
        batches = batched((as_doc(t) for t in texts), bs)
        # An executor, not mp.Pool: a worker that dies (e.g. a script without the
        # `if __name__ == "__main__":` guard, which spawn re-runs in every worker) breaks
        # it and the parent is told, where a Pool restarted workers forever.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        pool = ProcessPoolExecutor(n_process, mp_context=ctx, initializer=_init_worker,
                                   initargs=init)
        try:
            # A bounded window of batches in flight: memory stays flat, order is kept.
            pending: deque = deque()
            failed: Exception | None = None
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except Exception as e:  # the input raised: what was sent off still comes
                    failed = e          # out (a worker's own failure raises at once)
                    break
                pending.append(pool.submit(worker, batch))
                if len(pending) >= 2 * n_process:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
            if failed is not None:
                raise failed
        except BrokenProcessPool:
            raise RuntimeError(
                "kotext's worker processes stopped while starting (n_process > 1). Each "
                "worker runs your script's top level again: put the code that calls "
                "pipe(..., n_process=...) under `if __name__ == \"__main__\":`, or use "
                "n_process=1") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _check_rebuildable(self) -> None:
        """Worker processes rebuild each stage from its factory name: a stage class that
        is not registered (or a script read from stdin, which they cannot re-run) would
        make every worker fail."""
        for st in self.stages:
            try:
                ok = bool(st.factory) and registry.get(st.factory) is type(st)
            except ConfigError:
                ok = False
            if not ok:
                raise ConfigError(
                    f"stage '{st.name}' ({type(st).__name__}) is not a registered stage, so "
                    f"worker processes cannot rebuild it (n_process > 1): decorate its class "
                    f"with @kotext.registry.register(\"{st.name}.v1\") at the top level of a "
                    f"module, or use n_process=1")
            # ... from its settings alone: what it was handed in memory (word vectors
            # given to a docvec stage) stays behind, so its files must exist
            cfg = {k: v for k, v in st.to_config().items() if k != "factory"}
            try:
                registry.create(st.factory, name=st.name, **cfg).check_files()
            except ConfigError as e:
                raise ConfigError(
                    f"stage '{st.name}': worker processes rebuild it from its settings "
                    f"(n_process > 1), and then: {e}. Save what it was handed in memory "
                    f"(e.g. Vectors.save) and name that, or use n_process=1") from None
        import sys

        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        if main_file is not None and not Path(main_file).exists():
            raise RuntimeError(
                f"n_process > 1 starts worker processes that re-run your script, and "
                f"{main_file} is not a file they can read (a script piped to python on "
                f"stdin): save it to a .py file and run that, or use n_process=1")


def _check_many(texts: Any) -> None:
    """pipe() takes many texts: a lone string went through one character at a time, a
    data frame one column name at a time."""
    if isinstance(texts, (str, bytes, Doc)):
        raise TypeError("pipe() takes many texts (a list, a generator, a pandas column); "
                        "for one text call the pipeline itself: nlp(text)")
    if type(texts).__name__ == "DataFrame":
        raise TypeError("pipe() got a whole data frame, whose items are its column names: "
                        "pass the text column, e.g. nlp.pipe(df[\"review\"])")


def _n_process(value: Any) -> int:
    """1 or more worker processes; -1 for one per CPU core (as in spaCy)."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # np.int64 too
        raise TypeError(f"n_process={value!r}: give a whole number (1, 2, ...; -1 for one "
                        f"process per CPU core)")
    value = int(value)
    if value == -1:
        import os

        return os.cpu_count() or 1
    if value < 1:
        raise ValueError(f"n_process={value}: give 1 or more (-1 for one process per CPU "
                         f"core)")
    return value


def _as_doc_or_error(item: Any) -> Doc:
    """_as_doc, with a cell that holds no text (a dict, a nested list) kept in its place
    as an empty Doc that carries the error, as the CLI does for such a row."""
    try:
        return _as_doc(item)
    except TypeError as e:
        return Doc(text="", error=f"input: {e}")


class _Guarded:
    """An iterator that remembers whether it raised, so that a failure upstream of a
    streaming stage is not mistaken for one of the stage's own."""

    def __init__(self, it: Iterator[Doc]):
        self.it = it
        self.failed = False

    def __iter__(self) -> _Guarded:
        return self

    def __next__(self) -> Doc:
        try:
            return next(self.it)
        except StopIteration:
            raise
        except BaseException:
            self.failed = True
            raise


class _partial_worker:
    def __init__(self, on_error: str):
        self.on_error = on_error

    def __call__(self, batch: list[Doc]) -> list[Doc]:
        if _WORKER_ERROR is not None:
            raise _WORKER_ERROR
        assert _WORKER_PIPELINE is not None
        return _WORKER_PIPELINE._run_batch(batch, self.on_error)


_WORKER_PIPELINE: Pipeline | None = None
_WORKER_ERROR: BaseException | None = None


def _exit_with_parent() -> None:
    """A worker whose parent was killed (kill -9, a job scheduler's SIGTERM, the OOM
    killer) lived on holding ~500 MB and the parent's stdout: it now exits within a second.
    (The pool's queues cannot tell it: every worker holds their pipes open.)"""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="kotext-parent-watch").start()


def _init_worker(cfg: dict[str, Any], factories: dict[str, str] | None = None) -> None:
    # An initializer that raises makes multiprocessing restart the worker forever: keep
    # the error and raise it from the first task instead, so that the parent sees it.
    global _WORKER_PIPELINE, _WORKER_ERROR
    _exit_with_parent()
    try:
        for name, target in (factories or {}).items():
            registry.add_factory(name, target)
        _WORKER_PIPELINE = Pipeline.from_config(cfg)
    except Exception as e:  # noqa: BLE001 - re-raised in the parent
        _WORKER_ERROR = e
