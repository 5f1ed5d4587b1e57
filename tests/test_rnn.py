"""The gru/lstm classifier: training from word vectors (frozen or fine-tuned), save/load,
attention attributions for explain, the train/classify/evaluate/explain commands."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kotext.errors import ModelError, UsageError
from kotext.training.data import LabeledData

POS = ["배우 연기가 정말 좋았다", "최고의 영화였다", "음악이 좋고 재밌었다", "감동적인 영화",
       "연기도 좋고 스토리도 좋았다", "정말 재밌는 영화", "배우들이 최고였다", "또 보고 싶다",
       "좋은 영화 추천", "재밌고 감동적이다"]
NEG = ["스토리가 너무 지루했다", "최악의 영화였다", "연기가 별로였다", "돈이 아깝다",
       "지루하고 재미없다", "정말 별로인 영화", "배우 연기가 최악", "시간 낭비였다",
       "재미없는 스토리", "지루해서 잤다"]
DATA = LabeledData(POS + NEG, ["positive"] * len(POS) + ["negative"] * len(NEG))
SMALL = {"epochs": 2, "hidden": 8, "att_dim": 4, "batch_size": 8, "emb_dim": 8}


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    from kotext.embeddings import train_vectors

    out = tmp_path_factory.mktemp("v") / "vec"
    train_vectors(DATA.texts * 2, out, dim=8, epochs=1, min_count=1, workers=1)
    return out


def train(out, method="gru", class_weight=None, **params):
    from kotext.training.rnn import train_rnn

    return train_rnn(DATA, out, method=method, val_fraction=0.2, seed=3,
                     class_weight=class_weight, params={**SMALL, **params}, return_net=True)


def test_frozen_embeddings_stay_the_vectors(vectors, tmp_path):
    from kotext.classifiers import load_classifier
    from kotext.embeddings import Vectors

    cfg, net, vocab = train(tmp_path / "m", vectors=str(vectors), freeze=True, emb_dim=16)
    assert cfg["vectors"]["frozen"] and cfg["method"] == "gru"
    # the card and config give the network's own sizes: the vectors' 8 dimensions and
    # tokens, not the emb_dim/tokens options that vectors override
    assert cfg["training"]["emb_dim"] == 8 and net.embedding.weight.shape[1] == 8
    assert cfg["training"]["tokens"] == cfg["features"]["tokens"]
    assert "`emb_dim=8`" in (tmp_path / "m" / "README.md").read_text("utf-8")
    vec = Vectors.load(vectors)
    emb = load_classifier(tmp_path / "m").net.embedding.weight.detach().numpy()
    known = [i for i, w in enumerate(vocab) if w in vec.index]
    assert len(known) > 10
    np.testing.assert_array_equal(emb[known], vec.vectors[[vec.index[vocab[i]] for i in known]])
    # fine-tuning moves them
    _, net2, vocab2 = train(tmp_path / "m2", vectors=str(vectors), freeze=False)
    emb2 = net2.embedding.weight.detach().numpy()
    i = vocab2.index("영화")
    assert not np.allclose(emb2[i], vec.vector("영화"))


def test_predictions_identical_after_save_load_and_seed_repeatable(vectors, tmp_path):
    from kotext.classifiers.rnn import encode_ids, predict_ids
    from kotext.embeddings import doc_keys
    from kotext.loading import classify_pipeline

    cfg, net, vocab = train(tmp_path / "m", method="lstm", vectors=str(vectors),
                            label_smoothing=0.1, clip=0.5)
    nlp = classify_pipeline(str(tmp_path / "m"))
    texts = ["배우 연기가 좋았다", "지루한 영화", "?", "ㅋㅋㅋㅋ 😀 최고"]
    docs = list(nlp.pipe(texts))
    loaded = np.array([[d.scores[lab] for lab in cfg["labels"]] for d in docs])
    index = {w: i for i, w in enumerate(vocab)}
    pre = nlp.stages[:-1]
    in_memory = []
    for t in texts:
        from kotext import Doc

        d = Doc(text=t)
        for st in pre:
            d = st(d)
        in_memory.append(encode_ids(doc_keys(d, cfg["features"]["tokens"]), index, 64))
    np.testing.assert_allclose(loaded, predict_ids(net, in_memory), rtol=1e-6, atol=1e-7)
    # the same seed gives the same weights
    train(tmp_path / "again", method="lstm", vectors=str(vectors), label_smoothing=0.1,
          clip=0.5)
    a = (tmp_path / "m" / "weights.safetensors").read_bytes()
    assert a == (tmp_path / "again" / "weights.safetensors").read_bytes()


def test_attributions_decompose_the_logits(vectors, tmp_path):
    import torch

    from kotext.explain import explain
    from kotext.loading import classify_pipeline

    train(tmp_path / "m", vectors=str(vectors))
    nlp = classify_pipeline(str(tmp_path / "m"))
    model = nlp.stages[-1].classifier
    d = nlp("배우 연기는 좋았는데 스토리가 지루했다")
    spans, probs = model.attributions(d)
    assert [(a, b) for a, b, _ in spans] == [(t.start, t.end) for t in d.tokens]
    contrib = np.stack([w for _, _, w in spans])
    logits = contrib.sum(axis=0) + model.net.out.bias.detach().numpy()
    np.testing.assert_allclose(torch.softmax(torch.tensor(logits), 0).numpy(), probs,
                               rtol=1e-5)
    att = model.attention(d)
    assert sum(w for _, _, w in att) == pytest.approx(1.0, abs=1e-5)
    ex = explain(nlp, "배우 연기는 좋았는데 스토리가 지루했다")
    assert len(ex.token_scores) == len(d.tokens) and ex.label in ("positive", "negative")


def test_bad_options_and_damaged_folders(vectors, tmp_path):
    from kotext.classifiers import load_classifier
    from kotext.training.rnn import train_rnn

    with pytest.raises(UsageError, match=r"method 'gru': unknown option\(s\) C"):
        train_rnn(DATA, tmp_path / "x", params={"C": 2.0})
    with pytest.raises(UsageError, match="freeze=True needs vectors="):
        train_rnn(DATA, tmp_path / "x", params={"freeze": True})
    with pytest.raises(UsageError, match="label_smoothing=1.5"):
        train_rnn(DATA, tmp_path / "x", params={"label_smoothing": 1.5})
    with pytest.raises(UsageError, match="decay='cosine'"):
        train_rnn(DATA, tmp_path / "x", params={"decay": "cosine"})
    assert not (tmp_path / "x").exists()
    train(tmp_path / "a", class_weight="balanced")
    train(tmp_path / "b", hidden=6)
    import shutil

    shutil.copy(tmp_path / "b" / "weights.safetensors", tmp_path / "a" / "weights.safetensors")
    with pytest.raises(ModelError, match="do not fit the network"):
        load_classifier(tmp_path / "a")
    (tmp_path / "b" / "vocab.json").write_text(json.dumps(["a"]), encoding="utf-8")
    with pytest.raises(ModelError, match="vocab.json"):
        load_classifier(tmp_path / "b")


def test_cli_train_classify_evaluate_explain(cli, write, vectors, tmp_path):
    rows = "document\tlabel\n" + "".join(
        f"{t}\t{1 if lab == 'positive' else 0}\n" for t, lab in zip(DATA.texts, DATA.labels))
    data = write("train.tsv", rows)
    out = tmp_path / "gru"
    r = cli("train", "classifier", "--train", data, "--label-map", "0=negative,1=positive",
            "--method", "gru", "--vectors", vectors, "--freeze", "embeddings", "--epochs", "2",
            "--hidden", "8", "--label-smoothing", "0.1", "--patience", "1", "--threads", "2",
            "-o", out)
    assert r.exit_code == 0, r.output
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["training"]["label_smoothing"] == 0.1 and cfg["net"]["hidden"] == 8
    assert cfg["training"]["threads"] == 2 and cfg["training"]["batch_size"] == 128
    assert (out / "README.md").read_text(encoding="utf-8").count("gru") >= 1
    r = cli("classify", "-", "--model", out, "--format", "jsonl", input="최고의 영화\n지루했다\n")
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == 2
    r = cli("evaluate", out, data, "--label-map", "0=negative,1=positive")
    assert r.exit_code == 0 and "accuracy" in r.stdout
    r = cli("explain", "배우 연기가 좋았다", "--model", out, "--no-color")
    assert r.exit_code == 0 and "toward" in r.stdout
    for what in ("encoder", "1"):  # 1 was taken as "embeddings" (to a transformer it is
        r = cli("train", "classifier", "--train", data, "--label-map",  # embeddings + 1 layer)
                "0=negative,1=positive", "--method", "gru", "--freeze", what, "--vectors",
                vectors, "-o", tmp_path / "y")
        assert r.exit_code == 2 and "--freeze embeddings" in r.stderr
    r = cli("train", "classifier", "--train", data, "--label-map", "0=negative,1=positive",
            "--vectors", vectors, "-o", tmp_path / "z")
    assert r.exit_code == 2 and "apply to --method gru|lstm only" in r.stderr
    r = cli("train", "classifier", "--train", data, "--label-map", "0=negative,1=positive",
            "--threads", "2", "-o", tmp_path / "z")
    assert r.exit_code == 2 and "--threads apply to --method gru|lstm only" in r.stderr


def test_linear_decay_changes_training_and_constant_keeps_the_rate(tmp_path):
    import torch

    seen = []
    step = torch.optim.AdamW.step

    def spy(self, *a, **k):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *a, **k)

    torch.optim.AdamW.step = spy
    try:
        _, lin, _ = train(tmp_path / "lin", lr=0.01)
        n = len(seen)
        _, const, _ = train(tmp_path / "const", lr=0.01, decay="constant")
    finally:
        torch.optim.AdamW.step = step
    assert seen[0] == 0.01 and all(b < a for a, b in zip(seen[:n], seen[1:n]))
    assert seen[n - 1] > 0 and set(seen[n:]) == {0.01}
    w1, w2 = lin.out.weight.detach(), const.out.weight.detach()
    assert not torch.allclose(w1, w2)


def test_cli_refit_and_bad_rates_are_refused(cli, write):
    # --refit was silently ignored for gru/lstm (the card still said --refit); a negative
    # learning rate was a torch traceback
    f = write("tr.csv", "text,label\n좋다,1\n나쁘다,0\n")
    for args, why in [(["--refit"], "--refit applies to --method linear"),
                      (["--lr", "-1"], "--lr -1.0: must be above 0"),
                      (["--weight-decay", "-0.1"], "--weight-decay -0.1: must be 0 or more")]:
        r = cli("train", "classifier", "--method", "gru", "--train", f, "--label-column",
                "label", *args, "-o", f.parent / "m")
        assert r.exit_code == 2 and why in r.output, r.output
