"""``kotext train classifier --method transformer``: fine-tune a pretrained encoder.

Manual PyTorch loop (no ``Trainer``): AdamW with warmup then linear/cosine decay, gradient
accumulation and clipping, class weights or a weighted sampler, label smoothing, dropout,
layer freezing, early stopping on a validation metric, fp16 on a GPU, a fixed seed and a
checkpoint after every epoch (``OUTPUT.checkpoint/``) that ``resume`` continues from.

The model folder is written atomically: ``config.json`` + ``model.safetensors`` (the
transformers model, loadable by ``from_pretrained``), the tokenizer files, ``kotext.json``
(kotext's metadata: method, labels, base, training options, metrics), ``labels.txt``,
``README.md`` (model card) and ``training_curve.json``/``.png``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ModelError, UsageError
from ..modelio import FORMAT_VERSION, ModelWriter
from ..training.card import command_line
from .hub import load_tokenizer, quiet_transformers, resolve_base, special_layout
from ..classifiers import METHODS, probabilities
from ..classifiers.transformer import pad as _pad
from ..classifiers.transformer import parse_freeze
from ..training.classifier import _no_progress
from .hub import pick_device

KOTEXT_JSON = "kotext.json"


def _layers(model):
    base = model.base_model
    for path in ("encoder.layer", "encoder.layers", "layer", "layers", "transformer.layer"):
        obj = base
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        return list(obj)
    raise UsageError(f"freeze=N: cannot find the layer list of a "
                     f"{type(base).__name__}; use `freeze` embeddings or encoder")


def apply_freeze(model, spec: str | int | None) -> dict[str, int]:
    """Set ``requires_grad=False`` on the frozen part; returns parameter counts."""
    kind, n = parse_freeze(spec)
    base = model.base_model
    frozen = []
    if kind == "encoder":
        frozen = list(base.parameters())
    elif kind in ("embeddings", "layers"):
        emb = getattr(base, "embeddings", None)
        if emb is None:
            raise UsageError(f"freeze={spec}: {type(base).__name__} has no embeddings module")
        frozen = list(emb.parameters())
        if kind == "layers":
            layers = _layers(model)
            if n > len(layers):
                raise UsageError(f"freeze={n}: the model has only {len(layers)} layers")
            for layer in layers[:n]:
                frozen += list(layer.parameters())
    for p in frozen:
        p.requires_grad_(False)
    total = sum(p.numel() for p in model.parameters())
    return {"frozen": sum(p.numel() for p in frozen), "total": total}


def lr_lambda(total: int, warmup: float, decay: str) -> Callable[[int], float]:
    w = int(round(warmup * total)) if warmup < 1 else int(warmup)
    w = min(w, max(total - 1, 0))

    def f(step: int) -> float:
        if step < w:
            return (step + 1) / (w + 1)
        if decay == "constant":
            return 1.0
        frac = (step - w) / max(1, total - w)
        if decay == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(frac, 1.0)))
        return max(0.0, 1.0 - frac)

    return f


def set_seed(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# -- checkpoints --------------------------------------------------------------------------
def checkpoint_dir(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint")


def _flat_optimizer(opt) -> tuple[dict[str, Any], dict[str, Any]]:
    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for pid, st in sd["state"].items():
        keys = []
        for k, v in st.items():
            tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous()
            keys.append(k)
        meta["state"][str(pid)] = keys
    return tensors, meta


def _unflat_optimizer(tensors: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    state = {int(pid): {k: tensors[f"{pid}.{k}"] for k in keys}
             for pid, keys in meta["state"].items()}
    return {"state": state, "param_groups": meta["param_groups"]}


def save_checkpoint(folder: Path, model, opt, state: dict[str, Any], best: dict | None) -> None:
    """Everything needed to go on, written to a temporary sibling and renamed (atomic)."""
    import torch
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(_dedupe(sd), str(tmp / "model.safetensors"))
    if best is not None:
        save_file(_dedupe(best), str(tmp / "best.safetensors"))
    tensors, meta = _flat_optimizer(opt)
    save_file(tensors or {"_empty": torch.zeros(1)}, str(tmp / "optimizer.safetensors"))
    (tmp / "optimizer.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    old = folder.with_name(folder.name + ".old")
    if folder.exists():
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _dedupe(sd: dict[str, Any]) -> dict[str, Any]:
    """safetensors refuses tensors that share memory (tied weights): keep one copy each."""
    seen: dict[tuple, str] = {}
    out = {}
    for k, v in sd.items():
        key = (v.data_ptr(), v.shape, v.dtype) if v.numel() else None
        if key is not None and key in seen:
            out[k] = v.clone()
        else:
            if key is not None:
                seen[key] = k
            out[k] = v
    return out


def load_checkpoint(folder: Path, model, opt) -> tuple[dict[str, Any], dict | None]:
    from safetensors.torch import load_file

    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        weights = load_file(str(folder / "model.safetensors"))
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if unexpected or [m for m in missing if m in weights]:
            raise ValueError(f"weights do not fit the model ({(unexpected or missing)[:3]})")
        opt_meta = json.loads((folder / "optimizer.json").read_text(encoding="utf-8"))
        opt_tensors = load_file(str(folder / "optimizer.safetensors"))
        opt.load_state_dict(_unflat_optimizer(opt_tensors, opt_meta))
        best = load_file(str(folder / "best.safetensors")) if \
            (folder / "best.safetensors").is_file() else None
    except Exception as e:  # noqa: BLE001 - damaged, truncated, from another model
        raise ModelError(f"checkpoint {folder} is damaged or from another run "
                         f"({type(e).__name__}: {str(e)[:200]}); delete the folder to start "
                         f"over, or run without `resume`") from None
    return state, best


# -- training -----------------------------------------------------------------------------
def train_transformer(data, output: str | Path, *, eval_data=None, val_fraction: float = 0.1,
                      seed: int = 0, class_weight: str | None = None,
                      params: dict[str, Any] | None = None, name: str | None = None,
                      description: str = "", data_description: str = "",
                      licence: str | None = None, command: str | None = None,
                      progress=_no_progress, log: Callable[[str], None] = lambda s: None,
                      **_ignored: Any) -> dict[str, Any]:
    """Fine-tune ``params['base']`` on ``data`` (:class:`kotext.training.data.LabeledData`)
    and write a model folder; returns its ``kotext.json`` content."""
    import torch

    from ..evaluate.classification import classification_report
    from ..training.data import split_rows, target_matrix
    from ..training.multitask import aux_targets
    from ..classifiers.transformer import model_limit, windowed_logits

    args = METHODS["transformer"].make_params(params)
    counts = data.counts()
    labels = sorted(counts)
    if len(labels) < 2:
        only = labels[0] if labels else None
        raise InputError(
            f"the training data has only one label ({only!r}, {counts.get(only, 0)} rows); a "
            f"classifier needs at least two. Check `label_column` and `label_map`.")
    if not 0 <= val_fraction < 0.9:
        raise UsageError("`val_fraction` must be in [0, 0.9)")
    if class_weight not in (None, "balanced"):
        raise UsageError(f"class_weight={class_weight!r}: balanced (or leave it out)")
    from ..training.sampling import check_sampler

    args.sampler = check_sampler(args.sampler, class_weight)
    if eval_data is not None:
        unknown = sorted(set(eval_data.labels) - set(labels))
        if unknown:
            raise InputError(f"`eval`: labels {', '.join(map(repr, unknown[:5]))} are not "
                             f"among the training labels ({', '.join(labels)}); map them "
                             f"with `label_map`")
    out = Path(output)
    device = pick_device(args.device)
    amp = bool(args.fp16 and device.type == "cuda")
    if args.fp16 and not amp:
        log("`fp16`: mixed precision needs a GPU; training in float32 on the CPU")
    set_seed(seed)

    base_dir = resolve_base(args.base)
    tok = load_tokenizer(base_dir)
    tok.model_max_length = 10**9
    from transformers import AutoConfig, AutoModelForSequenceClassification

    try:
        cfg = AutoConfig.from_pretrained(str(base_dir), local_files_only=True,
                                         trust_remote_code=False)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"base={args.base}: cannot read its config.json "
                         f"({type(e).__name__}: {str(e)[:200]})") from None
    has_head = any(a.endswith("ForSequenceClassification")
                   for a in getattr(cfg, "architectures", None) or ())
    new_head = has_head and cfg.num_labels != len(labels)
    if new_head:  # a fine-tuned model as the base: its head has another number of labels
        log(f"base={args.base} has a classification head for {cfg.num_labels} labels; "
            f"a new head for {len(labels)} is trained (the encoder is kept)")
    cfg.num_labels = len(labels)
    cfg.id2label = dict(enumerate(labels))
    cfg.label2id = {lab: i for i, lab in enumerate(labels)}
    cfg.problem_type = "single_label_classification"
    if args.dropout is not None:
        for attr in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout",
                     "dropout", "attention_dropout", "hidden_dropout"):
            if hasattr(cfg, attr):
                setattr(cfg, attr, args.dropout)
    weights_ok = any(base_dir.glob("*.safetensors")) or (base_dir / "pytorch_model.bin").is_file()
    if not weights_ok:
        raise ModelError(f"base={args.base}: {base_dir} has no weights (model.safetensors); "
                         f"the folder is incomplete")
    try:
        with quiet_transformers():
            model = AutoModelForSequenceClassification.from_pretrained(
                str(base_dir), config=cfg, local_files_only=True, trust_remote_code=False,
                ignore_mismatched_sizes=new_head)
    except Exception as e:  # noqa: BLE001 - damaged weights, a config without a head class
        raise ModelError(f"base={args.base}: cannot load it as a sequence classifier "
                         f"({type(e).__name__}: {(str(e).splitlines() or [''])[0][:300]}); "
                         f"the folder is damaged or not an encoder") from None
    limit = model_limit(model.config)
    max_length = min(args.max_length, limit)
    if args.max_length > limit:
        log(f"length {args.max_length} (`max_length`) is above the model's limit; using "
            f"{limit}")
    frozen = apply_freeze(model, args.freeze)
    model.to(device)

    prefix, suffix = special_layout(tok)
    body = max_length - len(prefix) - len(suffix)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0

    def encode(texts: list[str]) -> list[list[int]]:
        ids = tok(texts, add_special_tokens=False, return_attention_mask=False,
                  return_token_type_ids=False)["input_ids"]
        return [prefix + x[:body] + suffix for x in ids]  # training reads the first window

    tr_idx, va_idx = split_rows(data, val_fraction, seed)
    y_all = np.array([labels.index(x) for x in data.labels])
    t0 = time.perf_counter()
    x_tr = encode([data.texts[i] for i in tr_idx])
    y_tr = y_all[tr_idx]
    log(f"tokenized {len(x_tr)} training rows in {time.perf_counter() - t0:.1f} s; "
        f"{len(va_idx)} held out for validation; device {device}"
        + (f"; frozen {frozen['frozen']:,} of {frozen['total']:,} parameters"
           if frozen["frozen"] else ""))

    freq = np.bincount(y_tr, minlength=len(labels)).astype(np.float64)
    cw = None
    if class_weight == "balanced":
        cw = torch.tensor(len(y_tr) / (len(labels) * np.maximum(freq, 1)), dtype=torch.float32,
                          device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=cw, label_smoothing=args.label_smoothing)
    soft_tr = (torch.from_numpy(target_matrix(data, labels)[tr_idx])
               if data.soft is not None else None)
    aux = aux_targets(data.aux, args.aux_type, args.aux_weight)
    aux_head = None
    if aux is not None:
        # reads the first token's last hidden state; trained beside the model, not saved
        torch.manual_seed(seed + 7)
        aux_head = torch.nn.Linear(model.config.hidden_size, aux.n_out).to(device)
        log(f"auxiliary {aux.kind} head ({aux.n_out} outputs) on {aux.info['rows']} rows, "
            f"loss weight {aux.info['weight']}")

    decay_params = [p for n, p in model.named_parameters() if p.requires_grad
                    and not (n.endswith("bias") or "LayerNorm" in n or "layer_norm" in n)]
    other_params = [p for n, p in model.named_parameters() if p.requires_grad
                    and (n.endswith("bias") or "LayerNorm" in n or "layer_norm" in n)]
    groups = [{"params": decay_params, "weight_decay": args.weight_decay},
              {"params": other_params, "weight_decay": 0.0}]
    if aux_head is not None:
        groups.append({"params": list(aux_head.parameters()), "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=args.lr)
    n_batches = math.ceil(len(x_tr) / args.batch_size)
    steps_per_epoch = math.ceil(n_batches / args.grad_accum)
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(total_steps, args.warmup,
                                                             args.decay))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)

    run_id = hashlib.sha256(json.dumps(
        [labels, len(data.texts), seed, val_fraction, class_weight,
         {k: v for k, v in dataclasses.asdict(args).items() if k not in ("resume", "device")}],
        default=str).encode()).hexdigest()[:16]
    ckpt = checkpoint_dir(out)
    state: dict[str, Any] = {"run_id": run_id, "epoch": 0, "step": 0, "best": None,
                             "best_epoch": None, "bad_epochs": 0, "history": []}
    best_sd: dict | None = None
    if args.resume and ckpt.is_dir():
        state, best_sd = load_checkpoint(ckpt, model, opt)
        if state.get("run_id") != run_id:
            raise UsageError(f"`resume`: checkpoint {ckpt} is from a run with other data or "
                             f"options; run the same command, or delete it to start over")
        sched.last_epoch = state["step"]  # the optimizer state holds the lr of that step
        log(f"resuming after epoch {state['epoch']} (step {state['step']}) from {ckpt}")
    elif args.resume:
        log(f"`resume`: no checkpoint at {ckpt}; starting from the beginning")

    def validate() -> tuple[dict[str, Any] | None, float | None]:
        if not len(va_idx):
            return None, None
        model.eval()
        texts = [data.texts[i] for i in va_idx]
        z = windowed_logits(model, tok, texts, body=body, overlap=body // 4, prefix=prefix,
                            suffix=suffix, pad_id=pad_id, batch_size=args.eval_batch_size,
                            device=device, amp=amp)
        gold = y_all[va_idx]
        p = probabilities(z)
        vloss = float(-np.mean(np.log(np.maximum(p[np.arange(len(gold)), gold], 1e-12))))
        rep = classification_report([labels[i] for i in gold],
                                    [labels[i] for i in z.argmax(axis=1)], labels)
        return rep, vloss

    stopped = ""
    while state["epoch"] < args.epochs:
        epoch = state["epoch"] + 1
        model.train()
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        # dropout draws from torch's global generator: seeded per epoch, so that a run
        # resumed after epoch k goes on exactly as one never stopped
        torch.manual_seed(seed * 1000 + epoch + 500)
        if args.sampler:
            w = torch.tensor(1.0 / np.maximum(freq[y_tr], 1), dtype=torch.double)
            order = torch.multinomial(w, len(y_tr), replacement=True, generator=g).tolist()
        else:
            order = torch.randperm(len(y_tr), generator=g).tolist()
        t_ep = time.perf_counter()
        loss_sum, loss_n = 0.0, 0
        opt.zero_grad(set_to_none=True)
        with progress(f"epoch {epoch}/{args.epochs}", len(order)) as bar:
            for b in range(n_batches):
                idx = order[b * args.batch_size:(b + 1) * args.batch_size]
                ids, mask = _pad([x_tr[i] for i in idx], pad_id)
                yb = (soft_tr[idx].to(device) if soft_tr is not None else
                      torch.tensor(y_tr[idx], dtype=torch.long, device=device))
                with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                    res = model(input_ids=ids.to(device), attention_mask=mask.to(device),
                                output_hidden_states=aux_head is not None)
                    loss = loss_fn(res.logits.float(), yb)
                    if aux_head is not None:
                        rows = tr_idx[idx]
                        at, am = aux.batch(rows)
                        pred = aux_head(res.hidden_states[-1][:, 0].float())
                        loss = loss + aux.info["weight"] * aux.loss(pred, at.to(device),
                                                                     am.to(device))
                if not torch.isfinite(loss):
                    raise ModelError(f"epoch {epoch}: the loss became {loss.item()}; lower "
                                     f"`lr` (now {args.lr}) or turn off `fp16`")
                scaler.scale(loss / args.grad_accum).backward()
                loss_sum += float(loss.item()) * len(idx)
                loss_n += len(idx)
                if (b + 1) % args.grad_accum == 0 or b + 1 == n_batches:
                    scaler.unscale_(opt)
                    if args.max_grad_norm and args.max_grad_norm > 0:
                        torch.nn.utils.clip_grad_norm_(
                            [p for p in model.parameters() if p.requires_grad],
                            args.max_grad_norm)
                    scaler.step(opt)
                    scaler.update()
                    sched.step()
                    opt.zero_grad(set_to_none=True)
                    state["step"] += 1
                    if args.max_steps and state["step"] >= args.max_steps:
                        bar.update(len(idx))
                        stopped = f"max_steps={args.max_steps} reached"
                        break
                bar.update(len(idx))
        val_rep, val_loss = validate()
        rec = {"epoch": epoch, "step": state["step"], "train_loss": loss_sum / max(loss_n, 1),
               "val_loss": val_loss,
               "val_accuracy": val_rep["accuracy"] if val_rep else None,
               "val_macro_f1": val_rep["macro_f1"] if val_rep else None,
               "lr": sched.get_last_lr()[0], "seconds": round(time.perf_counter() - t_ep, 2)}
        state["history"].append(rec)
        state["epoch"] = epoch
        msg = f"epoch {epoch}: train loss {rec['train_loss']:.4f}"
        if val_rep:
            score = val_rep[args.metric]
            msg += (f", val loss {val_loss:.4f}, val accuracy {val_rep['accuracy']:.4f}, "
                    f"macro-F1 {val_rep['macro_f1']:.4f}")
            if state["best"] is None or score > state["best"]:
                state["best"], state["best_epoch"], state["bad_epochs"] = score, epoch, 0
                best_sd = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            else:
                state["bad_epochs"] += 1
        log(msg + f" ({rec['seconds']:.0f} s)")
        save_checkpoint(ckpt, model, opt, state, best_sd)
        if stopped:
            break
        if val_rep and args.patience and state["bad_epochs"] >= args.patience:
            stopped = (f"early stop: no better validation {args.metric} for {args.patience} "
                       f"epochs (best {state['best']:.4f} at epoch {state['best_epoch']})")
            break
    if stopped:
        log(stopped)
    if best_sd is not None:
        model.load_state_dict(best_sd)
    model.eval()
    val_rep, _ = validate()
    eval_rep = None
    if eval_data is not None:
        z = windowed_logits(model, tok, eval_data.texts, body=body, overlap=body // 4,
                            prefix=prefix, suffix=suffix, pad_id=pad_id,
                            batch_size=args.eval_batch_size, device=device, amp=amp)
        eval_rep = classification_report(eval_data.labels,
                                         [labels[i] for i in z.argmax(axis=1)], labels)
        log(f"eval accuracy {eval_rep['accuracy']:.4f}, macro-F1 {eval_rep['macro_f1']:.4f}")

    name = name or out.name
    train_args = {k: v for k, v in dataclasses.asdict(args).items() if k not in ("resume",)}
    train_args["fp16"] = amp  # what ran: --fp16 on the CPU trained in float32
    meta = {
        "kotext": {"format": FORMAT_VERSION, "kind": "classifier"},
        "name": name,
        "method": "transformer",
        "labels": labels,
        "base": str(args.base),
        "max_length": max_length,
        "preprocess": [],
        "training": {**train_args, "seed": seed, "val_fraction": val_fraction,
                     "class_weight": class_weight, "rows": len(data.texts),
                     "counts": dict(counts), "epochs_run": state["epoch"],
                     "best_epoch": state["best_epoch"], "steps": state["step"],
                     "stopped": stopped or None, "frozen_parameters": frozen["frozen"],
                     **({"aux": {**aux.info, "saved": False}} if aux is not None else {}),
                     **({"train_only_rows": data.train_only} if data.train_only else {})},
        "metrics": {"validation": val_rep, "eval": eval_rep},
    }
    cmd = command_line(command)
    writer = ModelWriter(out)
    try:
        model.to("cpu")
        with quiet_transformers():
            model.save_pretrained(str(writer.tmp), safe_serialization=True)
            tok.model_max_length = max_length  # what plain transformers users truncate to
            tok.save_pretrained(str(writer.tmp))
        writer.write_json(KOTEXT_JSON, meta)
        writer.write_text("labels.txt", "\n".join(labels) + "\n")
        write_curve_files(writer.tmp, state["history"], name)
        size = sum(f.stat().st_size for f in writer.tmp.iterdir() if f.is_file()) / 1e6
        writer.write_text("README.md", _card(meta, cmd, size, description, data_description,
                                             licence))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    shutil.rmtree(ckpt, ignore_errors=True)
    return meta


def write_curve_files(folder: Path, history: list[dict[str, Any]], name: str) -> None:
    from .curve import write_curve

    write_curve(folder, history, left=("train_loss", "val_loss"),
                right=("val_accuracy", "val_macro_f1"), title=f"{name}: fine-tuning")


def _card(meta: dict[str, Any], cmd: str, size: float, description: str,
          data_description: str, licence: str | None) -> str:
    from ..training.card import model_card

    tr = meta["training"]
    keys = ("base", "lr", "warmup", "decay", "batch_size", "grad_accum", "epochs", "patience",
            "metric", "max_length", "freeze", "label_smoothing", "dropout", "weight_decay",
            "max_grad_norm", "sampler", "class_weight", "fp16", "seed")
    params = {k: tr.get(k) for k in keys}
    params["max_length"] = meta["max_length"]
    card = model_card(
        name=meta["name"], method="transformer", labels=meta["labels"],
        description=description or (
            f"A fine-tuned encoder (`{meta['base']}` with a sequence classification head) "
            "trained with kotext. The folder is a transformers model folder: "
            "`AutoModelForSequenceClassification.from_pretrained(folder)` loads it; kotext's "
            "own metadata is in `kotext.json`."),
        data=data_description or "The labeled file given to `kotext train classifier`.",
        counts=tr["counts"], validation=meta["metrics"]["validation"],
        extra_eval={"Evaluation file": meta["metrics"]["eval"]} if meta["metrics"]["eval"]
        else None,
        command=cmd, params=params, size_mb=size,
        limits=("Texts longer than the model's limit are read in overlapping windows whose "
                "logits are averaged. Trained on one domain; check it on your own labeled "
                "data with `kotext evaluate`. The base model's own licence and limits apply."),
        **({"licence": licence} if licence else {}),
    )
    run = (f"Epochs run: {tr['epochs_run']} (best validation epoch: {tr['best_epoch']}); "
           f"optimizer steps: {tr['steps']}"
           + (f"; {tr['stopped']}" if tr.get("stopped") else "") + ". "
           "Loss and validation metrics per epoch: `training_curve.json`, "
           "`training_curve.png`.")
    return card.replace("## Reproduce", f"## Training run\n\n{run}\n\n## Reproduce", 1)
