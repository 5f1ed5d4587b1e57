"""The web application of ``kotext serve`` (Starlette): the page, the JSON API, the file
endpoint that streams the labeled file back, ``/health`` and ``/openapi.json``.

Every answer that is not a result is JSON ``{"error": MESSAGE, "status": CODE}`` (with
``limit`` and ``value`` when a limit was hit). No endpoint takes a path: files come as
the request's body and go back as its response.
"""

from __future__ import annotations

import asyncio
import codecs
import concurrent.futures
import json
import logging
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import __version__
from .service import (
    OUT_ENCODINGS,
    OUT_FORMATS,
    Cancelled,
    RequestError,
    Service,
)

log = logging.getLogger("kotext.serve")
MEDIA = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
         "jsonl": "application/x-ndjson; charset=utf-8"}
PAGE_FILES = {"": ("index.html", "text/html; charset=utf-8"),
              "app.js": ("app.js", "text/javascript; charset=utf-8"),
              "style.css": ("style.css", "text/css; charset=utf-8")}
_END = object()
STALLED_SECONDS = 60.0  # a file's client that takes no data for this long is dropped


class Stopping(Exception):
    """The server stopped (Ctrl-C) while a file was being written back: its response ends
    unfinished, which the client sees as such (not as a shorter file)."""

    def __init__(self, name: str):
        super().__init__(f"the server stopped while writing {name} back: the file is cut short")


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, "status": status,
                         **{k: v for k, v in extra.items() if v is not None}}, status)


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) as soon as it is known to be over ``limit``."""
    over = RequestError(413, f"the request body is over max_request_bytes = {limit:,} bytes: "
                             f"send less per request (split the file or the list)",
                        "max_request_bytes", limit)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise over
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise over
        parts.append(chunk)
    return b"".join(parts)


async def _json_body(request: Request, limit: int) -> Any:
    ctype = request.headers.get("content-type", "")
    media = ctype.split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise RequestError(415, f"Content-Type {ctype or '(none)'}: send JSON with "
                                f"Content-Type: application/json, e.g. curl -H 'Content-Type: "
                                f"application/json' -d '{{\"text\": \"...\"}}' URL")
    data = await _body(request, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RequestError(400, f"the body is not UTF-8 text (byte {e.start} is 0x{data[e.start]:02x}):"
                                f" send JSON, UTF-8 encoded") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise RequestError(400, f"the body is not valid JSON ({e.msg} at line {e.lineno} "
                                f"column {e.colno}): send {{\"text\": \"...\"}} or "
                                f"{{\"texts\": [\"...\", ...]}}") from None


async def _in_worker(service: Service, fn, *args: Any) -> Any:
    return await asyncio.wrap_future(service.submit(fn, *args))


def _query(request: Request, name: str) -> str | None:
    v = request.query_params.get(name)
    return v if v else None


def _upload_options(request: Request) -> dict[str, Any]:
    return {"filename": _query(request, "filename"), "input_format": _query(request, "format"),
            "encoding": _query(request, "encoding"),
            "text_column": _query(request, "text_column"), "quoting": _query(request, "quoting")}


def _check_upload_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("multipart/form-data", "application/json"):
        raise RequestError(415, f"Content-Type {media}: send the file's own bytes as the body "
                                f"(curl --data-binary @reviews.csv 'URL?filename=reviews.csv'),"
                                f" not a form or JSON")


def create_app(service: Service, allowed_hosts: list[str] | None = None) -> Starlette:
    """The application over a loaded :class:`Service` (``Service(...).load()``); the
    service is closed when the application shuts down. ``allowed_hosts``: the Host headers
    answered (a server on 127.0.0.1 answers only its own names, so that a web page whose
    name was pointed at 127.0.0.1 cannot read it: DNS rebinding); None: any."""
    limits = service.limits

    async def page(request: Request) -> Response:
        name = request.path_params.get("name", "")
        if name not in PAGE_FILES:
            raise HTTPException(404)
        file, media = PAGE_FILES[name]
        data = resources.files("kotext.serve").joinpath("static", file).read_bytes()
        return Response(data, media_type=media, headers={"Cache-Control": "no-cache"})

    async def health(request: Request) -> Response:
        return JSONResponse({
            "status": "ok", "version": __version__, "model": service.model,
            "labels": list(service.pipelines["classify"].stages[-1].labels),
            "pipeline": service.pipeline_file, "tasks": service.tasks,
            "file_tasks": service.file_tasks,
            "limits": {"max_text_chars": limits.max_text_chars,
                       "max_request_bytes": limits.max_request_bytes,
                       "workers": limits.workers, "max_pending": limits.max_pending}})

    async def openapi(request: Request) -> Response:
        from .openapi import document

        return JSONResponse(document(service))

    async def texts(request: Request) -> Response:
        task = request.path_params["task"]
        if task not in service.tasks:
            raise RequestError(404, f"no task {task!r}: the tasks are "
                                    f"{', '.join(service.tasks)}"
                               + ("" if task != "run" else
                                  " (run serves a pipeline file: kotext serve --pipeline FILE)"))
        payload = await _json_body(request, limits.max_request_bytes)
        batch, single = service.check_texts(payload)
        results = await asyncio.wrap_future(service.submit_texts(task, batch))
        return JSONResponse(results[0] if single else {"results": results})

    async def inspect(request: Request) -> Response:
        _check_upload_type(request)
        data = await _body(request, limits.max_request_bytes)
        opts = _upload_options(request)
        up = await _in_worker(service, lambda: service.read_upload(
            data, guess_only=True, **opts))
        return JSONResponse({"filename": up.name, "format": up.format, "columns": up.columns,
                             "text_column": up.text_column,
                             "rows": len(up.rows) if up.text_column else None})

    async def file(request: Request) -> Response:
        task = request.path_params["task"]
        if task not in service.file_tasks:
            raise RequestError(404, f"no file task {task!r}: they are "
                                    f"{', '.join(service.file_tasks)}")
        _check_upload_type(request)
        opts = _upload_options(request)
        out_format = _query(request, "output_format")
        if out_format is not None and out_format not in OUT_FORMATS:
            raise RequestError(422, f"output_format={out_format!r}: use one of "
                                    f"{', '.join(OUT_FORMATS)}")
        out_enc = _query(request, "output_encoding") or "utf-8"
        try:
            out_enc = codecs.lookup(out_enc).name.replace("_", "-")
        except LookupError:
            out_enc = out_enc + " (unknown)"
        if out_enc not in OUT_ENCODINGS:
            raise RequestError(422, f"output_encoding={_query(request, 'output_encoding')!r}: "
                                    f"use utf-8 or utf-8-sig (CSV that Excel opens as Korean)")
        data = await _body(request, limits.max_request_bytes)
        up = await _in_worker(service, lambda: service.read_upload(data, **opts))
        out_format = out_format or (up.format if up.format in OUT_FORMATS else "csv")
        _, names = service.file_plan(task, up)
        rows = len(up.rows)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=8)  # batches in flight to the client
        gone = threading.Event()

        def put(item: Any) -> None:
            if service.closing.is_set():
                raise Cancelled()
            fut = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
            deadline = time.monotonic() + STALLED_SECONDS
            while True:
                try:
                    fut.result(timeout=0.25)
                    return
                except concurrent.futures.TimeoutError:
                    # the client went away, stopped reading, or the server is stopping:
                    # the worker is freed (it would wait for ever)
                    if gone.is_set() or service.closing.is_set() or \
                            time.monotonic() > deadline:
                        fut.cancel()
                        raise Cancelled() from None

        def job() -> None:
            end: Any = _END
            try:
                service.write_file(task, up, put, out_format=out_format,
                                   output_encoding=out_enc)
            except Cancelled:
                return
            except Exception as e:  # noqa: BLE001 - ends the response unfinished
                log.exception("kotext serve: writing %s failed", up.name)
                end = e
            try:
                put(end)
            except Cancelled:
                pass

        service.submit(job)  # Busy (503) before the response starts

        async def chunks():
            try:
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), 0.5)
                    except asyncio.TimeoutError:
                        if service.closing.is_set():
                            raise Stopping(up.name) from None
                        continue
                    if item is _END:
                        return
                    if isinstance(item, BaseException):
                        raise item  # the connection drops: the client sees an unfinished body
                    yield item
            finally:
                gone.set()

        stem = Path(up.name).stem or "upload"
        out_name = f"{stem}.{task}.{out_format}"
        headers = {
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(out_name)}",
            "X-Kotext-Rows": str(rows),
            # ASCII (\\uXXXX) so that any column name fits a header
            "X-Kotext-Columns": json.dumps(names),
            "X-Kotext-Text-Column": json.dumps(up.text_column),
        }
        return StreamingResponse(chunks(), media_type=MEDIA[out_format], headers=headers)

    async def request_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestError)
        headers = {"Retry-After": "1"} if exc.status == 503 else None
        resp = _error(exc.status, exc.message, limit=exc.limit, value=exc.value)
        if headers:
            resp.headers.update(headers)
        return resp

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        msg = {404: f"no such endpoint: {request.method} {request.url.path} (see "
                    f"/openapi.json)",
               405: f"{request.method} is not allowed on {request.url.path} (see "
                    f"/openapi.json)"}.get(exc.status_code, str(exc.detail))
        return _error(exc.status_code, msg)

    async def server_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Stopping):  # (the response has begun: this one is not sent;
            return _error(503, str(exc))  # uvicorn logs the stop)
        log.exception("kotext serve: %s %s failed", request.method, request.url.path)
        return _error(500, f"internal error: {type(exc).__name__}: {exc}")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:  # on a thread: the loop keeps running for the work that is ending
            await asyncio.to_thread(service.close)

    routes = [
        Route("/", page), Route("/static/{name}", page),
        Route("/health", health), Route("/openapi.json", openapi),
        Route("/v1/inspect", inspect, methods=["POST"]),
        Route("/v1/file/{task}", file, methods=["POST"]),
        Route("/v1/{task}", texts, methods=["POST"]),
    ]
    middleware = []
    if allowed_hosts is not None:
        from starlette.middleware import Middleware
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware,
                     exception_handlers={RequestError: request_error,
                                         HTTPException: http_error, Exception: server_error})
