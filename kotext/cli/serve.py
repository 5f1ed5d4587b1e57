"""The ``kotext serve`` command (click only at import: the web libraries load when it runs;
the service itself is kotext.serve)."""

from __future__ import annotations

import logging

import click

from ..errors import UsageError, require
from .base import CONTEXT

LOCAL = ("127.0.0.1", "localhost", "::1")
LOCAL_NAMES = ["127.0.0.1", "localhost", "[::1]", "::1"]  # Host headers a local server answers


def _listen(host: str, port: int, listen: bool = True):
    """A socket bound to ``host:port`` (port 0: a free one), so that the address printed is
    the one served; listening (connections made from then on wait in line) unless told."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise UsageError(f"--host {host}: not an address of this machine ({e.strerror}); "
                         f"give 127.0.0.1 (this machine only) or 0.0.0.0 (all)") from None
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({e.strerror}): another program "
                         f"uses the port? Pass another --port (0: any free one)") from None
    if listen:
        sock.listen(128)
    return sock


def _quiet_stop(record: logging.LogRecord) -> bool:
    """A response cut short by Ctrl-C is one line in the log, not a traceback."""
    import asyncio

    from ..serve.app import Stopping

    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, (Stopping, asyncio.CancelledError)):
        record.msg, record.args = f"kotext serve: {exc or 'a response was cut short by the stop'}", ()
        record.exc_info = record.exc_text = None
    return True


@click.command("serve", context_settings=CONTEXT)
@click.option("-m", "--model", default="sentiment-ko", show_default=True, metavar="MODEL",
              help="Classifier for classify and explain: a model folder or a shipped "
                   "model's name.")
@click.option("--pipeline", "pipeline_file", default=None, metavar="FILE",
              help="Also serve this pipeline file as the task `run` (/v1/run, "
                   "/v1/file/run and on the page).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines in (no login: "
                   "anyone who reaches it can use it).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free one, printed at start).")
@click.option("--max-text-chars", default=25_000, show_default=True, type=click.IntRange(1),
              help="Longest text a request may hold (Kiwi's time grows about "
                   "quadratically on longer ones); a file's longer rows fail on their own.")
@click.option("--max-request-mb", default=50.0, show_default=True,
              type=click.FloatRange(0, min_open=True),
              help="Largest request body (JSON or an uploaded file), in MB.")
@click.option("--workers", default=None, type=click.IntRange(1), metavar="N",
              help="Threads doing the work, sharing one loaded model  [default: 2]")
@click.option("--max-pending", default=64, show_default=True, type=click.IntRange(0),
              help="Requests that may wait for a worker; more are answered 503.")
def serve(model: str, pipeline_file: str | None, host: str, port: int, max_text_chars: int,
          max_request_mb: float, workers: int | None, max_pending: int) -> None:
    """A local web page and a REST API over kotext's tasks, on this machine.

    The page (open the address in a browser): paste a text to classify, explain, summarize,
    find keywords or tokenize; or drop a CSV/TSV/JSONL file to label, see a chart, and
    download it with kotext's columns. The API: POST /v1/TASK with {"text": ...} or
    {"texts": [...]}, POST /v1/file/TASK with a file; GET /health, /openapi.json.

    \b
    Examples:
      kotext serve
      kotext serve --model models/my-model --port 8080
      kotext serve --pipeline my_pipeline.toml
      curl -s localhost:8000/v1/classify -H 'Content-Type: application/json' \\
           -d '{"text": "배우 연기가 정말 좋았다"}'
    """
    require("starlette", "serve", "kotext serve")
    require("uvicorn", "serve", "kotext serve")
    import uvicorn

    from ..serve.app import create_app
    from ..serve.service import Limits, Service, cpu_workers

    limits = Limits(max_text_chars=max_text_chars,
                    max_request_bytes=max(1, int(max_request_mb * 1024 * 1024)),
                    workers=workers or cpu_workers(), max_pending=max_pending)
    sock = _listen(host, port, listen=False)  # a port in use: said before the model loads
    click.echo(f"kotext serve: loading model {model}"
               + (f" and pipeline {pipeline_file}" if pipeline_file else "") + " ...", err=True)
    try:
        service = Service(model, pipeline_file, limits).load()
    except BaseException:
        sock.close()
        raise
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"kotext serve: http://{shown}:{bound}/  (model {model}; tasks "
               f"{', '.join(service.tasks)}; {limits.workers} workers)", err=True)
    if host in LOCAL:
        click.echo(f"kotext serve: listening on {host} only: this machine can reach it, no "
                   f"other (--host 0.0.0.0 to serve others). Ctrl-C stops it.", err=True)
    else:
        click.echo(f"kotext serve: listening on {host}: other machines can reach it, and it "
                   f"has no login. Ctrl-C stops it.", err=True)
    hosts = LOCAL_NAMES if host in LOCAL else None
    config = uvicorn.Config(create_app(service, hosts), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5, lifespan="on")

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:  # Ctrl-C: files being written stop now
            service.closing.set()
            super().handle_exit(sig, frame)

    server = Server(config)
    logging.getLogger("uvicorn.error").addFilter(_quiet_stop)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it stopped for
        pass
    finally:
        service.close()
        sock.close()
    click.echo("kotext serve: stopped", err=True)
