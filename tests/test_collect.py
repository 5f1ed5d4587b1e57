"""kotext collect: article text from saved pages and from a local HTTP server (offline)."""

from __future__ import annotations

import csv
import json
import sys
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

pytest.importorskip("trafilatura")

from kotext.cli import main  # noqa: E402
from kotext.errors import UsageError  # noqa: E402
from kotext.io.collect import COLUMNS, collect, decode_html  # noqa: E402

P1 = ("서울시는 15일 시내버스와 지하철 기본요금을 다음 달부터 150원 인상한다고 밝혔다. "
      "시는 누적된 적자와 운영비 상승을 이유로 들었다.")
P2 = ("시민들은 물가 상승 속에서 교통비 부담이 더 커질 것이라며 우려의 목소리를 냈다. "
      "한 직장인은 매달 교통비가 만 원 가까이 늘어난다고 말했다.")
Q1 = ("부산 해운대구의 한 태국 음식점이 똠양꿍 할인 행사를 열자 손님들이 몰려 긴 줄이 "
      "늘어섰다. 가게 주인은 재료가 일찍 떨어져 오후에 문을 닫았다고 전했다.")
Q2 = ("구청 관계자는 주말 동안 주변 교통이 혼잡했다며 행사를 열 때는 미리 신고해 달라고 "
      "당부했다. 인근 상인들도 손님이 늘어 반가운 기색을 보였다.")


def page(title: str, paragraphs: list[str], *, charset: str = "utf-8",
         date: str = "2024-03-15") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="{charset}">'
            f"<title>{title} - 한국일보</title>"
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{date}T09:00:00+09:00">'
            f"</head><body><nav><a href='/'>홈</a> | <a href='/p'>정치</a> | "
            f"<a href='/e'>경제</a></nav><article><h1>{title}</h1>{body}</article>"
            f"<footer>Copyright 한국일보. 무단 전재 및 재배포 금지.</footer></body></html>")


UTF8_TITLE = "서울시, 대중교통 요금 인상 발표"
EUCKR_TITLE = "해운대 음식점 할인 행사에 긴 줄"
UTF8_PAGE = page(UTF8_TITLE, [P1, P2]).encode("utf-8")
# Declared EUC-KR as Korean sites do; "똠" exists only in CP949, EUC-KR's superset.
EUCKR_PAGE = page(EUCKR_TITLE, [Q1, Q2], charset="euc-kr", date="2023-07-01").encode("cp949")
EMPTY_PAGE = ('<html><head><meta charset="utf-8"><title>로그인</title></head><body>'
              '<script>location.href="/login"</script><div id="app"></div></body></html>'
              ).encode("utf-8")


@pytest.fixture()
def pages(tmp_path):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a_utf8.html").write_bytes(UTF8_PAGE)
    (d / "b_euckr.html").write_bytes(EUCKR_PAGE)
    (d / "c_empty.html").write_bytes(EMPTY_PAGE)
    return d


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[bytes, str]] = {
        "/news/1": (UTF8_PAGE, "text/html; charset=utf-8"),
        "/news/2": (EUCKR_PAGE, "text/html"),  # the page's own <meta> tells the charset
        "/empty": (EMPTY_PAGE, "text/html; charset=utf-8"),
        "/file.pdf": (b"%PDF-1.4", "application/pdf"),
        "/plain.txt": ("서울에 비가 내렸다.\n".encode(), "text/plain; charset=utf-8"),
        "/page.txt": (UTF8_PAGE, "text/plain; charset=utf-8"),  # HTML under a .txt name
        "/wiki/%EC%84%9C%EC%9A%B8?q=%ED%95%9C": (UTF8_PAGE, "text/html; charset=utf-8"),
    }

    def do_GET(self):  # noqa: N802
        if self.path == "/slow":
            time.sleep(1.0)
        if self.path == "/ua":
            body = page("에이전트", [P1, self.headers.get("User-Agent", "")]).encode()
            self._send(200, body, "text/html; charset=utf-8")
            return
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path not in self.routes:
            self._send(404, b"<html><body>not found</body></html>", "text/html")
            return
        body, ctype = self.routes[self.path]
        self._send(200, body, ctype)

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


def _nfc(s: str) -> bool:
    return unicodedata.is_normalized("NFC", s)


# -- library -------------------------------------------------------------------------------
def test_files_utf8_euckr_and_empty_in_order(pages):
    files = [pages / "b_euckr.html", pages / "c_empty.html", pages / "a_utf8.html"]
    rows = list(collect([str(f) for f in files]))
    assert [r["source"] for r in rows] == [str(f) for f in files]
    assert all(list(r) == COLUMNS for r in rows)
    euckr, empty, utf8 = rows

    assert euckr["title"] == EUCKR_TITLE
    assert euckr["date"] == "2023-07-01"
    assert "똠양꿍 할인 행사" in euckr["text"] and Q2 in euckr["text"]
    assert euckr["error"] is None

    assert utf8["title"] == UTF8_TITLE
    assert utf8["date"] == "2024-03-15"
    assert P1 in utf8["text"] and P2 in utf8["text"]
    assert "무단 전재" not in utf8["text"]  # boilerplate (footer) is left out
    assert utf8["error"] is None and _nfc(utf8["text"])

    assert empty["text"] == ""
    assert "no article text" in empty["error"]
    assert empty["title"] == "로그인"


def test_folder_glob_missing_and_bom(pages, tmp_path):
    bom = tmp_path / "bom.htm"
    # UTF-8 with a BOM and no declared charset; macOS-style NFD text comes out NFC
    nfd = unicodedata.normalize("NFD", page("맥에서 저장한 기사", [P1, P2]))
    bom.write_bytes(b"\xef\xbb\xbf" + nfd.replace('<meta charset="utf-8">', "").encode())
    missing = tmp_path / "nope.html"
    rows = list(collect([str(pages), str(missing), str(tmp_path / "*.htm")], workers=2))
    assert [r["source"] for r in rows] == [
        str(pages / "a_utf8.html"), str(pages / "b_euckr.html"), str(pages / "c_empty.html"),
        str(missing), str(bom)]
    assert "no such file" in rows[3]["error"] and rows[3]["text"] == ""
    assert rows[4]["title"] == "맥에서 저장한 기사" and P1 in rows[4]["text"]
    assert _nfc(rows[4]["text"]) and _nfc(rows[4]["title"])
    # skip= passes over inputs without reading them (resume)
    assert [r["source"] for r in collect([str(pages)], skip=2)] == [str(pages / "c_empty.html")]


def test_decode_html_charsets():
    assert decode_html(EUCKR_PAGE)[1] == "cp949"  # <meta charset="euc-kr"> read as CP949
    assert "똠양꿍" in decode_html(EUCKR_PAGE)[0]
    # a page that says UTF-8 but is CP949: the bytes win over the wrong declaration
    wrong = EUCKR_PAGE.replace(b'charset="euc-kr"', b'charset="utf-8"')
    assert "똠양꿍" in decode_html(wrong)[0]
    # no declaration at all: guessed from the bytes
    bare = EUCKR_PAGE.replace(b'<meta charset="euc-kr">', b"")
    assert decode_html(bare)[1] == "cp949"
    http_equiv = ('<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">'
                  "<p>똠</p>").encode("cp949")
    assert decode_html(http_equiv) == ('<meta http-equiv="Content-Type" content="text/html; '
                                       'charset=ks_c_5601-1987"><p>똠</p>', "cp949")
    assert decode_html("<p>한국</p>".encode("cp949"), "euc-kr")[0] == "<p>한국</p>"


def test_urls_from_local_server(server):
    urls = [f"{server}/news/2", f"{server}/missing", f"{server}/news/1", f"{server}/empty",
            f"{server}/file.pdf"]
    rows = list(collect(urls, timeout=5))
    assert [r["source"] for r in rows] == urls
    assert [r["url"] for r in rows] == urls
    n2, missing, n1, empty, pdf = rows
    assert n2["title"] == EUCKR_TITLE and "똠양꿍" in n2["text"] and n2["error"] is None
    assert n1["title"] == UTF8_TITLE and P1 in n1["text"] and n1["error"] is None
    assert missing["error"] == "HTTP 404 Not Found" and missing["text"] == ""
    assert "no article text" in empty["error"] and empty["text"] == ""
    assert "not an HTML page" in pdf["error"] and "application/pdf" in pdf["error"]
    # a plain-text page was "no article text found (... JavaScript, or a login wall)"; a
    # redirect loop's error was three lines in one cell
    plain, loop, page = collect([f"{server}/plain.txt", f"{server}/loop",
                                 f"{server}/page.txt"], timeout=5)
    assert plain["error"] == "not an HTML page (Content-Type: text/plain)"
    assert page["error"] is None and page["title"] == UTF8_TITLE  # sniffed: it is HTML
    assert loop["error"].startswith("redirect loop (HTTP 302)") and "\n" not in loop["error"]


def test_urls_written_with_hangul(server):
    # people paste https://ko.wikipedia.org/wiki/서울: HTTP needs it percent-encoded
    from kotext.io.collect import as_uri

    url = f"{server}/wiki/서울?q=한"
    row = next(iter(collect([url], timeout=5)))
    assert row["error"] is None and row["title"] == UTF8_TITLE and row["source"] == url
    assert row["url"].endswith("/wiki/%EC%84%9C%EC%9A%B8?q=%ED%95%9C")  # as fetched
    assert as_uri("https://한글.kr/a b/%41?x=가") == \
        "https://xn--bj0bj06e.kr/a%20b/%41?x=%EA%B0%80"
    assert as_uri("https://example.com/already%20ok") == "https://example.com/already%20ok"


def test_timeout_connection_refused_and_user_agent(server):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/x"
    t0 = time.perf_counter()
    slow, refused, ua = collect([f"{server}/slow", closed, f"{server}/ua"], timeout=0.2)
    assert "timed out after 0.2 s" in slow["error"]
    assert time.perf_counter() - t0 < 5
    assert refused["error"].startswith("cannot connect")
    assert "kotext/" in ua["text"]
    custom = next(collect([f"{server}/ua"], user_agent="my-research-bot/1.0"))
    assert "my-research-bot/1.0" in custom["text"]


def test_missing_trafilatura_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    with pytest.raises(UsageError, match=r"pip install 'kotext\[collect\]'"):
        collect(["https://example.com/"])


def test_bad_arguments():
    with pytest.raises(UsageError, match="favor"):
        collect([], favor="fast")
    with pytest.raises(UsageError, match="timeout"):
        collect([], timeout=0)


# -- command line --------------------------------------------------------------------------
def run_cli(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(main, ["collect", *args], input=stdin)


def test_cli_csv_exit_codes(pages, tmp_path):
    out = tmp_path / "out.csv"
    args = [str(pages / "a_utf8.html"), str(pages / "c_empty.html"),
            str(pages / "b_euckr.html"), "-o", str(out)]
    res = run_cli(args)
    assert res.exit_code == 1, res.output
    assert "3 pages, 1 failed" in res.stderr
    assert "c_empty.html: no article text" in res.stderr
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == COLUMNS
    assert [r["title"] for r in rows] == [UTF8_TITLE, "로그인", EUCKR_TITLE]
    assert [bool(r["error"]) for r in rows] == [False, True, False]
    assert "똠양꿍" in rows[2]["text"]
    assert not (tmp_path / "out.csv.part").exists()

    res = run_cli([*args, "--on-error", "skip"])
    assert res.exit_code == 0, res.output
    assert "3 pages, 1 failed" in res.stderr


def test_cli_urls_file_stdout_jsonl(server, pages, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# 오늘 기사\n{server}/news/1\n\n{server}/missing\n"
                    f"{pages / 'b_euckr.html'}\n", encoding="utf-8")
    res = run_cli(["--urls-file", str(urls)])
    assert res.exit_code == 1
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["title"] for r in rows] == [UTF8_TITLE, None, EUCKR_TITLE]
    assert rows[1]["error"] == "HTTP 404 Not Found"
    assert "3 pages, 1 failed" in res.stderr

    res = run_cli(["--urls-file", "-", "--on-error", "skip"], stdin=f"{server}/news/2\n")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["title"] == EUCKR_TITLE


def test_cli_parquet_abort_and_resume(pages, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    res = run_cli([str(pages / "a_utf8.html"), "-o", str(tmp_path / "one.csv")])
    assert res.exit_code == 0 and res.stderr == ""  # no failure, not a terminal: quiet
    res = run_cli([str(pages), "-o", str(out)])
    assert res.exit_code == 1
    assert pq.read_table(out).column("title").to_pylist() == [UTF8_TITLE, EUCKR_TITLE, "로그인"]

    out = tmp_path / "out.jsonl"
    args = [str(pages / "c_empty.html"), str(pages / "a_utf8.html"), "-o", str(out)]
    res = run_cli([*args, "--on-error", "abort"])
    assert res.exit_code == 1
    assert "--resume" in res.stderr
    assert not out.exists() and (tmp_path / "out.jsonl.part").exists()
    res = run_cli([*args, "--resume", "--on-error", "skip"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["title"] for r in rows] == ["로그인", UTF8_TITLE]


def test_cli_usage_errors(tmp_path):
    res = run_cli([])
    assert res.exit_code == 2 and "nothing to collect" in res.stderr
    res = run_cli([str(tmp_path / "typo.html")])
    assert res.exit_code == 2 and "no such file or folder, and not a URL" in res.stderr
    res = run_cli(["--urls-file", str(tmp_path / "none.txt")])
    assert res.exit_code == 2 and "--urls-file" in res.stderr
    assert not list(tmp_path.iterdir())


def test_help_has_example():
    res = CliRunner().invoke(main, ["collect", "--help"])
    assert res.exit_code == 0
    assert "Examples:" in res.output and "kotext collect --urls-file urls.txt" in res.output


def test_file_urls_are_files_and_a_redirect_to_one_is_named(pages, server, cli):
    # file:///path said "no such file" for a file that exists; a redirect to file:// was
    # reported as a redirect loop
    page = pages / "a_utf8.html"
    row, = collect([page.as_uri()])
    assert row["error"] is None and row["title"] == UTF8_TITLE
    r = cli("collect", page.as_uri(), "--format", "jsonl")
    assert r.exit_code == 0, r.output
    row, = collect([f"{server}/to-file"], timeout=5)
    assert "redirected to file:///etc/passwd" in row["error"] and "loop" not in row["error"]
