"""A bidirectional GRU/LSTM with attention pooling over Kiwi morphemes (methods ``gru`` and
``lstm`` of ``classifier.v1``), its embedding layer started from word vectors.

A model folder holds ``config.json`` (labels, network sizes, the exact cleaning and
tokenization), ``vocab.json`` (the token of each embedding row), ``weights.safetensors``
(the network's tensors) and ``README.md``. torch is imported only when a model is built.

Attention pooling makes the logits an exact sum over tokens: ``logits = sum_i a_i W h_i +
b``, so ``a_i W h_i`` is token i's contribution to each label: that is what
:meth:`RNNClassifier.attributions` returns for ``kotext explain``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..doc import Doc
from ..errors import ModelError, UsageError
from ..modelio import load_arrays, require_files
from . import params_from

PAD, UNK = "<pad>", "<unk>"


@dataclass
class Params:
    """Training parameters of a gru/lstm model."""

    vectors: str | None = None  # a kotext vectors folder or a word2vec/fastText file
    freeze: bool = False        # keep the pretrained embeddings fixed
    emb_dim: int = 100          # without vectors
    hidden: int = 128
    att_dim: int = 64
    layers: int = 1
    dropout: float = 0.3
    max_len: int = 64
    batch_size: int = 128       # 128 beat 256 on NSMC (GRU 0.8813 vs 0.8782, form/TAG vectors)
    epochs: int = 5
    patience: int = 2           # epochs without a better validation accuracy (0: off)
    lr: float = 2e-3
    decay: str = "linear"       # linear decay to 0 over the epochs, or constant
    weight_decay: float = 0.0
    label_smoothing: float = 0.05
    clip: float = 1.0
    max_vocab: int = 60_000
    min_freq: int = 2
    tokens: str = "form"        # without vectors (otherwise the vectors' own)
    threads: int = 1            # torch CPU threads (0: torch's default); one is fastest for
                                # this small network on a busy 2-core machine
    sampler: str | None = None  # balanced: draw each epoch's rows class-evenly
    aux_weight: float = 0.5     # the auxiliary head's loss weight (with data.aux)
    aux_type: str = "auto"      # auto | regression | classes

    def __post_init__(self) -> None:
        for key, lo in (("epochs", 1), ("hidden", 1), ("max_len", 1), ("batch_size", 1),
                        ("emb_dim", 1), ("patience", 0)):
            if int(getattr(self, key)) < lo:
                raise UsageError(f"{key}={getattr(self, key)}: must be >= {lo}")
        if not float(self.lr) > 0:
            raise UsageError(f"lr={self.lr}: must be above 0 (e.g. 2e-3)")
        if float(self.weight_decay) < 0:
            raise UsageError(f"weight_decay={self.weight_decay}: must be 0 or more")
        if not 0 <= float(self.label_smoothing) < 1:
            raise UsageError(f"label_smoothing={self.label_smoothing}: must be in [0, 1)")
        if not 0 <= float(self.dropout) < 1:
            raise UsageError(f"dropout={self.dropout}: must be in [0, 1)")
        if self.decay not in ("linear", "constant"):
            raise UsageError(f"decay={self.decay!r}: a gru/lstm model has linear or constant")
        if self.freeze and not self.vectors:
            raise UsageError("freeze=True needs vectors=... (frozen random embeddings learn "
                             "nothing)")

    @classmethod
    def from_dict(cls, params: dict[str, Any] | None, method: str = "gru") -> Params:
        return params_from(cls, params, f"method {method!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_net(vocab_size: int, emb_dim: int, hidden: int, n_labels: int, cell: str = "gru",
              att_dim: int = 64, dropout: float = 0.3, layers: int = 1):
    """The torch module (defined here so that torch is imported only when needed)."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class AttentionRNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
            rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
            self.rnn = rnn(emb_dim, hidden, num_layers=layers, batch_first=True,
                           bidirectional=True, dropout=dropout if layers > 1 else 0.0)
            self.emb_drop = nn.Dropout(dropout)
            self.att_proj = nn.Linear(2 * hidden, att_dim)
            self.att_v = nn.Linear(att_dim, 1, bias=False)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(2 * hidden, n_labels)

        def encode(self, ids, lengths):
            """(hidden states [B, T, 2H], attention [B, T])."""
            x = self.emb_drop(self.embedding(ids))
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            h, _ = self.rnn(packed)
            h, _ = pad_packed_sequence(h, batch_first=True, total_length=ids.shape[1])
            scores = self.att_v(torch.tanh(self.att_proj(h))).squeeze(-1)
            mask = torch.arange(ids.shape[1])[None, :] < lengths[:, None]
            scores = scores.masked_fill(~mask, float("-inf"))
            return h, torch.softmax(scores, dim=1)

        def forward(self, ids, lengths):
            h, alpha = self.encode(ids, lengths)
            pooled = torch.bmm(alpha.unsqueeze(1), h).squeeze(1)
            return self.out(self.drop(pooled))

        def contributions(self, ids, lengths):
            """Per-token contributions to the logits: a_i * (W h_i), shape [B, T, labels]."""
            h, alpha = self.encode(ids, lengths)
            return alpha.unsqueeze(-1) * (h @ self.out.weight.T), alpha

    return AttentionRNN()


def encode_ids(keys: Sequence[str], index: dict[str, int], max_len: int) -> np.ndarray:
    """Token ids (unknown -> UNK = 1), truncated to ``max_len``; an empty document is [UNK]."""
    ids = [index.get(k, 1) for k in keys[:max_len]]
    return np.array(ids or [1], dtype=np.int64)


def pad_batch(seqs: Sequence[np.ndarray]):
    import torch

    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.zeros((len(seqs), int(lengths.max())), dtype=np.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return torch.from_numpy(out), torch.from_numpy(lengths)


def predict_ids(net, seqs: Sequence[np.ndarray], batch_size: int = 512) -> np.ndarray:
    """Softmax probabilities, in input order (batches of similar lengths)."""
    import torch

    order = np.argsort([len(s) for s in seqs], kind="stable")
    out = np.zeros((len(seqs), net.out.out_features), dtype=np.float32)
    was_training = net.training
    net.eval()
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            ids, lengths = pad_batch([seqs[i] for i in idx])
            out[idx] = torch.softmax(net(ids, lengths), dim=1).numpy()
    net.train(was_training)
    return out


class RNNClassifier:
    """Loads a ``gru``/``lstm`` model folder; ``predict_proba`` and ``attributions`` like
    :class:`kotext.classifiers.linear.LinearClassifier`."""

    files = ["config.json", "vocab.json", "weights.safetensors"]
    required_keys = ("labels", "features")
    runtime_options: tuple[str, ...] = ()

    def __init__(self, folder: Path, cfg: dict[str, Any]):
        require_files(folder, self.files)
        self.folder = folder
        self.config = cfg
        self.method = cfg.get("method", "gru")
        self.labels: list[str] = [str(x) for x in cfg["labels"]]
        try:
            net_cfg = dict(cfg["net"])
            self.tokens = cfg["features"].get("tokens", "form")
            self.max_len = int(cfg["features"]["max_len"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{folder / 'config.json'}: bad 'net'/'features' entry ({e}); "
                             f"retrain the model") from None
        try:
            vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ModelError(f"{folder / 'vocab.json'}: not valid JSON ({e}); the model folder "
                             f"is damaged, retrain or copy it again") from None
        if not isinstance(vocab, list) or vocab[:2] != [PAD, UNK]:
            raise ModelError(f"{folder / 'vocab.json'}: expected a list of tokens starting "
                             f"with {PAD}, {UNK}; the folder is damaged")
        if net_cfg.get("vocab_size") != len(vocab):
            raise ModelError(f"{folder}: config.json says {net_cfg.get('vocab_size')} tokens, "
                             f"vocab.json has {len(vocab)}; the folder mixes files of "
                             f"different models, retrain")
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        arrays = load_arrays(folder / "weights.safetensors")
        import torch

        try:
            self.net = build_net(n_labels=len(self.labels), **net_cfg)
            self.net.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()},
                                     strict=True)
        except (RuntimeError, TypeError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"{folder / 'weights.safetensors'}: the weights do not fit the "
                             f"network in config.json ({first}); the folder mixes files of "
                             f"different models, retrain") from None
        self.net.eval()

    @property
    def needs_tokens(self) -> bool:
        return True

    def _ids(self, doc: Doc) -> np.ndarray:
        from ..embeddings.keys import doc_keys

        return encode_ids(doc_keys(doc, self.tokens), self.index, self.max_len)

    def predict_proba(self, docs: list[Doc]) -> np.ndarray:
        if not docs:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return predict_ids(self.net, [self._ids(d) for d in docs])

    def attention(self, doc: Doc) -> list[tuple[int, int, float]]:
        """The attention weight of each (kept) token: (start, end, weight)."""
        spans, _ = self._contrib(doc)
        return [(a, b, float(w)) for (a, b), w in zip(spans, self._last_alpha)]

    def _contrib(self, doc: Doc):
        import torch

        ids = self._ids(doc)
        toks = (doc.tokens or [])[:self.max_len]
        with torch.inference_mode():
            x, lengths = pad_batch([ids])
            contrib, alpha = self.net.contributions(x, lengths)
        self._last_alpha = alpha[0, :len(toks)].numpy()
        return [(t.start, t.end) for t in toks], contrib[0, :len(toks)].numpy()

    def attributions(self, doc: Doc) -> tuple[list[tuple[int, int, np.ndarray]], np.ndarray]:
        """Each morpheme's contribution to every label's logit, ``a_i * W h_i`` (attention
        weight times the label projection of its hidden state), with its span."""
        spans, contrib = self._contrib(doc)
        probs = self.predict_proba([doc])[0]
        return [(a, b, contrib[i].astype(np.float32)) for i, (a, b) in enumerate(spans)], probs


Model = RNNClassifier
