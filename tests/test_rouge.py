"""Korean ROUGE over Kiwi morphemes, sentence P/R/F1, and `kotext evaluate-summary`."""

from __future__ import annotations

import json

import pytest

from kotext.errors import InputError
from kotext.evaluate.rouge import (
    kiwi_morphemes,
    lcs_length,
    rouge,
    rouge_tokens,
    sentence_prf,
)


def split(text: str) -> list[str]:
    return text.split()


def test_rouge_hand_computed():
    s = rouge_tokens("a b c d".split(), "a b e".split())
    assert s["rouge1"]["precision"] == pytest.approx(2 / 4)
    assert s["rouge1"]["recall"] == pytest.approx(2 / 3)
    assert s["rouge1"]["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert s["rouge2"]["precision"] == pytest.approx(1 / 3)  # (a b) of ab, bc, cd
    assert s["rouge2"]["recall"] == pytest.approx(1 / 2)     # (a b) of ab, be
    assert s["rougeL"]["recall"] == pytest.approx(2 / 3)


def test_rouge_clips_repeated_ngrams():
    s = rouge_tokens("a a a a".split(), "a b".split())
    assert s["rouge1"]["precision"] == pytest.approx(1 / 4)


def test_lcs():
    assert lcs_length("a b c d e".split(), "a c e".split()) == 3
    assert lcs_length([], ["a"]) == 0


def test_identical_and_disjoint():
    r = rouge(["가 나 다"], ["가 나 다"], tokenizer=split)
    assert all(r[t]["f1"] == pytest.approx(1.0) for t in r)
    r = rouge(["가 나"], ["다 라"], tokenizer=split)
    assert all(r[t]["f1"] == 0.0 for t in r)


def test_hangul_is_not_dropped():
    # packages that tokenize on [a-z0-9] see nothing here and score 0
    r = rouge(["고양이가 생선을 좋아한다"], ["고양이는 생선을 좋아했다"])
    assert 0.3 < r["rouge1"]["f1"] < 1.0
    assert r["rouge2"]["f1"] > 0


def test_morphemes_drop_punctuation_and_lower_latin():
    (toks,) = kiwi_morphemes(["AI 연구가 늘었다!"])
    assert "ai" in toks and "연구" in toks and "!" not in toks


def test_sentence_lists_and_several_references():
    one = rouge([["고양이가 잔다", "개가 짖는다"]], ["고양이가 잔다\n개가 짖는다"])
    assert one["rouge1"]["f1"] == pytest.approx(1.0)
    best = rouge(["개가 짖는다"], [[["고양이가 잔다"], ["개가 짖는다"]]])
    assert best["rouge1"]["f1"] == pytest.approx(1.0)


def test_mean_over_documents():
    r = rouge(["a b", "a b"], ["a b", "c d"], tokenizer=split)
    assert r["rouge1"]["f1"] == pytest.approx(0.5)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 candidates but 1"):
        rouge(["a", "b"], ["a"], tokenizer=split)


def test_sentence_prf():
    s = sentence_prf([[0, 1, 2]], [[0, 2, 5, 7]])
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 4)
    assert sentence_prf([[0, 1], [3]], [[0, 1], [4]])["f1"] == pytest.approx(0.5)


ARTICLE = ["연구진이 새로운 배터리 소재를 개발했다", "이 소재는 충전 속도를 두 배로 높인다",
           "연구진은 배터리 소재의 수명도 늘렸다고 밝혔다", "한편 이날 날씨는 맑았다"]


def _folder(write):
    write("data/01.json", json.dumps({"sentences": ARTICLE, "summaries": [0, 2],
                                      "pred": [0, 3]}, ensure_ascii=False))
    write("data/02.json", json.dumps({"sentences": ARTICLE[:3], "summaries": [1],
                                      "pred": [1]}, ensure_ascii=False))
    return write("data/01.json", json.dumps({"sentences": ARTICLE, "summaries": [0, 2],
                                             "pred": [0, 3]}, ensure_ascii=False)).parent


def test_cli_scores_given_predictions(cli, write):
    folder = _folder(write)
    res = cli("evaluate-summary", folder, "--pred-field", "pred", "--json", "-")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["n"] == 2
    # doc 1: 1 of 2 right (F1 0.5); doc 2: exact (F1 1.0)
    assert rep["sentences"]["f1"] == pytest.approx(0.75)
    assert 0 < rep["rouge2"]["f1"] < 1


def test_cli_runs_kotext_with_as_many_sentences_as_gold(cli, write):
    folder = _folder(write)
    res = cli("evaluate-summary", folder, "--text-field", "sentences",
              "--gold-field", "summaries")
    assert res.exit_code == 0, res.output
    assert "ROUGE-2" in res.output and "sentence" in res.output


def test_cli_text_references(cli, write):
    p = write("preds.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"summary": "고양이가 잔다", "reference": "고양이가 잔다"},
        {"summary": "개가 짖는다", "reference": "새가 난다"}]))
    res = cli("evaluate-summary", p, "--pred-field", "summary", "--gold-field", "reference",
              "--json", "-")
    rep = json.loads(res.output)
    assert "sentences" not in rep
    assert 0.4 < rep["rouge1"]["f1"] < 0.8


def test_cli_bad_fields_name_the_fix(cli, write):
    folder = _folder(write)
    with pytest.raises(InputError, match="fields are: sentences, summaries, pred"):
        from kotext.evaluate.summary_data import read_summary_rows

        read_summary_rows(str(folder), None, "gold", None)
    res = cli("evaluate-summary", folder, "--gold-field", "nope")
    assert res.exit_code == 2
    assert "--gold-field" in res.output


def test_gold_index_out_of_range(write):
    from kotext.evaluate.summary_data import read_summary_rows

    p = write("x.json", json.dumps({"sentences": ["가", "나"], "summaries": [5]}))
    with pytest.raises(InputError, match="gold index 5 is outside the article's 2 sentences"):
        read_summary_rows(str(p), None, None, None)


def _jsonl(write, name, rows):
    return write(name, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")


def test_cli_summarizes_plain_text_articles(cli, write):
    # the article as one text and a text reference (was: "predicted sentence indices
    # need the article as a list of sentences")
    p = _jsonl(write, "t.jsonl", [{"body": ". ".join(ARTICLE) + ".", "summary": ARTICLE[0]}])
    res = cli("evaluate-summary", p, "--text-field", "body", "--gold-field", "summary",
              "-n", "1", "--json", "-")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["n"] == 1 and rep["rouge1"]["f1"] == pytest.approx(1.0)


def test_cli_indices_are_list_positions_with_blank_items(cli, write):
    # an empty item, and one holding a line break, must not shift the predicted indices
    sents = ["", ARTICLE[0], ARTICLE[1] + "\n(계속)", ARTICLE[2], ARTICLE[3]]
    p = _jsonl(write, "gap.jsonl", [{"sentences": sents, "summaries": [1, 3]}])
    rep = json.loads(cli("evaluate-summary", p, "--json", "-").output)
    full = json.loads(cli("evaluate-summary", _jsonl(write, "full.jsonl", [
        {"sentences": ARTICLE, "summaries": [0, 2]}]), "--json", "-").output)
    assert rep["sentences"] == full["sentences"]


def test_cli_csv_with_a_sentences_column(cli, write):
    p = write("s.csv", 'sentences,summaries\n"' + json.dumps(ARTICLE, ensure_ascii=False)
              .replace('"', '""') + '","[0, 2]"\n')
    res = cli("evaluate-summary", p, "--text-column", "sentences", "--gold-field",
              "summaries", "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n"] == 1


def test_cli_pipeline_takes_n_and_must_summarize(cli, write, pipelines_dir):
    folder = _folder(write)
    # gold: 2 of 4 sentences, 1 of 3; the pipeline file says n = 3, -n 1 must win
    got = [json.loads(cli("evaluate-summary", folder, "--pipeline",
                          pipelines_dir / "summarize.toml", "-n", n, "--json", "-").output)
           ["sentences"] for n in ("1", "3")]
    assert got[0]["recall"] < got[1]["recall"] and got[1]["precision"] < 1
    res = cli("evaluate-summary", folder, "--pipeline", pipelines_dir / "keywords.toml")
    assert res.exit_code == 2 and "no stage makes a summary" in res.output


@pytest.mark.parametrize("gold, message", [
    ([], "the gold summary .* is empty"), (["가", None], r"is \['가', None\], a mix"),
    ([0, "가"], r"is \[0, '가'\], a mix"),  # it named 0, a good index
])
def test_bad_gold_rows_are_named(write, gold, message):
    from kotext.evaluate.summary_data import read_summary_rows

    p = write("x.json", json.dumps([{"sentences": ["가", "나"], "summaries": [0]},
                                    {"sentences": ["가", "나"], "summaries": gold}]))
    with pytest.raises(InputError, match="row 2: .*" + message):
        read_summary_rows(str(p), None, None, None)


def test_a_row_without_its_article_is_named(write):
    # it said "the prediction (None) is sentence indices", with no --pred-field given
    from kotext.evaluate.summary_data import read_summary_rows

    p = write("x.jsonl", '{"text": "비가 왔다. 맑겠다.", "summary": "비가 왔다."}\n'
                         '{"summary": "비가 왔다."}\n{"text": "", "summary": "x"}\n')
    with pytest.raises(InputError, match=r"row 2: no article to summarize \(text is missing"):
        read_summary_rows(str(p), None, None, None)


def test_indices_written_as_strings_and_predictions_out_of_range(cli, write):
    from kotext.evaluate.summary_data import read_summary_rows

    p = write("x.json", json.dumps({"sentences": ["가", "나"], "summaries": ["1"],
                                    "pred": [7]}))
    rows, _, _ = read_summary_rows(str(p), None, None, None)
    assert rows[0]["gold_indices"] == [1]
    res = cli("evaluate-summary", p, "--pred-field", "pred")
    assert res.exit_code == 2 and "predicted index 7 is outside" in res.output
