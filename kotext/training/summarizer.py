"""Fine-tune a transformers seq2seq model (BART, T5, ...) on (document, summary) pairs.

The output folder is a normal transformers model folder in safetensors
(``config.json``, ``model.safetensors``, tokenizer files), plus ``training.json`` (the
options and the loss curve) and ``README.md`` (a model card); ``kotext summarize
--method abstractive --model FOLDER`` uses it.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from .card import command_line

DOC_FIELDS = ("document", "text", "article", "body", "content", "source")
SUMMARY_FIELDS = ("summary", "target", "abstract", "highlights")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    return str(value)


def read_pairs(path: str | Path, doc_field: str | None = None,
               summary_field: str | None = None, encoding: str | None = None,
               limit: int | None = None) -> list[tuple[str, str]]:
    """(document, summary) pairs from a JSONL/CSV/TSV/parquet file.

    Fields are guessed (DOC_FIELDS, SUMMARY_FIELDS) when not given; a list value
    (sentences) is joined with line breaks. Rows with an empty
    document or summary are an error that names the row.
    """
    from ..io.readers import read

    src = read(str(path), text_column=doc_field, encoding=encoding, text_guesses=DOC_FIELDS,
               text_option="doc_field")
    doc_field = src.text_key  # guessed from DOC_FIELDS (article, source...) when not given
    pairs: list[tuple[str, str]] = []
    for i, row in enumerate(src, 1):
        if i == 1:
            cols = list(row)
            if summary_field is None:
                summary_field = next((c for c in SUMMARY_FIELDS if c in row), None)
            for opt, val in (("doc_field", doc_field), ("summary_field", summary_field)):
                if val is None or val not in row:
                    raise InputError(f"{path}: no field for {opt}{f' {val!r}' if val else ''}; "
                                     f"fields are: {', '.join(cols)}. Pass {opt}=NAME.")
        doc, summ = _text(row.get(doc_field)).strip(), _text(row.get(summary_field)).strip()
        if not doc or not summ:
            raise InputError(f"{path}: row {i} has an empty "
                             f"{'document' if not doc else 'summary'}; fix or remove it")
        pairs.append((doc, summ))
        if limit and len(pairs) >= limit:
            break
    if not pairs:
        raise InputError(f"{path}: no (document, summary) pairs")
    return pairs


def train_summarizer(pairs: Sequence[tuple[str, str]], output: str | Path, *,
                     model: str, epochs: float = 3.0, lr: float = 5e-5, batch_size: int = 4,
                     max_source_length: int = 512, max_target_length: int = 128,
                     max_steps: int | None = None, weight_decay: float = 0.01,
                     warmup_ratio: float = 0.0, seed: int = 0, device: str | None = None,
                     eval_pairs: Sequence[tuple[str, str]] | None = None,
                     log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Fine-tune ``model`` (a folder or Hub name) and save it to ``output``.

    Returns ``{"losses": [mean loss per epoch], "steps": N, "eval_loss": ...}``.
    """
    import numpy as np
    import torch

    from ..stages.summarize import input_limit, load_seq2seq

    if not pairs:
        raise UsageError("no training pairs")
    if batch_size < 1 or epochs <= 0 or lr <= 0:
        raise UsageError("batch_size, epochs and lr must be positive")
    log = log or (lambda s: None)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    tok, mdl = load_seq2seq(model, device)
    device = next(mdl.parameters()).device  # where load_seq2seq put it
    mdl.train()
    # no longer than the model's positions (a 256-position model crashed in the embedding
    # lookup with the default 512)
    asked = (max_source_length, max_target_length)
    max_source_length = input_limit(tok, mdl, max_source_length)
    max_target_length = input_limit(tok, mdl, max_target_length)
    for opt, want, got in (("max_source_length", asked[0], max_source_length),
                           ("max_target_length", asked[1], max_target_length)):
        if got < want:  # it was lowered without a word
            # (said as a length, not as the flag: the value may be the default)
            log(f"length {want} ({opt}) is above what the model takes; using {got} tokens")
    from ..transformer.hub import quiet_transformers

    with quiet_transformers():  # (no "indexing errors" warning: truncation is set below)
        long_docs = sum(1 for d, _ in pairs if len(tok(d, add_special_tokens=False)
                                                   ["input_ids"]) > max_source_length)
    if long_docs:  # training sees each document cut to its first tokens
        log(f"{long_docs} of {len(pairs)} documents are longer than {max_source_length} "
            f"tokens; training reads their first {max_source_length} (generation reads long "
            f"texts chunk by chunk)")

    def encode(batch: Sequence[tuple[str, str]]):
        enc = tok([d for d, _ in batch], max_length=max_source_length, truncation=True,
                  padding=True, return_tensors="pt")
        lab = tok(text_target=[s for _, s in batch], max_length=max_target_length,
                  truncation=True, padding=True, return_tensors="pt")["input_ids"]
        pad = tok.pad_token_id
        if pad is not None:
            lab = lab.masked_fill(lab == pad, -100)
        enc.pop("token_type_ids", None)
        return {k: v.to(device) for k, v in enc.items()}, lab.to(device)

    steps_per_epoch = math.ceil(len(pairs) / batch_size)
    total = max_steps or max(1, math.ceil(epochs * steps_per_epoch))
    opt = torch.optim.AdamW(mdl.parameters(), lr=lr, weight_decay=weight_decay)
    warm = int(warmup_ratio * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) if warm and s < warm
        else max(0.0, (total - s) / max(1, total - warm)))
    order = list(range(len(pairs)))
    rng = random.Random(seed)
    step, losses, t0 = 0, [], time.perf_counter()
    while step < total:
        rng.shuffle(order)
        epoch_loss, n = 0.0, 0
        for i in range(0, len(order), batch_size):
            if step >= total:
                break
            inputs, labels = encode([pairs[j] for j in order[i:i + batch_size]])
            loss = mdl(**inputs, labels=labels).loss
            if not torch.isfinite(loss):
                raise UsageError(f"the loss became {loss.item()} at step {step}; "
                                 "lower `lr`")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(mdl.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            epoch_loss += loss.item()
            n += 1
            step += 1
        losses.append(epoch_loss / max(n, 1))
        log(f"epoch {len(losses)}: loss {losses[-1]:.4f} ({step}/{total} steps, "
            f"{time.perf_counter() - t0:.0f} s)")
    eval_loss = None
    if eval_pairs:
        mdl.eval()
        tot = cnt = 0.0
        with torch.inference_mode():
            for i in range(0, len(eval_pairs), batch_size):
                inputs, labels = encode(eval_pairs[i:i + batch_size])
                tot += mdl(**inputs, labels=labels).loss.item()
                cnt += 1
        eval_loss = tot / max(cnt, 1)
        log(f"eval loss {eval_loss:.4f}")
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    mdl.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    info = {"base_model": str(model), "pairs": len(pairs), "epochs": epochs, "lr": lr,
            "batch_size": batch_size, "max_source_length": max_source_length,
            "max_target_length": max_target_length, "max_steps": max_steps, "seed": seed,
            "steps": step, "epochs_run": round(step / steps_per_epoch, 2), "losses": losses,
            "eval_loss": eval_loss,
            "command": command_line()
            if Path(sys.argv[0]).name in ("kotext", "__main__.py") else None}
    (out / "training.json").write_text(json.dumps(info, ensure_ascii=False, indent=2),
                                       encoding="utf-8")
    (out / "README.md").write_text(_card(info, str(output)), encoding="utf-8")
    return {"losses": losses, "steps": step, "eval_loss": eval_loss}


def _card(info: dict[str, Any], folder: str = "THIS_FOLDER") -> str:
    """``folder``: the model folder as -o named it (the card used a placeholder)."""
    import shlex

    lines = ["# Summarization model (fine-tuned with kotext)", "",
             f"- base model: `{info['base_model']}`",
             f"- training pairs: {info['pairs']}, steps: {info['steps']}, "
             f"epochs: {info['epochs_run']}"
             + (f" (--max-steps {info['max_steps']}; {info['epochs']} asked)"
                if info["max_steps"] else "")
             + f", lr: {info['lr']}, batch size: {info['batch_size']}",
             f"- input/target limits: {info['max_source_length']} / "
             f"{info['max_target_length']} tokens, seed {info['seed']}",
             "- loss per epoch: " + ", ".join(f"{x:.4f}" for x in info["losses"])]
    if info.get("eval_loss") is not None:
        lines.append(f"- eval loss: {info['eval_loss']:.4f}")
    if info.get("command"):
        lines += ["", "Rebuild:", "", "```bash", info["command"], "```"]
    lines += ["", "Use:", "", "```bash",
              f"kotext summarize article.txt --method abstractive --model "
              f"{shlex.quote(folder)}", "```", ""]
    return "\n".join(lines)
