"""What ``kotext serve`` does, without the web: the loaded pipelines, the limits, the
bounded worker threads, texts and uploaded files through ``pipe()`` and the batch API.

Every request's work runs on one of ``Limits.workers`` threads sharing the pipelines
loaded once; a request beyond ``workers + max_pending`` waiting ones is refused
(:class:`Busy`) rather than queued without end. Requests waiting for a worker at the same
time run in one ``pipe()`` (``submit_texts``).
"""

from __future__ import annotations

import re
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, KotextError
from ..io.readers import ERROR_KEY, FORMATS, Source, format_of
from ..pipeline import Pipeline

# the tasks for texts, and those for files with the fields each writes (as the command
# of the same name does; None: every field the pipeline assigns, as `kotext run`)
TEXT_TASKS = ("classify", "explain", "summarize", "keywords", "tokenize")
FILE_FIELDS: dict[str, list[str] | None] = {
    "classify": ["label", "scores"], "summarize": ["summary"], "keywords": ["keywords"],
    "tokenize": None, "run": None}
OUT_FORMATS = ("csv", "tsv", "jsonl")  # streamed back as the rows come (parquet cannot be)
OUT_ENCODINGS = ("utf-8", "utf-8-sig")
# texts of several waiting requests run in one pipe() up to this many (one request's own
# texts are never split); 64 is a batch that keeps Kiwi's threads busy
MERGED_TEXTS = 64  # every character fits: a stream cannot fail halfway
# the Doc fields each text task answers with
TASK_FIELDS = {"classify": {"label", "scores"}, "summarize": {"text", "sentences", "summary"},
               "keywords": {"keywords"}, "tokenize": {"text", "tokens", "sentences"}}


@dataclass
class Limits:
    """What one request may ask. ``max_text_chars``: one text (Kiwi's time on a single text
    grows about quadratically past ~25,000 characters); ``max_request_bytes``: a request's
    body (a JSON request or an uploaded file); ``workers``: threads doing the work;
    ``max_pending``: requests waiting for one before the next is refused."""

    max_text_chars: int = 25_000
    max_request_bytes: int = 50 * 1024 * 1024
    workers: int = 2
    max_pending: int = 64

    def __post_init__(self) -> None:
        for name in ("max_text_chars", "max_request_bytes", "workers"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"Limits({name}={v!r}): give a whole number, 1 or more")
        if isinstance(self.max_pending, bool) or not isinstance(self.max_pending, int) \
                or self.max_pending < 0:
            raise ValueError(f"Limits(max_pending={self.max_pending!r}): give a whole "
                             f"number, 0 or more")


class RequestError(Exception):
    """A request that cannot be answered as asked: its HTTP status and the reason (and the
    limit it went over, if any)."""

    def __init__(self, status: int, message: str, limit: str | None = None,
                 value: int | None = None):
        super().__init__(message)
        self.status, self.message, self.limit, self.value = status, message, limit, value


class Busy(RequestError):
    def __init__(self, waiting: int):
        super().__init__(503, f"busy: {waiting} requests are waiting for a worker already "
                              f"(max_pending); try again in a moment", "max_pending", waiting)


class Cancelled(Exception):
    """The client went away while its file was being written back."""


def _json_number(v: Any) -> Any:
    return float(v) if v is not None else None


def doc_json(doc, fields: set[str]) -> dict[str, Any]:
    """What ``doc`` holds for the given Doc fields, as JSON values; ``error`` always."""
    out: dict[str, Any] = {}
    ok = doc.error is None
    if "text" in fields:  # the text the offsets index (cleaned)
        out["text"] = doc.text if ok else None
    if "tokens" in fields:
        out["tokens"] = [
            {"form": t.form, "tag": t.tag, "start": t.start, "end": t.end,
             **({"lemma": t.lemma} if t.lemma else {})} for t in doc.tokens] \
            if ok and doc.tokens is not None else None
    if "sentences" in fields:
        out["sentences"] = [{"text": s.text, "start": s.start, "end": s.end}
                            for s in doc.sentences] \
            if ok and doc.sentences is not None else None
    if "label" in fields or "scores" in fields:
        out["label"] = doc.label if ok else None
        out["score"] = _json_number(doc.score) if ok else None
        out["scores"] = {k: float(v) for k, v in doc.scores.items()} \
            if ok and doc.scores is not None else None
    if "summary" in fields:
        out["summary"] = list(doc.summary) if ok and doc.summary is not None else None
        out["summary_indices"] = [int(i) for i in doc.summary_indices] \
            if ok and doc.summary_indices is not None else None
        out["summary_scores"] = [float(s) for s in doc.summary_scores] \
            if ok and doc.summary_scores is not None else None
    if "keywords" in fields:
        out["keywords"] = [[w, float(s)] for w, s in doc.keywords] \
            if ok and doc.keywords is not None else None
    if "vector" in fields:
        out["vector"] = [float(x) for x in doc.vector] \
            if ok and doc.vector is not None else None
    out["error"] = doc.error
    return out


def explanation_json(ex, n: int = 5) -> dict[str, Any]:
    from ..explain import SHOWN, html_body

    return {
        "label": ex.label, "score": float(max(ex.probs)),
        "scores": dict(zip(ex.labels, map(float, ex.probs))),
        "text": ex.doc.text,
        "tokens": [{"form": t.form, "tag": t.tag, "start": t.start, "end": t.end,
                    "scores": {k: float(v) for k, v in s.items()}}
                   for t, s in ex.token_scores],
        "top": {lab: [{"form": t.form, "tag": t.tag, "value": float(v)}
                      for t, v in ex.top(lab, n, at_least=SHOWN)] for lab in ex.labels},
        "html": html_body(ex, n),  # as `kotext explain --html` draws it
        "error": None,
    }


class Upload:
    """An uploaded file read as ``kotext`` reads a file: its rows, columns and text column.
    The bytes go to a private temporary file (never a path the client names), which is
    gone once the rows are read."""

    def __init__(self, data: bytes, *, filename: str | None = None,
                 input_format: str | None = None, encoding: str | None = None,
                 text_column: str | None = None, quoting: str | None = None,
                 max_text_chars: int | None = None, guess_only: bool = False):
        name = Path(filename or "upload").name or "upload"  # for messages only
        fmt = input_format or format_of(name)
        if input_format is not None and input_format not in FORMATS:
            raise RequestError(422, f"format={input_format!r}: use one of "
                                    f"{', '.join(FORMATS)}")
        if fmt is None:
            raise RequestError(422, f"{name}: cannot tell the file's format from its name; "
                                    f"pass format (csv, tsv, jsonl, txt or parquet)")
        self.name, self.format = name, fmt
        self.columns: list[str] = []
        self.text_column: str | None = None
        with tempfile.TemporaryDirectory(prefix="kotext-serve-") as tmp:
            gz = ".gz" if name.lower().endswith(".gz") and fmt != "parquet" else ""
            path = Path(tmp) / f"upload.{fmt}{gz}"  # read as its name says (x.csv.gz too)
            path.write_bytes(data)
            try:
                source = Source(str(path), text_column=text_column, encoding=encoding,
                                input_format=fmt, quoting=quoting or "auto",
                                text_option="text_column")
                try:
                    source.open()
                except InputError:
                    # columns learned, and no one of them is the text: a question for
                    # the page (pick one), an error for a run
                    if not (guess_only and source.columns and not source.text_key):
                        raise
                self.columns = list(source.columns)
                self.text_column = source.text_key or None
                self.rows = list(source) if source.text_key else []
            except KotextError as e:
                raise RequestError(422, _in_api_words(str(e), str(path), name)) from None
        self.encoding = encoding
        if max_text_chars is not None and self.text_column is not None:
            key = self.text_column
            for row in self.rows:
                cell = row.get(key)
                if isinstance(cell, str) and len(cell) > max_text_chars \
                        and ERROR_KEY not in row:
                    row[ERROR_KEY] = (f"the text is {len(cell):,} characters, over "
                                      f"max_text_chars = {max_text_chars:,}")

    @property
    def text_key(self) -> str:  # what runner.run reads a source's text column as
        return self.text_column or ""

    def __iter__(self):
        rows, self.rows = self.rows, []  # one pass, as a Source
        return iter(rows)


# the library's parameters that this API names otherwise
_API_NAMES = {"input_format": "format"}
_PARAM = re.compile(r"`?\b(" + "|".join(_API_NAMES) + r")\b`?|`(\w+)`")


def _in_api_words(msg: str, path: str, name: str) -> str:
    """A reader's message with the upload's own name for the temporary file, and the
    request's parameter names for the library's (which the message names in Python terms,
    `quoting` or text_column='body')."""
    return _PARAM.sub(lambda m: _API_NAMES[m[1]] if m[1] else m[2], msg.replace(path, name))


class Service:
    """The pipelines behind ``kotext serve``, loaded once and shared by every request.

    ``model``: the classifier for classify and explain (a shipped model's name or a
    folder); ``pipeline``: a pipeline file served as the task ``run``.
    """

    def __init__(self, model: str = "sentiment-ko", pipeline: str | Path | None = None,
                 limits: Limits | None = None):
        self.model = model
        self.pipeline_file = str(pipeline) if pipeline is not None else None
        self.limits = limits or Limits()
        self.pipelines: dict[str, Pipeline] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting = 0  # requests submitted and not finished
        self._queues: dict[str, deque] = {}  # per task: (texts, future) waiting for _drain
        self.closing = threading.Event()  # set by close(): a file being written stops

    # -- start and stop ------------------------------------------------------------------
    def load(self) -> Service:
        """Build every pipeline and load its models now: a bad model or pipeline file is an
        error at start, not on the first request; Kiwi is warmed by one text."""
        from ..loading import classify_pipeline, load

        nlp = classify_pipeline(self.model)
        self.pipelines = {"classify": nlp, "explain": nlp}
        for task in ("summarize", "keywords", "tokenize"):
            self.pipelines[task] = load(task)
        if self.pipeline_file is not None:
            self.pipelines["run"] = load(self.pipeline_file)
        for task, p in self.pipelines.items():
            for st in p.stages:  # the classifier's model loads on first use
                if getattr(st, "factory", "") == "classifier.v1":
                    _ = st.classifier
            if task != "explain":
                list(p.pipe(["배우 연기가 좋았다."], on_error="record"))
        self._executor = ThreadPoolExecutor(self.limits.workers,
                                            thread_name_prefix="kotext-serve")
        return self

    def close(self) -> None:
        """Stop: files being written back stop at their next batch, work in hand ends."""
        self.closing.set()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def tasks(self) -> list[str]:
        return [t for t in (*TEXT_TASKS, "run") if t in self.pipelines]

    @property
    def file_tasks(self) -> list[str]:
        return [t for t in FILE_FIELDS if t in self.pipelines]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """``fn(*args)`` on a worker thread; :class:`Busy` when too many wait already."""
        if self._executor is None:
            raise RuntimeError("Service.load() first: the pipelines are not loaded")
        with self._lock:
            if self._waiting >= self.limits.workers + self.limits.max_pending:
                raise Busy(self._waiting)
            self._waiting += 1
        try:
            fut = self._executor.submit(fn, *args)
        except BaseException:
            with self._lock:
                self._waiting -= 1
            raise
        fut.add_done_callback(self._done)
        return fut

    def _done(self, _fut: Future) -> None:
        with self._lock:
            self._waiting -= 1

    def submit_texts(self, task: str, texts: list[str]) -> Future:
        """``run_texts(task, texts)`` on a worker thread, in one ``pipe()`` with the texts of
        other requests waiting for a worker at the same time (up to ``MERGED_TEXTS``): many
        clients sending one text each fill batches; a lone request runs as soon as a worker
        is free, without waiting for company. :class:`Busy` when too many wait already."""
        if task == "explain":  # a text at a time (explain() is per text)
            return self.submit(self.run_texts, task, texts)
        fut: Future = Future()
        item = (texts, fut)
        with self._lock:
            queue = self._queues.setdefault(task, deque())
            queue.append(item)
        try:
            self.submit(self._drain, task)  # one per request: a later one may find none left
        except Busy:
            with self._lock:
                taken = not any(x is item for x in queue)
                if not taken:
                    queue.remove(item)
            if not taken:
                raise
        return fut

    def _drain(self, task: str) -> None:
        with self._lock:
            queue, taken, n = self._queues[task], [], 0
            while queue and (not taken or n + len(queue[0][0]) <= MERGED_TEXTS):
                texts, fut = queue.popleft()
                taken.append((texts, fut))
                n += len(texts)
        if not taken:
            return
        try:
            results = self.run_texts(task, [t for texts, _ in taken for t in texts])
        except BaseException as e:  # noqa: BLE001 - each request gets it
            for _, fut in taken:
                fut.set_exception(e)
            return
        i = 0
        for texts, fut in taken:
            fut.set_result(results[i:i + len(texts)])
            i += len(texts)

    # -- texts ---------------------------------------------------------------------------
    def check_texts(self, payload: Any) -> tuple[list[str], bool]:
        """A request body (parsed JSON) as its texts, and whether it gave one text."""
        if not isinstance(payload, dict):
            raise RequestError(422, f'the body is a JSON {_json_kind(payload)}: send an object, '
                                    f'{{"text": "..."}} or {{"texts": ["...", ...]}}')
        keys = set(payload) & {"text", "texts"}
        if len(keys) != 1:
            raise RequestError(422, 'give either "text" (one text) or "texts" (a list of '
                                    'texts)' + (', not both' if len(keys) == 2 else
                                                f'; the body has {sorted(payload)}'))
        extra = set(payload) - keys
        if extra:
            raise RequestError(422, f"unknown field(s) {', '.join(sorted(extra))}: the body "
                                    f'holds "text" or "texts" only')
        single = "text" in payload
        texts = [payload["text"]] if single else payload["texts"]
        if not isinstance(texts, list):
            raise RequestError(422, f'"texts" is a JSON {_json_kind(texts)}: give a list of '
                                    f'strings')
        if not texts:
            raise RequestError(422, '"texts" is an empty list: give one text or more')
        limit = self.limits.max_text_chars
        for i, t in enumerate(texts):
            where = '"text"' if single else f'"texts"[{i}]'
            if not isinstance(t, str):
                raise RequestError(422, f"{where} is a JSON {_json_kind(t)}: give a string")
            if len(t) > limit:
                raise RequestError(413, f"{where} is {len(t):,} characters, over "
                                        f"max_text_chars = {limit:,}: send a shorter text "
                                        f"(or split it)", "max_text_chars", limit)
        return texts, single

    def run_texts(self, task: str, texts: list[str]) -> list[dict[str, Any]]:
        """``texts`` through the task's pipeline with ``pipe()``: one result per text, in
        order, a failing one with its ``error``."""
        nlp = self.pipelines[task]
        if task == "explain":
            return [self._explain(nlp, t) for t in texts]
        fields = TASK_FIELDS.get(task) or set(nlp.assigns) | {"text"}
        if len(texts) == 1:  # one text alone: nlp(text) has no stream to set up (~1.5x)
            try:
                return [doc_json(nlp(texts[0]), fields)]
            except Exception:  # noqa: BLE001 - pipe() records the error as it does for many
                pass
        return [doc_json(d, fields) for d in nlp.pipe(texts, on_error="record")]

    @staticmethod
    def _explain(nlp: Pipeline, text: str) -> dict[str, Any]:
        from ..explain import explain

        try:
            return explanation_json(explain(nlp, text))
        except Exception as e:  # noqa: BLE001 - the text's own error, as pipe() records one
            msg = str(e) if isinstance(e, KotextError) else f"{type(e).__name__}: {e}"
            return {"label": None, "score": None, "scores": None, "text": None,
                    "tokens": None, "top": None, "html": None, "error": msg}

    # -- files ---------------------------------------------------------------------------
    def read_upload(self, data: bytes, **kwargs: Any) -> Upload:
        return Upload(data, max_text_chars=self.limits.max_text_chars, **kwargs)

    def file_plan(self, task: str, upload: Upload) -> tuple[list[str], dict[str, str]]:
        """The fields a file task writes and its output column names (input name -> name
        in the output, ``kotext_label`` where the file has a ``label``)."""
        from ..runner import output_fields, output_names

        fields = FILE_FIELDS[task]
        if fields is None:
            fields = output_fields(self.pipelines[task])
        return fields, output_names(fields, upload.columns)

    def write_file(self, task: str, upload: Upload, put: Callable[[bytes], None], *,
                   out_format: str = "csv", output_encoding: str = "utf-8") -> Any:
        """The upload's rows through the task's pipeline, written as ``kotext TASK FILE -o
        OUT`` writes them (the same reader, runner and writer), each batch handed to
        ``put`` as bytes as soon as it is done. Returns the run's stats."""
        import codecs

        from ..io.writers import Writer
        from ..runner import OUTPUT_TYPES, run

        fields, names = self.file_plan(task, upload)
        stream = _ByteChunks(put)
        writer = Writer(None, out_format, upload.columns + list(names.values()),
                        encoding=output_encoding, text_key=upload.text_key, stream=stream,
                        column_types={c: OUTPUT_TYPES[k] for k, c in names.items()
                                      if k in OUTPUT_TYPES})
        # the writer's encoding (JSONL has no BOM): nothing is handed on before the rows
        stream.encoder = codecs.getincrementalencoder(writer.encoding)()
        writer.error_key = names["error"]
        return run(self.pipelines[task], upload, writer, fields=fields, names=names,
                   on_error="keep")


class _ByteChunks:
    """A text stream for the writer: each flush (one per batch) hands the text written
    since, encoded, to ``put``."""

    def __init__(self, put: Callable[[bytes], None]):
        self.encoder: Any = None
        self._put, self._parts = put, []

    def write(self, s: str) -> int:
        self._parts.append(s)
        return len(s)

    def flush(self) -> None:
        if self._parts:
            data = self.encoder.encode("".join(self._parts))
            self._parts = []
            self._put(data)

    def close(self) -> None:
        self.flush()


def _json_kind(v: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(v), type(v).__name__)


def cpu_workers() -> int:
    """Worker threads by default: two (Kiwi runs its own threads on every core; more Python
    threads only wait for them), one on a single core."""
    return max(1, min(2, os.cpu_count() or 1))
