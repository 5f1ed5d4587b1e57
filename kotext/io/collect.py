"""Collect article text from web pages: URLs and saved ``.html`` files -> rows.

>>> from kotext.io.collect import collect
>>> for row in collect(["https://example.com/news/1", "saved/page.html"]):  # doctest: +SKIP
...     row["title"], row["text"][:20], row["error"]

Every input yields exactly one row, in input order, with the keys ``url``, ``title``,
``date``, ``text``, ``source`` (the path or URL as given) and ``error`` (``None`` when the
page was read and had article text). A page that cannot be fetched, decoded or that has no
article text keeps its place with ``text == ""`` and a message in ``error``.

A folder stands for the ``.html``/``.htm`` files under it (sorted), a glob for the files it
matches. Extraction is done by trafilatura (``pip install 'kotext[collect]'``), imported
only when :func:`collect` is called.
"""

from __future__ import annotations

import codecs
import glob
import json
import re
import socket
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from .encoding import detect_encoding, nfc

COLUMNS = ["url", "title", "date", "text", "source", "error"]
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
NO_TEXT = ("no article text found (a list or index page, a page that needs JavaScript, or a "
           "login wall)")


def _user_agent() -> str:
    from .. import __version__

    return f"kotext/{__version__} (Korean text collection; Python urllib)"


def is_url(item: str) -> bool:
    return item[:8].lower().startswith(("http://", "https://"))


def _file_url(item: str) -> str:
    """A ``file://`` URL as its local path (it was "no such file" for a file that exists);
    anything else as it is."""
    if not item[:7].lower().startswith("file://"):
        return item
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    return url2pathname(urlsplit(item).path)


# -- which inputs --------------------------------------------------------------------------
def _html_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob("*") if f.is_file()
                  and f.suffix.lower() in HTML_SUFFIXES and not f.name.startswith("."))


def expand(items: Iterable[str]) -> Iterator[str]:
    """Each input as one source: URLs and files as given, folders and globs as their files.

    An item that is neither (a missing file, a folder or glob without HTML files) is passed
    through so that :func:`collect` gives it a row with an error.
    """
    for item in items:
        item = _file_url(item.strip())
        if not item or is_url(item):
            if item:
                yield item
            continue
        p = Path(item)
        if p.is_dir():
            files = _html_files(p)
            yield from (str(f) for f in files) if files else [item]
        elif p.is_file():
            yield item
        elif any(c in item for c in "*?["):
            files = sorted(f for f in glob.glob(item, recursive=True) if Path(f).is_file())
            yield from files if files else [item]
        else:
            yield item


def check_items(items: Iterable[str]) -> None:
    """Raise :class:`InputError` for an item that is no URL, file, folder or matching glob
    (for arguments typed on the command line, checked before anything is fetched)."""
    for item in items:
        item = _file_url(item)
        if is_url(item):
            continue
        p = Path(item)
        if p.is_dir():
            if not _html_files(p):
                raise InputError(f"{item}: the folder has no .html or .htm files")
        elif p.is_file():
            continue
        elif any(c in item for c in "*?["):
            if not any(Path(f).is_file() for f in glob.glob(item, recursive=True)):
                raise InputError(f"{item}: the pattern matches no files")
        else:
            raise InputError(
                f"{item}: no such file or folder, and not a URL (URLs start with http:// or "
                f"https://)"
            )


def read_urls_file(path: str) -> Iterator[str]:
    """The lines of a URL list (UTF-8, BOM or CP949), skipping blank lines and ``#`` comments.
    ``-`` reads stdin. The file is read at once, so a missing file fails before any fetch."""
    import sys

    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise InputError(f"urls_file={path}: cannot read ({e.strerror or e})") from None
    enc = detect_encoding(data[:1 << 16], f"urls_file={path}")
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        raise InputError(f"urls_file={path}: not UTF-8 or CP949 text") from None
    return (line for line in (raw.strip() for raw in text.splitlines())
            if line and not line.startswith("#"))


# -- decoding ------------------------------------------------------------------------------
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
# Pages labelled EUC-KR are read as CP949, its superset (as browsers do): 똠, 햏, ...
_ALIASES = {"euc_kr": "cp949", "ks_c_5601-1987": "cp949",
            "x-windows-949": "cp949", "windows-949": "cp949", "ascii": "utf-8",
            "latin_1": "cp1252", "iso8859-1": "cp1252"}


def _lookup(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    label = label.strip().strip("\"'").lower()
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares (``<meta charset>``, ``http-equiv`` or ``<?xml``)."""
    head = data[:8192]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return _lookup(m.group(1)) if m else None


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode HTML bytes; returns ``(text, encoding)``.

    Order: a BOM, the HTTP header's charset, the page's own declaration, then a guess from
    the bytes (UTF-8, else CP949, else charset-normalizer). A declaration the bytes do not
    fit is ignored; as a last resort undecodable bytes become U+FFFD.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "utf-16"
    tried: list[str] = []
    for enc in (_lookup(header_charset), declared_charset(data)):
        if enc and enc not in tried:
            tried.append(enc)
            try:
                return data.decode(enc), enc
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        enc = detect_encoding(data[:1 << 16])
    except InputError:
        enc = "utf-8"
    for e in (enc, "utf-8", "cp949"):
        try:
            return data.decode(e), e
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode(enc, "replace"), enc


# -- fetching ------------------------------------------------------------------------------
class _Failed(Exception):
    """One input could not be read; the message goes into the row's error column."""


def as_uri(url: str) -> str:
    """A URL as people write it (https://ko.wikipedia.org/wiki/서울, a Hangul domain) in the
    ASCII form HTTP needs: the host through IDNA, the rest percent-encoded as UTF-8. What is
    already percent-encoded stays as it is."""
    import urllib.parse

    if url.isascii():
        return url
    p = urllib.parse.urlsplit(url)
    host = p.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    netloc = host
    if p.port:
        netloc += f":{p.port}"
    if p.username:
        netloc = f"{urllib.parse.quote(p.username)}@{netloc}"
    keep = "/%:@!$&'()*+,;=-._~?"
    return urllib.parse.urlunsplit((p.scheme, netloc, urllib.parse.quote(p.path, safe=keep),
                                    urllib.parse.quote(p.query, safe=keep),
                                    urllib.parse.quote(p.fragment, safe=keep)))


_HTML_START = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def _looks_html(body: bytes) -> bool:
    """An HTML document by its first bytes (a server may call it text/plain)."""
    return _HTML_START.match(body[:4096]) is not None


def _fetch(url: str, timeout: float, user_agent: str, max_bytes: int) -> tuple[bytes, str, str | None]:
    """GET ``url``: ``(body, final url, charset from the header)``."""
    req = urllib.request.Request(as_uri(url), headers={
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        "Accept-Language": "ko,en;q=0.5",
    })
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            ctype = resp.headers.get_content_type()  # text/plain when the header is absent
            declared = bool(resp.headers.get("Content-Type"))
            if declared and not (ctype.startswith("text/") or "html" in ctype
                                 or "xml" in ctype):
                raise _Failed(f"not an HTML page (Content-Type: {ctype})")
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise _Failed(f"page larger than {max_bytes // (1024 * 1024)} MB; skipped")
            if declared and not ("html" in ctype or "xml" in ctype) and not _looks_html(body):
                # text/plain, text/csv: an HTML page served under a .txt name is read
                raise _Failed(f"not an HTML page (Content-Type: {ctype})")
            return body, resp.geturl(), resp.headers.get_content_charset()
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308) and "not allowed" in str(e.msg):
            raise _Failed(f"redirected to {e.filename}, which a web page may not lead to "
                          f"(only http:// and https:// are followed)") from None
        if e.code in (301, 302, 303, 307, 308):  # urllib's loop message is three lines
            raise _Failed(f"redirect loop (HTTP {e.code}), or a redirect with no "
                          f"Location") from None
        raise _Failed(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise _Failed(f"timed out after {timeout:g} s (raise `timeout`)") from None
        raise _Failed(f"cannot connect: {reason}") from None
    except (socket.timeout, TimeoutError):
        raise _Failed(f"timed out after {timeout:g} s while reading (raise `timeout`)") from None
    except _Failed:
        raise
    except (OSError, ValueError) as e:  # connection reset, bad URL, http.client errors
        raise _Failed(f"cannot fetch: {type(e).__name__}: {e}") from None


def _load(source: str, timeout: float, user_agent: str, max_bytes: int) -> dict[str, Any]:
    """Read one input (runs in a worker thread): its bytes or the error."""
    try:
        if is_url(source):
            body, final, charset = _fetch(source, timeout, user_agent, max_bytes)
            return {"body": body, "url": final, "charset": charset}
        p = Path(source)
        if p.is_dir():
            raise _Failed("the folder has no .html or .htm files")
        if not p.is_file():
            if any(c in source for c in "*?["):
                raise _Failed("the pattern matches no files")
            raise _Failed("no such file or folder, and not a URL (URLs start with http:// "
                          "or https://)")
        try:
            size = p.stat().st_size
            if size > max_bytes:
                raise _Failed(f"file larger than {max_bytes // (1024 * 1024)} MB; skipped")
            return {"body": p.read_bytes(), "url": None, "charset": None}
        except OSError as e:
            raise _Failed(f"cannot read: {e.strerror or e}") from None
    except _Failed as e:
        return {"error": " ".join(str(e).split())}  # one line: a cell and a report line


# -- extraction ----------------------------------------------------------------------------
def _import_trafilatura():
    try:
        import trafilatura
    except ImportError as e:
        raise UsageError(
            f"collecting web pages needs trafilatura ({e}): pip install 'kotext[collect]'"
        ) from None
    return trafilatura


def _extract(trafilatura, html: str, url: str | None, options: dict[str, Any]) -> dict:
    result = trafilatura.extract(html, url=url, output_format="json", with_metadata=True,
                                 **options)
    return json.loads(result) if result else {}


def collect(items: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT,
            include_comments: bool = False, include_tables: bool = True,
            favor: str = "balanced", workers: int = 4, user_agent: str | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, skip: int = 0) -> Iterator[dict]:
    """Yield one row per input (URL, ``.html`` file; folders and globs expanded), in order.

    ``timeout``: seconds to wait for a server (connecting, and between bytes).
    ``include_comments``: keep reader comments below the article.
    ``include_tables``: keep the text of tables in the article.
    ``favor``: ``"balanced"``, ``"precision"`` (less boilerplate) or ``"recall"`` (more text).
    ``workers``: pages fetched at once (rows still come out in input order).
    ``skip``: pass over the first ``skip`` inputs without fetching them (to resume a run).

    Raises :class:`~kotext.errors.UsageError` at once when trafilatura is not installed or
    an argument is wrong; a failing input never raises, it gets an ``error`` in its row.
    """
    trafilatura = _import_trafilatura()
    if favor not in ("balanced", "precision", "recall"):
        raise UsageError(f"favor={favor!r}: use balanced, precision or recall")
    if timeout <= 0:
        raise UsageError(f"timeout={timeout!r}: give a number of seconds above 0")
    if workers < 1:
        raise UsageError(f"workers={workers!r}: give 1 or more")
    options = {"include_comments": include_comments, "include_tables": include_tables,
               "favor_precision": favor == "precision", "favor_recall": favor == "recall"}
    ua = user_agent or _user_agent()
    return _collect(trafilatura, items, options, timeout, ua, max_bytes, workers, skip)


def _collect(trafilatura, items: Iterable[str], options: dict[str, Any], timeout: float,
             ua: str, max_bytes: int, workers: int, skip: int) -> Iterator[dict]:
    sources = expand(items)
    for _ in range(skip):
        if next(sources, None) is None:
            return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kotext-collect") as pool:
        pending: deque[tuple[str, Future]] = deque()
        try:
            for source in sources:
                pending.append((source, pool.submit(_load, source, timeout, ua, max_bytes)))
                if len(pending) >= 2 * workers:  # bounded: memory stays flat on long lists
                    src, fut = pending.popleft()
                    yield _row(trafilatura, src, fut.result(), options)
            while pending:
                src, fut = pending.popleft()
                yield _row(trafilatura, src, fut.result(), options)
        finally:  # closed early (abort, Ctrl-C): do not fetch what nobody will read
            for _, fut in pending:
                fut.cancel()


def _row(trafilatura, source: str, loaded: dict[str, Any], options: dict[str, Any]) -> dict:
    row: dict[str, Any] = {"url": source if is_url(source) else None, "title": None,
                           "date": None, "text": "", "source": source, "error": None}
    if "error" in loaded:
        row["error"] = loaded["error"]
        return row
    if loaded["url"]:
        row["url"] = loaded["url"]
    html, _ = decode_html(loaded["body"], loaded["charset"])
    try:
        doc = _extract(trafilatura, html, row["url"], options)
    except Exception as e:  # a parser failure on one odd page must not end the run
        row["error"] = f"extraction failed: {type(e).__name__}: {e}"
        return row
    if not row["url"] and doc.get("source"):  # a saved page's canonical URL
        row["url"] = doc["source"]
    row["title"] = nfc(doc["title"]) if doc.get("title") else None
    row["date"] = doc.get("date") or None
    row["text"] = nfc(doc.get("text") or "").strip()
    if not row["text"]:
        row["error"] = NO_TEXT
        if row["title"] is None:
            row["title"] = _title_only(trafilatura, html)
    return row


def _title_only(trafilatura, html: str) -> str | None:
    """The title of a page without article text (helps to tell what the page was)."""
    try:
        meta = trafilatura.extract_metadata(html)
    except Exception:
        return None
    title = meta.get("title") if isinstance(meta, dict) else getattr(meta, "title", None)
    return nfc(title) if title else None
