"""Training techniques (issue 18): cross-validation, pseudo-labels, distillation, multi-task
heads and the balanced sampler, on small data built here. Their effect on accuracy is
measured in benchmarks/sentiment_techniques.py, not asserted here."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kotext.cli import main
from kotext.errors import UsageError
from kotext.training.classifier import train_classifier
from kotext.training.data import (LabeledData, read_labeled, read_unlabeled, split_rows,
                                  stratified_split)

POS = ["정말 재밌는 영화였어요", "배우 연기가 최고였다", "감동적이고 아름다운 영화", "또 보고 싶은 영화",
       "음악이 너무 좋았어요", "강력 추천합니다", "완전 꿀잼 ㅋㅋ", "가족이랑 보기 좋은 따뜻한 영화",
       "연출이 훌륭하고 재밌다", "인생 영화 등극", "배우들 연기 정말 좋았다", "마지막 장면 감동"]
NEG = ["정말 지루한 영화였어요", "배우 연기가 최악이었다", "시간이 아까운 영화", "다시는 보고 싶지 않다",
       "스토리가 너무 지루했다", "돈 아깝다", "완전 노잼 ㅡㅡ", "보다가 잠들었다",
       "연출이 엉망이고 지루하다", "최악의 영화", "배우들 연기 정말 별로", "결말이 허무하다"]
DATA = LabeledData(POS + NEG, ["positive"] * len(POS) + ["negative"] * len(NEG))
POOL = ["재밌고 감동적인 영화", "최고의 연기", "지루하고 최악", "돈 아까운 영화", "그냥 그랬다",
        "음악이 좋았다", "보다가 잤다", "꿀잼 강력 추천"]
LIN = {"bits": 14, "C": 4.0}
RNN = {"epochs": 2, "hidden": 8, "att_dim": 4, "batch_size": 8, "emb_dim": 8, "min_freq": 1}


def _tsv(path, rows):
    path.write_text("document\tlabel\trating\n" + "".join(f"{t}\t{y}\t{r}\n" for t, y, r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def train_tsv(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    rows = [(t, 1, 9 + i % 2) for i, t in enumerate(POS)] + \
           [(t, 0, 1 + i % 4) for i, t in enumerate(NEG)]
    _tsv(d / "train.tsv", rows)
    _tsv(d / "pool.tsv", [(t, "", 5 + i % 6) for i, t in enumerate(POOL)])
    return d


# -- splits and folds ----------------------------------------------------------------------
def test_train_only_rows_are_never_held_out():
    extra = LabeledData(DATA.texts + POOL, DATA.labels + ["positive"] * len(POOL),
                        train_only=len(POOL))
    tr, va = split_rows(extra, 0.25, 3)
    gold_tr, gold_va = stratified_split(DATA.labels, 0.25, 3)
    assert va.tolist() == gold_va.tolist()  # the validation rows of the gold data alone
    assert set(range(len(DATA.labels), len(extra.labels))) <= set(tr.tolist())
    assert sorted(tr.tolist() + va.tolist()) == list(range(len(extra.labels)))


def test_stratified_folds_cover_every_row_once_class_evenly():
    from kotext.training.cv import stratified_folds

    labels = ["a"] * 10 + ["b"] * 7
    f = stratified_folds(labels, 3, seed=1)
    assert sorted(set(f.tolist())) == [0, 1, 2]
    for k in range(3):
        a = sum(1 for x, y in zip(f, labels) if x == k and y == "a")
        b = sum(1 for x, y in zip(f, labels) if x == k and y == "b")
        assert a in (3, 4) and b in (2, 3)
    assert f.tolist() == stratified_folds(labels, 3, seed=1).tolist()
    assert f.tolist() != stratified_folds(labels, 3, seed=2).tolist()


def test_cross_validate_linear_with_out_of_fold_csv(tmp_path):
    from kotext.training.cv import cross_validate

    oof = tmp_path / "oof.csv"
    res = cross_validate(DATA, k=3, seed=0, params=dict(LIN), oof_path=oof)
    assert [x["fold"] for x in res["folds"]] == [1, 2, 3]
    assert sum(x["test_rows"] for x in res["folds"]) == len(DATA.texts)
    accs = [x["accuracy"] for x in res["folds"]]
    assert res["accuracy"]["mean"] == pytest.approx(np.mean(accs))
    assert res["accuracy"]["std"] == pytest.approx(np.std(accs, ddof=1))
    assert res["out_of_fold"]["n"] == len(DATA.texts)
    import csv

    rows = list(csv.DictReader(open(oof, encoding="utf-8")))
    assert [r["text"] for r in rows] == DATA.texts  # rows in = rows out, in order
    assert [r["gold"] for r in rows] == DATA.labels
    for r in rows:
        p = float(r["p_negative"]), float(r["p_positive"])
        assert sum(p) == pytest.approx(1.0, abs=1e-4)
        assert r["pred"] == ("positive" if p[1] > p[0] else "negative")
    correct = sum(r["pred"] == r["gold"] for r in rows) / len(rows)
    assert correct == pytest.approx(res["out_of_fold"]["accuracy"])


def test_cross_validate_refuses_too_many_folds():
    from kotext.training.cv import cross_validate

    with pytest.raises(UsageError, match="fewer than the folds"):
        cross_validate(DATA.subset(range(0, 24, 4)), k=5, params=dict(LIN))


def test_cli_cv_json_and_card(train_tsv, tmp_path):
    out = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "classifier", "--train", str(train_tsv / "train.tsv"),
                                  "--label-map", "0=negative,1=positive", "--bits", "14",
                                  "--cv", "3", "--json", "-", "--oof", str(tmp_path / "o.csv"),
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["k"] == 3 and len(res["folds"]) == 3
    assert "## Cross-validation" in (out / "README.md").read_text(encoding="utf-8")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["training"]["cross_validation"]["k"] == 3
    from kotext.loading import classify_pipeline

    assert classify_pipeline(str(out))("정말 재밌는 영화").label in ("positive", "negative")


def test_cli_technique_flags_need_their_partner(train_tsv, tmp_path):
    base = ["train", "classifier", "--train", str(train_tsv / "train.tsv"), "--label-map",
            "0=negative,1=positive", "-o", str(tmp_path / "m")]
    for extra, msg in ((["--json", "x.json"], "--cv"), (["--pseudo-rounds", "2"], "--unlabeled"),
                       (["--temperature", "2"], "--teacher"),
                       (["--aux-column", "rating"], "gru, lstm or transformer"),
                       (["--aux-weight", "2", "--method", "gru"], "--aux-column"),
                       (["--sampler", "balanced"], "not linear")):
        r = CliRunner().invoke(main, base + extra)
        assert r.exit_code != 0 and msg in r.output, (extra, r.output)


# -- pseudo-labels -------------------------------------------------------------------------
def test_select_keeps_confident_rows_and_caps_each_class():
    from kotext.training.pseudo import select

    p = np.array([[0.99, 0.01], [0.97, 0.03], [0.6, 0.4], [0.02, 0.98], [np.nan, np.nan],
                  [0.96, 0.04]], dtype=np.float32)
    got = select(p, np.arange(6), 0.95, None)
    assert got[0].tolist() == [0, 1, 5] and got[1].tolist() == [3]
    capped = select(p, np.arange(6), 0.95, 2)
    assert capped[0].tolist() == [0, 1]  # the two most confident
    assert select(p, np.array([1, 2, 3]), 0.95, None)[0].tolist() == [1]


def test_pseudo_label_rounds_recorded(tmp_path):
    from kotext.training.pseudo import train_with_pseudo_labels

    out = tmp_path / "m"
    cfg = train_with_pseudo_labels(DATA, POOL, out, threshold=0.5, rounds=2, per_class=2,
                                   val_fraction=0.25, seed=0, params=dict(LIN))
    hist = cfg["training"]["pseudo_labels"]["history"]
    assert [h["round"] for h in hist] == [0, 1, 2]
    assert all(v <= 2 for h in hist for v in h["added"].values())
    assert hist[-1]["pseudo_rows"] == sum(sum(h["added"].values()) for h in hist)
    assert all(h["validation_accuracy"] is not None for h in hist)
    # the validation split is the gold rows' own in every round
    assert cfg["metrics"]["validation"]["n"] == len(stratified_split(DATA.labels, 0.25, 0)[1])
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## Pseudo-labels" in card and "| 2 |" in card
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert saved["training"]["pseudo_labels"]["rounds"] == 2


def test_cli_pseudo_labels_from_a_file(train_tsv, tmp_path):
    out = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "classifier", "--train", str(train_tsv / "train.tsv"),
                                  "--label-map", "0=negative,1=positive", "--bits", "14",
                                  "--unlabeled", str(train_tsv / "pool.tsv"),
                                  "--unlabeled-where", "rating=5-8", "--pseudo-threshold",
                                  "0.5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "unlabeled: 6 texts" in r.output and "pseudo-labels round 1" in r.output
    info = json.loads((out / "config.json").read_text(encoding="utf-8"))["training"]
    assert info["pseudo_labels"]["pool"] == 6


def test_read_unlabeled_where(train_tsv):
    texts = read_unlabeled(str(train_tsv / "pool.tsv"), text_column="document",
                           where="rating=5,10")
    assert texts == [t for i, t in enumerate(POOL) if 5 + i % 6 in (5, 10)]
    with pytest.raises(UsageError, match="COLUMN=VALUES"):
        read_unlabeled(str(train_tsv / "pool.tsv"), text_column=None, where="rating")


# -- distillation --------------------------------------------------------------------------
def test_soften():
    from kotext.training.distill import soften

    p = np.array([[0.9, 0.1], [0.5, 0.5]])
    assert np.allclose(soften(p, 1.0), p, atol=1e-6)
    s = soften(p, 3.0)
    assert 0.5 < s[0, 0] < 0.9 and np.allclose(s.sum(axis=1), 1)


def test_linear_one_hot_soft_targets_equal_hard_labels():
    from kotext.features import HashedNgrams
    from kotext.training import linear
    from kotext.preprocess import training_pipeline as preprocess_pipeline

    x = linear.featurize(DATA.texts, preprocess_pipeline(), HashedNgrams(bits=14))
    y = np.array([int(v == "positive") for v in DATA.labels])
    tr = linear.LinearTrainer(["negative", "positive"], C=4.0)
    a = tr.fit(x, y)
    b = tr.fit(x, y, np.eye(2, dtype=np.float32)[y])
    assert np.allclose(a[0], b[0], atol=1e-5) and np.allclose(a[1], b[1], atol=1e-5)


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    d = tmp_path_factory.mktemp("teachers")
    for name, bits in (("a", 14), ("b", 13)):
        train_classifier(DATA, d / name, val_fraction=0.25, seed=0, params={"bits": bits})
    train_classifier(DATA, d / "ens", method="ensemble", val_fraction=0.25, seed=0,
                     params={"members": [str(d / "a"), str(d / "b")]})
    return d


def test_distillation_targets(teachers):
    from kotext.training.distill import distillation_data
    from kotext.training.predict import predict_proba

    s = distillation_data(DATA, teachers / "ens", POOL, temperature=2.0, gold_weight=0.25)
    assert s.train_only == len(POOL) and len(s.texts) == len(DATA.texts) + len(POOL)
    assert np.allclose(s.soft.sum(axis=1), 1, atol=1e-5)
    gold = np.array([int(v == "positive") for v in DATA.labels])
    # a gold row's target: a quarter of its one-hot label plus the softened teacher
    assert (s.soft[np.arange(len(gold)), gold] >= 0.25 - 1e-6).all()
    p = predict_proba(teachers / "ens", POOL, ["negative", "positive"])
    assert s.labels[len(DATA.texts):] == [["negative", "positive"][i] for i in p.argmax(1)]


@pytest.mark.parametrize("method", ["linear", "gru"])
def test_distill_a_student_of_any_method(teachers, tmp_path, method):
    from kotext.loading import classify_pipeline
    from kotext.training.distill import distill

    out = tmp_path / method
    cfg = distill(DATA, out, teacher=teachers / "ens", unlabeled=POOL, temperature=2.0,
                  method=method, val_fraction=0.25, seed=0,
                  params=dict(LIN) if method == "linear" else dict(RNN))
    assert cfg["training"]["distillation"]["unlabeled_rows"] == len(POOL)
    assert cfg["metrics"]["validation"]["n"] == len(stratified_split(DATA.labels, 0.25, 0)[1])
    assert "## Distillation" in (out / "README.md").read_text(encoding="utf-8")
    assert classify_pipeline(str(out))("최고의 영화").label in ("positive", "negative")


def test_cli_distill(train_tsv, teachers, tmp_path):
    out = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "classifier", "--train", str(train_tsv / "train.tsv"),
                                  "--label-map", "0=negative,1=positive", "--bits", "14",
                                  "--teacher", str(teachers / "a"), "--unlabeled",
                                  str(train_tsv / "pool.tsv"), "--temperature", "2",
                                  "--cv", "2", "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = json.loads((out / "config.json").read_text(encoding="utf-8"))["training"]
    assert t["distillation"]["temperature"] == 2.0 and t["cross_validation"]["k"] == 2


# -- multi-task and the sampler --------------------------------------------------------------
def _with_aux(values):
    return LabeledData(DATA.texts, DATA.labels, aux=values)


@pytest.mark.parametrize("aux", [[str(9 + i % 2) for i in range(12)] + [str(1 + i % 4)
                                                                         for i in range(12)],
                                 ["a", "b", None] * 8])
def test_rnn_aux_head_trains_and_is_not_saved(tmp_path, aux):
    from kotext.classifiers import load_classifier
    from kotext.modelio import load_arrays
    from kotext.training.rnn import train_rnn

    plain = train_rnn(DATA, tmp_path / "plain", val_fraction=0.25, seed=0, params=dict(RNN))
    cfg = train_rnn(_with_aux(aux), tmp_path / "aux", val_fraction=0.25, seed=0,
                    params={**RNN, "aux_weight": 0.3})
    kind = "regression" if aux[0] == "9" else "classes"
    assert cfg["training"]["aux"]["type"] == kind and cfg["training"]["aux"]["weight"] == 0.3
    assert "aux_weight" not in plain["training"]
    a = load_arrays(tmp_path / "plain" / "weights.safetensors")
    b = load_arrays(tmp_path / "aux" / "weights.safetensors")
    assert sorted(a) == sorted(b)  # the main head only: loads and serves as before
    assert not all(np.allclose(a[k], b[k]) for k in a)  # the aux loss changed the encoder
    assert load_classifier(tmp_path / "aux").labels == ["negative", "positive"]


def test_aux_targets_errors():
    from kotext.errors import InputError
    from kotext.training.multitask import aux_targets

    t = aux_targets(["1", "3", None], "auto", 0.5)
    assert t.kind == "regression" and t.mask.tolist() == [True, True, False]
    assert t.target[:2].tolist() == pytest.approx([-1.0, 1.0])
    with pytest.raises(InputError, match="not numbers"):
        aux_targets(["1", "x"], "regression")
    with pytest.raises(UsageError, match="above 0"):
        aux_targets(["1", "2"], "auto", 0.0)


def test_balanced_indices_even_the_classes():
    from kotext.training.sampling import balanced_indices

    y = np.array([0] * 90 + [1] * 10)
    got = balanced_indices(np.arange(100), y, np.random.default_rng(0))
    assert len(got) == 100 and set(got.tolist()) <= set(range(100))
    assert 35 <= int((y[got] == 1).sum()) <= 65


def test_rnn_sampler_balanced(tmp_path):
    from kotext.training.rnn import train_rnn

    cfg = train_rnn(DATA, tmp_path / "m", val_fraction=0.25, seed=0,
                    params={**RNN, "sampler": "balanced"})
    assert cfg["training"]["sampler"] == "balanced"
    with pytest.raises(UsageError, match="choose one"):
        train_rnn(DATA, tmp_path / "x", class_weight="balanced",
                  params={**RNN, "sampler": "balanced"})
    with pytest.raises(UsageError, match="epoch-based"):
        train_classifier(DATA, tmp_path / "y", params={**LIN, "sampler": "balanced"})


def test_transformer_aux_head_soft_targets_and_sampler(tmp_path):
    pytest.importorskip("transformers")
    from tiny_transformers import FT, labeled, make_encoder

    from kotext.modelio import load_arrays
    from kotext.training.distill import distillation_data  # noqa: F401 - soft targets below
    from kotext.transformer.train import train_transformer

    enc = tmp_path / "enc"
    make_encoder(enc, max_steps=2)
    data = labeled()
    data.aux = [str(i % 10 + 1) for i in range(len(data.texts))]
    data.soft = np.where(np.array([x == "positive" for x in data.labels])[:, None],
                         [[0.2, 0.8]], [[0.7, 0.3]]).astype(np.float32)
    meta = train_transformer(data, tmp_path / "m", val_fraction=0.2, seed=0,
                             params={**FT, "epochs": 1, "base": str(enc),
                                     "sampler": "balanced", "aux_weight": 0.2})
    assert meta["training"]["aux"]["type"] == "regression"
    assert meta["training"]["sampler"] == "balanced"
    names = load_arrays(tmp_path / "m" / "model.safetensors")
    assert not any("aux" in k for k in names)


def test_read_labeled_aux_column(train_tsv):
    from kotext.errors import InputError

    d = read_labeled(str(train_tsv / "train.tsv"), text_column="document", label_column="label",
                     aux_column="rating")
    assert len(d.aux) == len(d.labels) and d.aux[0] == "9"
    with pytest.raises(InputError, match="no auxiliary column 'stars'"):
        read_labeled(str(train_tsv / "train.tsv"), text_column="document",
                     label_column="label", aux_column="stars")


def test_cli_eval_label_map(train_tsv, tmp_path):
    # trained on ratings, evaluated on a file of 0/1 labels
    test = _tsv(tmp_path / "test.tsv", [(t, 1, 0) for t in POS[:3]] + [(t, 0, 0) for t in NEG[:3]])
    out = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "classifier", "--train", str(train_tsv / "train.tsv"),
                                  "--label-column", "rating", "--label-map",
                                  "1-4=negative,9-10=positive", "--bits", "14", "--eval",
                                  str(test), "--eval-label-column", "label",
                                  "--eval-label-map", "0=negative,1=positive", "-o", str(out)])
    assert r.exit_code == 0, r.output
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["metrics"]["eval"]["n"] == 6


def test_cli_gru_aux_column_and_sampler(train_tsv, tmp_path):
    out = tmp_path / "g"
    r = CliRunner().invoke(main, ["train", "classifier", "--method", "gru", "--train",
                                  str(train_tsv / "train.tsv"), "--label-map",
                                  "0=negative,1=positive", "--aux-column", "rating",
                                  "--aux-weight", "0.3", "--sampler", "balanced", "--epochs", "1",
                                  "--hidden", "8", "-o", str(out)])
    assert r.exit_code == 0, r.output
    t = json.loads((out / "config.json").read_text(encoding="utf-8"))["training"]
    assert t["aux"]["type"] == "regression" and t["aux"]["weight"] == 0.3
    assert t["sampler"] == "balanced"


def test_balanced_sample():
    from kotext.training.data import balanced

    d = LabeledData(DATA.texts + POOL, DATA.labels + ["positive"] * len(POOL))
    b = balanced(d, seed=0)
    assert b.counts() == {"positive": 12, "negative": 12}
    assert b.texts == [t for t in d.texts if t in set(b.texts)]  # input order kept
    assert b.dropped == len(POOL)
    assert balanced(d, seed=0).texts == b.texts and balanced(d, seed=1).texts != b.texts
