"""Classifier: train -> save -> load -> classify/evaluate/explain, and the errors around it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kotext
from kotext.errors import ConfigError, InputError, ModelError, UsageError
from kotext.loading import classify_pipeline
from kotext.training.classifier import train_classifier
from kotext.training.data import LabeledData, map_label, parse_label_map, read_labeled

POS = ["정말 재밌는 영화였어요", "배우 연기가 최고였다", "감동적이고 아름다운 영화", "또 보고 싶은 영화",
       "음악이 너무 좋았어요", "강력 추천합니다", "완전 꿀잼 ㅋㅋ", "가족이랑 보기 좋은 따뜻한 영화",
       "연출이 훌륭하고 재밌다", "인생 영화 등극", "배우들 연기 정말 좋았다", "마지막 장면 감동"]
NEG = ["정말 지루한 영화였어요", "배우 연기가 최악이었다", "시간이 아까운 영화", "다시는 보고 싶지 않다",
       "스토리가 너무 지루했다", "돈 아깝다", "완전 노잼 ㅡㅡ", "보다가 잠들었다",
       "연출이 엉망이고 지루하다", "최악의 영화", "배우들 연기 정말 별로", "결말이 허무하다"]
TEXTS = POS + NEG
LABELS = ["positive"] * len(POS) + ["negative"] * len(NEG)
SMALL = {"bits": 14, "C": 4.0}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models") / "tiny"
    train_classifier(LabeledData(TEXTS, LABELS), out, val_fraction=0.0, seed=1,
                     params=dict(SMALL), command="kotext train classifier --train tiny.csv")
    return out


def test_model_folder_has_config_weights_and_card(model_dir):
    names = sorted(p.name for p in model_dir.iterdir())
    assert names == ["README.md", "config.json", "weights.safetensors"]
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert cfg["method"] == "linear" and cfg["labels"] == ["negative", "positive"]
    factories = [s["factory"] for s in cfg["preprocess"]]
    assert factories == ["clean.v1", "kiwi.v1"]
    assert cfg["preprocess"][0]["urls"] == "mask"  # the exact cleaning settings are recorded
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    assert "kotext train classifier --train tiny.csv" in card and "## Evaluation" in card


def test_same_seed_same_model_and_validation_split(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        cfg = train_classifier(LabeledData(TEXTS, LABELS), out, val_fraction=0.25, seed=3,
                               params=dict(SMALL))
    assert (a / "weights.safetensors").read_bytes() == (b / "weights.safetensors").read_bytes()
    val = cfg["metrics"]["validation"]
    assert val["n"] == 6 and val["per_class"]["positive"]["support"] == 3  # stratified


def test_learns_and_round_trips(model_dir):
    nlp = kotext.load(model_dir)  # a model folder loads as its whole pipeline
    docs = list(nlp.pipe(TEXTS))
    acc = np.mean([d.label == y for d, y in zip(docs, LABELS)])
    assert acc >= 0.9
    for d in docs:
        assert set(d.scores) == {"negative", "positive"}
        assert d.score == max(d.scores.values())
        assert abs(sum(d.scores.values()) - 1) < 1e-5
    # a second load predicts exactly the same probabilities
    again = [d.scores for d in classify_pipeline(str(model_dir)).pipe(TEXTS)]
    assert again == [d.scores for d in docs]


@pytest.mark.parametrize("text", ["😀😀😀", "good movie", "12345", "가" * 100_000])
def test_odd_texts_get_a_label(model_dir, text):
    d = kotext.load(model_dir)(text)
    assert d.error is None and d.label in ("negative", "positive") and 0 <= d.score <= 1


def test_empty_texts_get_no_label_and_no_error(model_dir, cli, write):
    # they got the model's prior (negative 0.567) and counted as negative reviews; then an
    # error ("empty text: nothing to classify"), so a .txt with blank lines exited 1. Empty
    # is no error now (Doc.is_empty): no label, no error, counted as empty, exit 0.
    nlp = kotext.load(model_dir)
    docs = list(nlp.pipe(["", "   ", None, float("nan"), "좋다"]))
    assert [d.label for d in docs][:4] == [None] * 4 and docs[4].label is not None
    assert all(d.error is None and d.is_empty for d in docs[:4])
    assert docs[4].error is None and not docs[4].is_empty
    f = write("e.csv", "id,document\n1,좋다\n2,\n3,별로\n")
    r = cli("classify", f, "--text-column", "document", "--model", model_dir,
            "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = r.stdout.strip().splitlines()
    assert len(rows) == 4 and rows[2] == "2,,,,"
    r = cli("classify", f, "--text-column", "document", "--model", model_dir,
            "-o", f.parent / "o.csv")
    assert r.exit_code == 0 and "1 empty" not in r.stderr  # no summary off a terminal


def test_missing_incomplete_and_newer_models(model_dir, tmp_path):
    with pytest.raises(ModelError, match="model folder not found"):
        classify_pipeline(str(tmp_path / "nope"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((model_dir / "config.json").read_text("utf-8"), "utf-8")
    with pytest.raises(ModelError, match="missing weights.safetensors"):
        kotext.load(broken)("좋다")
    (broken / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="weights.safetensors: cannot read"):
        kotext.load(broken)("좋다")
    (broken / "config.json").write_text("{not json", "utf-8")
    with pytest.raises(ModelError, match="config.json: not valid JSON"):
        classify_pipeline(str(broken))
    cfg = json.loads((model_dir / "config.json").read_text("utf-8"))
    cfg["kotext"]["format"] = 99
    (broken / "config.json").write_text(json.dumps(cfg), "utf-8")
    with pytest.raises(ModelError, match="newer than this kotext"):
        classify_pipeline(str(broken))


def test_weights_of_another_model_are_refused(model_dir, tmp_path):
    other = tmp_path / "other"
    train_classifier(LabeledData(TEXTS, LABELS), other, val_fraction=0.0, params={"bits": 13})
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "config.json").write_bytes((model_dir / "config.json").read_bytes())
    (mixed / "weights.safetensors").write_bytes((other / "weights.safetensors").read_bytes())
    with pytest.raises(ModelError, match="do not match config.json"):
        kotext.load(mixed)("좋다")


def test_pipeline_with_other_tokenization_is_refused(model_dir):
    from kotext import registry

    stages = [registry.create("clean.v1", name="clean"),
              registry.create("kiwi.v1", name="tokenize", pos="nouns"),
              registry.create("classifier.v1", name="sentiment", model=str(model_dir))]
    with pytest.raises(ConfigError, match="trained with kiwi.v1 option pos=None"):
        kotext.Pipeline(stages)
    with pytest.raises(ConfigError, match="requires text, tokens|requires tokens"):
        kotext.Pipeline([registry.create("classifier.v1", name="s", model=str(model_dir))])


def test_multiclass_with_ranges_and_class_weights(tmp_path):
    rows = ["rating\tdocument"] + [f"{r}\t{t}" for r, t in
                                   [(10, x) for x in POS] + [(1, x) for x in NEG] +
                                   [(6, "그냥 그랬다"), (5, "보통이다"), (6, "그저 그런 영화"),
                                    (5, "무난했다")]]
    f = tmp_path / "r.tsv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = read_labeled(str(f), text_column="document", label_column="rating",
                        label_map="1-4=negative,5-7=neutral,8-10=positive")
    assert data.counts() == {"positive": 12, "negative": 12, "neutral": 4}
    out = tmp_path / "m3"
    train_classifier(data, out, val_fraction=0.0, class_weight="balanced", params=dict(SMALL))
    nlp = kotext.load(out)
    d = nlp("정말 재밌는 영화였어요")
    assert set(d.scores) == {"negative", "neutral", "positive"}
    assert d.label == "positive"
    # the saved model is the trained one: it gives back (nearly all) its training labels,
    # every class included (a multinomial fit is Fortran-ordered; saved raw, it came back
    # scrambled and predicted one class for everything)
    pred = [doc.label for doc in nlp.pipe(data.texts)]
    assert sum(p == g for p, g in zip(pred, data.labels)) >= 0.9 * len(pred)
    assert set(pred) == {"negative", "neutral", "positive"}


def test_saved_arrays_keep_their_layout(tmp_path):
    from kotext.modelio import ModelWriter, load_arrays

    a = np.asfortranarray(np.arange(12, dtype=np.float16).reshape(3, 4))
    w = ModelWriter(tmp_path / "m")
    w.write_arrays("w.safetensors", {"a": a})
    w.commit()
    np.testing.assert_array_equal(load_arrays(tmp_path / "m" / "w.safetensors")["a"], a)


def test_label_data_errors(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("text,label\n좋다,1\n최고,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="only one label"):
        train_classifier(read_labeled(str(f), text_column=None, label_column="label"),
                         tmp_path / "x")
    assert not (tmp_path / "x").exists()  # nothing half-written
    f.write_text("text,label\n좋다,1\n나쁘다,\n별로,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="`drop_blank_labels`"):
        read_labeled(str(f), text_column=None, label_column="label")
    d = read_labeled(str(f), text_column=None, label_column="label", drop_blank_labels=True)
    assert d.labels == ["1", "0"] and d.dropped == 1
    with pytest.raises(InputError, match="no label column 'y'; columns are: text, label"):
        read_labeled(str(f), text_column=None, label_column="y")
    with pytest.raises(InputError, match="does not cover"):
        read_labeled(str(f), text_column=None, label_column="label", label_map="1=pos",
                     drop_blank_labels=True)
    j = tmp_path / "t.jsonl"
    j.write_text('{"t": ["좋다", "정말"], "y": 1}\n{"t": {"a": 2}, "y": 0}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"t.jsonl: row 2, t: a JSON object \(keys: a\)"):
        read_labeled(str(j), text_column="t", label_column="y")
    j.write_text('{"t": ["좋다", "정말"], "y": 1}\n', encoding="utf-8")
    assert read_labeled(str(j), text_column="t", label_column="y").texts == ["좋다\n정말"]


def test_label_map_parsing():
    rules = parse_label_map("1-4=negative,5-8=drop,9-10=positive")
    assert [map_label(x, rules) for x in ["1", "4", "4.5", "7", "10", "11", "x"]] == \
        ["negative", "negative", None, "drop", "positive", None, None]
    assert map_label("0", parse_label_map("0=negative,1=positive")) == "negative"
    # a value two rules claim would silently go to the first one
    for spec, msg in [("1-5=negative,5-10=positive", "1-5=negative and 5-10=positive overlap"),
                      ("3=x,1-4=y", "3=x and 1-4=y overlap"), ("a=1,a=2", "a=1 and a=2 overlap"),
                      ("4-1=neg", "the range runs backwards; write 1-4=neg")]:
        with pytest.raises(UsageError, match=msg):
            parse_label_map(spec)
    assert len(parse_label_map("0-0.4=b,0.5-1=a,x=c")) == 3


def test_cli_classify_table_csv_and_rows_kept(model_dir, cli, write):
    f = write("r.txt", "정말 재밌는 영화였어요\n\n최악의 영화\n")
    res = cli("classify", f, "--model", model_dir)
    # the blank line keeps its place, with no label: an empty text is not a review, nor an
    # error (each blank line between paragraphs made the run exit 1)
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == 3 and lines[1] == "-"
    assert lines[0].startswith("positive") and lines[2].startswith("negative")
    # the same table in a .txt file (it held the label alone)
    res = cli("classify", f, "--model", model_dir, "-o", f.parent / "labels.txt",
              "--on-error", "skip")
    assert res.exit_code == 0
    assert (f.parent / "labels.txt").read_text(encoding="utf-8").splitlines() == lines
    # a pipeline file ending in the classifier prints the same table (it printed the label
    # alone, and a failed row as a blank line)
    toml = write("s.toml", f'[pipeline]\nstages = ["clean", "tokenize", "sentiment"]\n'
                           f'[stages.clean]\nfactory = "clean.v1"\n'
                           f'[stages.tokenize]\nfactory = "kiwi.v1"\n'
                           f'[stages.sentiment]\nfactory = "classifier.v1"\n'
                           f'model = "{model_dir.as_posix()}"\n')
    res = cli("run", toml, f, "--on-error", "skip")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == [x.replace("[classify:", "[sentiment:") for x in lines]
    c = write("r.csv", "id,document,label\n1,정말 재밌는 영화였어요,1\n2,최악의 영화,0\n")
    out = c.parent / "out.csv"
    res = cli("classify", c, "--model", model_dir, "--text-column", "document", "-o", out)
    assert res.exit_code == 0
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert list(rows[0]) == ["id", "document", "label", "kotext_label", "score", "error"]
    assert rows[0]["kotext_label"] == "positive" and 0.5 < float(rows[0]["score"]) <= 1


def test_cli_evaluate_json_and_plot(model_dir, cli, write, tmp_path, monkeypatch):
    f = write("t.tsv", "document\tlabel\n" + "".join(f"{t}\t{'1' if y == 'positive' else '0'}\n"
                                                   for t, y in zip(TEXTS, LABELS)))
    # into folders that do not exist yet (a traceback after all the predicting)
    res = cli("evaluate", model_dir, f, "--text-column", "document", "--label-map",
              "0=negative,1=positive", "--json", tmp_path / "new" / "m.json",
              "--plot", tmp_path / "new2" / "c.png")
    assert res.exit_code == 0, res.output
    assert "accuracy" in res.stdout and "confusion matrix" in res.stdout
    rep = json.loads((tmp_path / "new" / "m.json").read_text("utf-8"))
    assert rep["n"] == len(TEXTS) and sum(map(sum, rep["confusion_matrix"])) == len(TEXTS)
    assert (tmp_path / "new2" / "c.png").read_bytes()[:4] == b"\x89PNG"
    # a row whose prediction failed: counted as wrong, and exit 1 as in every command
    from kotext.stages.clean import Clean

    real = Clean.clean_text

    def clean_text(self, text):
        if "지루" in text:
            raise ValueError("boom")
        return real(self, text)

    monkeypatch.setattr(Clean, "clean_text", clean_text)
    res = cli("evaluate", model_dir, f, "--text-column", "document", "--label-map",
              "0=negative,1=positive")
    failed = sum("지루" in t for t in TEXTS)
    assert failed and res.exit_code == 1, res.output
    assert f"{failed} rows failed, counted as wrong" in res.stdout
    res = cli("evaluate", model_dir, f, "--text-column", "document")
    assert res.exit_code == 2
    assert "--label-map 0=negative,1=positive (check the pairing)" in res.output


def test_cli_explain(model_dir, cli, tmp_path):
    res = cli("explain", "배우 연기가 최고였다", "--model", model_dir, "--html",
              tmp_path / "new" / "e.html")
    assert res.exit_code == 0
    assert res.stdout.startswith("positive") and "toward positive" in res.stdout
    page = (tmp_path / "new" / "e.html").read_text("utf-8")
    assert "<span" in page and "최고" in page
    # -n is the page's too (the page listed up to 10 per label whatever -n said)
    res = cli("explain", "배우 연기는 좋았는데 스토리가 너무 지루했다", "--model", model_dir,
              "-n", "1", "--html", tmp_path / "one.html")
    import re

    page = (tmp_path / "one.html").read_text("utf-8")
    cells = re.findall(r"<td>([^<]*)</td></tr>", page)
    assert cells and all(c.count("/") <= 1 for c in cells), cells
    # 지루했다: 지루하/VA and 었/EP share 했; the page's hover text names both (었 was lost)
    assert re.search(r'title="지루하/VA: [^"]*; 었/EP: ', page), page
    res = cli("explain", "  ", "--model", model_dir)  # it explained the model's prior
    assert res.exit_code == 2 and "empty text: nothing to explain" in res.output


def test_explain_attributions_sum_to_the_score(model_dir):
    from kotext.explain import explain

    nlp = classify_pipeline(str(model_dir))
    ex = explain(nlp, "배우 연기가 최고였다")
    assert ex.label == nlp("배우 연기가 최고였다").label
    top = ex.top("positive", 3)
    assert top and top[0][1] > 0


def test_model_output_folder_never_replaces_other_files(cli, write, tmp_path, monkeypatch):
    from kotext.modelio import ModelWriter, check_output_folder

    f = write("tr.csv", "text,label\n좋다,1\n나쁘다,0\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("내 메모", encoding="utf-8")
    for out, why in [(mine, "holds other files (notes.txt) and no kotext model"),
                     (f, "a file, not a folder")]:
        r = cli("train", "classifier", "--train", f, "--label-column", "label", "-o", out)
        assert r.exit_code == 2 and why in r.output, r.output
        assert "training on" not in r.output  # refused before any work
    assert (mine / "notes.txt").read_text("utf-8") == "내 메모" and f.read_text("utf-8")
    with pytest.raises(UsageError, match="holds other files"):
        ModelWriter(mine)  # the same check for Python callers
    (tmp_path / "empty").mkdir()
    assert check_output_folder(tmp_path / "empty") == tmp_path / "empty"
    # a config.json kotext did not write (an app's, a project's) does not make it a model
    (mine / "config.json").write_text('{"app": 1}', encoding="utf-8")
    with pytest.raises(UsageError, match="no kotext model"):
        check_output_folder(mine)
    # a kotext model folder (or a fine-tuned transformer with kotext's training.json)
    (mine / "config.json").write_text('{"kotext": {"format": 1}}', encoding="utf-8")
    assert check_output_folder(mine) == mine
    (tmp_path / "bart").mkdir()
    (tmp_path / "bart" / "config.json").write_text('{"model_type": "bart"}', encoding="utf-8")
    with pytest.raises(UsageError, match="no kotext model"):
        check_output_folder(tmp_path / "bart")
    (tmp_path / "bart" / "training.json").write_text("{}", encoding="utf-8")
    assert check_output_folder(tmp_path / "bart") == tmp_path / "bart"
    # a fine-tuned or pre-trained transformer: kotext.json says so (its card's command
    # could not write over it: "holds other files ... and no kotext model")
    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8")
    (tmp_path / "bert" / "kotext.json").write_text('{"x": 1}', encoding="utf-8")
    with pytest.raises(UsageError, match="no kotext model"):
        check_output_folder(tmp_path / "bert")
    (tmp_path / "bert" / "kotext.json").write_text('{"kotext": {"format": 1, "kind": "encoder"}}',
                                                   encoding="utf-8")
    assert check_output_folder(tmp_path / "bert") == tmp_path / "bert"
    # a kotext folder of another kind: word vectors under a classifier's -o were replaced
    # (the gru models and similar-docs that read them then failed)
    (tmp_path / "vec").mkdir()
    (tmp_path / "vec" / "config.json").write_text('{"kotext": {"format": 1}, "method": '
                                                  '"word2vec"}', encoding="utf-8")
    assert check_output_folder(tmp_path / "vec", "vectors") == tmp_path / "vec"
    with pytest.raises(UsageError, match="holds word vectors made by kotext, and this writes a "
                                         "classifier"):
        check_output_folder(tmp_path / "vec", "classifier")
    r = cli("train", "classifier", "--train", f, "--label-column", "label", "-o",
            tmp_path / "vec")
    assert r.exit_code == 2 and "holds word vectors made by kotext" in r.output
    monkeypatch.chdir(mine)  # but never the folder one works in, nor one above it
    with pytest.raises(UsageError, match="the current folder"):
        check_output_folder(".")
    with pytest.raises(UsageError, match="the current folder"):
        check_output_folder("..")


def test_a_model_that_needs_torch_says_so_once(model_dir, tmp_path, monkeypatch):
    import shutil

    from kotext.stages import classify as clf_stage

    gru = tmp_path / "gru"
    shutil.copytree(model_dir, gru)
    cfg = json.loads((gru / "config.json").read_text("utf-8"))
    (gru / "config.json").write_text(json.dumps({**cfg, "method": "gru"}), "utf-8")
    monkeypatch.setattr(clf_stage, "installed", lambda m: m != "torch")
    with pytest.raises(ModelError, match=r"gru: a gru model needs torch, which is not "
                                         r"installed: pip install torch"):
        classify_pipeline(str(gru))
    ens = {**cfg, "method": "ensemble", "members": [{"path": "m/0", "method": "transformer"}]}
    (gru / "config.json").write_text(json.dumps(ens), "utf-8")
    with pytest.raises(ModelError, match=r"a transformer model needs torch, .*kotext\[transformers\]"):
        classify_pipeline(str(gru))
    assert classify_pipeline(str(model_dir))("좋다").label  # a linear model needs neither


def test_report_counts_failed_rows_as_misses():
    from kotext.evaluate import classification_report, format_report

    gold = ["pos", "pos", "pos", "pos", "neg", "neg"]
    pred = ["pos", "pos", "<error>", "neg", "neg", "<error>"]
    rep = classification_report(gold, pred, ["neg", "pos"])
    pos, neg = rep["per_class"]["pos"], rep["per_class"]["neg"]
    assert pos["support"] == 4 and pos["recall"] == 0.5 and pos["precision"] == 1.0
    assert neg["support"] == 2 and neg["recall"] == 0.5 and neg["precision"] == 0.5
    assert rep["macro_f1"] == pytest.approx((2 / 3 + 0.5) / 2)  # as scikit-learn's f1_score
    assert rep["accuracy"] == 0.5 and rep["failed"] == 2
    assert "(n = 6; 2 rows failed, counted as wrong)" in format_report(rep)
    # a model label this data neither has nor gets stays out of the average (it counted
    # as F1 0: 0.53 where scikit-learn says 0.80)
    rep3 = classification_report(gold, pred, ["neg", "neutral", "pos"])
    assert rep3["macro_f1"] == pytest.approx(rep["macro_f1"])
    assert rep3["per_class"]["neutral"]["support"] == 0


def test_eval_labels_the_training_data_lacks_are_named(cli, write):
    tr = write("tr.csv", "text,label\n좋다,pos\n싫다,neg\n최고,pos\n별로,neg\n")
    ev = write("ev.csv", "text,label\n좋다,pos\n그냥,neu\n")
    r = cli("train", "classifier", "--train", tr, "--label-column", "label", "--eval", ev,
            "-o", tr.parent / "m")
    assert r.exit_code == 2 and "labels the training data does not have: 'neu' (1 rows)" \
        in r.output and "training on" not in r.output


def test_eval_file_with_its_own_column_names(cli, write):
    # an --eval file had to use the training file's column names
    rows = "".join(f"좋다 {i},pos\n싫다 {i},neg\n" for i in range(10))
    tr = write("tr.csv", "text,label\n" + rows)
    ev = write("ev.csv", "review,gold\n" + rows)
    out = tr.parent / "m"
    r = cli("train", "classifier", "--train", tr, "--eval", ev, "-o", out)
    assert r.exit_code == 2 and "review" in r.output  # the columns that exist are named
    r = cli("train", "classifier", "--train", tr, "--eval", ev, "--eval-text-column",
            "review", "--eval-label-column", "gold", "-o", out)
    assert r.exit_code == 0, r.output
    card = (out / "README.md").read_text(encoding="utf-8")
    assert ("Evaluation file (`--eval`, in the command below):\n\naccuracy **1.0000**, "
            "macro-F1 **1.0000** on 20 rows of that file") in card
    r = cli("train", "classifier", "--train", tr, "--eval-text-column", "review", "-o", out)
    assert r.exit_code == 2 and "go with --eval FILE" in r.output


def test_ngram_ranges_are_checked(cli, write):
    # a backwards range silently turned character n-grams off; both off left no features
    from kotext.features import HashedNgrams

    f = write("tr.csv", "text,label\n좋다,1\n나쁘다,0\n")
    for args, why in [(["--char-ngrams", "3,1"], "0 <= LO <= HI"),
                      (["--char-ngrams", "0,0", "--morph-ngrams", "0,0"], "no features")]:
        r = cli("train", "classifier", "--train", f, "--label-column", "label", *args,
                "-o", f.parent / "m")
        assert r.exit_code == 2 and why in r.output, r.output
    with pytest.raises(ValueError, match="need 0 <= lo <= hi"):
        HashedNgrams(morph_ngrams=(2, 1))
    assert HashedNgrams(char_ngrams=(0, 0)).needs_tokens


def test_label_map_keys_written_as_floats():
    # a float column's 1.0 is the label 1; a key written 1.0 is too (it was "does not
    # cover these labels: '1', '0'")
    from kotext.training.data import map_label, parse_label_map

    rules = parse_label_map("0.0=negative,1.0=positive")
    assert [map_label(x, rules) for x in ("0", "1")] == ["negative", "positive"]


def test_training_leaves_out_empty_texts_and_the_card_names_the_column(cli, write, tmp_path):
    # empty texts were learnt from (classify gives them no label); the card said
    # "text column `guessed`"
    f = write("e.csv", "document,label\n,pos\n   ,pos\n<br>,neg\n\u200b,pos\n" +
              "".join(f"좋다 {i},pos\n싫다 {i},neg\n" for i in range(5)))
    out = tmp_path / "m"
    r = cli("train", "classifier", "--train", f, "--val-fraction", "0", "--bits", "12",
            "-o", out)
    assert r.exit_code == 0, r.output
    # also those empty once cleaned (<br>, a zero-width space), which classify refuses too
    assert "4 row(s) with an empty text (as given, or once cleaned) left out" in r.stderr and \
        "training on 10 rows" in r.stderr
    card = (out / "README.md").read_text("utf-8")
    assert "text column `document`, labels from `label`; 4 rows left out" in card
    # a --label-map that misses the eval file's labels names that file
    ev = write("ev.csv", "document,label\n좋다,긍정\n")
    r = cli("train", "classifier", "--train", f, "--eval", ev, "--label-map",
            "pos=pos,neg=neg", "-o", out)
    assert r.exit_code == 2 and "ev.csv: --label-map does not cover these labels: '긍정'" \
        in r.output


def test_report_tables_line_up_with_korean_labels():
    # padding counted characters, and Hangul takes two terminal cells
    from kotext.evaluate.classification import _cells, classification_report, format_report

    rep = classification_report(["긍정", "부정", "긍정", "neutral"],
                                ["긍정", "부정", "부정", "neutral"], ["긍정", "부정", "neutral"])
    lines = format_report(rep).splitlines()
    table = lines[2:6]
    assert len({_cells(x) for x in table}) == 1, table
    matrix = lines[8:]
    assert len({_cells(x) for x in matrix}) == 1, matrix


def test_a_label_that_is_a_list_is_refused(write):
    # a JSONL label [1] became the label "[1]"
    from kotext.training.data import read_labeled

    f = write("l.jsonl", '{"text": "좋다", "label": 1}\n{"text": "싫다", "label": [1]}\n')
    with pytest.raises(InputError, match=r"row 2: the label \(label\) is \[1\], a list"):
        read_labeled(str(f), text_column="text", label_column="label")


def test_evaluate_leaves_out_texts_empty_once_cleaned(model_dir, cli, write):
    # "<br>" or a zero-width space is empty once cleaned: classify gives it no label, and
    # evaluate counted it as a wrong prediction (blank rows were left out)
    f = write("ev.tsv", "document\tlabel\n정말 재밌다\tpositive\n<br>\tnegative\n"
                        "\u200b\tpositive\n   \tnegative\n최악이다\tnegative\n")
    r = cli("evaluate", model_dir, f, "--text-column", "document", "--json", "-")
    assert r.exit_code == 0, r.output
    assert "3 row(s) with an empty text (as given, or once cleaned) left out" in r.stderr
    assert json.loads(r.stdout[r.stdout.index("{"):])["n"] == 2
    only = write("only.tsv", "document\tlabel\n<br>\tnegative\n")
    r = cli("evaluate", model_dir, only, "--text-column", "document")
    assert r.exit_code == 2 and "no labeled rows to use (1 have an empty text, as given or " \
        "once cleaned)" in r.output


def test_explain_lists_small_pushes_instead_of_nothing():
    # a long text spreads a transformer's push thin: every value printed as +0.00 and was
    # left out, and no "toward" line was printed at all
    from kotext.doc import Doc, Token
    from kotext.explain import Explanation, to_html, to_terminal

    toks = [Token("최악", "NNG", 0, 2), Token("영화", "NNG", 3, 5)]
    ex = Explanation(Doc("최악 영화"), ["negative", "positive"], [0.9, 0.1],
                     [(toks[0], {"negative": 0.0039, "positive": -0.0039}),
                      (toks[1], {"negative": -0.0012, "positive": 0.0012})])
    out = to_terminal(ex, color=False)
    assert "toward negative: 최악/NNG +0.0039" in out and "toward positive: 영화/NNG +0.0012" in out
    page = to_html(ex)
    assert "최악/NNG +0.0039" in page and "title=\"최악/NNG: negative +0.0039, positive -0.0039\"" in page


def test_evaluate_label_hint_maps_the_files_own_labels(model_dir, cli, write):
    # with --label-map 0=neg,1=pos and a model labelled negative/positive, the hint said
    # --label-map neg=negative,pos=positive, which then was "not covered" (0 and 1 are)
    f = write("t.tsv", "document\tlabel\n" + "".join(f"{t}\t{'1' if y == 'positive' else '0'}\n"
                                                   for t, y in zip(TEXTS, LABELS)))
    r = cli("evaluate", model_dir, f, "--text-column", "document", "--label-map", "0=neg,1=pos")
    assert r.exit_code == 2 and "your --label-map makes them neg, pos" in r.output
    assert "--label-map 0=negative,1=positive" in r.output
    r = cli("evaluate", model_dir, f, "--text-column", "document", "--label-map",
            "0=negative,1=positive")
    assert r.exit_code == 0
