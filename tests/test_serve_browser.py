"""kotext serve's page in a real headless browser (Debian's chromium, driven by selenium):
paste a review and see its label and highlights; upload a CP949 CSV and see the progress,
the chart and a download equal to `kotext classify` on the same file. Screenshots go to
$KOTEXT_SHOTS (default /tmp/kotext-shots)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Debian's chromium and chromium-driver are not installed "
           "(apt-get install chromium chromium-driver, as .ci/run does)")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_serve import ARTICLE, Server  # noqa: E402

from kotext.serve.service import Limits, Service  # noqa: E402

SHOTS = Path(os.environ.get("KOTEXT_SHOTS", "/tmp/kotext-shots"))
ROWS = 2000  # enough batches (128 rows) for the progress bar to move in steps
REVIEW = "배우 연기는 정말 좋았는데 스토리가 너무 지루하고 결말이 최악이었다"


@pytest.fixture(scope="module")
def server():
    srv = Server(Service(limits=Limits(workers=2)).load())
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory, downloads):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service as DriverService

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                "--window-size=1100,1300", "--lang=ko-KR"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=opts, service=DriverService(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait(driver, cond, timeout: float = 120):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(cond)


def open_page(browser, server):
    browser.get(f"http://127.0.0.1:{server.port}/")
    wait(browser, lambda d: "sentiment-ko" in d.find_element(By.ID, "model").text)


def run_text(browser, task: str, text: str, ready_css: str):
    box = browser.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, f"btn-{task}").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ready_css)
         or d.find_elements(By.CSS_SELECTOR, "#result .error"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#result .error"), \
        browser.find_element(By.ID, "result").text


def test_paste_a_review(browser, server):
    open_page(browser, server)
    nlp = server.service.pipelines["classify"]
    doc = nlp(REVIEW)
    run_text(browser, "classify", REVIEW, "#label")
    assert browser.find_element(By.ID, "label").text == doc.label
    browser.save_screenshot(str(SHOTS / "1-classify.png"))

    run_text(browser, "explain", REVIEW, "#explain")
    box = browser.find_element(By.ID, "explain")
    assert box.get_attribute("data-label") == doc.label
    spans = box.find_elements(By.CSS_SELECTOR, "p span[title]")
    colours = [s.get_attribute("style") for s in spans]
    assert len(spans) >= 5 and any("46, 160, 67" in c for c in colours) \
        and any("215, 58, 73" in c for c in colours)  # green and red morphemes
    assert "".join(s.text for s in box.find_elements(By.CSS_SELECTOR, "p"))  # text shown
    browser.save_screenshot(str(SHOTS / "2-explain.png"))

    run_text(browser, "summarize", ARTICLE, "#summary")
    marks = browser.find_elements(By.CSS_SELECTOR, "#summary mark")
    assert len(marks) == len(server.service.pipelines["summarize"](ARTICLE).summary)
    assert browser.find_element(By.ID, "summary").text.replace("\n", "").startswith("인공지능")
    browser.save_screenshot(str(SHOTS / "3-summarize.png"))

    run_text(browser, "keywords", ARTICLE, "#keywords")
    words = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#keywords tr td:first-child")]
    assert words == [w for w, _ in server.service.pipelines["keywords"](ARTICLE).keywords]
    browser.save_screenshot(str(SHOTS / "4-keywords.png"))

    run_text(browser, "tokenize", REVIEW, "#tokens")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tokens .token")) == \
        len(server.service.pipelines["tokenize"](REVIEW).tokens)
    browser.save_screenshot(str(SHOTS / "4b-tokenize.png"))


def test_upload_a_csv(browser, server, cli, tmp_path, downloads):
    reviews = ["정말 재밌는 영화였어요", "최악의 영화, 돈 아까움", "감독의 다음 작품이 기대된다",
               "배우 연기가 어색해서 몰입이 안 됐다", "가족과 함께 보기 좋은 영화"]
    lines = ["id,document,rating"]
    for i in range(ROWS):
        lines.append(f'{i},"{reviews[i % len(reviews)]} {i}",{i % 10}')
    lines[10] = "9,,3"  # an empty cell
    lines[20] = "19,연기가 좋았다,1,extra"  # ragged: its error in its place
    src = tmp_path / "리뷰.csv"
    src.write_bytes(("\n".join(lines) + "\n").encode("cp949"))  # as Excel saves CSV in Korea

    open_page(browser, server)
    browser.find_element(By.ID, "file").send_keys(str(src))
    wait(browser, lambda d: d.find_element(By.ID, "file-options").is_displayed())
    assert browser.find_element(By.ID, "text-column").get_attribute("value") == "document"
    assert f"{ROWS} rows" in browser.find_element(By.ID, "file-info").text
    browser.execute_script(  # every value the progress bar takes
        "window.seen = []; new MutationObserver(() => window.seen.push("
        "document.getElementById('progress').value)).observe("
        "document.getElementById('progress'), {attributes: true});")
    browser.find_element(By.ID, "run-file").click()
    shot = False
    while not (browser.find_element(By.ID, "download").is_displayed()
               or browser.find_element(By.ID, "file-error").is_displayed()):
        if not shot and 0 < float(browser.find_element(By.ID, "progress")
                                  .get_attribute("value")) < ROWS:
            browser.save_screenshot(str(SHOTS / "5-file-running.png"))  # half way
            shot = True
        time.sleep(0.05)
    assert not browser.find_element(By.ID, "file-error").is_displayed(), \
        browser.find_element(By.ID, "file-error").text
    seen = browser.execute_script("return window.seen")
    # it moved in steps while the rows came, and ended at all of them
    assert seen == sorted(seen) and seen[-1] == ROWS and any(0 < v < ROWS for v in seen)
    assert f"{ROWS} / {ROWS} rows done" in browser.find_element(By.ID, "progress-text").text
    browser.save_screenshot(str(SHOTS / "6-file-done.png"))

    # the file kotext classify writes for the same upload
    out = tmp_path / "cli.csv"
    res = cli("classify", str(src), "-o", str(out), "--on-error", "skip")
    assert res.exit_code == 0, res.output
    import csv

    cli_rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    counts: dict[str, int] = {}
    for r in cli_rows:
        if not r["error"]:  # an empty text has no label: the page's "(empty)" bar
            key = r["label"] or "(empty)"
            counts[key] = counts.get(key, 0) + 1
    failed = sum(1 for r in cli_rows if r["error"])
    bars = {b.get_attribute("data-label"): int(b.get_attribute("data-count"))
            for b in browser.find_elements(By.CSS_SELECTOR, "#chart-svg .chart-bar")}
    assert bars == {**counts, **({"(failed)": failed} if failed else {})}
    assert failed >= 1 and {"positive", "negative"} <= set(counts)

    link = browser.find_element(By.ID, "download")
    assert link.get_attribute("download") == "리뷰.classify.csv"
    link.click()
    target = downloads / "리뷰.classify.csv"
    deadline = time.monotonic() + 30
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert target.exists(), list(downloads.iterdir())
    got = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [r["kotext_label"] if "kotext_label" in r else r["label"] for r in got] == \
        [r["label"] for r in cli_rows]  # identical labels, row for row
    assert target.read_bytes() == out.read_bytes()  # and the whole file
