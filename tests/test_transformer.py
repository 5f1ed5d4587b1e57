"""Fine-tuned encoders (method "transformer"): tiny BERTs built here, no hub, no ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tiny_transformers import FT, NEG, POS, SENTENCES, labeled, make_encoder  # noqa: E402

from kotext.doc import Doc  # noqa: E402
from kotext.errors import InputError, ModelError, UsageError  # noqa: E402


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("enc") / "encoder"
    make_encoder(folder, max_steps=4)
    return folder


@pytest.fixture(scope="module")
def finetuned(encoder, tmp_path_factory) -> tuple[Path, dict]:
    from kotext.transformer.train import train_transformer

    out = tmp_path_factory.mktemp("clf") / "my-bert"
    # fp16 asked for on the CPU: trained in float32, and recorded so (it said fp16=True)
    meta = train_transformer(labeled(), out, params={**FT, "base": str(encoder), "fp16": True},
                             val_fraction=0.2, seed=0, command="kotext train classifier ...")
    return out, meta


def _weights(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


def test_finetune_loss_goes_down_and_folder_is_complete(finetuned):
    out, meta = finetuned
    assert meta["training"]["fp16"] is False  # no GPU: what ran was float32
    curve = json.loads((out / "training_curve.json").read_text())
    assert len(curve) == FT["epochs"]
    assert curve[-1]["train_loss"] < curve[0]["train_loss"] - 0.05
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "kotext.json", "labels.txt",
            "README.md", "training_curve.json", "training_curve.png"} <= names
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["id2label"] == {"0": "negative", "1": "positive"}  # a transformers config
    assert meta["method"] == "transformer" and meta["labels"] == ["negative", "positive"]
    assert "kotext train classifier" in (out / "README.md").read_text()
    assert not (out.parent / "my-bert.checkpoint").exists()  # removed after success


def test_saved_model_predicts_like_transformers_itself(finetuned):
    """kotext's stage (sorted batches, dynamic padding, windows) = a plain forward pass."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from kotext.stages.classify import Classifier

    out, _ = finetuned
    texts = POS[:4] + NEG[:4] + ["ㅋ", "ㅋㅋ"]
    stage = Classifier(str(out))
    assert stage.requires == frozenset({"text"})  # no Kiwi needed to classify
    docs = list(stage.pipe([Doc(text=t) for t in texts]))
    ours = np.array([[d.scores[x] for x in stage.labels] for d in docs])
    tok = AutoTokenizer.from_pretrained(str(out))
    model = AutoModelForSequenceClassification.from_pretrained(str(out)).eval()
    with torch.no_grad():
        ref = []
        for t in texts:  # one at a time: no padding at all
            enc = tok(t, return_tensors="pt")
            ref.append(torch.softmax(model(**enc).logits, -1)[0].numpy())
    np.testing.assert_allclose(ours, np.array(ref), atol=1e-5)
    again = list(Classifier(str(out)).pipe([Doc(text=t) for t in texts]))
    assert [d.label for d in again] == [d.label for d in docs]


def test_freezing_really_freezes(encoder, tmp_path):
    from kotext.transformer.train import train_transformer

    out = tmp_path / "frozen"
    train_transformer(labeled(1), out, params={**FT, "base": str(encoder), "epochs": 2,
                                               "freeze": "1"}, val_fraction=0.0)
    before, after = _weights(encoder / "model.safetensors"), _weights(out / "model.safetensors")
    frozen = [k for k in after if k.startswith(("bert.embeddings.", "bert.encoder.layer.0."))]
    trained = [k for k in after if k.startswith("bert.encoder.layer.1.")]
    assert frozen and trained
    for k in frozen:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)
    assert any(not np.array_equal(after[k], before[k]) for k in trained)


def test_multi_class(encoder, tmp_path):
    from kotext.stages.classify import Classifier
    from kotext.training.data import LabeledData
    from kotext.transformer.train import train_transformer

    texts = POS + NEG + ["그냥 그랬다", "보통이다", "평범한 영화", "나쁘지 않다"] * 2
    labels = ["pos"] * len(POS) + ["neg"] * len(NEG) + ["mid"] * 8
    out = tmp_path / "three"
    meta = train_transformer(LabeledData(texts, labels), out,
                             params={**FT, "base": str(encoder), "epochs": 1},
                             val_fraction=0.0, class_weight="balanced",
                             eval_data=LabeledData(texts[:4], labels[:4]))
    assert meta["labels"] == ["mid", "neg", "pos"]
    assert meta["metrics"]["eval"]["n"] == 4
    doc = Classifier(str(out))(Doc(text="보통이다"))
    assert set(doc.scores) == {"mid", "neg", "pos"}
    with pytest.raises(InputError, match="not among the training labels"):
        train_transformer(LabeledData(texts, labels), tmp_path / "x",
                          params={**FT, "base": str(encoder)},
                          eval_data=LabeledData(["좋다"], ["great"]))
    # a fine-tuned 3-label model as the base of a 2-label task: a new head (it was "the
    # folder is damaged or not an encoder")
    logs: list[str] = []
    meta = train_transformer(LabeledData(POS + NEG, ["pos"] * len(POS) + ["neg"] * len(NEG)),
                             tmp_path / "two", params={**FT, "base": str(out), "epochs": 1},
                             val_fraction=0.0, log=logs.append)
    assert meta["labels"] == ["neg", "pos"]
    assert any("head for 3 labels; a new head for 2" in m for m in logs)
    assert set(Classifier(str(tmp_path / "two"))(Doc(text="보통이다")).scores) == {"neg", "pos"}


def test_freeze_options_parse_and_reject():
    from kotext.classifiers.transformer import parse_freeze

    assert parse_freeze("embeddings") == ("embeddings", 0)
    assert parse_freeze("3") == ("layers", 3)
    assert parse_freeze("encoder") == ("encoder", 0)
    with pytest.raises(UsageError, match="freeze='everything'"):
        parse_freeze("everything")


def test_window_spans_cover_everything():
    from kotext.classifiers.transformer import window_spans

    assert window_spans(0, 10, 2) == [(0, 0)]
    assert window_spans(10, 10, 2) == [(0, 10)]
    for n in (11, 57, 1000):
        spans = window_spans(n, 10, 3)
        covered = set()
        for a, b in spans:
            assert 0 <= a < b <= n and b - a == 10
            covered |= set(range(a, b))
        assert covered == set(range(n))
        assert spans[-1][1] == n
        assert all(spans[i + 1][0] - spans[i][0] == 7 for i in range(len(spans) - 2))


def test_long_text_is_read_in_windows_not_truncated(finetuned):
    import torch

    from kotext.classifiers import load_classifier

    out, _ = finetuned
    clf = load_classifier(out)
    text = " ".join(POS * 3 + NEG * 12)  # far beyond 32 tokens
    spans = clf.windows(text)
    assert len(spans) > 3
    ids = clf.tokenizer(text, add_special_tokens=False)["input_ids"]
    manual, weights = [], []
    with torch.no_grad():
        for a, b in spans:
            x = torch.tensor([clf.prefix + ids[a:b] + clf.suffix])
            manual.append(clf.model(input_ids=x).logits[0].numpy())
            weights.append(b - a)
    want = np.average(np.array(manual), axis=0, weights=weights)
    np.testing.assert_allclose(clf.logits([text])[0], want, atol=1e-4)
    # every token is read: the windows reach the end of the text (a tiny random
    # model's logits barely differ between windows, so compare coverage, not values)
    assert spans[0][0] == 0 and spans[-1][1] == len(ids)


def test_texts_of_every_length(finetuned):
    from kotext.loading import classify_pipeline

    out, _ = finetuned
    nlp = classify_pipeline(str(out))
    texts = ["", " ", "가", "최고", "영화 " * 40, "재밌다" * 33334]  # up to 100,000 characters
    docs = list(nlp.pipe(texts))
    assert [d.label for d in docs[:2]] == [None, None]  # nothing to classify: no label
    assert all(d.error is None and d.is_empty for d in docs[:2])  # and empty is no error
    docs = docs[2:]
    assert [d.error for d in docs] == [None] * len(docs)
    for d in docs:
        assert d.label in ("negative", "positive")
        assert abs(sum(d.scores.values()) - 1) < 1e-6


def test_quantized_model_predicts(finetuned):
    from kotext.stages.classify import Classifier

    out, _ = finetuned
    q = Classifier(str(out), quantize=True)
    assert q.to_config()["quantize"] is True
    docs = list(q.pipe([Doc(text=t) for t in POS + NEG]))
    assert all(abs(sum(d.scores.values()) - 1) < 1e-6 for d in docs)
    import torch

    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear)
               for m in q.classifier.fast_model.modules())


def test_explain_maps_subwords_onto_kiwi_morphemes(finetuned):
    from kotext.explain import explain, to_html, to_terminal
    from kotext.loading import classify_pipeline

    out, _ = finetuned
    ex = explain(classify_pipeline(str(out)), "배우 연기는 좋았는데 스토리가 지루했다")
    forms = [t.form for t, _ in ex.token_scores]
    assert "배우" in forms and "스토리" in forms  # Kiwi morphemes
    vals = np.array([s[ex.label] for _, s in ex.token_scores])
    assert np.abs(vals).sum() > 0
    assert abs(sum(ex.probs) - 1) < 1e-6
    assert "배우" in to_terminal(ex, color=False)
    assert "<span" in to_html(ex)


def test_plain_transformers_folder_loads_by_id2label(finetuned, tmp_path):
    import shutil

    from kotext.stages.classify import Classifier

    out, _ = finetuned
    plain = tmp_path / "plain"
    shutil.copytree(out, plain)
    (plain / "kotext.json").unlink()
    stage = Classifier(str(plain))
    assert stage.labels == ["negative", "positive"]
    assert stage(Doc(text="최고의 영화")).label in stage.labels
    # transformers 5 writes no id2label for the default labels: it was refused as "an
    # encoder without a classification head"
    import json

    cfg = json.loads((plain / "config.json").read_text("utf-8"))
    for key in ("id2label", "label2id"):
        cfg.pop(key, None)
    (plain / "config.json").write_text(json.dumps(cfg), "utf-8")
    stage = Classifier(str(plain))
    assert stage.labels == ["LABEL_0", "LABEL_1"]
    assert stage(Doc(text="최고의 영화")).label in stage.labels


def test_encoder_without_head_says_fine_tune_it(encoder):
    from kotext.stages.classify import Classifier

    with pytest.raises(ModelError, match="fine-tune it"):
        Classifier(str(encoder))


def test_damaged_model_folder(finetuned, tmp_path):
    import shutil

    from kotext.classifiers import load_classifier

    out, _ = finetuned
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    data = (bad / "model.safetensors").read_bytes()
    (bad / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="damaged"):
        load_classifier(bad)
    (bad / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="missing model.safetensors"):
        load_classifier(bad)
    # a damaged tokenizer file is named (each was "cannot load its tokenizer ... the folder
    # needs tokenizer.json", with tokenizer.json right there)
    from kotext.loading import classify_pipeline

    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.rmtree(bad)
        shutil.copytree(out, bad)
        (bad / name).write_text((out / name).read_text("utf-8")[:50], "utf-8")
        with pytest.raises(ModelError, match=f"{name}: not valid JSON.*damaged"):
            list(classify_pipeline(str(bad)).pipe(["좋다"]))


def test_a_tokenizer_that_reads_korean_as_unk_is_refused(finetuned, tmp_path):
    # without tokenizer_config.json transformers lower-cases and strips accents, Hangul
    # falls apart into jamo, every word is [UNK]: the model gave confident, wrong labels
    import json
    import shutil

    from kotext.classifiers import load_classifier

    out, _ = finetuned
    bad = tmp_path / "no-config"
    shutil.copytree(out, bad)
    (bad / "tokenizer_config.json").unlink()
    with pytest.raises(ModelError, match="reads Korean as .UNK. alone; "
                                         "tokenizer_config.json is missing"):
        load_classifier(bad)
    shutil.rmtree(bad)
    shutil.copytree(out, bad)
    cfg = json.loads((bad / "tokenizer_config.json").read_text("utf-8"))
    cfg.update(tokenizer_class="BertTokenizer", do_lower_case=True, strip_accents=None)
    (bad / "tokenizer_config.json").write_text(json.dumps(cfg), "utf-8")
    (bad / "tokenizer.json").unlink()
    vocab = json.loads((out / "tokenizer.json").read_text("utf-8"))["model"]["vocab"]
    (bad / "vocab.txt").write_text("\n".join(sorted(vocab, key=vocab.get)), "utf-8")
    with pytest.raises(ModelError, match="do_lower_case"):
        load_classifier(bad)
    # a vocabulary made from English only: named as such (it was told to stop lower-casing)
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    shutil.rmtree(bad)
    shutil.copytree(out, bad)
    eng = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    eng.normalizer = normalizers.NFC()
    eng.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    eng.train_from_iterator(["the movie was good", "a bad film"] * 20, trainers.WordPieceTrainer(
        vocab_size=60, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    eng.save(str(bad / "tokenizer.json"))
    with pytest.raises(ModelError, match="its vocabulary does not cover common Korean words"):
        load_classifier(bad)


def test_load_a_model_folder_quantized_from_python(finetuned):
    # kotext.load(folder, overrides) refused every override: a model folder could not be
    # quantized or put on a device from Python without writing a pipeline file
    import kotext
    from kotext.errors import ConfigError

    out, _ = finetuned
    nlp = kotext.load(str(out), ["stages.classify.quantize=true", "stages.classify.device=cpu"])
    assert nlp.stages[-1].quantize and nlp.stages[-1].device == "cpu"
    assert nlp("정말 최고").label in ("negative", "positive")
    with pytest.raises(ConfigError, match="stages.classify.quantize and "
                                          "stages.classify.device; batch_size is none"):
        kotext.load(str(out), ["stages.classify.batch_size=4"])
    with pytest.raises(ConfigError, match="apply to transformer models"):
        kotext.load("sentiment-ko", ["stages.classify.quantize=true"])


def test_cleaning_the_model_never_saw_is_refused(finetuned):
    # a pipeline file put clean.v1 before a transformer trained on raw text: its scores
    # changed (... became ..), and validate said ok
    from kotext.errors import ConfigError
    from kotext.pipeline import Pipeline

    out, _ = finetuned
    cfg = {"pipeline": {"stages": ["clean", "sentiment"]},
           "stages": {"clean": {"factory": "clean.v1"},
                      "sentiment": {"factory": "classifier.v1", "model": str(out)}}}
    with pytest.raises(ConfigError, match="trained on text as given, with no clean.v1 stage"):
        Pipeline.from_config(cfg)
    del cfg["stages"]["clean"]
    cfg["pipeline"]["stages"] = ["sentiment"]
    assert Pipeline.from_config(cfg)("정말 최고").label in ("negative", "positive")


def test_a_damaged_model_leaves_no_output_behind(finetuned, tmp_path, cli, write):
    import shutil

    out, _ = finetuned
    bad = tmp_path / "trunc"
    shutil.copytree(out, bad)
    data = (bad / "model.safetensors").read_bytes()
    (bad / "model.safetensors").write_bytes(data[: len(data) // 2])
    src = write("r.csv", "id,text\n1,좋다\n")
    r = cli("classify", src, "--model", bad, "-o", tmp_path / "o.csv")
    assert r.exit_code == 2 and "damaged" in r.output
    assert list(tmp_path.glob("o.csv*")) == []  # o.csv.part and its checkpoint were left
    r = cli("classify", src, "--model", bad, "--format", "csv")
    assert r.exit_code == 2 and r.stdout == ""  # a CSV header came first


def test_missing_hub_name_says_how_to_supply_a_folder():
    from kotext.transformer.hub import resolve_base

    with pytest.raises(ModelError) as e:
        resolve_base("kotext-tests/no-such-model-3f9a")
    msg = str(e.value)
    assert "hf download kotext-tests/no-such-model-3f9a --local-dir DIR" in msg
    assert "base=DIR" in msg
    with pytest.raises(ModelError, match="no such folder"):
        resolve_base("./models/not-here")
    with pytest.raises(ModelError, match="no such folder"):  # shell completion's slash
        resolve_base("not_here/")


def test_one_class_and_bad_options(encoder, tmp_path):
    from kotext.training.data import LabeledData
    from kotext.transformer.train import train_transformer

    one = LabeledData(POS, ["positive"] * len(POS))
    with pytest.raises(InputError, match="only one label"):
        train_transformer(one, tmp_path / "x", params={"base": str(encoder)})
    with pytest.raises(UsageError, match="lr=0: must be above 0"):
        train_transformer(labeled(1), tmp_path / "x", params={"base": str(encoder), "lr": 0})
    with pytest.raises(UsageError, match="unknown option"):
        train_transformer(labeled(1), tmp_path / "x", params={"base": str(encoder), "C": 3})
    assert not (tmp_path / "x").exists()


def test_resume_after_an_interruption_and_corrupt_checkpoint(encoder, tmp_path, monkeypatch):
    from kotext.transformer import train as tr

    out = tmp_path / "m"
    params = {**FT, "base": str(encoder), "epochs": 2}

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(tr, "write_curve_files", boom)
    with pytest.raises(KeyboardInterrupt):
        tr.train_transformer(labeled(1), out, params=params, val_fraction=0.2)
    assert not out.exists()  # nothing half-written
    ckpt = tmp_path / "m.checkpoint"
    state = json.loads((ckpt / "state.json").read_text())
    assert state["epoch"] == 2
    monkeypatch.undo()
    logs: list[str] = []
    meta = tr.train_transformer(labeled(1), out, params={**params, "resume": True},
                                val_fraction=0.2, log=logs.append)
    assert any("resuming after epoch 2" in s for s in logs)
    assert meta["training"]["epochs_run"] == 2 and out.is_dir() and not ckpt.exists()

    bad = tmp_path / "m2.checkpoint"
    bad.mkdir()
    (bad / "state.json").write_text("{}")
    (bad / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="damaged"):
        tr.train_transformer(labeled(1), tmp_path / "m2", params={**params, "resume": True},
                             val_fraction=0.2)
    assert not (tmp_path / "m2").exists()


def _tiny_kobert(folder: Path) -> None:
    """A KoBERT-shaped folder: spiece.model + XLNetTokenizer config + a tiny BERT."""
    import sentencepiece as spm
    import torch
    from transformers import BertConfig, BertModel

    folder.mkdir(parents=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 3), model_prefix=str(folder / "spiece"),
        vocab_size=120, hard_vocab_limit=False, model_type="unigram", character_coverage=1.0,
        unk_id=0, pad_id=1, bos_id=-1, eos_id=-1, minloglevel=2, unk_piece="[UNK]",
        pad_piece="[PAD]",
        user_defined_symbols=["[CLS]", "[SEP]", "[MASK]"])
    (folder / "spiece.vocab").unlink()
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "XLNetTokenizer", "unk_token": "[UNK]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]",
        "bos_token": "[CLS]", "eos_token": "[SEP]"}))
    sp = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=sp.get_piece_size(), hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64,
                     pad_token_id=1)
    BertModel(cfg).save_pretrained(str(folder))


def test_kobert_sentencepiece_tokenizer_path(tmp_path):
    import sentencepiece as spm

    from kotext.classifiers import load_classifier
    from kotext.transformer.hub import load_tokenizer
    from kotext.transformer.train import train_transformer

    base = tmp_path / "kobert"
    _tiny_kobert(base)
    sp = spm.SentencePieceProcessor(model_file=str(base / "spiece.model"))
    tok = load_tokenizer(base)
    for s in SENTENCES[:10]:
        enc = tok(s, return_offsets_mapping=True)
        ids = enc["input_ids"]
        assert ids[0] == sp.piece_to_id("[CLS]") and ids[-1] == sp.piece_to_id("[SEP]")
        assert ids[1:-1] == sp.encode(s)  # the same pieces as SentencePiece itself
        covered = {i for a, b in enc["offset_mapping"][1:-1] for i in range(a, b)}
        assert covered <= set(range(len(s)))  # offsets into s (a piece may take its space)
        assert covered >= {i for i, ch in enumerate(s) if ch != " "}
    out = tmp_path / "kobert-clf"
    train_transformer(labeled(1), out, params={**FT, "base": str(base), "epochs": 1},
                      val_fraction=0.0)
    clf = load_classifier(out)
    assert clf.tokenizer(SENTENCES[0])["input_ids"] == tok(SENTENCES[0])["input_ids"]
    p = clf.predict_proba([Doc(text=t) for t in SENTENCES[:5]])
    assert p.shape == (5, 2)


def test_cli_train_classify_evaluate_explain(encoder, tmp_path, cli, write):
    rows = ([f"{t},1" for t in POS] + [f"{t},0" for t in NEG]) * 2
    data = write("train.csv", "\n".join(["document,label", *rows]) + "\n")
    toml = write("train.toml", f'[train.classifier]\nmethod = "transformer"\nbase = '
                 f'"{encoder}"\nepochs = 2\nbatch-size = 8\nlr = 1e-2\nmax-length = 32\n')
    out = tmp_path / "cli-bert"
    r = cli("train", "classifier", "--config", toml, "--train", data, "--text-column",
            "document", "--label-map", "0=negative,1=positive", "-o", out, "--patience", "0")
    assert r.exit_code == 0, r.output
    meta = json.loads((out / "kotext.json").read_text())
    assert meta["training"]["epochs"] == 2 and meta["training"]["patience"] == 0
    r = cli("classify", "-", "--model", out, "--format", "jsonl", input="최고의 영화\n\n")
    assert r.exit_code == 0, r.output  # the empty line: no label, and no error
    rows_out = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert len(rows_out) == 2 and rows_out[0]["label"] in ("negative", "positive")
    assert rows_out[1]["label"] is None and rows_out[1]["error"] is None
    r = cli("evaluate", out, data, "--text-column", "document",
            "--label-map", "0=negative,1=positive", "--json", "-")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output[r.output.index("{"):])["n"] == 40
    html = tmp_path / "why.html"
    r = cli("explain", "배우 연기가 최고였다", "--model", out, "--html", html, "--no-color")
    assert r.exit_code == 0, r.output
    assert "배우" in r.output and html.is_file()


def test_cli_bad_input(encoder, tmp_path, cli, write):
    blank = write("blank.csv", "document,label\n좋다,1\n별로,\n싫다,0\n")
    r = cli("train", "classifier", "--method", "transformer", "--base", encoder, "--train",
            blank, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "no label" in r.output
    one = write("one.csv", "document,label\n좋다,1\n최고,1\n")
    r = cli("train", "classifier", "--method", "transformer", "--base", encoder, "--train",
            one, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "only one label" in r.output
    r = cli("train", "classifier", "--train", one, "--lr", "1e-3", "-o", tmp_path / "o")
    assert r.exit_code == 2 and "--lr applies to --method transformer, gru or lstm, not linear" in r.output
    assert not (tmp_path / "o").exists()


def test_resumed_run_gives_the_same_weights(encoder, tmp_path, monkeypatch):
    # dropout's random state was not restored, so a resumed run trained other weights
    # than one never stopped, while the card promised the same
    from safetensors.numpy import load_file

    from kotext.transformer import train as tr

    params = {**FT, "base": str(encoder), "epochs": 2, "patience": 0}
    tr.train_transformer(labeled(1), tmp_path / "a", params=params, val_fraction=0.2)
    real = tr.save_checkpoint

    def stop_after_epoch_1(folder, model, opt, state, best):
        real(folder, model, opt, state, best)
        if state["epoch"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(tr, "save_checkpoint", stop_after_epoch_1)
    with pytest.raises(KeyboardInterrupt):
        tr.train_transformer(labeled(1), tmp_path / "b", params=params, val_fraction=0.2)
    monkeypatch.undo()
    tr.train_transformer(labeled(1), tmp_path / "b", params={**params, "resume": True},
                         val_fraction=0.2)
    a, b = (load_file(str(tmp_path / m / "model.safetensors")) for m in "ab")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    # ... and epoch 2 itself went the same way (the saved weights are the best epoch's)
    ha, hb = (json.loads((tmp_path / m / "training_curve.json").read_text("utf-8"))
              for m in "ab")
    assert [(h["train_loss"], h["val_loss"]) for h in ha] == \
        [(h["train_loss"], h["val_loss"]) for h in hb]


def test_card_command_leaves_out_resume(monkeypatch):
    # the card's command rebuilds the model from nothing; with --resume it would not
    import sys

    from kotext.training.card import command_line

    monkeypatch.setattr(sys, "argv", ["kotext", "train", "classifier", "--resume", "-o", "m x"])
    assert command_line() == "kotext train classifier -o 'm x'"


def test_card_command_carries_its_config_file(monkeypatch, tmp_path):
    # "--config train.toml" alone did not rebuild the model once the file was edited or gone
    import subprocess
    import sys

    from kotext.training.card import command_line

    toml = tmp_path / "sub" / "train.toml"  # in a folder the card must make
    toml.parent.mkdir()
    toml.write_text('method = "transformer"\nepochs = 3\n# KOTEXT_CONFIG\n', encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["kotext", "train", "classifier", "--config", str(toml),
                                      "-o", "m"])
    cmd = command_line()
    assert cmd.endswith(f"kotext train classifier --config {toml} -o m")
    toml.unlink()  # the card's text writes the file again, as it was
    toml.parent.rmdir()
    script = cmd.rsplit("\n", 1)[0]
    subprocess.run(["bash", "-c", script], check=True)
    assert toml.read_text(encoding="utf-8") == \
        'method = "transformer"\nepochs = 3\n# KOTEXT_CONFIG\n'
