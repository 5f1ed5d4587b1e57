"""``kotext pretrain``: a Korean encoder with no hub at all.

A WordPiece vocabulary is trained on the corpus with ``tokenizers`` (no lower-casing, no
accent stripping: Hangul syllables stay whole), then a small BERT is trained with masked
language modelling (15% of the tokens; 80% [MASK], 10% a random token, 10% unchanged).
The result is a transformers folder (``config.json``, ``model.safetensors``,
``tokenizer.json``) that ``kotext train classifier --method transformer --base FOLDER``
fine-tunes like a hub model, plus ``kotext.json``, a model card and the loss curve.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ModelError, UsageError
from ..modelio import FORMAT_VERSION, ModelWriter
from ..training.card import command_line
from .hub import quiet_transformers
from ..classifiers import params_from

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class PretrainArgs:
    vocab_size: int = 16000
    min_frequency: int = 2
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int | None = None  # default: 4 x hidden
    max_length: int = 128
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 64
    lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    mlm_probability: float = 0.15
    dropout: float = 0.1
    fp16: bool = False
    device: str | None = None
    val_fraction: float = 0.01
    log_every: int = 200

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PretrainArgs:
        a = params_from(cls, params, "pretrain")
        if a.vocab_size < len(SPECIAL_TOKENS) + 10:
            raise UsageError(f"vocab_size={a.vocab_size}: too small (e.g. 8000-32000)")
        if a.hidden % a.heads:
            raise UsageError(f"hidden={a.hidden} must be a multiple of heads={a.heads}")
        if a.layers < 1 or a.hidden < 8 or a.max_length < 8 or a.batch_size < 1:
            raise UsageError("`layers` >= 1, `hidden` >= 8, `max_length` >= 8, "
                             "`batch_size` >= 1")
        if not 0 < a.mlm_probability < 1:
            raise UsageError(f"mlm_probability={a.mlm_probability}: in (0, 1), e.g. 0.15")
        if not 0 <= a.val_fraction < 0.5:
            raise UsageError("`val_fraction`: in [0, 0.5)")
        return a


def train_wordpiece(texts: Iterable[str], vocab_size: int, min_frequency: int = 2,
                    max_length: int = 128):
    """A fast BERT-style WordPiece tokenizer trained on ``texts`` (a transformers
    ``PreTrainedTokenizerFast`` with ``[CLS] text [SEP]`` and character offsets)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFC(),
        normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                   strip_accents=False, lowercase=False)])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIAL_TOKENS, show_progress=False)
    tok.train_from_iterator(texts, trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    tok.decoder = decoders.WordPiece(prefix="##")
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=max_length, padding_side="right")


def bert_config(tokenizer, args: PretrainArgs):
    from transformers import BertConfig

    return BertConfig(vocab_size=len(tokenizer), hidden_size=args.hidden,
                      num_hidden_layers=args.layers, num_attention_heads=args.heads,
                      intermediate_size=args.intermediate or 4 * args.hidden,
                      max_position_embeddings=args.max_length,
                      hidden_dropout_prob=args.dropout, attention_probs_dropout_prob=args.dropout,
                      pad_token_id=tokenizer.pad_token_id, type_vocab_size=2)


def mask_tokens(ids, special_mask, mask_id: int, vocab_size: int, prob: float, generator):
    """BERT's masking: returns (inputs, labels) with labels -100 where nothing is predicted."""
    import torch

    labels = ids.clone()
    p = torch.full(ids.shape, prob)
    p.masked_fill_(special_mask, 0.0)
    chosen = torch.bernoulli(p, generator=generator).bool()
    labels[~chosen] = -100
    inputs = ids.clone()
    to_mask = torch.bernoulli(torch.full(ids.shape, 0.8), generator=generator).bool() & chosen
    inputs[to_mask] = mask_id
    to_rand = torch.bernoulli(torch.full(ids.shape, 0.5), generator=generator).bool() \
        & chosen & ~to_mask
    inputs[to_rand] = torch.randint(vocab_size, ids.shape, generator=generator)[to_rand]
    return inputs, labels


def masked_lm_loss(model, inp, mask, lab, amp: bool = False):
    """``BertForMaskedLM``'s loss, with the vocabulary projection run on the masked
    positions only (~15% of the tokens) instead of on every token."""
    import torch

    with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
        hidden = model.bert(input_ids=inp, attention_mask=mask).last_hidden_state
        sel = lab != -100
        logits = model.cls(hidden[sel])
    return torch.nn.functional.cross_entropy(logits.float(), lab[sel])


# An encoder whose held-out MLM loss stays above this share of the frequency baseline has
# learned little more than which word pieces are common (a run too short or too small).
COLLAPSE_SHARE = 0.9


def frequency_loss(seqs: Iterable[list[int]], special: set[int]) -> float:
    """The MLM loss (nats) of guessing every masked piece from the corpus' word-piece
    frequencies alone: the entropy of those frequencies. An encoder that has learned
    nothing from context scores about this."""
    counts = Counter(t for s in seqs for t in s if t not in special)
    n = sum(counts.values())
    return -sum(c / n * math.log(c / n) for c in counts.values()) if n else 0.0


def _final_loss(metrics: dict[str, Any]) -> float | None:
    """The loss a run ended on: held out when there was a held-out split, else training."""
    vl = metrics["val_mlm_loss"]
    return vl if vl is not None else metrics["final_train_loss"]


def _learned_little(metrics: dict[str, Any]) -> bool:
    final = _final_loss(metrics)
    return final is not None and final > COLLAPSE_SHARE * metrics["frequency_baseline_loss"]


def pretrain(texts: list[str], output: str | Path, *, params: dict[str, Any] | None = None,
             seed: int = 0, name: str | None = None, data_description: str = "",
             command: str | None = None, progress=None,
             log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Train a WordPiece vocabulary and a small BERT (MLM) on ``texts``; write a folder."""
    import torch
    from transformers import BertForMaskedLM

    from .hub import pick_device
    from .train import _no_progress, lr_lambda, set_seed

    progress = progress or _no_progress
    args = PretrainArgs.from_params(dict(params or {}))
    texts = [t for t in texts if t and t.strip()]
    if len(texts) < 2:
        raise InputError(f"the corpus has {len(texts)} non-empty texts; pre-training needs "
                         f"many (thousands at least)")
    device = pick_device(args.device)
    amp = bool(args.fp16 and device.type == "cuda")
    if args.fp16 and not amp:
        log("`fp16`: mixed precision needs a GPU; training in float32 on the CPU")
    set_seed(seed)
    t0 = time.perf_counter()
    tok = train_wordpiece(texts, args.vocab_size, args.min_frequency, args.max_length)
    log(f"WordPiece vocabulary: {len(tok)} entries from {len(texts)} texts "
        f"({time.perf_counter() - t0:.0f} s)")

    enc = tok(texts, truncation=True, max_length=args.max_length,
              return_attention_mask=False, return_token_type_ids=False)["input_ids"]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(enc))
    n_val = int(len(enc) * args.val_fraction) if len(enc) >= 100 else 0
    if args.val_fraction and not n_val:
        log(f"val_fraction={args.val_fraction}: nothing held out from {len(enc)} texts "
            "(a held-out loss needs 100 texts or more); the card reports the training loss")
    val = [enc[i] for i in order[:n_val]]
    train = [enc[i] for i in order[n_val:]]
    config = bert_config(tok, args)
    with quiet_transformers():
        model = BertForMaskedLM(config)
    model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"BERT: {args.layers} layers, hidden {args.hidden}, {n_params / 1e6:.1f}M parameters; "
        f"{len(train)} training texts, {len(val)} held out; device {device}")

    nodecay = ("bias", "LayerNorm.weight")
    groups = [{"params": [p for n, p in model.named_parameters()
                          if not n.endswith(nodecay)], "weight_decay": args.weight_decay},
              {"params": [p for n, p in model.named_parameters() if n.endswith(nodecay)],
               "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=args.lr)
    n_batches = math.ceil(len(train) / args.batch_size)
    total = n_batches * args.epochs
    if args.max_steps:
        total = min(total, args.max_steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(total, args.warmup, "linear"))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    special = set(tok.all_special_ids)
    gen = torch.Generator().manual_seed(seed)
    pad = tok.pad_token_id

    def batch(seqs):
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        for r, s in enumerate(seqs):
            ids[r, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask = ids != pad
        spec = torch.zeros_like(ids, dtype=torch.bool)
        for sid in special:
            spec |= ids == sid
        return ids, mask.long(), spec

    def mlm_loss(inp, mask, lab):
        return masked_lm_loss(model, inp.to(device), mask.to(device), lab.to(device), amp)

    def val_loss() -> float | None:
        if not val:
            return None
        model.eval()
        g = torch.Generator().manual_seed(seed + 1)  # the same masks every time
        tot, n = 0.0, 0
        with torch.inference_mode():
            for s in range(0, len(val), args.batch_size):
                ids, mask, spec = batch(val[s:s + args.batch_size])
                inp, lab = mask_tokens(ids, spec, tok.mask_token_id, len(tok),
                                       args.mlm_probability, g)
                k = int((lab != -100).sum())
                if k:
                    tot += float(mlm_loss(inp, mask, lab)) * k
                    n += k
        model.train()
        return tot / max(n, 1)

    history: list[dict[str, Any]] = []
    step, run_loss, run_n = 0, 0.0, 0
    t_start = time.perf_counter()
    done = False
    model.train()
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(train), generator=gen).tolist()
        with progress(f"pretrain epoch {epoch}/{args.epochs}", len(perm)) as bar:
            for b in range(n_batches):
                idx = perm[b * args.batch_size:(b + 1) * args.batch_size]
                ids, mask, spec = batch([train[i] for i in idx])
                inp, lab = mask_tokens(ids, spec, tok.mask_token_id, len(tok),
                                       args.mlm_probability, gen)
                if int((lab != -100).sum()) == 0:
                    bar.update(len(idx))
                    continue  # nothing masked in this (tiny) batch
                loss = mlm_loss(inp, mask, lab)
                if not torch.isfinite(loss):
                    raise ModelError(f"step {step}: the loss became {loss.item()}; lower `lr` "
                                     f"(now {args.lr}) or turn off `fp16`")
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
                sched.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                run_loss += loss.item()
                run_n += 1
                bar.update(len(idx))
                if step % args.log_every == 0 or step == total:
                    rec = {"step": step, "epoch": epoch, "train_loss": run_loss / run_n,
                           "lr": sched.get_last_lr()[0],
                           "seconds": round(time.perf_counter() - t_start, 1)}
                    history.append(rec)
                    log(f"step {step}/{total}: MLM loss {rec['train_loss']:.3f}")
                    run_loss, run_n = 0.0, 0
                if args.max_steps and step >= args.max_steps:
                    done = True
                    break
        if run_n:
            history.append({"step": step, "epoch": epoch, "train_loss": run_loss / run_n,
                            "lr": sched.get_last_lr()[0],
                            "seconds": round(time.perf_counter() - t_start, 1)})
            run_loss, run_n = 0.0, 0
        vl = val_loss()
        if history:
            history[-1]["val_loss"] = vl
        if vl is not None:
            log(f"epoch {epoch}: held-out MLM loss {vl:.3f} (perplexity {math.exp(vl):.1f})")
        if done:
            break
    seconds = time.perf_counter() - t_start
    metrics = {"final_train_loss": history[-1]["train_loss"] if history else None,
               "val_mlm_loss": history[-1].get("val_loss") if history else None,
               "frequency_baseline_loss": round(frequency_loss(train, special), 4)}
    if _learned_little(metrics):
        log(f"warning: the MLM loss ended at {_final_loss(metrics):.3f}, not clearly below "
            f"{metrics['frequency_baseline_loss']:.3f}, the loss of guessing from word-piece "
            f"frequencies alone: the encoder has learned little from context. Pre-train longer "
            f"(`epochs`, `max_steps`) or on more text (thousands of texts at least); "
            f"fine-tuning it will do little better than starting from scratch.")

    out = Path(output)
    name = name or out.name
    meta = {
        "kotext": {"format": FORMAT_VERSION, "kind": "encoder"},
        "name": name,
        "method": None,
        "encoder": "bert-mlm",
        "pretraining": {**asdict(args), "seed": seed, "texts": len(texts), "steps": step,
                        "seconds": round(seconds, 1), "parameters": n_params,
                        "vocab": len(tok)},
        "metrics": metrics,
    }
    cmd = command_line(command)
    writer = ModelWriter(out)
    try:
        model.to("cpu")
        with quiet_transformers():
            model.save_pretrained(str(writer.tmp), safe_serialization=True)
            tok.save_pretrained(str(writer.tmp))
        writer.write_json("kotext.json", meta)
        from .curve import write_curve

        write_curve(writer.tmp, history, x="step", left=("train_loss", "val_loss"),
                    title=f"{name}: masked-language-model pre-training")
        writer.write_text("README.md", _card(meta, cmd, data_description, base=str(output)))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return meta


def _card(meta: dict[str, Any], cmd: str, data_description: str, base: str = "") -> str:
    """``base``: the folder as -o named it, which --base must be given (its bare name is
    looked for on the Hub when no folder of that name is at hand)."""
    import shlex

    from .. import __version__

    p = meta["pretraining"]
    m = meta["metrics"]
    vl = m["val_mlm_loss"]
    final = _final_loss(m)
    baseline = m["frequency_baseline_loss"]
    if final is None or not _learned_little(m):
        verdict = ""
    elif final >= baseline:
        verdict = (" (this encoder is above it: it has learned nothing from context yet; "
                   "give it more text or more epochs)")
    else:
        verdict = " (this encoder is not far below it: it has learned little from context)"
    return "\n".join([
        f"# {meta['name']}", "",
        "A small Korean BERT encoder pre-trained by kotext with masked language modelling "
        "on the corpus below; it has no classification head. Fine-tune it:", "",
        "```bash",
        f"kotext train classifier --method transformer --base "
        f"{shlex.quote(base or meta['name'])} --train FILE -o FOLDER",
        "```", "",
        "## Model", "",
        f"- BERT, {p['layers']} layers, hidden {p['hidden']}, {p['heads']} heads, "
        f"max length {p['max_length']}, {p['parameters'] / 1e6:.1f}M parameters",
        f"- WordPiece vocabulary of {p['vocab']} entries trained on the corpus (`tokenizers`; "
        "no lower-casing or accent stripping)",
        f"- trained with kotext {__version__}: {p['steps']} steps of batch {p['batch_size']}, "
        f"lr {p['lr']}, {p['seconds']:.0f} s",
        "",
        "## Training data", "",
        data_description or f"{p['texts']} texts given to `kotext pretrain`.", "",
        "## Result", "",
        # one paragraph (as list items these were lines starting with "; ")
        (f"final training MLM loss {m['final_train_loss']:.3f}" if m["final_train_loss"]
         is not None else "no steps run")
        + (f"; held-out MLM loss {vl:.3f} (perplexity {math.exp(vl):.1f})" if vl is not None
           else "")
        + f"; guessing from word-piece frequencies alone scores {baseline:.3f}" + verdict,
        "",
        "Loss per logged step: `training_curve.json`, `training_curve.png`.", "",
        "## Reproduce", "",
        "```bash", cmd, "```", "",
        "The same command builds a similar encoder, not the same one: the WordPiece "
        "trainer of `tokenizers` breaks ties between equally frequent pairs in an order "
        "that changes from run to run (even on one thread), so the vocabulary, and with it "
        "the weights, differ a little. Fine-tuning from a given encoder folder is "
        "reproducible with `--seed`.", "",
    ])
