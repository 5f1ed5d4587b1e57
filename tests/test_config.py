"""kotext.config / registry: TOML pipeline files, dotted overrides, validation messages."""

from __future__ import annotations

import pytest

import kotext
from kotext import ConfigError
from kotext.config import apply_overrides, parse_value


def test_parse_value():
    assert parse_value("2") == 2
    assert parse_value("true") is True
    assert parse_value("NNG,NNP") == ["NNG", "NNP"]
    assert parse_value("nouns") == "nouns"
    assert parse_value('["a", "b"]') == ["a", "b"]
    assert parse_value("[EMOJI]") == "[EMOJI]"


def test_overrides_dotted(pipelines_dir):
    nlp = kotext.load(pipelines_dir / "tokenize.toml",
                      overrides=["stages.tokenize.pos=NNG,NNP", "stages.clean.emoji=remove",
                                 "pipeline.batch_size=8"])
    tok = nlp.stages[1]
    assert tok.pos == ["NNG", "NNP"]
    assert nlp.stages[0].emoji == "remove"
    assert nlp.batch_size == 8
    assert {t.tag for t in nlp("배우 연기가 좋았다 😀").tokens} <= {"NNG", "NNP"}


def test_override_does_not_touch_input():
    cfg = {"stages": {"a": {"x": 1}}}
    out = apply_overrides(cfg, ["stages.a.x=2"])
    assert cfg["stages"]["a"]["x"] == 1 and out["stages"]["a"]["x"] == 2


@pytest.mark.parametrize("item, message", [
    ("stages.tokenize", "expected KEY=VALUE, e.g. set=stages.tokenize.pos=NNG,NNP"),
    ("stages.tokenise.pos=NNG", "the pipeline has no stage 'tokenise'; stages are: clean."),
    ("stages.clean.html.x=1", "'html' is a value, not a table"),
    ("stages.clean.html=yes", "stage 'clean' (clean.v1): option html='yes': expected true or false"),
    ("stages.clean.normalize_repeats=two", "option normalize_repeats='two': expected a whole number"),
])
def test_bad_overrides(pipelines_dir, item, message):
    with pytest.raises(ConfigError) as e:
        kotext.load(pipelines_dir / "clean.toml", overrides=[item])
    assert message in str(e.value)


def test_number_for_a_text_option_is_the_text(pipelines_dir):
    # --set stages.clean.emoji_token=1 parses as the number 1: the option is text, so it
    # is "1" (it was an error blaming the shipped pipeline file)
    nlp = kotext.load(pipelines_dir / "clean.toml",
                      overrides=["stages.clean.emoji=replace", "stages.clean.emoji_token=1"])
    assert nlp("가 😀").text == "가 1"


def test_unknown_option_named_with_options_listed(pipelines_dir):
    with pytest.raises(ConfigError) as e:
        kotext.load(pipelines_dir / "tokenize.toml", overrides=["stages.tokenize.lemma=true"])
    msg = str(e.value)
    assert "stage 'tokenize' (kiwi.v1): unknown option 'lemma'" in msg
    assert "lemmas" in msg and "tokenize.toml" in msg


def test_unknown_factory_suggests(write):
    p = write("p.toml", '[pipeline]\nstages = ["c"]\n[stages.c]\nfactory = "clean.v2"\n')
    with pytest.raises(ConfigError, match="unknown stage factory 'clean.v2'. Did you mean 'clean.v1'"):
        kotext.load(p)


@pytest.mark.parametrize("toml, message", [
    ('stages = ["c"]\n', "missing [pipeline] table"),
    ('[pipeline]\nstages = ["c"]\n', '[stages.c] needs factory = "..."'),
    ('[pipeline]\nstages = ["c"]\nbatchsize = 2\n[stages.c]\nfactory = "clean.v1"\n',
     "unknown [pipeline] option(s) batchsize"),
    ('[pipeline]\nstages = ["c"]\n[stages.c]\nfactory = "clean.v1"\n[stages.d]\nfactory = "clean.v1"\n',
     "[stages.d] is defined but not listed"),
    ('[pipeline]\nstages = ["c"]\n[stages.c]\nfactory = "clean.v1"\nemoji = "hide"\n',
     "clean option emoji='hide': use one of keep, remove, replace"),
    ('[pipeline]\nstages = ["c"]\n[stage.c]\nfactory = "clean.v1"\n',
     "unknown table [stage]"),
    ('[pipeline\n', "not valid TOML"),
])
def test_bad_pipeline_files(write, toml, message):
    p = write("p.toml", toml)
    with pytest.raises(ConfigError) as e:
        kotext.load(p)
    assert message in str(e.value)
    assert str(p) in str(e.value)


def test_relative_user_dict_resolved_against_pipeline_file(tmp_path, write):
    write("conf/words.tsv", "넷플릭스\tNNP\t0\n")
    p = write("conf/p.toml", '[pipeline]\nstages = ["t"]\n[stages.t]\nfactory = "kiwi.v1"\n'
                             'user_dict = "words.tsv"\n')
    nlp = kotext.load(p)
    assert nlp.stages[0].user_dict == str((tmp_path / "conf" / "words.tsv").resolve())


def test_shipped_pipelines_valid(pipelines_dir):
    for p in sorted(pipelines_dir.glob("*.toml")):
        if p.stem in ("clean", "tokenize"):
            nlp = kotext.load(p)
            assert nlp.stages and nlp.source == p


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig"])
def test_pipeline_file_saved_by_notepad(tmp_path, encoding):
    # Notepad on a Korean Windows saves CP949 (or UTF-8 with a BOM); TOML itself is UTF-8
    f = tmp_path / "p.toml"
    f.write_text('[pipeline]\nstages = ["clean"]\n# 한국어 주석\n[stages.clean]\n'
                 'factory = "clean.v1"\nemoji_token = "[이모지]"\n', encoding=encoding)
    nlp = kotext.load(f)
    assert nlp.stages[0].emoji_token == "[이모지]"
    f.write_bytes(b"\x80\x00 binary")
    with pytest.raises(ConfigError, match="cannot read this pipeline file as text"):
        kotext.load(f)


@pytest.mark.parametrize("value", ["0", "-1", '"big"', "1.5"])
def test_batch_size_must_be_a_positive_whole_number(cli, write, value):
    # 0 wrote a header and no rows (exit 0); -1 and "big" were tracebacks
    conf = write("p.toml", f'[pipeline]\nstages = ["clean"]\nbatch_size = {value}\n'
                           '[stages.clean]\nfactory = "clean.v1"\n')
    r = cli("validate", conf)
    assert r.exit_code == 2 and "batch_size" in r.output and "1 or more" in r.output
