"""Word embeddings: training on a tiny Korean corpus, saving/loading (kotext folder, word2vec
text/binary, Facebook fastText .bin), fastText subword vectors for unseen words (checked
against gensim), queries, evaluation files, bad input, the `kotext embed` commands."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from kotext.embeddings import (
    OOVError,
    PipelineCorpus,
    TokenFile,
    Vectors,
    char_ngrams,
    evaluate_analogy,
    evaluate_similarity,
    ngram_buckets,
    read_analogy_file,
    train_vectors,
)
from kotext.errors import InputError, ModelError

SUBJ = ["배우", "감독", "영화", "스토리", "음악", "연기"]
PRED = ["정말 좋았다", "너무 지루했다", "최고였다", "별로였다", "재밌었다"]
CORPUS = [f"{s} {p}" for s, p in itertools.product(SUBJ, PRED)] + [
    "배우 연기가 정말 좋았다", "감독 연출이 지루했다", "영화 음악이 최고였다",
    "스토리가 너무 지루했다", "배우와 감독이 재밌었다",
]
SMALL = dict(dim=8, epochs=2, min_count=1, workers=1, window=2)


@pytest.fixture(scope="module")
def w2v(tmp_path_factory) -> tuple[Vectors, Path]:
    out = tmp_path_factory.mktemp("vec") / "w2v"
    return train_vectors(CORPUS, out, method="word2vec", **SMALL), out


@pytest.fixture(scope="module")
def ft(tmp_path_factory) -> tuple[Vectors, Path]:
    out = tmp_path_factory.mktemp("vec") / "ft"
    vec = train_vectors(CORPUS, out, method="fasttext", bucket=5000, min_n=1, max_n=3, **SMALL)
    return vec, out


def test_train_save_load_round_trip(w2v):
    vec, folder = w2v
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md", "config.json", "vectors.safetensors", "vocab.json"]
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert cfg["method"] == "word2vec" and cfg["tokens"] == "form" and cfg["dim"] == 8
    assert [s["factory"] for s in cfg["preprocess"]] == ["clean.v1", "kiwi.v1"]
    assert cfg["corpus"]["docs"] == len(CORPUS)
    back = Vectors.load(folder)
    assert back.words == vec.words and "배우" in back
    np.testing.assert_array_equal(back.vectors, vec.vectors)
    np.testing.assert_array_equal(back.counts, vec.counts)
    assert back.most_similar("배우", n=3) == vec.most_similar("배우", n=3)
    # the vocabulary holds Kiwi morphemes, not eojeol
    assert "지루" in back and "지루했다" not in back


def test_word2vec_unknown_word_is_a_clear_error(w2v):
    vec, _ = w2v
    with pytest.raises(OOVError, match="'없는단어' is not in the vocabulary.*fastText"):
        vec.vector("없는단어")
    with pytest.raises(KeyError):  # OOVError is also a KeyError for Python callers
        vec.most_similar("없는단어")
    assert not vec.has_vector("없는단어")


def test_fasttext_gives_unknown_words_a_vector_and_survives_save_load(ft):
    vec, folder = ft
    assert "배우들" not in vec
    v = vec.vector("배우들")
    assert v.shape == (8,) and np.isfinite(v).all() and np.any(v)
    back = Vectors.load(folder)
    assert back.has_subwords and (back.min_n, back.max_n, back.bucket) == (1, 3, 5000)
    np.testing.assert_array_equal(back.vector("배우들"), v)
    np.testing.assert_array_equal(back.vector("배우"), vec.vector("배우"))
    assert back.most_similar("재밋었다", n=2)  # a typo still gets neighbours


def _gensim_fasttext(sentences, **kw):
    from gensim.models import FastText

    return FastText(sentences=sentences, vector_size=8, window=2, min_count=1, epochs=2,
                    workers=1, seed=1, **kw)


def test_subword_vectors_equal_gensims(tmp_path):
    sents = [s.split() for s in CORPUS]
    model = _gensim_fasttext(sents, min_n=2, max_n=4, bucket=3000)
    Vectors.from_gensim(model.wv, {"method": "fasttext"}).save(tmp_path / "v")
    back = Vectors.load(tmp_path / "v")
    for w in ["배우들이", "감독님", "재밋다", "ㅋㅋㅋ", "x", "배우"]:
        np.testing.assert_allclose(back.vector(w), model.wv.get_vector(w), rtol=1e-6, atol=1e-7)
    from gensim.models.fasttext import ft_ngram_hashes

    for w in ["배우", "재밌어욬", "a", "😀좋아"]:
        for lo, hi in [(1, 3), (2, 5), (3, 6)]:
            assert ngram_buckets(w, lo, hi, 1000) == ft_ngram_hashes(w, lo, hi, 1000)
    assert char_ngrams("배우", 1, 3) == ["<배", "<배우", "배", "배우", "배우>", "우", "우>"]


def test_facebook_bin_and_word2vec_files(tmp_path):
    from gensim.models.fasttext import save_facebook_model

    sents = [s.split() for s in CORPUS]
    model = _gensim_fasttext(sents, min_n=2, max_n=4, bucket=3000)
    save_facebook_model(model, str(tmp_path / "ft.bin"))
    fb = Vectors.load(tmp_path / "ft.bin")
    assert fb.has_subwords and set(fb.words) == set(model.wv.index_to_key)
    for w in ["배우", "배우들이", "재밋다"]:
        np.testing.assert_allclose(fb.vector(w), model.wv.get_vector(w), rtol=1e-5, atol=1e-6)

    model.wv.save_word2vec_format(str(tmp_path / "v.txt"), binary=False)
    model.wv.save_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    txt, bin_ = Vectors.load(tmp_path / "v.txt"), Vectors.load(tmp_path / "v.bin")
    assert txt.words == bin_.words == list(model.wv.index_to_key)
    np.testing.assert_allclose(txt.vectors, model.wv.vectors, atol=1e-5)
    np.testing.assert_array_equal(bin_.vectors, model.wv.vectors)
    assert not txt.has_subwords
    with pytest.raises(OOVError):
        txt.vector("배우들이")


@pytest.mark.parametrize("name,data", [
    ("junk.bin", b"\x00\x01garbage\xff" * 10),
    ("junk.txt", "이것은 벡터 파일이 아니다\n하나 둘 셋\n".encode()),
    ("short.txt", b"3 4\n\xeb\xb0\xb0\xec\x9a\xb0 0.1 0.2 0.3 0.4\n"),
    ("huge.bin", b"999999999 300\n" + b"\x00" * 64),
    ("nan.txt", "2 2\n배우 nan 0.1\n감독 0.2 0.3\n".encode()),
])
def test_corrupt_vector_files_are_clear_errors(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(ModelError, match=name):
        Vectors.load(p)


def test_damaged_kotext_folder(w2v, tmp_path):
    import shutil

    _, folder = w2v
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    (bad / "vocab.json").write_text(json.dumps(["배우"]), encoding="utf-8")
    with pytest.raises(ModelError, match="mixes files"):
        Vectors.load(bad)
    (bad / "vocab.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid JSON"):
        Vectors.load(bad)
    (bad / "vectors.safetensors").write_bytes(b"broken")
    (bad / "vocab.json").write_text(json.dumps(["배우"]), encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read the weights"):
        Vectors.load(bad)
    with pytest.raises(ModelError, match="not found"):
        Vectors.load(tmp_path / "nothing-here")


def test_empty_corpus_and_min_count_fail_and_write_nothing(tmp_path):
    out = tmp_path / "models" / "v"
    with pytest.raises(InputError, match="no tokens to train on"):
        train_vectors(["", "   ", ""], out, **SMALL)
    with pytest.raises(InputError, match="min_count=50"):
        train_vectors(CORPUS, out, **{**SMALL, "min_count": 50})
    assert not out.exists()
    assert list((tmp_path / "models").iterdir()) == []  # no temporary token file left


def test_pipeline_corpus_is_reiterable_and_token_file(tmp_path):
    corpus = PipelineCorpus(CORPUS[:3])
    first, second = list(corpus), list(corpus)
    assert first == second and first[0][0] == "배우"
    tagged = list(PipelineCorpus(CORPUS[:1], tokens="form/tag"))
    assert tagged[0][0] == "배우/NNG"
    with pytest.raises(TypeError, match="re-iterable"):
        PipelineCorpus(x for x in CORPUS)
    f = tmp_path / "tok.txt"
    f.write_text("배우 연기\n\n영화 최고\n", encoding="utf-8")
    assert list(TokenFile(f)) == [["배우", "연기"], ["영화", "최고"]] == list(TokenFile(f))


def _toy() -> Vectors:
    words = ["왕/NNG", "여왕/NNG", "남자/NNG", "여자/NNG", "사과/NNG", "왕/VV"]
    v = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0.1], [0, 0, 1, 0.1], [0, 0, 0, 1],
                  [0.2, 0.1, 0.1, 0.9]], dtype=np.float32)
    return Vectors(words, v, counts=np.array([50, 20, 40, 30, 10, 1]),
                   config={"tokens": "form/tag", "method": "word2vec"})


def test_queries_on_known_geometry():
    vec = _toy()
    assert vec.key("왕") == "왕/NNG"  # the most frequent key with that form
    assert vec.analogy("왕", "남자", "여자", n=1)[0][0] == "여왕/NNG"
    top = vec.most_similar("왕", n=10)
    assert "왕/NNG" not in [w for w, _ in top] and len(top) == 5
    assert top == sorted(top, key=lambda x: -x[1])
    assert vec.similarity("남자", "남자/NNG") == pytest.approx(1.0)
    # a multi-word name as tokens and keywords give it (휴 그랜트) is its key 휴_그랜트
    names = Vectors(["휴_그랜트", "영화"], np.eye(2, dtype=np.float32),
                    config={"tokens": "form", "method": "word2vec"})
    assert names.key("휴 그랜트") == "휴_그랜트" and names.key("휴  그랜트 ") == "휴_그랜트"
    assert names.vector("휴 그랜트")[0] == 1.0 and "영 화" not in names


def test_evaluation_files(tmp_path):
    vec = _toy()
    ws = tmp_path / "ws.csv"
    ws.write_bytes("\ufeff왕,여왕,8\r\n남자,여자,7\r\n왕,사과,1\r\n없다,남자,3\r\n".encode())
    r = evaluate_similarity(vec, ws)
    assert (r["pairs"], r["covered"]) == (4, 3) and r["coverage"] == 0.75
    assert -1 <= r["spearman"] <= 1 and r["missing"] == ["없다"]
    an = tmp_path / "an.txt"
    an.write_text("# 성별 (2 pairs)\n남자 여자 왕 여왕\n남자 왕 여자 여왕\n# 없음\n"
                  "밥 밥을 물 물을\n", encoding="utf-8")
    assert [(s, len(q)) for s, q in read_analogy_file(an)] == [("성별 (2 pairs)", 2), ("없음", 1)]
    r = evaluate_analogy(vec, an)
    assert (r["questions"], r["covered"], r["correct"]) == (3, 2, 2)
    assert r["accuracy"] == 1.0 and r["accuracy_all"] == pytest.approx(2 / 3)
    bad = tmp_path / "bad.txt"
    bad.write_text("남자 여자 왕\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: expected 4 words"):
        evaluate_analogy(vec, bad)


def test_plot_writes_png_with_korean_labels(tmp_path, w2v):
    from kotext.embeddings import plot_words

    vec, _ = w2v
    plotted, missing = plot_words(vec, ["배우", "감독", "영화", "스토리", "없는단어"],
                                  tmp_path / "w.png")
    assert missing == ["없는단어"] and len(plotted) == 4
    assert (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match="at least 3 words"):
        plot_words(vec, ["배우", "없다"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_cli_embed_commands(cli, write, tmp_path):
    rows = "id,document\n" + "".join(f"{i},{t}\n" for i, t in enumerate(CORPUS))
    src = write("corpus.csv", rows)
    out = tmp_path / "ft"
    r = cli("embed", "train", src, "--text-column", "document", "--method", "fasttext",
            "--dim", "8", "--epochs", "1", "--min-count", "1", "--workers", "1",
            "--bucket", "2000", "-o", out)
    assert r.exit_code == 0, r.output
    assert Vectors.load(out).config["command"].startswith("kotext ")  # the card's rebuild line
    r = cli("embed", "similar", "배우", "--model", out, "-n", "3")
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 3
    r = cli("embed", "similar", "배우들이", "--model", out, "-n", "2")
    assert r.exit_code == 0 and "built from character n-grams" in r.stderr
    r = cli("embed", "analogy", "배우", "감독", "영화", "--model", out)
    assert r.exit_code == 0 and r.stdout.strip()
    ws = write("ws.csv", "배우,감독,7\n영화,음악,5\n배우,없음없음,2\n")
    an = write("an.txt", "# s\n배우 감독 영화 음악\n")
    r = cli("embed", "evaluate", "--model", out, "--similarity", ws, "--analogy", an,
            "--json", "-")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["similarity"][0]["covered"] == 2 and res["analogy"][0]["questions"] == 1
    # a set with no question covered: its accuracy is null, not NaN (invalid JSON)
    none = write("none.txt", "# s\n가가 나나 다다 라라\n")
    r = cli("embed", "evaluate", "--model", out, "--analogy", none, "--json", tmp_path / "e.json")
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"),
                     parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert res["analogy"][0]["accuracy"] is None and res["analogy"][0]["covered"] == 0
    r = cli("embed", "evaluate", "--model", out, "--analogy", none)  # the table said "nan"
    assert r.exit_code == 0 and "accuracy n/a (no question covered)" in r.stdout
    assert "eojeol" in r.stdout  # why (kor_analogy_syntactic.txt asks in 밥을), not just n/a
    r = cli("embed", "plot", "--model", out, "--words", "배우,감독,영화,음악", "-o",
            tmp_path / "p.png")
    assert r.exit_code == 0 and (tmp_path / "p.png").is_file()


def test_cli_errors(cli, write, tmp_path, w2v):
    _, folder = w2v
    r = cli("embed", "similar", "없는단어", "--model", folder)
    assert r.exit_code == 2 and "kotext: error: '없는단어' is not in the vocabulary" in r.stderr
    assert "character n-grams" not in r.stderr
    empty = write("empty.csv", "document\n\n\n")
    r = cli("embed", "train", empty, "-o", tmp_path / "e")
    assert r.exit_code == 2 and "no tokens to train on" in r.stderr
    assert not (tmp_path / "e").exists()
    junk = write("junk.bin", b"\x00garbage" * 20)
    r = cli("embed", "similar", "배우", "--model", junk)
    assert r.exit_code == 2 and "not a word2vec binary file" in r.stderr
    r = cli("embed", "evaluate", "--model", folder)
    assert r.exit_code == 2 and "nothing to evaluate" in r.stderr


def test_word_lists_saved_as_cp949(tmp_path):
    from kotext.embeddings import read_analogy_file, read_similarity_file

    sim = tmp_path / "ws.csv"
    sim.write_text("단어1,단어2,점수\n배우,연기자,8.5\n영화,음악,3\n", encoding="cp949")
    assert read_similarity_file(sim) == [("배우", "연기자", 8.5), ("영화", "음악", 3.0)]
    ana = tmp_path / "an.txt"
    ana.write_text("# 성별\n왕 남자 여왕 여자\n", encoding="cp949")
    assert read_analogy_file(ana) == [("성별", [("왕", "남자", "여왕", "여자")])]


def test_a_vectors_folder_given_as_a_classifier_says_what_it_is(w2v, cli):
    # it said "method 'word2vec' is not one this kotext can load; upgrade kotext"
    _, folder = w2v
    r = cli("classify", "-", "--model", folder, input="좋다\n")
    assert r.exit_code == 2 and "word vectors (kotext embed train), not a classifier" in \
        r.output and "--method gru --vectors" in r.output, r.output
