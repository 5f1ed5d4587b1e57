"""Summarization: graph ranking, MMR, the textrank.v1 / abstractive.v1 stages, the CLI,
and fine-tuning a tiny random BART built here (no network, no ../shared)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

import kotext
from kotext.errors import ConfigError, ModelError
from kotext.pipeline import Pipeline
from kotext.registry import create
from kotext.stages.clean import Clean
from kotext.stages.summarize import TextRankSummarizer, sentence_units
from kotext.stages.tokenize import KiwiTokenizer
from kotext.summarize import count_for, pagerank, select, similarity_matrix

ARTICLE = [
    "정부가 반도체 산업 지원을 위한 새로운 투자 계획을 발표했다.",
    "이번 계획에 따라 반도체 연구 개발에 5년간 10조 원이 투자된다.",
    "오늘 서울의 날씨는 맑고 포근했다.",
    "업계는 반도체 투자 계획이 산업 경쟁력을 높일 것이라고 기대했다.",
    "점심 메뉴로는 김치찌개가 인기였다.",
    "정부는 반도체 인재 양성 계획도 함께 내놓았다.",
]


def nlp(**kw) -> Pipeline:
    return Pipeline([Clean(), KiwiTokenizer(), TextRankSummarizer(**kw)])


# -- algorithms ----------------------------------------------------------------------------
def test_pagerank_star_centre_and_sum():
    w = np.zeros((5, 5))
    for i in range(1, 5):
        w[0, i] = w[i, 0] = 1.0
    r = pagerank(w)
    assert r.sum() == pytest.approx(1.0)
    assert r[0] > r[1] and np.allclose(r[1:], r[1])


def test_pagerank_no_edges_is_uniform():
    assert np.allclose(pagerank(np.zeros((4, 4))), 0.25)


@pytest.mark.parametrize("method", ["tfidf", "bm25"])
def test_similarity_matrix(method):
    bags = [["a", "b"], ["a", "b"], ["c"], []]
    s = similarity_matrix(bags, method)
    assert s.shape == (4, 4)
    assert np.allclose(s, s.T) and np.all(np.diag(s) == 0)
    assert s[0, 1] > s[0, 2] == 0 and s[3].sum() == 0
    with pytest.raises(ValueError, match="tfidf or bm25"):
        similarity_matrix(bags, "cosine")


def test_mmr_skips_a_near_duplicate():
    scores = np.array([1.0, 0.99, 0.5])
    sim = np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]])
    assert select(scores, sim, 2, mmr=1.0) == [0, 1]
    assert select(scores, sim, 2, mmr=0.5) == [0, 2]  # 0.495 - 0.5 < 0.25


def test_count_for():
    assert count_for(10, 3, None) == 3
    assert count_for(10, 3, 0.2) == 2
    assert count_for(2, 5, None) == 2
    assert count_for(3, 3, 0.01) == 1


# -- the textrank.v1 stage -----------------------------------------------------------------
def test_central_sentences_in_original_order_with_scores():
    doc = nlp(n=3)(" ".join(ARTICLE))
    assert doc.summary_indices == sorted(doc.summary_indices)
    assert len(doc.summary) == 3
    assert 2 not in doc.summary_indices and 4 not in doc.summary_indices  # off-topic
    assert doc.summary == [ARTICLE[i] for i in doc.summary_indices]
    scores = doc.summary_scores
    assert len(scores) == 3 and all(0 <= s <= 1 for s in scores)


def test_pure_centrality_and_pure_lead():
    doc = nlp(n=2, position_weight=1.0, mmr=1.0)(" ".join(ARTICLE))
    assert doc.summary_indices == [0, 1]
    doc = nlp(n=1, position_weight=0.0, mmr=1.0)(" ".join(ARTICLE))
    assert doc.summary_indices[0] in (0, 1, 3, 5)


def test_ratio_instead_of_n():
    assert len(nlp(n=1, ratio=0.5)(" ".join(ARTICLE)).summary) == 3


def test_lines_are_sentence_boundaries():
    # no final punctuation: Kiwi alone would not know where the sentences end
    lines = ["반도체 투자 계획 발표", "반도체 연구 개발 투자 확대", "날씨 맑음"]
    doc = nlp(n=3)("\n".join(lines))
    assert doc.summary == lines
    units = sentence_units(doc, "lines")
    assert [u.text for u in units] == lines
    a, b = units[1].tokens
    assert [t.form for t in doc.tokens[a:b]][:2] == ["반도체", "연구"]


def test_paragraph_lines_are_split_by_kiwi():
    text = "첫째 문장이다. 둘째 문장이다. 셋째 문장이다.\n넷째 문장이다. 다섯째 문장이다."
    doc = nlp(n=5)(text)
    assert len(doc.summary) == 5
    assert len(nlp(n=5, units="lines")(text).summary) == 2


def test_bad_inputs_give_a_result():
    empty = nlp()("")
    assert empty.summary == [] and empty.summary_indices == []
    one = nlp(n=3)("문장이 하나뿐이다.")
    assert one.summary == ["문장이 하나뿐이다."] and one.summary_indices == [0]
    more = nlp(n=50)(" ".join(ARTICLE))
    assert more.summary_indices == list(range(len(ARTICLE)))
    latin = nlp(n=1)("Chips are hot. Chip makers invest. Rain fell today.")
    assert len(latin.summary) == 1
    symbols = nlp(n=2)("!!! ???\n...")
    assert len(symbols.summary) == 2


def test_a_thousand_sentences():
    text = "\n".join(f"{i}번째 문장에서 반도체 투자 {i % 7}조 원을 발표했다" for i in range(1000))
    doc = nlp(n=3)(text)
    assert len(doc.summary) == 3
    assert all(0 <= i < 1000 for i in doc.summary_indices)


def test_options_are_checked():
    for kw, msg in [({"n": 0}, "n=0"), ({"ratio": 1.5}, "ratio=1.5"),
                    ({"similarity": "x"}, "tfidf or bm25"), ({"mmr": 2}, "mmr=2"),
                    ({"units": "words"}, "units='words'"), ({"position_decay": 0}, "> 0")]:
        with pytest.raises(ConfigError, match=msg):
            TextRankSummarizer(**kw)
    with pytest.raises(ConfigError, match="unknown option 'top'"):
        create("textrank.v1", top=3)


def test_pipeline_needs_the_tokenizer_first():
    with pytest.raises(ConfigError, match="requires sentences, tokens.*kiwi.v1"):
        Pipeline([Clean(), TextRankSummarizer()])


def test_config_round_trip_and_shipped_pipeline(pipelines_dir):
    p = kotext.load(pipelines_dir / "summarize.toml", overrides=["stages.summarize.n=2"])
    doc = p(" ".join(ARTICLE))
    assert len(doc.summary) == 2
    again = Pipeline.from_config(p.to_config())
    assert again(" ".join(ARTICLE)).summary_indices == doc.summary_indices


# -- CLI -----------------------------------------------------------------------------------
def test_cli_text_file_is_one_document(cli, write):
    f = write("article.txt", "\n".join(ARTICLE))
    res = cli("summarize", f, "-n", "2")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 2
    idx = [int(x.split("]")[0][1:]) for x in lines]
    assert idx == sorted(idx)
    assert lines[0].endswith(ARTICLE[idx[0]])
    assert float(lines[0].split()[1]) > 0


def test_cli_ratio_and_jsonl_with_scores(cli, write):
    f = write("article.txt", " ".join(ARTICLE))
    res = cli("summarize", f, "--ratio", "0.5", "--format", "jsonl")
    row = json.loads(res.output)
    assert len(row["summary_indices"]) == 3
    assert len(row["summary_scores"]) == 3
    assert row["summary"] == " ".join(ARTICLE[i] for i in row["summary_indices"])
    # sentences without a full stop (lines, list items) are one per line: a space ran
    # them together
    f = write("lines.txt", "\n".join(s.rstrip(".") for s in ARTICLE))
    row = json.loads(cli("summarize", f, "-n", "2", "--format", "jsonl").output)
    assert row["summary"] == "\n".join(ARTICLE[i].rstrip(".") for i in row["summary_indices"])


def test_cli_csv_rows_in_rows_out(cli, write, tmp_path):
    out = tmp_path / "out.csv"
    # an input column named like an output one keeps its values (summary_scores was
    # overwritten with the scores)
    f = write("articles.csv", "id,body,summary_scores\n1,\"" + " ".join(ARTICLE)
              + "\",mine\n2,,\n3,한 문장.,\n")
    res = cli("summarize", f, "--text-column", "body", "-o", out, "-n", "2")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert list(rows[0])[:6] == ["id", "body", "summary_scores", "summary", "summary_indices",
                                 "kotext_summary_scores"]
    assert rows[0]["summary_scores"] == "mine"
    assert len(json.loads(rows[0]["kotext_summary_scores"])) == 2
    assert len(json.loads(rows[0]["summary_indices"])) == 2
    assert rows[1]["summary"] == "" and rows[2]["summary"] == "한 문장."


def test_cli_jsonl_list_of_sentences(cli, write):
    # an article stored as a JSON array of sentences: each item is a sentence (not the
    # array's repr); an object in the text field fails on its own row
    rows = [{"sentences": ARTICLE}, {"sentences": {"text": "x"}}]
    f = write("news.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    res = cli("summarize", f, "--text-field", "sentences", "-n", "2")
    assert res.exit_code == 1, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("[")]
    assert len(lines) == 2
    for line in lines:
        i = int(line.split("]")[0][1:])
        assert line.endswith("  " + ARTICLE[i]) and "['" not in line
    assert "document 2: input: sentences: a JSON object (keys: text)" in res.output


def test_cli_abstractive_rejects_n(cli, write):
    f = write("a.txt", "문장.")
    res = cli("summarize", f, "--method", "abstractive", "-n", "2")
    assert res.exit_code == 2 and "--max-length" in res.output


# -- abstractive: a tiny random BART -------------------------------------------------------
PAIRS = [
    ("정부가 반도체 투자 계획을 발표했다. 업계는 환영했다.", "정부 반도체 투자 발표"),
    ("연구진이 새 배터리 소재를 개발했다. 충전이 빨라진다.", "새 배터리 소재 개발"),
    ("서울의 날씨는 맑고 포근했다. 내일은 비가 온다.", "서울 날씨 맑음"),
    ("시장에서 김치 가격이 올랐다. 배추 값이 원인이다.", "김치 가격 상승"),
]


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tiny_transformers import make_bart

    return make_bart(tmp_path_factory.mktemp("tiny-bart"), [t for pair in PAIRS for t in pair])


def abstractive(folder, **kw):
    return Pipeline([Clean(), KiwiTokenizer(), create("abstractive.v1", model=str(folder),
                                                      num_beams=2, max_length=8, **kw)])


def test_abstractive_generates_text(tiny_bart):
    assert (tiny_bart / "model.safetensors").is_file()
    doc = abstractive(tiny_bart)(PAIRS[0][0])
    assert len(doc.summary) == 1 and isinstance(doc.summary[0], str)
    assert doc.summary_indices is None
    assert abstractive(tiny_bart)("").summary == []


def test_long_input_is_chunked_not_crashing(tiny_bart):
    long = " ".join(PAIRS[i % 4][0] for i in range(60))  # far past 32 positions
    p = abstractive(tiny_bart, max_input_tokens=24)
    runner = p.stages[-1].runner
    assert runner.n_tokens(long) > 32
    chunks = runner.chunks(long)
    assert len(chunks) > 1 and all(runner.n_tokens(c) <= 24 for c in chunks)
    one_long_sentence = "반도체 " * 200
    assert all(runner.n_tokens(c) <= 24 for c in runner.chunks(one_long_sentence))
    doc = p(long)
    assert doc.error is None and isinstance(doc.summary[0], str)


def test_hub_name_offline_says_how_to_use_a_folder(monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from kotext.stages.summarize import load_seq2seq

    with pytest.raises(ModelError, match=r"model=\./no-such-model-kotext"):
        load_seq2seq("kotext-test/no-such-model-kotext")


def test_folder_without_safetensors_is_refused(tmp_path):
    pytest.importorskip("transformers")
    from kotext.stages.summarize import load_seq2seq

    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="safetensors"):
        load_seq2seq(str(tmp_path))


def test_fine_tune_lowers_the_loss_and_round_trips(tiny_bart, tmp_path):
    import torch

    from kotext.stages.summarize import load_seq2seq
    from kotext.training.summarizer import train_summarizer

    out = tmp_path / "sum"
    res = train_summarizer(PAIRS, out, model=str(tiny_bart), epochs=15, lr=3e-3,
                           batch_size=2, seed=0)
    assert res["losses"][-1] < res["losses"][0] * 0.9
    assert (out / "model.safetensors").is_file() and not list(out.glob("*.bin"))
    info = json.loads((out / "training.json").read_text())
    assert info["steps"] == res["steps"] == 30
    tok, mdl = load_seq2seq(str(out))
    tok2, mdl2 = load_seq2seq(str(out))
    enc = tok([PAIRS[0][0]], return_tensors="pt")
    enc.pop("token_type_ids", None)
    with torch.inference_mode():
        a = mdl(**enc, decoder_input_ids=torch.tensor([[2, 1]])).logits
        b = mdl2(**enc, decoder_input_ids=torch.tensor([[2, 1]])).logits
    assert torch.allclose(a, b)
    base_tok, base = load_seq2seq(str(tiny_bart))
    with torch.inference_mode():
        c = base(**enc, decoder_input_ids=torch.tensor([[2, 1]])).logits
    assert not torch.allclose(a, c)  # the weights did change


def test_cli_train_and_summarize_with_the_model(cli, tiny_bart, write, tmp_path):
    pairs = write("pairs.jsonl", "\n".join(
        json.dumps({"document": d, "summary": s}, ensure_ascii=False) for d, s in PAIRS))
    out = tmp_path / "model"
    res = cli("train", "summarizer", "--train", pairs, "--model", tiny_bart, "-o", out,
              "--max-steps", "3", "--batch-size", "2", "--max-source-length", "100000")
    assert res.exit_code == 0, res.output
    assert (out / "README.md").is_file()
    # the limit was lowered to the model's without a word
    assert "length 100000 (--max-source-length) is above what the model takes; using" in res.output
    assert f"--method abstractive --model {out}" in (out / "README.md").read_text("utf-8")
    art = write("a.txt", PAIRS[1][0])
    res = cli("summarize", art, "--method", "abstractive", "--model", out, "--max-length", "6",
              "--num-beams", "1")
    assert res.exit_code == 0, res.output
    assert len(res.output.strip().splitlines()) == 1


def test_train_pairs_missing_field_names_the_fix(write):
    from kotext.errors import InputError
    from kotext.training.summarizer import read_pairs

    p = write("p.jsonl", json.dumps({"document": "가", "lead": "나"}, ensure_ascii=False))
    with pytest.raises(InputError, match="fields are: document, lead. Pass summary_field"):
        read_pairs(p)
    assert read_pairs(p, summary_field="lead") == [("가", "나")]
    # article/summary and source/summary: the document guessed as the README says (it was
    # "which column holds the text? Pass --text-column", an option train summarizer lacks)
    for doc in ("article", "source", "content"):
        q = write(f"{doc}.jsonl", json.dumps({doc: "본문", "summary": "요약"}, ensure_ascii=False))
        assert read_pairs(q) == [("본문", "요약")]
    q = write("x.jsonl", json.dumps({"a": "본문", "b": "요약"}, ensure_ascii=False))
    with pytest.raises(InputError, match="Pass doc_field=NAME"):
        read_pairs(q)


def test_a_repeated_sentence_is_picked_once():
    # an article that repeats its key sentence (a wire copy, a pull quote): MMR alone
    # (similarity scaled by the matrix's largest value) let both copies in
    text = "\n".join([ARTICLE[0], ARTICLE[1], ARTICLE[3], ARTICLE[1], *ARTICLE[4:]])
    for pw in (0.0, 0.3):
        doc = nlp(n=5, position_weight=pw)(text)
        assert len(set(doc.summary)) == len(doc.summary) == min(5, len(set(ARTICLE)) - 1)
        assert doc.summary.count(ARTICLE[1]) == 1


def test_fine_tune_texts_longer_than_the_model_positions(tiny_bart, tmp_path):
    # the default --max-source-length 512 against a 32-position model: IndexError in the
    # embedding lookup; now cut to the model's positions
    from kotext.training.summarizer import train_summarizer

    long_pairs = [(" ".join([PAIRS[0][0]] * 30), PAIRS[0][1]), PAIRS[1]]
    res = train_summarizer(long_pairs, tmp_path / "s", model=str(tiny_bart), epochs=1,
                           batch_size=2, seed=0)
    assert res["steps"] == 1
    assert json.loads((tmp_path / "s" / "training.json").read_text())["max_source_length"] <= 32


def test_an_abstractive_model_folder_that_does_not_exist_fails_when_built():
    # `validate` said ok, then the run failed offline with a hint naming --model
    from kotext import ConfigError
    from kotext.stages.summarize import AbstractiveSummarizer

    with pytest.raises(ConfigError, match="abstractive model ./no-such-kobart: no such folder"):
        AbstractiveSummarizer(model="./no-such-kobart")
    assert AbstractiveSummarizer(model="org/some-hub-model").model == "org/some-hub-model"


def test_options_of_the_other_method_are_refused(cli, write):
    # --model without --method abstractive quietly gave TextRank; TextRank options were
    # ignored by abstractive
    f = write("a.txt", "첫 문장이다. 둘째 문장이다.\n")
    r = cli("summarize", f, "--model", "does/not/exist", "--num-beams", "3")
    assert r.exit_code == 2 and "--model, --num-beams: apply to --method abstractive" in r.output
    r = cli("summarize", f, "--method", "abstractive", "--model", "x", "--mmr", "0.5")
    assert r.exit_code == 2 and "--mmr: applies to --method textrank" in r.output
    assert cli("summarize", f, "--mmr", "0.5").exit_code == 0


def test_whole_file_on_a_table_is_refused_for_summaries_too(cli, write):
    f = write("t.tsv", "id\tdocument\n1\t첫 문장이다. 둘째 문장이다.\n")
    r = cli("summarize", f, "--whole-file")
    assert r.exit_code == 2 and "--whole-file applies to .txt files" in r.output


def test_n_and_ratio_together_are_refused(cli, write):
    f = write("a.txt", "첫 문장이다. 둘째 문장이다.\n")
    r = cli("summarize", f, "-n", "5", "--ratio", "0.2")  # --ratio won, silently
    assert r.exit_code == 2 and "give one" in r.output


def test_text_output_keeps_the_good_documents_when_one_fails(cli, write, tmp_path):
    # -o FILE.txt was deleted, good summaries and all, when a row failed (exit 1 inside);
    # --on-error abort went on past a row the reader could not read, and exited 0
    arts = ["서울시는 버스 요금을 올린다고 밝혔다. 시민들은 부담이 커진다고 말했다.",
            "좋은\x00영화. 정말 좋은 영화였다.",
            "부산의 한 식당이 할인 행사를 열었다. 손님들이 몰려 줄이 길었다."]
    f = write("a.jsonl", "".join(json.dumps({"text": a}, ensure_ascii=False) + "\n"
                                 for a in arts))
    out = tmp_path / "out.txt"
    r = cli("summarize", f, "-n", "1", "-o", out)
    assert r.exit_code == 1 and "1 failed" in r.stderr
    text = out.read_text("utf-8")
    assert "서울시는" in text and "부산의" in text and "ERROR" in text
    r = cli("summarize", f, "-n", "1", "--on-error", "abort")
    assert r.exit_code == 1 and "Stopped there (--on-error abort)" in r.stderr
    assert "부산의" not in r.stdout
