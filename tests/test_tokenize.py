"""kiwi.v1: morphemes, offsets, sentences, POS filters, lemmas, stopwords, user words."""

from __future__ import annotations

import pytest

from kotext import ConfigError, Doc, Pipeline
from kotext.stages.clean import Clean
from kotext.stages.tokenize import KiwiTokenizer

TEXT = "배우 연기는 좋았는데 스토리가 지루했다. 그래도 추천합니다"


def tok(text: str, **kw) -> Doc:
    return KiwiTokenizer(**kw)(Doc(text=text))


def test_morphemes_tags_and_offsets():
    doc = tok(TEXT)
    pairs = [(t.form, t.tag) for t in doc.tokens]
    assert pairs[:3] == [("배우", "NNG"), ("연기", "NNG"), ("는", "JX")]
    assert ("좋", "VA") in pairs
    for t in doc.tokens:
        assert 0 <= t.start < t.end <= len(TEXT)
        if t.tag.startswith(("NN", "MAG", "SF", "JX", "JKS")):
            assert TEXT[t.start:t.end] == t.form
    assert doc.tokens_text().startswith("배우/NNG 연기/NNG 는/JX")


def test_text_tokens_split_on_spaces_even_for_multi_word_names():
    # Kiwi keeps 휴 그랜트 as one NNP; "휴 그랜트/NNP" split on spaces gave a token 휴
    # with no tag (word vectors already key it 휴_그랜트)
    from kotext.doc import Doc, Token

    doc = Doc("휴 그랜트 최고", tokens=[Token("휴 그랜트", "NNP", 0, 6), Token("최고", "NNG", 7, 9)])
    assert doc.tokens_text() == "휴_그랜트/NNP 최고/NNG"
    assert [t.rpartition("/")[2] for t in doc.tokens_text().split()] == ["NNP", "NNG"]
    assert Doc("", tokens=[]).tokens_text() == ""


def test_offsets_after_cleaning_point_into_clean_text():
    nlp = Pipeline([Clean(), KiwiTokenizer()])
    doc = nlp("<p>배우&amp;감독   연기가 좋았다 ㅋㅋㅋㅋ</p>")
    assert doc.text == "배우&감독 연기가 좋았다 ㅋㅋ"
    nouns = [t for t in doc.tokens if t.tag == "NNG"]
    assert [doc.text[t.start:t.end] for t in nouns] == [t.form for t in nouns]


def test_masks_stay_one_token():
    doc = Pipeline([Clean(), KiwiTokenizer()])("문의 https://a.kr/x 또는 010-1234-5678 😀")
    tags = {(t.form, t.tag) for t in doc.tokens}
    assert ("[URL]", "W_URL") in tags and ("[PHONE]", "W_SERIAL") in tags
    assert not any(t.form in ("URL", "PHONE", "[") for t in doc.tokens)


def test_sentences_and_line_boundaries():
    doc = tok("첫 문장입니다. 둘째 문장입니다\n줄이 바뀌면\n새 문장")
    texts = [s.text for s in doc.sentences]
    assert texts == ["첫 문장입니다.", "둘째 문장입니다", "줄이 바뀌면", "새 문장"]
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        first, last = s.tokens
        assert all(s.start <= t.start and t.end <= s.end for t in doc.tokens[first:last])
    assert doc.sentences[-1].tokens[1] == len(doc.tokens)


def test_sentences_off_and_empty_text():
    assert tok(TEXT, sentences=False).sentences is None
    doc = tok("")
    assert doc.tokens == [] and doc.sentences == []


@pytest.mark.parametrize("pos, allowed", [
    (["NNG", "NNP"], ("NNG", "NNP")),
    ("NNG,NNP", ("NNG", "NNP")),
    ("nouns", ("NNG", "NNP")),
    (["predicates"], ("VV", "VA")),
    (["VA"], ("VA",)),
])
def test_pos_filter(pos, allowed):
    doc = tok(TEXT, pos=pos)
    assert doc.tokens
    assert all(t.tag.startswith(allowed) for t in doc.tokens)


def test_pos_filter_keeps_sentences_whole():
    doc = tok("배우가 좋다. 영화는 별로", pos="nouns")
    assert [s.text for s in doc.sentences] == ["배우가 좋다.", "영화는 별로"]
    assert [doc.tokens[i].form for i in range(*doc.sentences[1].tokens)] == ["영화"]


def test_content_preset():
    tags = {t.tag for t in tok(TEXT, pos="content").tokens}
    assert tags and not tags & {"JX", "JKS", "EF", "EC", "SF"}


def test_bad_pos():
    with pytest.raises(ConfigError, match="'명사' is not a tag prefix .*nouns"):
        KiwiTokenizer(pos=["명사"])
    # a prefix no Kiwi tag has (a typo, or another tag set's name) would keep nothing
    with pytest.raises(ConfigError, match="no Kiwi tag starts with 'NOUN'.*NNG"):
        KiwiTokenizer(pos="NNG,NOUN")
    assert KiwiTokenizer(pos="NN,VV,W")._pos == ("NN", "VV", "W")


def test_lemmas():
    doc = tok("연기가 좋았고 영화를 봤다", lemmas=True)
    assert "좋다/VA" in doc.tokens_text()
    assert "보다/VV" in doc.tokens_text()
    assert "연기/NNG" in doc.tokens_text()
    plain = tok("연기가 좋았고", lemmas=False)
    assert "좋/VA" in plain.tokens_text()


def test_default_stopwords_and_extra():
    base = {(t.form, t.tag) for t in tok("영화가 정말 좋았는데 배우가 별로다").tokens}
    assert ("가", "JKS") in base
    sw = {(t.form, t.tag) for t in tok("영화가 정말 좋았는데 배우가 별로다", stopwords=True).tokens}
    assert ("가", "JKS") not in sw and ("영화", "NNG") in sw
    extra = tok("영화가 정말 좋았는데 배우가 별로다", stopwords=True,
                extra_stopwords=["영화", "배우/NNG"]).tokens
    forms = [t.form for t in extra]
    assert "영화" not in forms and "배우" not in forms and "정말" in forms
    # with lemmas a stopword may be written as the output shows it (좋다/VA, 좋다) or as
    # the stem (좋/VA); the lemma forms were silently ignored
    for sw in ("좋다/VA", "좋다", "좋/VA"):
        toks = tok("영화가 좋았다", lemmas=True, extra_stopwords=[sw]).tokens
        assert "VA" not in {t.tag for t in toks}, sw
    assert "좋다/VA" in str(tok("영화가 좋았다", lemmas=True).tokens[2])


def test_user_words_and_user_dict(write):
    word = "뽀로롱맛집"
    before = tok(f"{word}에 갔다")
    assert (word, "NNP") not in {(t.form, t.tag) for t in before.tokens}
    d = write("dict.tsv", "꾸르잼뽀짝\tNNG\t0\n")
    # one Kiwi with both, to keep the suite fast
    doc = tok(f"{word}에 갔다\n꾸르잼뽀짝 영화", user_words=[f"{word}/NNP"], user_dict=str(d))
    assert (doc.tokens[0].form, doc.tokens[0].tag) == (word, "NNP")
    assert ("꾸르잼뽀짝", "NNG") in {(t.form, t.tag) for t in doc.tokens}


def test_user_dict_saved_as_cp949(write):
    # Excel and Notepad on a Korean Windows save CP949, which Kiwi alone cannot read
    d = write("dict949.tsv", "꾸르잼뽀짝\tNNP\t0\n", encoding="cp949")
    doc = tok("꾸르잼뽀짝 영화", user_dict=str(d))
    assert (doc.tokens[0].form, doc.tokens[0].tag) == ("꾸르잼뽀짝", "NNP")


def test_user_word_tags_are_checked_when_the_stage_is_built():
    # before any Kiwi is loaded, so `kotext validate` catches it too
    with pytest.raises(ConfigError, match=r"user word 'AC/DC': unknown tag 'DC'.*AC/DC/NNP"):
        KiwiTokenizer(user_words=["넷플릭스/NNP", "AC/DC"])
    assert KiwiTokenizer(user_words=["AC/DC/NNP", "뽀짝", "먹방/nng"])._user_words


def test_user_dict_missing_names_format(tmp_path):
    with pytest.raises(ConfigError, match=r"user_dict not found: .*WORD<TAB>TAG"):
        KiwiTokenizer(user_dict=str(tmp_path / "nope.tsv"))


def test_batch_equals_single():
    t = KiwiTokenizer(lemmas=True)
    texts = [TEXT, "", "둘째 문서\n두 줄", TEXT]
    batch = t.process_batch([Doc(text=x) for x in texts])
    assert [d.tokens for d in batch] == [t(Doc(text=x)).tokens for x in texts]
    assert batch[0].tokens == batch[3].tokens


def test_a_sentence_kiwi_runs_on_for_pages_is_cut_at_sentence_ends():
    # An unclosed quote made Kiwi keep 16 news articles as one 18,000-character sentence
    # (which a summary then picked whole); such a sentence is cut after ". " and the like.
    from kotext.doc import Sentence
    from kotext.stages.tokenize import LONG_SENTENCE, _cut_long

    text = " ".join(f"연구진은 {i}번째 실험 결과를 발표했다." for i in range(40)) + " 끝이다!"
    doc = Pipeline([KiwiTokenizer()])(text)
    assert len(doc.sentences) == 41  # Kiwi's own split, untouched
    one = [Sentence(text, 0, len(text), (0, len(doc.tokens)))]  # as Kiwi gave it
    cut = _cut_long(one, doc.tokens)
    assert [(s.text, s.start, s.end, s.tokens) for s in cut] == \
        [(s.text, s.start, s.end, s.tokens) for s in doc.sentences]
    short = [Sentence(text[:LONG_SENTENCE], 0, LONG_SENTENCE, (0, 5))]
    assert _cut_long(short, doc.tokens) == short  # up to LONG_SENTENCE: left as it is
    # filtered tokens (nouns only): each piece still gets its range of what is left
    nouns = Pipeline([KiwiTokenizer(pos="nouns")])(text)
    cut = _cut_long([Sentence(text, 0, len(text), (0, len(nouns.tokens)))], nouns.tokens)
    assert [s.tokens for s in cut] == [s.tokens for s in nouns.sentences]


def test_tags_written_in_lower_case_and_irregular_tags(cli):
    # 오징어게임/nnp became the word "오징어게임/nnp"; 영화/nng stopped nothing; --pos VV-I
    # (a tag kotext writes) was refused; 듣/VV did not stop 듣/VV-I
    from kotext.kiwi import parse_user_word

    assert parse_user_word("오징어게임/nnp") == ("오징어게임", "NNP", 0.0)
    assert parse_user_word("꾸르잼\tnng\t1") == ("꾸르잼", "NNG", 1.0)
    assert parse_user_word("이것/저것") == ("이것/저것", "NNP", 0.0)
    forms = [t.form for t in tok("나는 이 영화를 보고", extra_stopwords=["영화/nng"]).tokens]
    assert "영화" not in forms and "보" in forms
    assert [str(t) for t in tok("음악을 들었다", pos="VV-I,nng").tokens] == \
        ["음악/NNG", "듣/VV-I"]
    assert "듣/VV-I" not in [str(t) for t in tok("음악을 들었다",
                                                  extra_stopwords=["듣/VV"]).tokens]
    # the command line's comma lists: "a, b" is "a,b" (the " 영화" matched nothing)
    r = cli("tokenize", "-", "--extra-stopwords", "정말, 영화", "--pos", "NNG, MAG",
            input="이 영화 정말 좋은 배우\n")
    assert r.exit_code == 0 and r.stdout.split() == ["배우/NNG"], r.output
