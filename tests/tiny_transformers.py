"""Tiny encoders for the transformer tests: built in the test, no hub, no ../shared."""

from __future__ import annotations

from pathlib import Path

POS = ["정말 재밌는 영화였어요", "배우 연기가 최고였다", "감동적인 이야기와 멋진 음악",
       "다시 보고 싶은 영화", "웃기고 따뜻한 영화", "연출이 훌륭하고 배우들이 좋다",
       "최고의 영화 강력 추천", "음악이 아름답고 감동적이다", "시간 가는 줄 모르고 봤다",
       "가족과 함께 보기 좋은 영화"]
NEG = ["최악의 영화", "시간 낭비였다 다시는 안 본다", "스토리가 지루하고 뻔하다",
       "배우 연기가 어색했다", "돈이 아까운 영화", "너무 길고 재미없다", "결말이 엉망이다",
       "보다가 잠들었다", "연출이 형편없다", "기대 이하의 영화"]
SENTENCES = POS + NEG + [a + " " + b for a, b in zip(POS, NEG)]  # 30, plus pairs below
SENTENCES += [b + " 그래도 " + a for a, b in zip(POS, NEG)]       # 40 Korean sentences

TINY = dict(vocab_size=300, min_frequency=1, hidden=32, layers=2, heads=2, intermediate=64,
            max_length=64, batch_size=8, lr=5e-3, warmup=0.0, log_every=5)


def make_encoder(folder: Path, **over) -> dict:
    """A 2-layer, hidden-32 BERT with a WordPiece vocabulary trained here (kotext pretrain)."""
    from kotext.transformer.pretrain import pretrain

    return pretrain(SENTENCES, folder, params={**TINY, **over}, seed=0)


def labeled(n_rep: int = 2):
    from kotext.training.data import LabeledData

    texts = (POS + NEG) * n_rep
    labels = (["positive"] * len(POS) + ["negative"] * len(NEG)) * n_rep
    return LabeledData(texts, labels)


FT = dict(lr=1e-2, epochs=6, batch_size=8, patience=0, warmup=0.0, max_length=32)


def make_bart(folder: Path, texts: list[str]) -> Path:
    """A 1-layer, d_model-16 random BART with a WordPiece vocabulary trained on ``texts``."""
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tk = Tokenizer(models.WordPiece(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    texts = list(texts) * 3
    tk.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=300, special_tokens=["<pad>", "<s>", "</s>", "<unk>"]))
    from tokenizers.processors import TemplateProcessing

    tk.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tk, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
        unk_token="<unk>", model_max_length=32)
    import torch

    torch.manual_seed(0)
    cfg = transformers.BartConfig(
        vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=32, pad_token_id=0, bos_token_id=1,
        eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2)
    model = transformers.BartForConditionalGeneration(cfg)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder
