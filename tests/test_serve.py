"""kotext serve against a running server on 127.0.0.1 (an ephemeral port): every endpoint,
the bad inputs, many clients at once, start-up and Ctrl-C of the real command."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from kotext.serve.service import Busy, Limits, Service  # noqa: E402

MAX_CHARS = 2_000
MAX_BYTES = 300_000
REVIEWS = ["배우 연기는 좋았는데 스토리가 너무 지루했다", "정말 재밌는 영화였어요 최고", "최악의 영화, 돈 아까움",
           "감독의 다음 작품이 기대된다", "ㅋㅋㅋ 시간 낭비", ""]
ARTICLE = ("인공지능 연구소가 새로운 언어 모델을 공개했다. 이 모델은 한국어 문장을 빠르게 이해한다. "
           "연구진은 모델을 누구나 쓸 수 있게 했다. 전문가들은 한국어 처리 기술이 크게 나아졌다고 "
           "평가했다. 다음 달에는 더 큰 모델이 나온다.")


class Server:
    """A uvicorn server on its own thread, on a free port of 127.0.0.1."""

    def __init__(self, service: Service):
        import uvicorn

        from kotext.serve.app import create_app
        from kotext.cli.serve import _listen

        self.service = service
        self.sock = _listen("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        from kotext.cli.serve import LOCAL_NAMES

        self.server = uvicorn.Server(uvicorn.Config(create_app(service, LOCAL_NAMES),
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.05)

    def call(self, method: str, path: str, body: bytes | str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 120):
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def post_json(self, path: str, obj, **kw):
        status, headers, data = self.call("POST", path, json.dumps(obj, ensure_ascii=False),
                                          {"Content-Type": "application/json"}, **kw)
        return status, json.loads(data)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.fixture(scope="module")
def server():
    srv = Server(Service(limits=Limits(max_text_chars=MAX_CHARS, max_request_bytes=MAX_BYTES,
                                       workers=2, max_pending=64)).load())
    yield srv
    srv.stop()


def expected(srv: Server, task: str, texts: list[str]) -> list[dict]:
    """What the server must answer: the task's pipeline run in this process."""
    return srv.service.run_texts(task, texts)


# -- endpoints ------------------------------------------------------------------------------
def test_health_and_openapi(server):
    status, health = server.post_json("/health", {})
    assert status == 405  # GET only
    status, _, data = server.call("GET", "/health")
    health = json.loads(data)
    assert status == 200 and health["status"] == "ok" and health["model"] == "sentiment-ko"
    assert health["tasks"] == ["classify", "explain", "summarize", "keywords", "tokenize"]
    assert health["limits"]["max_text_chars"] == MAX_CHARS
    status, _, data = server.call("GET", "/openapi.json")
    doc = json.loads(data)
    assert status == 200 and doc["openapi"].startswith("3.")
    assert {"/v1/classify", "/v1/explain", "/v1/summarize", "/v1/keywords", "/v1/tokenize",
            "/v1/file/{task}", "/v1/inspect", "/health"} <= set(doc["paths"])


def test_page_ships_its_assets(server):
    for path, media in [("/", "text/html"), ("/static/app.js", "text/javascript"),
                        ("/static/style.css", "text/css")]:
        status, headers, data = server.call("GET", path)
        assert status == 200 and headers["content-type"].startswith(media)
        text = data.decode("utf-8")
        assert "http://" not in text and "https://" not in text  # no CDN, nothing remote
    status, _, data = server.call("GET", "/static/..%2Fservice.py")
    assert status == 404 and "error" in json.loads(data)


@pytest.mark.parametrize("task", ["classify", "summarize", "keywords", "tokenize", "explain"])
def test_text_tasks_answer_as_pipe(server, task):
    texts = [ARTICLE, *REVIEWS] if task in ("summarize", "keywords") else REVIEWS
    status, one = server.post_json(f"/v1/{task}", {"text": texts[0]})
    assert status == 200 and one == expected(server, task, texts[:1])[0]
    assert one["error"] is None
    status, many = server.post_json(f"/v1/{task}", {"texts": texts})
    assert status == 200 and many["results"] == expected(server, task, texts)
    assert len(many["results"]) == len(texts)


@pytest.mark.parametrize("task", ["classify", "summarize", "keywords", "tokenize"])
def test_one_text_as_in_a_list(server, task):
    """A text sent alone (run as nlp(text)) gets what pipe() gives it among others, an
    error too (the empty one's, where it has one)."""
    texts = [ARTICLE, *REVIEWS]
    many = server.service.run_texts(task, texts)
    assert [server.service.run_texts(task, [t])[0] for t in texts] == many


def test_results_hold_what_doc_holds(server):
    nlp = server.service.pipelines["classify"]
    doc = nlp(REVIEWS[1])
    _, r = server.post_json("/v1/classify", {"text": REVIEWS[1]})
    assert r["label"] == doc.label and r["scores"] == pytest.approx(doc.scores)
    _, r = server.post_json("/v1/summarize", {"text": ARTICLE})
    doc = server.service.pipelines["summarize"](ARTICLE)
    assert r["summary_indices"] == doc.summary_indices and r["summary"] == doc.summary
    assert [s["text"] for s in r["sentences"]] == [s.text for s in doc.sentences]
    for s in r["sentences"]:  # offsets index the text returned
        assert r["text"][s["start"]:s["end"]] == s["text"]
    _, r = server.post_json("/v1/tokenize", {"text": REVIEWS[0]})
    assert [(t["form"], t["tag"]) for t in r["tokens"]] == \
        [(t.form, t.tag) for t in server.service.pipelines["tokenize"](REVIEWS[0]).tokens]
    _, r = server.post_json("/v1/explain", {"text": REVIEWS[0]})
    from kotext.explain import explain, html_body

    assert r["html"] == html_body(explain(nlp, REVIEWS[0]))  # as kotext explain --html
    assert r["label"] in r["scores"] and len(r["tokens"]) > 3


# -- bad input --------------------------------------------------------------------------------
BAD = [
    # (body, content type, status, words the message must hold)
    (b'{"text": "x"', "application/json", 400, "not valid JSON"),
    (b"\xff\xfe\x00\x01junk\x9c", "application/json", 400, "not UTF-8"),
    (b'{"text": "x"}', "text/plain", 415, "application/json"),
    (b'{"text": "x"}', None, 415, "application/json"),
    (b'{"texts": []}', "application/json", 422, "empty list"),
    (b'{"texts": "one"}', "application/json", 422, "list"),
    (b'{"texts": ["a", 3]}', "application/json", 422, '"texts"[1]'),
    (b'{"text": null}', "application/json", 422, "string"),
    (b'{"text": "a", "texts": ["b"]}', "application/json", 422, "not both"),
    (b'{"document": "a"}', "application/json", 422, '"text"'),
    (b'["a", "b"]', "application/json", 422, "object"),
    (b'{"text": "a", "n": 3}', "application/json", 422, "unknown field"),
]


@pytest.mark.parametrize("body,ctype,status,words", BAD)
def test_bad_json_requests(server, body, ctype, status, words):
    headers = {"Content-Type": ctype} if ctype else {}
    got, _, data = server.call("POST", "/v1/classify", body, headers)
    err = json.loads(data)
    assert got == status and err["status"] == status and words in err["error"]


def test_limits_named(server):
    status, err = server.post_json("/v1/classify", {"texts": ["좋다", "가" * (MAX_CHARS + 1)]})
    assert status == 413 and err["limit"] == "max_text_chars" and err["value"] == MAX_CHARS
    assert '"texts"[1]' in err["error"] and f"{MAX_CHARS:,}" in err["error"]
    big = json.dumps({"texts": ["좋은 영화"] * (MAX_BYTES // 10)})
    status, _, data = server.call("POST", "/v1/classify", big,
                                  {"Content-Type": "application/json"})
    err = json.loads(data)
    assert status == 413 and err["limit"] == "max_request_bytes"
    # without a Content-Length (chunked): counted as it arrives
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/v1/classify", body=iter([big[i:i + 65536].encode()
                                                    for i in range(0, len(big), 65536)]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 413 and json.loads(resp.read())["limit"] == "max_request_bytes"
    conn.close()


def test_only_local_host_names_answered(server):
    for host in ("127.0.0.1", f"127.0.0.1:{server.port}", "localhost"):
        assert server.call("GET", "/health", headers={"Host": host})[0] == 200
    status, _, _ = server.call("GET", "/health", headers={"Host": "rebound.example.com"})
    assert status == 400  # a page whose name now points here cannot read the answers


def test_unknown_routes_and_methods(server):
    status, err = server.post_json("/v1/translate", {"text": "a"})
    assert status == 404 and "classify" in err["error"]
    status, err = server.post_json("/v1/run", {"text": "a"})
    assert status == 404 and "--pipeline" in err["error"]
    status, _, data = server.call("GET", "/v1/classify")
    assert status == 405 and "error" in json.loads(data)
    status, _, data = server.call("POST", "/v1/file/explain", b"text\n", {})
    assert status == 404 and "classify" in json.loads(data)["error"]


def test_server_keeps_serving_after_bad_input(server):
    for body, ctype, _, _ in BAD:
        server.call("POST", "/v1/classify", body, {"Content-Type": ctype} if ctype else {})
    server.call("POST", "/v1/file/classify?filename=x.csv", b"\x00\xff" * 5000, {})
    status, r = server.post_json("/v1/classify", {"text": REVIEWS[1]})
    assert status == 200 and r == expected(server, "classify", REVIEWS[1:2])[0]


# -- files ------------------------------------------------------------------------------------
CSV_TEXT = ("id,document,label\n"
            "1,정말 재밌는 영화였어요,1\n"
            '2,"최악의 영화, 돈 아까움",0\n'
            "3,,0\n"
            "4,연기가 좋았다,1,extra\n"  # ragged: keeps its place with its error
            '5,"줄이\n바뀐 리뷰",1\n'
            "6,감독의 다음 작품이 기대된다,1\n")


def cli_output(cli, tmp_path: Path, command: str, data: bytes, name: str, *args: str) -> bytes:
    """What `kotext COMMAND FILE -o OUT` writes for the same file."""
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / f"cli-{name.removesuffix('.gz')}"  # (written uncompressed)
    res = cli(command, str(src), "-o", str(out), "--on-error", "skip", *args)
    assert res.exit_code == 0, res.output
    return out.read_bytes()


@pytest.mark.parametrize("name,encoding", [("reviews.csv", "utf-8"), ("reviews.csv", "cp949"),
                                           ("reviews.tsv", "utf-8"), ("reviews.jsonl", "utf-8"),
                                           ("reviews.csv.gz", "cp949")])
def test_file_classify_equals_cli(server, cli, tmp_path, name, encoding):
    if name.endswith(".tsv"):
        text = "id\tdocument\n1\t정말 재밌는 영화였어요\n2\t최악의 영화\n3\t\n4\t연기가 좋았다\n"
    elif name.endswith(".jsonl"):
        text = "".join(json.dumps({"id": i, "document": t}, ensure_ascii=False) + "\n"
                       for i, t in enumerate(REVIEWS)) + "{broken\n"
    else:
        text = CSV_TEXT
    data = text.encode(encoding)
    if name.endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    status, headers, body = server.call("POST", f"/v1/file/classify?filename={name}", data,
                                        {"Content-Type": "application/octet-stream"})
    assert status == 200, body
    assert body == cli_output(cli, tmp_path, "classify", data, name)  # byte for byte
    assert json.loads(headers["x-kotext-columns"])["label"] == \
        ("kotext_label" if "label" in text.split("\n")[0] else "label")
    assert int(headers["x-kotext-rows"]) == len(
        body.decode().splitlines()) - (0 if name.endswith(".jsonl") else 1) - \
        text.count("\n바뀐")  # (a cell with a line break is one row)


@pytest.mark.parametrize("task", ["summarize", "keywords", "tokenize"])
def test_file_tasks_equal_cli(server, cli, tmp_path, task):
    data = "".join(json.dumps({"body": t}, ensure_ascii=False) + "\n"
                   for t in [ARTICLE, REVIEWS[0], ""]).encode()
    status, _, body = server.call("POST", f"/v1/file/{task}?filename=news.jsonl&text_column=body",
                                  data)
    assert status == 200, body
    assert body == cli_output(cli, tmp_path, task, data, "news.jsonl", "--text-column", "body")


@pytest.mark.filterwarnings("ignore:JSONL is written as UTF-8")  # (utf-8-sig asked)
def test_file_output_options_and_row_limit(server):
    long = "가" * (MAX_CHARS + 5)
    data = f"text\n좋은 영화\n{long}\n최악\n".encode()
    status, headers, body = server.call(
        "POST", "/v1/file/classify?filename=a.csv&output_format=jsonl&output_encoding=utf-8-sig",
        data)
    assert status == 200 and headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in body.decode("utf-8").splitlines()]  # no BOM in JSONL
    assert [r["text"] for r in rows] == ["좋은 영화", long, "최악"]  # rows in = rows out
    assert rows[0]["error"] is None and rows[2]["label"] == "negative"
    assert "max_text_chars" in rows[1]["error"] and rows[1]["label"] is None
    status, _, body = server.call("POST", "/v1/file/classify?filename=a.csv&output_encoding=utf-8-sig",
                                  data)
    assert status == 200 and body.startswith(b"\xef\xbb\xbftext,label,score,error\n")
    for q, words in [("output_format=parquet", "output_format"),
                     ("output_encoding=cp949", "output_encoding")]:
        status, _, body = server.call("POST", f"/v1/file/classify?filename=a.csv&{q}", data)
        assert status == 422 and words in json.loads(body)["error"]


@pytest.mark.parametrize("data,query,ctype,status,words", [
    (b"\x00\x01\x02\x03" * 300, "filename=x.csv", None, 422, "binary"),
    (bytes(range(128, 256)) * 40, "filename=x.csv", None, 422, "encoding"),
    (CSV_TEXT.encode(), "filename=x.csv&encoding=klingon", None, 422, "unknown encoding"),
    (CSV_TEXT.encode(), "filename=x.csv&text_column=body", None, 422, "text_column"),
    (b"a,b\n1,2\n", "filename=x.csv", None, 422, "text_column"),
    (CSV_TEXT.encode(), "filename=reviews.xlsx", None, 422, "format"),
    (CSV_TEXT.encode(), "filename=x.csv&format=docx", None, 422, "format"),
    (CSV_TEXT.encode(), "filename=x.csv", "multipart/form-data; boundary=x", 415, "--data-binary"),
    (b"x" * (MAX_BYTES + 1), "filename=x.csv", None, 413, "max_request_bytes"),
])
def test_bad_files(server, data, query, ctype, status, words):
    got, _, body = server.call("POST", f"/v1/file/classify?{query}", data,
                               {"Content-Type": ctype} if ctype else {})
    err = json.loads(body)
    assert got == status and words in err["error"], err
    assert "/tmp" not in err["error"] and "kotext-serve-" not in err["error"]  # no server paths


def test_reader_options_pass_through(server, cli, tmp_path):
    # quotes as text in a TSV (quoting=none), as --quoting none reads them
    data = 'text\tid\n"최고" 였다\t1\n좋다\t2\n'.encode()
    status, _, body = server.call("POST", "/v1/file/classify?filename=q.tsv&quoting=none", data)
    assert status == 200, body
    assert body == cli_output(cli, tmp_path, "classify", data, "q.tsv", "--quoting", "none")
    status, _, body = server.call("POST", "/v1/file/classify?filename=q.tsv&quoting=minimal",
                                  data)  # read as CSV, the quote opens a cell it never closes
    assert status == 422 and "malformed" in json.loads(body)["error"]
    status, _, body = server.call("POST", "/v1/file/classify?filename=q.tsv&quoting=odd", data)
    err = json.loads(body)["error"]
    assert status == 422 and "quoting='odd'" in err and "--" not in err


def test_inspect(server):
    status, _, body = server.call("POST", "/v1/inspect?filename=r.csv", CSV_TEXT.encode("cp949"))
    info = json.loads(body)
    assert status == 200 and info["columns"] == ["id", "document", "label"]
    assert info["text_column"] == "document" and info["rows"] == 6
    status, _, body = server.call("POST", "/v1/inspect?filename=r.tsv", b"a\tb\n1\t2\n")
    info = json.loads(body)
    assert status == 200 and info["columns"] == ["a", "b"] and info["text_column"] is None


def test_client_leaving_mid_stream(server):
    data = ("text\n" + "정말 재밌는 영화였어요\n" * 3000).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", "/v1/file/classify?filename=a.csv", body=data)
    resp = conn.getresponse()
    assert resp.status == 200
    resp.read(100)
    conn.close()  # gone: the server stops writing that file and goes on serving
    status, r = server.post_json("/v1/classify", {"text": "최악"})
    assert status == 200 and r["label"] == "negative"


# -- many at once -------------------------------------------------------------------------------
def test_concurrent_clients_all_answered(server):
    """8 clients x 50 requests, single texts and batches over three tasks: every answer is
    the one pipe() gives, none lost."""
    cases = [("classify", REVIEWS), ("tokenize", REVIEWS[:3]), ("keywords", [ARTICLE])]
    want = {task: expected(server, task, texts) for task, texts in cases}

    def client(k: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        ok = 0
        for i in range(50):
            task, texts = cases[(k + i) % len(cases)]
            single = i % 2 == 0
            j = (k * 7 + i) % len(texts)
            body = {"text": texts[j]} if single else {"texts": texts}
            conn.request("POST", f"/v1/{task}", json.dumps(body, ensure_ascii=False).encode(),
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            got = json.loads(resp.read())
            assert resp.status == 200, got
            assert got == (want[task][j] if single else {"results": want[task]})
            ok += 1
        conn.close()
        return ok

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(client, k) for k in range(8)]
        answered = [f.result(timeout=600) for f in futures]
    assert answered == [50] * 8


def test_busy_is_refused_not_queued():
    svc = Service(limits=Limits(workers=1, max_pending=1))
    from concurrent.futures import ThreadPoolExecutor as Pool

    svc._executor = Pool(1)  # the pool alone: no pipelines needed to test admission
    gate = threading.Event()
    try:
        running = svc.submit(gate.wait, 30)
        waiting = svc.submit(lambda: 1)
        with pytest.raises(Busy) as e:
            svc.submit(lambda: 2)
        assert e.value.status == 503 and e.value.limit == "max_pending"
        gate.set()
        assert running.result(30) and waiting.result(30) == 1
        assert svc.submit(lambda: 3).result(30) == 3  # room again
    finally:
        gate.set()
        svc.close()


def test_waiting_requests_share_one_pipe():
    """Requests that wait for a worker together run in one pipe(), each getting its own
    results in its own order; one over the limit is refused and leaves nothing queued."""
    from concurrent.futures import ThreadPoolExecutor as Pool

    from kotext.loading import load

    batches: list[int] = []

    class Recording(Service):
        def run_texts(self, task, texts):
            batches.append(len(texts))
            return super().run_texts(task, texts)

    svc = Recording(limits=Limits(workers=1, max_pending=6))
    svc.pipelines = {"tokenize": load("tokenize")}
    svc._executor = Pool(1)
    gate = threading.Event()
    try:
        svc.submit(gate.wait, 30)  # the one worker, busy until all are queued
        asked = [[REVIEWS[0]], REVIEWS[1:4], [REVIEWS[4]], [REVIEWS[2], REVIEWS[0]]]
        futures = [svc.submit_texts("tokenize", texts) for texts in asked]
        svc.submit(lambda: None)
        svc.submit(lambda: None)  # workers + max_pending taken now
        with pytest.raises(Busy):
            svc.submit_texts("tokenize", ["하나 더"])
        assert [t for t, _ in svc._queues["tokenize"]] == asked  # the refused one left out
        gate.set()
        got = [f.result(60) for f in futures]
        assert batches[0] == sum(map(len, asked))  # one pipe() for all of them
        assert got == [Service.run_texts(svc, "tokenize", texts) for texts in asked]
        assert all(len(g) == len(a) for g, a in zip(got, asked))
    finally:
        gate.set()
        svc.close()


def test_limits_checked():
    with pytest.raises(ValueError, match="max_text_chars"):
        Limits(max_text_chars=0)
    with pytest.raises(ValueError, match="max_pending"):
        Limits(max_pending=-1)


# -- the command ----------------------------------------------------------------------------------
def test_command_starts_serves_and_stops_on_ctrl_c(tmp_path):
    pipe_file = tmp_path / "clean.toml"
    pipe_file.write_text('[pipeline]\nstages = ["clean"]\n[stages.clean]\nfactory = "clean.v1"\n',
                         encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kotext", "serve", "--port", "0",
                             "--pipeline", str(pipe_file)],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any("Ctrl-C" in ln for ln in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stderr.readline())
        text = "".join(lines)
        assert "model sentiment-ko" in text and "127.0.0.1 only" in text
        port = int(text.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/v1/run", json.dumps({"text": "<b>좋다</b>  ㅋㅋㅋㅋ"}),
                     {"Content-Type": "application/json"})
        r = json.loads(conn.getresponse().read())
        assert r == {"text": "좋다 ㅋㅋ", "error": None}
        conn.close()
        # a long file being streamed back when Ctrl-C comes: cut short, and seen as such
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/v1/file/classify?filename=a.csv",
                     ("text\n" + "정말 재밌는 영화였어요\n" * 30_000).encode())
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read(200).startswith(b"text,label,score,error\n")
        proc.send_signal(signal.SIGINT)
        with pytest.raises(http.client.IncompleteRead):
            resp.read()
        conn.close()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err
        assert "cut short" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_web_libraries_stay_out_of_import_and_help():
    code = ("import sys, kotext, kotext.cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(kotext.cli.main, ['--help']); assert 'serve' in r.output; "
            "r = CliRunner().invoke(kotext.cli.main, ['serve', '--help']); "
            "assert '--max-text-chars' in r.output; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'kotext.serve.app') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_port_in_use_said_before_loading(cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = cli("serve", "--port", str(port))
    assert res.exit_code == 2 and f"127.0.0.1:{port}" in res.output and "--port" in res.output
    assert "loading model" not in res.output


def test_page_assets_are_package_data():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from fnmatch import fnmatch

    root = Path(__file__).resolve().parent.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["kotext.serve"]
    static = root / "kotext" / "serve" / "static"
    files = [p.relative_to(static.parent).as_posix() for p in static.rglob("*") if p.is_file()]
    assert {"static/index.html", "static/app.js", "static/style.css"} <= set(files)
    assert all(any(fnmatch(f, g) for g in globs) for f in files)
