"""Inference with a fine-tuned encoder: the ``"transformer"`` method of ``classifier.v1``.

Fast on CPU and GPU: windows are sorted by length and padded per batch (dynamic padding),
the forward pass runs under ``torch.inference_mode``, and on CPU the linear layers can be
quantized to int8. A text longer than the model's limit is cut into overlapping windows
whose logits are averaged (weighted by their length), never silently truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..doc import Doc
from ..errors import ModelError, UsageError
from ..transformer.hub import load_tokenizer, pick_device, quiet_transformers, special_layout
from . import params_from, probabilities

ROBERTA_LIKE = ("roberta", "xlm-roberta", "camembert", "longformer")


def pad(seqs: list[list[int]], pad_id: int):
    """Dynamic padding: id and attention-mask tensors as wide as the longest sequence."""
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[r, :len(s)] = 1
    return ids, mask


def window_spans(n: int, body: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) token ranges of at most ``body`` tokens covering ``range(n)``; consecutive
    windows share ``overlap`` tokens and the last one ends at ``n``. An empty text is one
    empty window."""
    if body < 1:
        raise ValueError(f"window body must be >= 1 token, got {body}")
    if n <= body:
        return [(0, n)]
    overlap = max(0, min(overlap, body - 1))
    step = body - overlap
    spans = []
    start = 0
    while start + body < n:
        spans.append((start, start + body))
        start += step
    spans.append((n - body, n))
    return spans


def model_limit(config) -> int:
    """Tokens (special ones included) the encoder takes at once."""
    mpe = int(getattr(config, "max_position_embeddings", 512) or 512)
    if getattr(config, "model_type", "") in ROBERTA_LIKE:
        mpe -= 2  # positions start after the padding index
    return mpe


def load_sequence_classifier(folder: Path, num_labels: int | None = None):
    """The fine-tuned model of a folder, from model.safetensors only."""
    from transformers import AutoModelForSequenceClassification

    if not (folder / "model.safetensors").is_file():
        extra = " (it has pytorch_model.bin: load and save_pretrained it once to convert " \
                "it to safetensors)" if (folder / "pytorch_model.bin").is_file() else ""
        raise ModelError(f"{folder}: missing model.safetensors; the model folder is "
                         f"incomplete{extra}")
    try:
        with quiet_transformers():
            model, info = AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True, use_safetensors=True,
                trust_remote_code=False, output_loading_info=True)
    except Exception as e:  # noqa: BLE001 - a damaged file, a truncated copy, a wrong config
        raise ModelError(f"{folder}: cannot load the model ({type(e).__name__}: "
                         f"{(str(e).splitlines() or [''])[0][:300]}); the folder is damaged "
                         f"or incomplete: copy it again or retrain") from None
    missing = sorted(info.get("missing_keys") or ())
    if missing:  # transformers fills them with random numbers: labels that change each run
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ModelError(f"{folder}: model.safetensors lacks {', '.join(missing[:3])}{more}, "
                         f"which would be random (a folder without its classification head "
                         f"gives labels that change from run to run); the folder is "
                         f"incomplete: copy it again or fine-tune it")
    if num_labels is not None and model.config.num_labels != num_labels:
        raise ModelError(f"{folder}: the model has {model.config.num_labels} outputs but "
                         f"{num_labels} labels are listed; the folder mixes files of "
                         f"different models, retrain")
    return model


def windowed_logits(model, tokenizer, texts: list[str], *, body: int, overlap: int,
                    prefix: list[int], suffix: list[int], pad_id: int, batch_size: int,
                    device, amp: bool = False) -> np.ndarray:
    """Per-document logits: every text cut into windows of at most ``body`` tokens, the
    windows sorted by length, padded per batch, and their logits averaged per document
    (weighted by their number of tokens)."""
    import torch

    enc = tokenizer(texts, add_special_tokens=False, return_attention_mask=False,
                    return_token_type_ids=False)["input_ids"]
    wins: list[tuple[int, list[int], int]] = []
    for i, ids in enumerate(enc):
        for a, b in window_spans(len(ids), body, overlap):
            wins.append((i, prefix + ids[a:b] + suffix, max(b - a, 1)))
    k = model.config.num_labels
    out = np.zeros((len(wins), k), dtype=np.float64)
    order = sorted(range(len(wins)), key=lambda j: len(wins[j][1]))
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            chunk = order[s:s + batch_size]
            ids, mask = pad([wins[j][1] for j in chunk], pad_id)
            with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                z = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            out[chunk] = z.float().cpu().numpy()
    acc = np.zeros((len(texts), k), dtype=np.float64)
    wsum = np.zeros(len(texts), dtype=np.float64)
    for j, (i, _, w) in enumerate(wins):
        acc[i] += w * out[j]
        wsum[i] += w
    return acc / np.maximum(wsum, 1)[:, None]


@dataclass
class Params:
    """Every training control; the CLI flags and a training TOML map onto these names."""

    base: str = "klue/bert-base"
    lr: float = 3e-5
    warmup: float = 0.1          # share of the optimizer steps (< 1) or a number of steps
    decay: str = "linear"        # linear | cosine | constant
    batch_size: int = 32
    grad_accum: int = 1
    epochs: int = 3
    patience: int = 2            # epochs without improvement before stopping; 0 = off
    metric: str = "macro_f1"     # validation metric for early stopping: macro_f1 | accuracy
    max_length: int = 128
    freeze: str | None = None    # embeddings | N (embeddings + first N layers) | encoder
    label_smoothing: float = 0.0
    dropout: float | None = None
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    sampler: str | None = None   # balanced (or weighted): balance classes by sampling
    aux_weight: float = 0.5      # the auxiliary head's loss weight (with data.aux)
    aux_type: str = "auto"       # auto | regression | classes
    fp16: bool = False
    device: str | None = None
    resume: bool = False
    max_steps: int | None = None  # stop after this many optimizer steps (smoke runs)
    eval_batch_size: int = 64

    @classmethod
    def from_dict(cls, params: dict[str, Any] | None, method: str = "transformer") -> Params:
        return params_from(cls, params, f"method {method!r}")

    def __post_init__(self) -> None:
        def bad(msg: str):
            raise UsageError(msg)

        if not self.lr > 0:
            bad(f"lr={self.lr}: must be above 0 (e.g. 3e-5)")
        if self.warmup < 0:
            bad(f"warmup={self.warmup}: a share of the steps (0.1) or a number of steps")
        if self.decay not in ("linear", "cosine", "constant"):
            bad(f"decay={self.decay!r}: linear, cosine or constant")
        for name in ("batch_size", "grad_accum", "epochs", "max_length", "eval_batch_size"):
            if int(getattr(self, name)) < 1:
                bad(f"{name}={getattr(self, name)}: must be >= 1")
        if self.max_length < 8:
            bad(f"max_length={self.max_length}: too short; use 64-512")
        if self.patience < 0:
            bad(f"patience={self.patience}: must be >= 0 (0 turns early stopping off)")
        if self.metric not in ("macro_f1", "accuracy"):
            bad(f"metric={self.metric!r}: macro_f1 or accuracy")
        if not 0 <= self.label_smoothing < 1:
            bad(f"label_smoothing={self.label_smoothing}: in [0, 1), e.g. 0.1")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            bad(f"dropout={self.dropout}: in [0, 1), e.g. 0.1")
        if self.weight_decay < 0:
            bad(f"weight_decay={self.weight_decay}: must be 0 or more")
        if self.sampler not in (None, "weighted", "balanced"):
            bad(f"sampler={self.sampler!r}: balanced (or leave it out)")
        parse_freeze(self.freeze)


def parse_freeze(spec: str | int | None) -> tuple[str, int]:
    """``None`` -> ("none", 0); ``embeddings``; ``N`` or ``layers:N`` -> embeddings and the
    first N layers; ``encoder`` (or ``all``) -> everything but the classification head."""
    if spec in (None, "", "none"):
        return "none", 0
    s = str(spec).strip().lower()
    if s == "embeddings":
        return "embeddings", 0
    if s in ("encoder", "all", "all-but-head", "body"):
        return "encoder", 0
    s = s.removeprefix("layers:")
    if s.isdigit():
        return "layers", int(s)
    raise UsageError(f"freeze={spec!r}: embeddings, a number N (embeddings + the first N "
                     f"layers), or encoder (everything but the classification head)")


class TransformerClassifier:
    """A fine-tuned ``AutoModelForSequenceClassification`` in a kotext model folder."""

    method = "transformer"
    files = ["config.json", "model.safetensors"]
    required_keys = ("labels",)
    runtime_options = ("quantize", "device", "batch_size")

    def __init__(self, folder: Path, cfg: dict[str, Any], quantize: bool = False,
                 device: str | None = None, batch_size: int | None = None):
        import torch

        self.folder = Path(folder)
        self.config = cfg
        self.labels: list[str] = [str(x) for x in cfg["labels"]]
        self.device = pick_device(device)
        self.quantize = bool(quantize)
        if self.quantize and self.device.type != "cpu":
            raise UsageError("`quantize` makes an int8 model for the CPU; leave it off on a "
                             "GPU (or pass device='cpu')")
        self.batch_size = int(batch_size or cfg.get("batch_size_infer") or 64)
        self.tokenizer = load_tokenizer(self.folder)
        self.tokenizer.model_max_length = 10**9  # we cut windows ourselves: no warning
        model = load_sequence_classifier(self.folder, len(self.labels))
        model.eval().to(self.device)
        self.model = model  # float model: attributions need gradients
        self.fast_model = model
        if self.quantize:
            try:
                from torch.ao.quantization import quantize_dynamic
            except ImportError:  # pragma: no cover - removed in a future torch
                raise UsageError("`quantize`: this torch has no dynamic quantization "
                                 "(torch.ao.quantization); run without it") from None
            import warnings

            with warnings.catch_warnings():  # torch.ao's deprecation notices
                warnings.simplefilter("ignore")
                self.fast_model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        limit = model_limit(model.config)
        self.max_length = min(int(cfg.get("max_length") or limit), limit)
        self.prefix, self.suffix = special_layout(self.tokenizer)
        self.body = self.max_length - len(self.prefix) - len(self.suffix)
        if self.body < 1:
            raise ModelError(f"{self.folder}: max_length {self.max_length} leaves no room for "
                             f"text next to the special tokens")
        self.overlap = int(cfg.get("window_overlap", self.body // 4))
        self.pad_id = self.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = 0

    # -- windows --------------------------------------------------------------------------
    def _ids(self, texts: list[str], offsets: bool = False):
        return self.tokenizer(texts, add_special_tokens=False, return_attention_mask=False,
                              return_token_type_ids=False, return_offsets_mapping=offsets)

    def windows(self, text: str) -> list[tuple[int, int]]:
        """The [start, end) subword ranges the text is read in."""
        return window_spans(len(self._ids([text])["input_ids"][0]), self.body, self.overlap)

    def logits(self, texts: list[str]) -> np.ndarray:
        return windowed_logits(self.fast_model, self.tokenizer, texts, body=self.body,
                               overlap=self.overlap, prefix=self.prefix, suffix=self.suffix,
                               pad_id=self.pad_id, batch_size=self.batch_size,
                               device=self.device, amp=self.device.type == "cuda")

    def predict_proba(self, docs: list[Doc]) -> np.ndarray:
        if not docs:
            return np.zeros((0, len(self.labels)))
        return probabilities(self.logits([d.text for d in docs]))

    # -- explanations ---------------------------------------------------------------------
    def token_attributions(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Gradient x input of every label's logit for each subword: character spans and a
        (subwords x labels) array. Windows of a long text are averaged where they overlap."""
        import torch

        enc = self._ids([text], offsets=True)
        ids, offs = enc["input_ids"][0], enc["offset_mapping"][0]
        k = len(self.labels)
        acc = np.zeros((len(ids), k), dtype=np.float64)
        cnt = np.zeros(len(ids), dtype=np.float64)
        emb = self.model.get_input_embeddings()
        p = len(self.prefix)
        for a, b in window_spans(len(ids), self.body, self.overlap):
            if b == a:
                continue
            x = torch.tensor([self.prefix + ids[a:b] + self.suffix], device=self.device)
            with torch.enable_grad():
                e = emb(x).detach().requires_grad_(True)
                z = self.model(inputs_embeds=e, attention_mask=torch.ones_like(x)).logits[0]
                for j in range(k):
                    (g,) = torch.autograd.grad(z[j], e, retain_graph=j < k - 1)
                    contrib = (g * e).sum(-1)[0, p:p + (b - a)]
                    acc[a:b, j] += contrib.detach().float().cpu().numpy()
            cnt[a:b] += 1
        acc /= np.maximum(cnt, 1)[:, None]
        return [(int(s), int(t)) for s, t in offs], acc

    def attributions(self, doc: Doc) -> tuple[list[tuple[int, int, np.ndarray]], np.ndarray]:
        """Subword attributions as character spans (``kotext.explain`` maps them onto Kiwi
        morphemes). The document is tokenized with Kiwi here when no stage did it."""
        if doc.tokens is None:
            from .. import registry

            registry.create("kiwi.v1", name="tokenize", sentences=False)(doc)
        spans, acc = self.token_attributions(doc.text)
        out = [(a, b, acc[i]) for i, (a, b) in enumerate(spans) if b > a]
        return out, self.predict_proba([doc])[0]


Model = TransformerClassifier
