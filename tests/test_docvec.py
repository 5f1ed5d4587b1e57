"""docvec.v1: mean / TF-IDF / SIF document vectors from word vectors, in pipelines and in
`kotext similar-docs`."""

from __future__ import annotations

import numpy as np
import pytest

from kotext import Doc, Pipeline, Token
from kotext.embeddings import Vectors
from kotext.errors import ConfigError
from kotext.loading import docvec_pipeline
from kotext.stages.docvec import DocVectors

WORDS = ["배우", "연기", "영화", "지루"]
VECS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.float32)


@pytest.fixture
def vec_folder(tmp_path):
    vec = Vectors(WORDS, VECS, counts=np.array([100, 10, 1000, 1]),
                  doc_freq=np.array([50, 5, 500, 1]),
                  config={"method": "word2vec", "tokens": "form", "corpus": {"docs": 1000}})
    return vec.save(tmp_path / "vec")


def doc(*forms: str) -> Doc:
    toks, pos = [], 0
    for f in forms:
        toks.append(Token(f, "NNG", pos, pos + len(f)))
        pos += len(f) + 1
    return Doc(text=" ".join(forms), tokens=toks)


def unit(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x)


def test_mean_tfidf_and_sif_weights(vec_folder):
    d = ["배우", "연기", "연기", "없는말"]
    mean = DocVectors(str(vec_folder), weighting="mean")(doc(*d)).vector
    np.testing.assert_allclose(mean, unit([1, 2, 0]), rtol=1e-6)

    tfidf = DocVectors(str(vec_folder), weighting="tfidf")(doc(*d)).vector
    idf = np.log(1001 / np.array([51, 6])) + 1
    np.testing.assert_allclose(tfidf, unit([idf[0], 2 * idf[1], 0]), rtol=1e-5)

    sif = DocVectors(str(vec_folder), weighting="sif", sif_a=1e-3)(doc("배우", "영화")).vector
    p = np.array([100, 1000]) / 1111
    w = 1e-3 / (1e-3 + p)
    np.testing.assert_allclose(sif, unit([w[0], 0, w[1]]), rtol=1e-5)
    assert w[0] > w[1]  # the rarer word weighs more

    raw = DocVectors(str(vec_folder), weighting="mean", normalize=False)(doc("배우", "연기")).vector
    np.testing.assert_allclose(raw, [0.5, 0.5, 0.0])


def test_unknown_words_only_give_a_zero_vector(vec_folder):
    stage = DocVectors(str(vec_folder))
    assert not np.any(stage(doc("없는말", "모르는말")).vector)
    assert not np.any(stage(Doc(text="", tokens=[])).vector)


def test_tfidf_and_sif_need_frequencies(tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(WORDS, VECS)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    assert DocVectors(str(tmp_path / "v.txt"), weighting="mean")(doc("배우")).vector[0] == 1
    for w in ("tfidf", "sif"):
        with pytest.raises(ConfigError, match=f"weighting {w} needs"):
            DocVectors(str(tmp_path / "v.txt"), weighting=w)(doc("배우"))
    with pytest.raises(ConfigError, match="weighting: 'max'"):
        DocVectors(str(tmp_path / "v.txt"), weighting="max")


def test_pipeline_config_and_order_check(vec_folder, tmp_path):
    from kotext import registry

    with pytest.raises(ConfigError, match="requires tokens.*kiwi.v1"):
        Pipeline([registry.create("docvec.v1", vectors=str(vec_folder))])
    toml = tmp_path / "p.toml"
    toml.write_text('[pipeline]\nstages = ["tokenize", "docvec"]\n[stages.tokenize]\n'
                    'factory = "kiwi.v1"\n[stages.docvec]\nfactory = "docvec.v1"\n'
                    'vectors = "vec"\nweighting = "mean"\n', encoding="utf-8")
    from kotext import load

    nlp = load(toml)
    d = nlp("배우 연기")
    np.testing.assert_allclose(d.vector, unit([1, 1, 0]), rtol=1e-6)
    cfg = nlp.to_config()
    assert cfg["stages"]["docvec"]["weighting"] == "mean"
    again = Pipeline.from_config(cfg)
    np.testing.assert_array_equal(again("배우 연기").vector, d.vector)


def test_docvec_pipeline_follows_the_vectors_tokenization(tmp_path):
    from kotext.embeddings import train_vectors

    texts = ["배우 연기가 좋았다", "영화 스토리가 지루했다", "배우 연기 최고", "스토리 지루"] * 5
    train_vectors(texts, tmp_path / "v", dim=8, epochs=1, min_count=1, workers=1,
                  tokens="form/tag")
    nlp = docvec_pipeline(str(tmp_path / "v"), weighting="mean")
    assert [s.factory for s in nlp.stages] == ["clean.v1", "kiwi.v1", "docvec.v1"]
    v = Vectors.load(tmp_path / "v")
    assert "배우/NNG" in v.words  # keys are form/TAG, and the stage looks them up so
    want = unit(v.vectors[v.index["배우/NNG"]] + v.vectors[v.index["연기/NNG"]])
    np.testing.assert_allclose(nlp("배우 연기").vector, want, rtol=1e-5)


def test_similar_docs_command(cli, write, tmp_path):
    vec = Vectors(["배우", "연기", "영화", "지루", "음악"],
                  np.array([[1, 0.1, 0], [0.9, 0.2, 0], [0, 1, 0], [0, 0, 1], [0.1, 0.9, 0.1]],
                           dtype=np.float32), counts=np.array([5, 5, 5, 5, 5]),
                  config={"method": "word2vec", "tokens": "form"})
    vec.save(tmp_path / "v")
    src = write("c.csv", "id,document\n1,영화 음악\n2,지루 지루\n3,배우 연기ㅋㅋㅋㅋ\n4,영화 지루\n")
    r = cli("similar-docs", src, "--text-column", "document", "--query", "배우의 연기",
            "--model", tmp_path / "v", "-n", "2", "--weighting", "mean")
    assert r.exit_code == 0, r.output
    lines = [ln.split("\t") for ln in r.stdout.strip().splitlines()]
    # the text as given, not as cleaned (ㅋㅋㅋㅋ was shown as ㅋㅋ, a URL as [URL])
    assert len(lines) == 2 and lines[0][1:] == ["3", "배우 연기ㅋㅋㅋㅋ"]
    assert float(lines[0][0]) > float(lines[1][0])
    # a query that cannot rank anything is a usage error, not a list of zero scores
    for query, why in [("  ", "--query is empty"),
                       ("음향 효과", "no word of the query (음향 효과) has a vector")]:
        r = cli("similar-docs", src, "--text-column", "document", "--query", query,
                "--model", tmp_path / "v", "--weighting", "mean")
        assert r.exit_code == 2 and why in r.output and not r.stdout.strip(), r.output
    # a row whose field is a JSON object: left out with a note, the other rows keep numbers
    src = write("c.jsonl", '{"body": "영화 음악"}\n{"body": {"a": 1}}\n{"body": "배우 연기"}\n')
    r = cli("similar-docs", src, "--text-field", "body", "--query", "배우 연기",
            "--model", tmp_path / "v", "-n", "1", "--weighting", "mean")
    assert r.exit_code == 0, r.output
    assert r.stdout.split("\t")[1:] == ["3", "배우 연기\n"]
    assert "1 row(s) with no text, left out (first: row 2: body: a JSON object" in r.stderr
    # a folder of files: each hit says which file and which row of it (row 2 was
    # ambiguous: the second row of which file?)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("영화 음악\n지루 지루\n", encoding="utf-8")
    (tmp_path / "d" / "b.txt").write_text("영화 지루\n배우 연기\n", encoding="utf-8")
    r = cli("similar-docs", tmp_path / "d", "--query", "배우 연기", "--model", tmp_path / "v",
            "-n", "1", "--weighting", "mean")
    assert r.exit_code == 0, r.output
    assert r.stdout.split("\t")[1:] == [f"{tmp_path / 'd' / 'b.txt'}:2", "배우 연기\n"]


def test_common_components_found_and_removed():
    from kotext.stages.docvec import common_components, remove_components

    rng = np.random.default_rng(0)
    shared = unit([1, 2, 2])
    mat = 3 * shared + 0.3 * rng.standard_normal((200, 3))
    mat = np.vstack([mat, np.zeros((5, 3))])  # documents without a known word
    u = common_components(mat, 1)
    assert u.shape == (1, 3) and abs(float(u[0] @ shared)) > 0.99
    out = remove_components(mat, u)
    np.testing.assert_allclose(out[:200] @ u[0], 0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(out[:200], axis=1), 1, rtol=1e-5)
    assert not np.any(out[200:])  # zero stays zero
    assert remove_components(mat, common_components(mat, 0)) is not None
    assert common_components(np.zeros((3, 3)), 1).shape == (0, 3)


def test_similar_docs_removes_what_all_documents_share(cli, write, tmp_path):
    from kotext.stages.docvec import common_components, remove_components

    words = ["배우", "음악", "연기", "영화"]
    vec = Vectors(words, np.array([[1, 0, 0, 0.5], [0, 1, 0, 0.5], [0, 0, 1, 0.5],
                                   [0.2, 0.2, 0.2, 1]], dtype=np.float32),
                  counts=np.array([5, 5, 5, 5]), config={"method": "word2vec", "tokens": "form"})
    vec.save(tmp_path / "v")
    rng = np.random.default_rng(1)
    rows = [" ".join(rng.choice(words, size=rng.integers(1, 4))) for _ in range(80)]
    src = write("c.csv", "id,document\n" + "".join(f"{i},{t}\n" for i, t in enumerate(rows, 1)))
    query = "배우 영화 영화"
    args = ["similar-docs", src, "--text-column", "document", "--query", query,
            "--model", tmp_path / "v", "-n", "3", "--weighting", "mean"]

    def printed(r):
        assert r.exit_code == 0, r.output
        return [(int(ln.split("\t")[1]), float(ln.split("\t")[0]))
                for ln in r.stdout.strip().splitlines()]

    nlp = docvec_pipeline(str(tmp_path / "v"), weighting="mean")
    mat = np.stack([d.vector for d in nlp.pipe(rows)])
    q = nlp(query).vector
    for common in (0, 1, 2):
        comps = common_components(mat, common)
        want = remove_components(mat, comps) @ remove_components(q, comps)
        top = sorted(range(len(rows)), key=lambda i: (-round(float(want[i]), 4), i))[:3]
        got = printed(cli(*args, "--common", str(common)))
        assert [g[0] for g in got] == [i + 1 for i in top]
        np.testing.assert_allclose([g[1] for g in got], [want[i] for i in top], atol=1e-4)
    assert printed(cli(*args)) == printed(cli(*args, "--common", "1"))  # the default
    small = write("s.csv", "id,document\n1,배우 영화\n2,음악 영화\n")
    r = cli("similar-docs", small, *args[2:])
    assert r.exit_code == 0 and "too few to estimate" in r.stderr


def test_similar_docs_on_a_word2vec_file_falls_back_to_mean(cli, write, tmp_path):
    # the advertised word2vec .txt failed with the default --weighting sif
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(WORDS, VECS)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    src = write("c.txt", "영화 음악\n배우 연기\n")
    r = cli("similar-docs", src, "-q", "배우", "-m", tmp_path / "v.txt", "-n", "1")
    assert r.exit_code == 0, r.output
    assert "holds no word counts" in r.stderr and r.stdout.split("\t")[1] == "2"
    r = cli("similar-docs", src, "-q", "배우", "-m", tmp_path / "v.txt", "--weighting", "sif")
    assert r.exit_code == 2 and "--weighting mean" in r.output  # asked for: refused


def test_run_a_docvec_pipeline_writes_the_vectors(cli, write, tmp_path):
    # the vectors were computed and then dropped from every output format
    import json

    import kotext
    from kotext.embeddings import train_vectors

    train_vectors(["배우 연기가 좋다", "지루했다", "배우 연기 최고", "영화 지루"] * 5,
                  tmp_path / "w2v", dim=4, epochs=1, min_count=1, workers=1)
    toml = write("p.toml", '[pipeline]\nstages = ["clean", "tokenize", "docvec"]\n'
                 '[stages.clean]\nfactory = "clean.v1"\n[stages.tokenize]\nfactory = "kiwi.v1"'
                 '\n[stages.docvec]\nfactory = "docvec.v1"\nvectors = "w2v"\n'
                 'weighting = "mean"\n')
    src = write("in.csv", "id,document\n1,배우 연기가 좋다\n2,지루했다\n")
    r = cli("run", toml, src, "--format", "jsonl")
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [len(x["vector"]) for x in rows] == [4, 4]
    want = kotext.load(toml)("배우 연기가 좋다").vector
    np.testing.assert_allclose(rows[0]["vector"], want, atol=1e-5)


def test_vectors_handed_over_loaded_need_no_file(vec_folder):
    # the check that a pipeline file's vectors exist refused vectors kept in memory
    from kotext.embeddings import Vectors

    vec = Vectors.load(str(vec_folder))
    stage = DocVectors("in-memory", weighting="mean")
    stage.set_vectors(vec)
    assert stage(doc("배우", "연기")).vector.shape == (3,)
    assert docvec_pipeline("unsaved", loaded=vec, weighting="mean")("배우 연기").vector.shape == (3,)


def test_vectors_in_memory_and_worker_processes_are_refused_up_front(vec_folder):
    # each worker rebuilt the stage from its settings and failed on the first batch with
    # a message about pipeline files
    from kotext.embeddings import Vectors

    nlp = docvec_pipeline("unsaved", loaded=Vectors.load(str(vec_folder)), weighting="mean")
    with pytest.raises(ConfigError, match=r"stage 'docvec': worker processes rebuild it.*"
                                          r"Vectors\.save"):
        list(nlp.pipe(["배우 연기"], n_process=2))
