"""kotext pretrain: a WordPiece vocabulary and a tiny BERT trained here, no hub."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tiny_transformers import FT, SENTENCES, TINY, labeled, make_encoder  # noqa: E402

from kotext.errors import InputError, UsageError  # noqa: E402


def test_pretrain_writes_an_encoder_folder_and_mlm_loss_goes_down(tmp_path):
    out = tmp_path / "enc"
    meta = make_encoder(out, epochs=8)
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "kotext.json", "README.md",
            "training_curve.json", "training_curve.png"} <= names
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["hidden_size"] == 32
    assert cfg["num_hidden_layers"] == 2
    curve = json.loads((out / "training_curve.json").read_text())
    assert curve[-1]["train_loss"] < curve[0]["train_loss"] - 0.5
    assert meta["kotext"]["kind"] == "encoder"
    assert "kotext pretrain" in (out / "README.md").read_text() or \
        "Reproduce" in (out / "README.md").read_text()


def test_a_run_that_learned_nothing_says_so(tmp_path):
    from tiny_transformers import SENTENCES, TINY

    from kotext.transformer.pretrain import frequency_loss, pretrain

    # the baseline is the entropy of the pieces' frequencies, special pieces left out
    assert frequency_loss([[5, 5, 6, 0], [6, 0]], special={0}) == pytest.approx(0.6931, 1e-3)
    assert frequency_loss([[7, 7]], special=set()) == 0.0
    logs: list[str] = []
    meta = pretrain(SENTENCES, tmp_path / "enc", params={**TINY, "max_steps": 1}, seed=0,
                    log=logs.append)
    base = meta["metrics"]["frequency_baseline_loss"]
    assert base > 1.0 and meta["metrics"]["final_train_loss"] > 0.9 * base
    warned = [m for m in logs if m.startswith("warning: the MLM loss ended at")]
    assert len(warned) == 1 and "Pre-train longer" in warned[0]
    card = (tmp_path / "enc" / "README.md").read_text("utf-8")
    final = meta["metrics"]["val_mlm_loss"] or meta["metrics"]["final_train_loss"]
    # the card said "not far below it" of a loss above the baseline
    assert ("is above it: it has learned nothing" in card) == (final >= base)
    assert ("not far below it: it has learned little" in card) == (final < base)
    # the fine-tune command names the folder as -o gave it (the bare name was looked for
    # on the Hub, and failed)
    assert f"--base {tmp_path / 'enc'} --train FILE" in card


def test_wordpiece_vocabulary_keeps_hangul_whole():
    from kotext.transformer.pretrain import train_wordpiece

    tok = train_wordpiece(SENTENCES, vocab_size=300, min_frequency=1)
    vocab = tok.get_vocab()
    assert "영화" in vocab and len(vocab) <= 300
    enc = tok("정말 재밌는 영화", return_offsets_mapping=True)
    pieces = tok.convert_ids_to_tokens(enc["input_ids"])
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]" and "영화" in pieces
    assert "[UNK]" not in pieces
    assert enc["offset_mapping"][-2] == (7, 9)  # offsets into the text, for explain


def test_pretrained_encoder_fine_tunes_like_a_hub_model(tmp_path):
    from kotext.stages.classify import Classifier
    from kotext.transformer.train import train_transformer

    enc = tmp_path / "enc"
    make_encoder(enc, max_steps=3)
    out = tmp_path / "clf"
    train_transformer(labeled(), out, params={**FT, "base": str(enc), "epochs": 2})
    from kotext.doc import Doc

    assert Classifier(str(out))(Doc(text="최고의 영화")).label in ("negative", "positive")


def test_pretrain_bad_input(tmp_path):
    from kotext.transformer.pretrain import pretrain

    with pytest.raises(InputError, match="non-empty texts"):
        pretrain(["", "  "], tmp_path / "x", params=TINY)
    with pytest.raises(UsageError, match="multiple of heads="):
        pretrain(SENTENCES, tmp_path / "x", params={**TINY, "hidden": 30, "heads": 4})
    assert not (tmp_path / "x").exists()


def test_cli_pretrain_with_toml(tmp_path, cli, write):
    corpus = write("corpus.csv", "id,text\n" + "\n".join(f"{i},{s}" for i, s in
                                                         enumerate(SENTENCES)) + "\n")
    toml = write("pretrain.toml", "[pretrain]\nvocab-size = 300\nmin-frequency = 1\n"
                 "hidden = 32\nlayers = 2\nheads = 2\nintermediate = 64\nmax-length = 64\n"
                 "max-steps = 2\nbatch-size = 8\n")
    out = tmp_path / "cli-enc"
    r = cli("pretrain", corpus, "--config", toml, "-o", out, "--layers", "1")
    assert r.exit_code == 0, r.output
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["num_hidden_layers"] == 1 and cfg["hidden_size"] == 32  # flag beats TOML
    # the same command again writes over its own folder (it was "holds other files")
    r = cli("pretrain", corpus, "--config", toml, "-o", out, "--layers", "1")
    assert r.exit_code == 0, r.output
    bad = write("bad.toml", "[pretrain]\nhiden = 32\n")
    r = cli("pretrain", corpus, "--config", bad, "-o", tmp_path / "y")
    assert r.exit_code == 2 and "unknown option 'hiden'" in r.output


def test_masked_positions_only_loss_equals_bert_mlm_loss():
    import torch
    from transformers import BertConfig, BertForMaskedLM

    from kotext.transformer.pretrain import masked_lm_loss, mask_tokens

    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=32)).eval()
    ids = torch.randint(5, 50, (3, 12))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = True
    inp, lab = mask_tokens(ids, special, 4, 50, 0.3, torch.Generator().manual_seed(1))
    assert (lab[:, 0] == -100).all() and (lab != -100).any()
    mask = torch.ones_like(ids)
    with torch.no_grad():
        want = model(input_ids=inp, attention_mask=mask, labels=lab).loss
        got = masked_lm_loss(model, inp, mask, lab)
    assert torch.allclose(want, got, atol=1e-5)
