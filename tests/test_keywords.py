"""keywords.v1: TextRank over noun co-occurrence, compounds, and `kotext keywords`."""

from __future__ import annotations

import json

import pytest

import kotext
from kotext.errors import ConfigError
from kotext.pipeline import Pipeline
from kotext.stages.summarize import KeywordExtractor
from kotext.stages.tokenize import KiwiTokenizer
from kotext.summarize import keyword_rank

TEXT = ("지카바이러스가 남성의 생식능력을 떨어뜨린다는 연구 결과가 나왔다. "
        "연구진은 지카바이러스에 감염된 쥐의 고환이 작아졌다고 밝혔다. "
        "지카바이러스는 모기를 통해 전파된다. 연구진은 백신 개발을 서두르고 있다.")


def nlp(**kw) -> Pipeline:
    return Pipeline([KiwiTokenizer(), KeywordExtractor(**kw)])


def test_keyword_rank_centre_of_a_star():
    sents = [["허브", "가"], ["허브", "나"], ["허브", "다"], ["라", "마"]]
    ranked = keyword_rank(sents, window=2, top=None)
    assert ranked[0][0] == "허브"
    assert ranked[0][1] == pytest.approx(1.0)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_most_central_noun_first_with_scores():
    kws = nlp(n=5)(TEXT).keywords
    assert len(kws) == 5
    assert kws[0][0] == "지카바이러스"
    assert kws[0][1] == pytest.approx(1.0)
    assert all(0 < s <= 1 for _, s in kws)
    assert "연구진" in [w for w, _ in kws]


def test_compounds_join_adjacent_nouns():
    words = [w for w, _ in nlp(n=20)(TEXT).keywords]
    assert "지카바이러스" in words and "생식능력" in words
    split = [w for w, _ in nlp(n=20, compounds=False)(TEXT).keywords]
    assert "생식능력" not in split and "능력" in split


def test_pos_and_filters():
    words = [w for w, _ in nlp(n=50, pos="NNP")(TEXT).keywords]
    assert words and "연구진" not in words  # NNG left out
    longer = [w for w, _ in nlp(n=50, min_length=4)(TEXT).keywords]
    assert set(longer) == {"지카바이러스", "생식능력"}
    frequent = [w for w, _ in nlp(n=50, min_count=2)(TEXT).keywords]
    assert set(frequent) == {"지카바이러스", "연구진"}


def test_empty_and_no_hangul():
    assert nlp()("").keywords == []
    kws = nlp(pos="SL")("Python and Rust, Python tools").keywords
    assert kws[0][0] == "Python"


def test_bad_options():
    with pytest.raises(ConfigError, match="window=1"):
        KeywordExtractor(window=1)
    with pytest.raises(ConfigError, match="not a tag prefix"):
        KeywordExtractor(pos="nounz")
    # an upper-case word that is no tag matched nothing: every keyword list was empty
    with pytest.raises(ConfigError, match="no Kiwi tag starts with 'NNX'"):
        KeywordExtractor(pos="NNX")
    with pytest.raises(ConfigError, match="damping=5: give a number between 0 and 1"):
        KeywordExtractor(damping=5)


def test_needs_tokens():
    with pytest.raises(ConfigError, match="kiwi.v1"):
        Pipeline([KeywordExtractor()])


def test_shipped_pipeline_and_config_round_trip(pipelines_dir):
    p = kotext.load(pipelines_dir / "keywords.toml")
    assert p(TEXT).keywords[0][0] == "지카바이러스"
    again = Pipeline.from_config(p.to_config())
    assert again(TEXT).keywords == p(TEXT).keywords


def test_cli_text_file(cli, write):
    f = write("a.txt", TEXT.replace(". ", ".\n"))
    res = cli("keywords", f, "-n", "3")
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 3  # the whole file is one document
    assert lines[0].split() == ["1.000", "지카바이러스"]
    # -o FILE.txt, or --format text -o FILE: the same lines in the file (a JSON list was
    # written to k.txt, and with --format text no file at all)
    for args in (["-o", f.parent / "k.txt"], ["--format", "text", "-o", f.parent / "k.out"]):
        out = args[-1]
        res = cli("keywords", f, "-n", "3", *args)
        assert res.exit_code == 0, res.output
        assert out.read_text(encoding="utf-8").strip().splitlines() == lines
        assert not out.with_name(out.name + ".part").exists()
    res = cli("keywords", f, "-o", f)
    assert res.exit_code == 2 and "is the input file" in res.output


def test_cli_csv_rows_in_rows_out(cli, write, tmp_path):
    f = write("a.csv", "id,body\n1,\"" + TEXT + "\"\n2,\n3,고양이가 좋다\n")
    out = tmp_path / "k.jsonl"
    res = cli("keywords", f, "--text-column", "body", "-o", out, "-n", "2")
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["keywords"][0][0] == "지카바이러스"
    assert rows[1]["keywords"] == []
    assert rows[2]["keywords"][0][0] == "고양이"
