"""Property-based fuzzing (Hypothesis): readers, the cleaner, the tokenizer stage, writers,
pipeline files and model folders. Every input either works (rows in = rows out, write then
read gives the same cells) or fails with a kotext error that names the fix; never a
traceback. Profiles in conftest.py: "ci" (seconds), "long" (KOTEXT_FUZZ=long)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import kotext  # noqa: E402
from kotext import KotextError  # noqa: E402
from kotext.doc import Doc  # noqa: E402
from kotext.io.readers import ERROR_KEY, read  # noqa: E402
from kotext.io.writers import Writer  # noqa: E402
from kotext.stages.clean import Clean  # noqa: E402
from kotext.stages.tokenize import KiwiTokenizer  # noqa: E402

# -- strategies --------------------------------------------------------------------------
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
ODD = st.sampled_from([
    "\u0301", "\u0308", "\u200d", "\ufe0f", "\u202e", "\u202d", "\u2066", "\u2069",
    "\u200b", "\ufeff", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
    "\x0b", "\x0c", "\r", "\n", "\r\n", "\t", "👨\u200d👩\u200d👧", "🇰🇷", "👍🏽", "ㅋㅋㅋ",
    "ᄀ\u1161", "[URL]", "[EMOJI]", '"', ",", "\\", "{", "}", "<b>", "&amp;", "\ud800",
    "\udfff",
])
ANY_CHAR = st.characters(codec=None)  # every code point, lone surrogates included
TEXT = st.lists(st.one_of(HANGUL, ODD, ANY_CHAR, st.sampled_from(" .!?")),
                max_size=60).map("".join)
HUGE = st.builds(lambda s, n: s * n, st.sampled_from(["가나다 ", "좋다. ", "x", "\r\n"]),
                 st.integers(1, 3000))
ANY_TEXT = st.one_of(TEXT, HUGE, st.text(max_size=40))
SAFE_TEXT = ANY_TEXT.map(lambda t: re.sub(r"[\ud800-\udfff\x00]", "", t))


def _only_kotext_errors(fn, *args, **kw):
    """fn's result, or None when it raised a kotext error (which must name a fix)."""
    try:
        return fn(*args, **kw)
    except KotextError as e:
        assert str(e).strip(), "an empty error message"
        return None


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="kotext-fuzz-"))


# -- readers -----------------------------------------------------------------------------
@given(data=st.binary(max_size=3000), ext=st.sampled_from(["txt", "csv", "tsv", "jsonl"]))
def test_readers_take_any_bytes(data, ext):
    d = _tmp()
    try:
        p = d / f"f.{ext}"
        p.write_bytes(data)
        rows = _only_kotext_errors(lambda: list(read(str(p))))
        if rows is not None:
            assert all(isinstance(r, dict) for r in rows)
    finally:
        shutil.rmtree(d)


@given(text=SAFE_TEXT)
def test_txt_rows_are_the_lines(text):
    d = _tmp()
    try:
        p = d / "f.txt"
        p.write_bytes(text.encode("utf-8"))
        rows = _only_kotext_errors(lambda: list(read(str(p), encoding="utf-8")))
        assume(rows is not None)
        lines = re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))  # (a BOM)
        if lines and lines[-1] == "":
            lines.pop()
        assert len(rows) == len(lines)
        for row, line in zip(rows, lines):
            assert ERROR_KEY in row or row["text"] in (line, kotext.io.encoding.nfc(line))
    finally:
        shutil.rmtree(d)


ROW = st.fixed_dictionaries({"id": st.integers(0, 10**6).map(str), "text": SAFE_TEXT})


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=st.lists(ROW, max_size=8), fmt=st.sampled_from(["csv", "tsv", "jsonl",
                                                            "parquet"]))
def test_write_then_read_gives_the_same_cells(rows, fmt):
    # (a TSV cell with a line break is quoted as in CSV, which kotext reads only where a
    # single line shows the quoting: NSMC reviews open quotes they never close. Found here,
    # kept as it is; the README says .csv or .jsonl for texts with line breaks.)
    if fmt == "tsv":
        rows = [r for r in rows if not re.search("[\r\n]", r["text"])]
    d = _tmp()
    try:
        p = d / f"o.{fmt}"
        w = _only_kotext_errors(Writer, p, None, ["id", "text"])
        assume(w is not None)
        written = _only_kotext_errors(lambda: (w.write_rows(rows), w.close()))
        if written is None:
            return
        back = list(read(str(p), text_column="text"))
        assert len(back) == len(rows)
        for want, got in zip(rows, back):
            assert ERROR_KEY not in got, got
            assert got["id"] == want["id"]
            assert (got["text"] or "") == want["text"]
    finally:
        shutil.rmtree(d)


@given(lines=st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["text", "id", "x", ""]),
                    st.one_of(st.none(), st.integers(), st.floats(), SAFE_TEXT,
                              st.lists(SAFE_TEXT, max_size=3), st.booleans()), max_size=3)
    .map(json.dumps),
    SAFE_TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.sampled_from(["", "[]", "1", "null", '"x"', "{", '{"text": "a"} x'])), max_size=10))
def test_jsonl_rows_in_rows_out(lines):
    d = _tmp()
    try:
        p = d / "f.jsonl"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows = _only_kotext_errors(lambda: list(read(str(p))))
        if rows is not None:
            assert len(rows) <= len(lines)
    finally:
        shutil.rmtree(d)


@given(cells=st.lists(st.lists(SAFE_TEXT, min_size=1, max_size=4), max_size=8),
       sep=st.sampled_from([",", "\t", ";"]))
def test_csv_structure(cells, sep):
    d = _tmp()
    try:
        p = d / ("f.tsv" if sep == "\t" else "f.csv")
        body = "\n".join(sep.join(r) for r in [["id", "text"], *cells])
        p.write_text(body, encoding="utf-8")
        rows = _only_kotext_errors(lambda: list(read(str(p), text_column="text")))
        if rows is not None:
            assert all(isinstance(r, dict) for r in rows)
    finally:
        shutil.rmtree(d)


# -- stages ------------------------------------------------------------------------------
@given(text=ANY_TEXT)
def test_the_cleaner_takes_any_text(text):
    out = Clean()(Doc(text=text)).text
    assert isinstance(out, str)
    assert not re.search(r"[\ud800-\udfff]", out)  # a lone surrogate is replaced


_TOK = KiwiTokenizer()


@given(texts=st.lists(ANY_TEXT, max_size=6))
def test_the_tokenizer_keeps_rows_and_offsets(texts):
    nlp = kotext.Pipeline([_TOK])
    docs = list(nlp.pipe(texts, on_error="record"))
    assert len(docs) == len(texts)
    for d, t in zip(docs, texts):
        assert d.text == t
        if d.error is not None:
            assert "surrogate" in d.error  # the one error: no encoding can hold one
            continue
        assert all(0 <= tk.start <= tk.end <= len(t) for tk in d.tokens)
        assert [tk.start for tk in d.tokens] == sorted(tk.start for tk in d.tokens)
        assert all(0 <= s.start <= s.end <= len(t) for s in d.sentences)


@given(texts=st.lists(ANY_TEXT, max_size=4))
def test_clean_then_tokenize_never_fails(texts):
    nlp = kotext.Pipeline([Clean(), _TOK])
    docs = list(nlp.pipe(texts, on_error="record"))
    assert len(docs) == len(texts) and all(d.error is None for d in docs)


# -- pipeline files and model folders ------------------------------------------------------
JUNK = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                              st.text(max_size=8)),
                    lambda kids: st.one_of(st.lists(kids, max_size=3),
                                           st.dictionaries(st.text(max_size=6), kids,
                                                           max_size=3)), max_leaves=6)
FACTORIES = st.sampled_from(["clean.v1", "kiwi.v1", "classifier.v1", "summarizer.v1",
                             "keywords.v1", "nope.v9", 3])
OPTIONS = st.sampled_from(["pos", "lemmas", "html", "urls", "model", "normalize", "n",
                           "max_chars", "sentences", "typos", "bogus"])


@given(cfg=st.one_of(JUNK, st.fixed_dictionaries({
    "pipeline": st.one_of(JUNK, st.fixed_dictionaries(
        {"stages": st.one_of(JUNK, st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))},
        optional={"batch_size": JUNK})),
    "stages": st.one_of(JUNK, st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.one_of(JUNK, st.dictionaries(OPTIONS, JUNK, max_size=2).flatmap(
            lambda o: FACTORIES.map(lambda f: {"factory": f, **o}))), max_size=3))})))
def test_pipeline_configs_fail_clearly(cfg):
    assume(isinstance(cfg, dict))
    _only_kotext_errors(kotext.Pipeline.from_config, cfg)


def _model_copy() -> Path:
    from kotext.modelio import resolve_model

    d = _tmp() / "m"
    shutil.copytree(resolve_model("sentiment-ko"), d)
    return d


@settings(max_examples=min(settings().max_examples, 40))
@given(drop=st.lists(st.sampled_from(["method", "labels", "features", "preprocess",
                                      "kotext", "row_norm", "char_ngrams", "bits",
                                      "max_chars"]), max_size=3),
       put=st.dictionaries(st.sampled_from(["method", "labels", "features", "preprocess",
                                            "bits", "max_chars", "kotext"]), JUNK,
                           max_size=2),
       cut=st.one_of(st.none(), st.integers(0, 8_388_756)))
def test_model_folders_fail_clearly(drop, put, cut):
    from kotext.loading import classify_pipeline

    folder = _model_copy()
    try:
        cfg = json.loads((folder / "config.json").read_text())
        for k in drop:
            cfg.pop(k, None)
            cfg.get("features", {}).pop(k, None) if isinstance(cfg.get("features"),
                                                               dict) else None
        for k, v in put.items():
            if k in ("bits", "max_chars") and isinstance(cfg.get("features"), dict):
                cfg["features"][k] = v
            else:
                cfg[k] = v
        (folder / "config.json").write_text(json.dumps(cfg))
        if cut is not None:
            w = folder / "weights.safetensors"
            w.write_bytes(w.read_bytes()[:cut])
        nlp = _only_kotext_errors(classify_pipeline, str(folder))
        if nlp is not None:
            docs = _only_kotext_errors(lambda: list(nlp.pipe(["좋은 영화", ""],
                                                             on_error="raise")))
            if docs is not None:
                assert len(docs) == 2
    finally:
        shutil.rmtree(folder.parent)
