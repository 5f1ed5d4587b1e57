"""Long texts: Kiwi gets bounded windows, the document keeps whole-text offsets and
sentences, a classifier that reads N characters has no more tokenized, Ctrl-C acts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

import kotext
import kotext.kiwi as kiwi_mod
from kotext.doc import Doc
from kotext.kiwi import windows
from kotext.stages.tokenize import KiwiTokenizer

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
S = "정말 재미있는 영화였다 배우 연기가 좋았다. "


def test_windows_cover_the_text_and_cut_at_lines_then_sentences_then_spaces():
    text = (S * 30 + "\n") * 20
    pieces = windows(text, size=500)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b == c for (_, b, _), (c, _, _) in zip(pieces, pieces[1:]))
    assert all(b - a <= 500 for a, b, _ in pieces)
    for _, b, joined in pieces[:-1]:  # each cut after a line break or a sentence end
        assert text[b - 1] == "\n" or text[b - 2] == "." and not joined
    spaced = "가나다라 " * 400  # no line break or sentence end: cut at a space
    for a, _, joined in windows(spaced, size=300)[1:]:
        assert spaced[a - 1] == " " and spaced[a] != " " and joined
    assert windows("짧은 글", size=300) == [(0, 4, False)]
    # no space at all: cut inside the run, but never before a combining mark
    marks = "e\u0301" * 1000
    assert all(not marks[a] == "\u0301" for a, _, _ in windows(marks, size=301))


def test_windows_with_a_limit_stop_at_the_end_of_the_word_there():
    text = S * 100
    (a, b, _), = windows(text, size=10_000, limit=50)
    assert a == 0 and 49 <= b < 60 and text[b] == " " and " " not in text[49:b]


class Spy:
    """Kiwi as it is, recording the length of every text it is given."""

    def __init__(self, kiwi):
        self.kiwi, self.lengths = kiwi, []

    def tokenize(self, texts, **kw):
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts) if isinstance(texts, list) else texts

        def seen(ts):
            for t in ts:
                self.lengths.append(len(t))
                yield t
        return self.kiwi.tokenize(seen(texts), **kw)


@pytest.fixture
def spied(monkeypatch):
    real = KiwiTokenizer.kiwi.fget
    spies = []

    def kiwi(self):
        spies.append(Spy(real(self)))
        return spies[-1]
    monkeypatch.setattr(KiwiTokenizer, "kiwi", property(kiwi))
    return spies


@pytest.mark.parametrize("streamed", [False, True])
def test_kiwi_never_gets_a_text_longer_than_a_window(spied, streamed):
    # The whole text went to Kiwi in one call, whose time grows with its length squared:
    # a 5 MB line did not finish in 15 minutes, and Ctrl-C waited for the call.
    text = (S * 800)[:20_000]
    nlp = kotext.Pipeline([KiwiTokenizer()])
    doc = next(nlp.pipe([text])) if streamed else nlp(text)
    lengths = [n for s in spied for n in s.lengths]
    assert lengths and max(lengths) <= kiwi_mod.WINDOW
    assert sum(lengths) == len(text)
    assert doc.tokens[-1].end == len(text.rstrip()) and doc.sentences[-1].end == len(
        text.rstrip())


@pytest.mark.parametrize("streamed", [False, True])
def test_windowed_tokens_and_sentences_are_those_of_the_whole_text(monkeypatch, streamed):
    text = "첫 줄입니다. 영화가 좋았다!\n" + (S * 12 + "\n") * 6 + "마지막 문장. 끝입니다"
    tok = KiwiTokenizer()
    whole = tok(Doc(text=text))
    monkeypatch.setattr(kiwi_mod, "WINDOW", 120)
    assert len(windows(text)) > 5
    doc = (next(kotext.Pipeline([tok]).pipe([Doc(text=text)])) if streamed
           else tok(Doc(text=text)))
    assert doc.tokens == whole.tokens
    assert [(s.start, s.end, s.tokens) for s in doc.sentences] == \
        [(s.start, s.end, s.tokens) for s in whole.sentences]
    assert all(text[s.start:s.end] == s.text for s in doc.sentences)


def test_a_sentence_cut_at_a_space_stays_one_sentence(monkeypatch):
    text = "가나다라 마바사 아자차 " * 60  # 780 characters, no punctuation, no line break
    monkeypatch.setattr(kiwi_mod, "WINDOW", 100)
    doc = KiwiTokenizer(sentences=True)(Doc(text=text))
    assert len(doc.sentences) == 1 and doc.sentences[0].start == 0
    assert doc.sentences[0].tokens == (0, len(doc.tokens))
    assert all(text[t.start:t.end] == t.form for t in doc.tokens if t.tag.startswith("N"))


def test_max_chars_tokenizes_only_the_first_characters():
    text = S * 200
    doc = KiwiTokenizer(max_chars=100)(Doc(text=text))
    assert doc.tokens and doc.tokens[-1].end <= 110
    with pytest.raises(kotext.ConfigError, match="max_chars"):
        KiwiTokenizer(max_chars=0)


def test_the_shipped_classifier_has_no_more_tokenized_than_it_reads(spied):
    nlp = kotext.load("sentiment-ko")
    tok = [s for s in nlp.stages if s.factory == "kiwi.v1"][0]
    assert tok.max_chars == 5000  # the linear model's max_chars
    long = S * 1000  # 27,000 characters
    doc = nlp(long)
    assert sum(n for s in spied for n in s.lengths) <= 5010
    assert doc.label in ("positive", "negative") and doc.tokens[-1].end <= 5010
    # the same features as its first 5,000 characters alone
    head = nlp(long[:5000])
    assert doc.scores == pytest.approx(head.scores, abs=1e-6)


def _long_line_file(path, n_short=20):
    short = "".join(f"짧은 글 {i}번, 영화가 좋았다\n" for i in range(n_short))
    big = (S * 300_000)[:1_800_000]  # the 5 MB line (4.4 MB in UTF-8)
    path.write_text(short + big + "\n" + short, encoding="utf-8")
    return n_short


def _wait_for_rows(part, n, proc, limit=120):
    """Until ``part`` holds ``n`` lines: Kiwi is loaded and has done a batch."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if part.exists() and part.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{part} never had {n} lines")


@linux
def test_ctrl_c_acts_while_kiwi_works_on_a_5mb_line(tmp_path):
    # Kiwi took the 5 MB line in one call: SIGINT took 20-35 s to act, or never did.
    src = tmp_path / "big.txt"
    _long_line_file(src, n_short=300)  # the first batch of 128 is written before it
    out = tmp_path / "tokens.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "kotext", "tokenize", str(src), "-o",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_rows(tmp_path / "tokens.jsonl.part", 128, proc)
        time.sleep(2)  # Kiwi is into the long line (a minute of work)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=10)  # within a second when the machine is idle
    finally:
        proc.kill()
    err = proc.stderr.read().decode()
    assert rc == 130, err
    assert "interrupted" in err and "--resume" in err
    assert (tmp_path / "tokens.jsonl.part").exists() and not out.exists()
    assert (tmp_path / "tokens.jsonl.part.json").exists()


@linux
def test_ctrl_c_on_the_5mb_line_then_resume_is_byte_identical(tmp_path):
    src = tmp_path / "big.txt"
    n = _long_line_file(src, n_short=600)
    whole = tmp_path / "whole.csv"
    cmd = [sys.executable, "-m", "kotext", "classify", str(src)]
    assert subprocess.run(cmd + ["-o", str(whole)], capture_output=True).returncode == 0
    out = tmp_path / "o.csv"
    proc = subprocess.Popen(cmd + ["-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _wait_for_rows(tmp_path / "o.csv.part", 128, proc)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=10)
    finally:
        proc.kill()
    if rc == 0:
        pytest.skip("the run finished before the signal came")
    assert rc == 130, proc.stderr.read().decode()
    r = subprocess.run(cmd + ["-o", str(out), "--resume"], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert out.read_bytes() == whole.read_bytes()
    assert n * 2 + 2 == out.read_bytes().count(b"\n")


@linux
def test_ctrl_c_ends_the_command_even_where_the_interrupt_is_swallowed(tmp_path):
    # a KeyboardInterrupt raised inside a finalizer is only reported by Python: the CLI's
    # handler ends the process with 130 after its grace period all the same
    code = ("import time\n"
            "from kotext.cli import base\n"
            "base.INTERRUPT_GRACE = 0.5\n"
            "base._catch_interrupt()\n"
            "try:\n"
            "    print('ready', flush=True)\n"
            "    time.sleep(60)\n"
            "except KeyboardInterrupt:\n"
            "    pass  # swallowed\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=20)
    finally:
        proc.kill()
    assert rc == 130
    assert b"interrupted" in proc.stderr.read()
