"""Train the ``gru`` / ``lstm`` classifier: a bidirectional RNN with attention pooling over
Kiwi morphemes, its embedding layer started from word vectors (frozen or fine-tuned).

Dropout, early stopping on the validation split (the best epoch's weights are kept),
class weights, label smoothing, gradient clipping and a fixed seed (the same data, seed and
thread count give the same model).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..classifiers import METHODS, methods_of
from ..classifiers.rnn import PAD, UNK
from ..errors import InputError, UsageError
from ..evaluate.classification import classification_report
from ..modelio import FORMAT_VERSION, ModelWriter
from ..preprocess import pipeline_from_config, recorded, training_pipeline
from .card import command_line
from .data import LabeledData, split_rows, target_matrix

def _keys(texts, pre, tokens: str, progress) -> list[list[str]]:
    from ..embeddings.keys import doc_keys

    out = []
    for doc in pre.pipe(texts, batch_size=2000, on_error="record"):
        out.append(doc_keys(doc, tokens) if doc.error is None else [])
        progress(1)
    return out


def _build_vocab(train_keys: list[list[str]], vec, max_vocab: int, min_freq: int) -> list[str]:
    """PAD, UNK, the training tokens seen ``min_freq`` times (most frequent first), then the
    pretrained vectors' most frequent words (they help on words unseen in training), up to
    ``max_vocab`` rows."""
    counts = Counter(k for ks in train_keys for k in ks)
    vocab = [PAD, UNK]
    seen = set(vocab)
    for w, c in counts.most_common():
        if c < min_freq or len(vocab) >= max_vocab:
            break
        vocab.append(w)
        seen.add(w)
    if vec is not None:
        for w in vec.words:
            if len(vocab) >= max_vocab:
                break
            if w not in seen:
                vocab.append(w)
                seen.add(w)
    return vocab


def _init_embeddings(vocab: list[str], vec, emb_dim: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, int]:
    """(matrix, rows taken from the vectors); other rows random with the vectors' scale."""
    if vec is None:
        m = rng.normal(0.0, 0.1, size=(len(vocab), emb_dim)).astype(np.float32)
        m[0] = 0.0
        return m, 0
    std = float(vec.vectors.std()) or 0.1
    m = rng.normal(0.0, std, size=(len(vocab), vec.dim)).astype(np.float32)
    found = 0
    for i, w in enumerate(vocab[2:], 2):
        k = vec.key(w)
        if k is not None:
            m[i] = vec.vectors[vec.index[k]]
            found += 1
        elif vec.has_subwords:
            try:
                m[i] = vec.subword_vector(w)
                found += 1
            except KeyError:
                pass
    m[0] = 0.0
    m[1] = vec.vectors.mean(axis=0)
    return m, found


def _batches(idx: np.ndarray, lengths: np.ndarray, batch_size: int,
             rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar lengths (sorted within chunks of 50 batches)."""
    idx = rng.permutation(idx)
    out = []
    chunk = batch_size * 50
    for s in range(0, len(idx), chunk):
        part = idx[s:s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def train_rnn(data: LabeledData, output: str | Path, *, method: str = "gru",
              eval_data: LabeledData | None = None, val_fraction: float = 0.1, seed: int = 0,
              class_weight: str | None = None, params: dict[str, Any] | None = None,
              clean: dict[str, Any] | None = None, tokenize: dict[str, Any] | None = None,
              name: str | None = None, description: str = "", data_description: str = "",
              licence: str | None = None, command: str | None = None,
              progress=None, log: Callable[[str], None] = lambda s: None,
              return_net: bool = False, **_: Any):
    """Train and write a ``gru``/``lstm`` model folder; returns its config (with
    ``return_net``: config, the trained torch module and its vocabulary)."""
    from .classifier import _no_progress

    progress = progress or _no_progress
    cells = methods_of("kotext.classifiers.rnn")
    if method not in cells:
        raise UsageError(f"method={method!r}: the neural classifier is {' or '.join(cells)}")
    p = METHODS[method].make_params(params).as_dict()
    if not 0 <= val_fraction < 0.9:
        raise UsageError("`val_fraction` must be in [0, 0.9)")
    counts = data.counts()
    labels = sorted(counts)
    if len(labels) < 2:
        raise InputError(
            f"the training data has only one label ({labels[0]!r}, {counts[labels[0]]} rows); "
            f"a classifier needs at least two. Check `label_column` and `label_map`.")
    from .sampling import check_sampler

    p["sampler"] = check_sampler(p["sampler"], class_weight)
    import torch

    vec = None
    if p["vectors"]:
        from ..embeddings.vectors import Vectors

        vec = Vectors.load(p["vectors"])
        tokens = vec.tokens
        if clean is None and tokenize is None and vec.config.get("preprocess"):
            pre = pipeline_from_config(vec.config["preprocess"])
            for st in pre.stages:
                if st.factory == "kiwi.v1":
                    st.sentences = False
        else:
            pre = training_pipeline(clean, tokenize)
        log(f"vectors: {vec!r} from {p['vectors']} ({tokens} tokens)")
    else:
        tokens = p["tokens"]
        pre = training_pipeline(clean, tokenize)
    pre_cfg = recorded(pre)

    t0 = time.perf_counter()
    with progress("preprocess", len(data.texts) + (len(eval_data.texts) if eval_data else 0)) as bar:
        keys = _keys(data.texts, pre, tokens, bar.update)
        eval_keys = _keys(eval_data.texts, pre, tokens, bar.update) if eval_data else None
    log(f"tokenized {len(keys)} docs, {sum(map(len, keys)) / max(len(keys), 1):.1f} tokens "
        f"per doc, {time.perf_counter() - t0:.0f} s")

    tr, va = split_rows(data, val_fraction, seed)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    old_threads = torch.get_num_threads()
    if p["threads"]:
        torch.set_num_threads(int(p["threads"]))
    try:
        return _fit_and_save(**locals())
    finally:
        torch.set_num_threads(old_threads)


def _fit_and_save(*, data, output, method, eval_data, val_fraction, seed, class_weight, p,
                  name, description, data_description, licence, command, progress, log,
                  vec, tokens, pre_cfg, keys, eval_keys, tr, va, rng, labels, counts,
                  return_net, **_):
    import torch

    from ..classifiers.rnn import build_net, encode_ids, pad_batch, predict_ids

    vocab = _build_vocab([keys[i] for i in tr], vec, int(p["max_vocab"]), int(p["min_freq"]))
    emb, found = _init_embeddings(vocab, vec, int(p["emb_dim"]), rng)
    index = {w: i for i, w in enumerate(vocab)}
    max_len = int(p["max_len"])
    seqs = [encode_ids(k, index, max_len) for k in keys]
    lengths = np.array([len(s) for s in seqs])
    y = np.array([labels.index(x) for x in data.labels], dtype=np.int64)
    log(f"vocabulary {len(vocab)} rows"
        + (f", {found} from the vectors" if vec is not None else " (random init)")
        + (", frozen" if p["freeze"] else ""))

    net_cfg = {"vocab_size": len(vocab), "emb_dim": int(emb.shape[1]), "hidden": int(p["hidden"]),
               "cell": method, "att_dim": int(p["att_dim"]), "dropout": float(p["dropout"]),
               "layers": int(p["layers"])}
    net = build_net(n_labels=len(labels), **net_cfg)
    with torch.no_grad():
        net.embedding.weight.copy_(torch.from_numpy(emb))
    if p["freeze"]:
        net.embedding.weight.requires_grad_(False)
    from .multitask import aux_targets

    aux = aux_targets(data.aux, p["aux_type"], float(p["aux_weight"]))
    # the auxiliary head reads the main head's pooled input; it is not saved
    aux_head = torch.nn.Linear(2 * int(p["hidden"]), aux.n_out) if aux else None
    soft = torch.from_numpy(target_matrix(data, labels)) if data.soft is not None else None
    trainable = [q for q in net.parameters() if q.requires_grad]
    if aux_head is not None:
        trainable += list(aux_head.parameters())
        log(f"auxiliary {aux.kind} head ({aux.n_out} outputs) on {aux.info['rows']} rows, "
            f"loss weight {aux.info['weight']}")
    opt = torch.optim.AdamW(trainable, lr=float(p["lr"]), weight_decay=float(p["weight_decay"]))
    weight = None
    if class_weight == "balanced":
        n_tr = np.bincount(y[tr], minlength=len(labels)).astype(np.float64)
        weight = torch.tensor(len(tr) / (len(labels) * np.maximum(n_tr, 1.0)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight, label_smoothing=float(p["label_smoothing"]))

    def accuracy(idx: np.ndarray) -> tuple[float, np.ndarray]:
        probs = predict_ids(net, [seqs[i] for i in idx])
        return float((probs.argmax(axis=1) == y[idx]).mean()), probs

    best_acc, best_epoch, best_state, bad = -1.0, 0, None, 0
    history = []
    epochs = int(p["epochs"])
    sched = None
    if p["decay"] == "linear":
        bs = int(p["batch_size"])
        per_epoch = len(tr) // (bs * 50) * 50 + -(-(len(tr) % (bs * 50)) // bs)  # = _batches
        total_steps = max(epochs * per_epoch, 1)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: max(0.0, 1 - step / total_steps))
    for epoch in range(1, epochs + 1):
        net.train()
        t1 = time.perf_counter()
        if p["sampler"]:
            from .sampling import balanced_indices

            rows = balanced_indices(tr, y, rng)
        else:
            rows = tr
        batches = _batches(rows, lengths, int(p["batch_size"]), rng)
        total = 0.0
        with progress(f"{method} epoch {epoch}/{epochs}", len(batches)) as bar:
            for b in batches:
                ids, lens = pad_batch([seqs[i] for i in b])
                target = soft[b] if soft is not None else torch.from_numpy(y[b])
                if aux_head is None:
                    loss = loss_fn(net(ids, lens), target)
                else:
                    h, alpha = net.encode(ids, lens)
                    pooled = net.drop(torch.bmm(alpha.unsqueeze(1), h).squeeze(1))
                    loss = loss_fn(net.out(pooled), target) + aux.info["weight"] * aux.loss(
                        aux_head(pooled), *aux.batch(b))
                opt.zero_grad()
                loss.backward()
                if p["clip"]:
                    torch.nn.utils.clip_grad_norm_(trainable, float(p["clip"]))
                opt.step()
                if sched is not None:
                    sched.step()
                total += loss.item() * len(b)
                bar.update(1)
        rec = {"epoch": epoch, "loss": round(total / max(len(tr), 1), 5),
               "seconds": round(time.perf_counter() - t1, 1)}
        if len(va):
            rec["val_accuracy"] = round(accuracy(va)[0], 5)
        history.append(rec)
        log(f"epoch {epoch}: loss {rec['loss']:.4f}"
            + (f", validation accuracy {rec['val_accuracy']:.4f}" if len(va) else "")
            + f", {rec['seconds']:.0f} s")
        score = rec.get("val_accuracy", float(epoch))
        if score > best_acc:
            best_acc, best_epoch, bad = score, epoch, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            bad += 1
            if int(p["patience"]) and bad >= int(p["patience"]):  # 0: no early stopping
                log(f"early stop: no better validation accuracy for {bad} epochs; keeping "
                    f"epoch {best_epoch}")
                break
    assert best_state is not None
    net.load_state_dict(best_state)
    net.eval()

    val_rep = None
    if len(va):
        _, probs = accuracy(va)
        val_rep = classification_report([data.labels[i] for i in va],
                                        [labels[i] for i in probs.argmax(axis=1)], labels)
        log(f"validation accuracy {val_rep['accuracy']:.4f}, macro-F1 {val_rep['macro_f1']:.4f} "
            f"(epoch {best_epoch})")
    eval_rep = None
    if eval_data is not None and eval_keys is not None:
        probs = predict_ids(net, [encode_ids(k, index, max_len) for k in eval_keys])
        eval_rep = classification_report(eval_data.labels,
                                         [labels[i] for i in probs.argmax(axis=1)], labels)
        log(f"eval accuracy {eval_rep['accuracy']:.4f}, macro-F1 {eval_rep['macro_f1']:.4f}")

    out = Path(output)
    name = name or out.name
    train_info = {k: v for k, v in p.items() if k != "vectors"
                  and not (aux is None and k.startswith("aux_"))}
    # what the network really has: with vectors, their size and token format
    train_info.update(emb_dim=int(emb.shape[1]), tokens=tokens)
    train_info.update({"seed": seed, "val_fraction": val_fraction, "class_weight": class_weight,
                       "rows": len(y), "counts": dict(counts), "best_epoch": best_epoch,
                       "history": history})
    if aux is not None:
        train_info["aux"] = {**aux.info, "saved": False}
    if data.train_only:
        train_info["train_only_rows"] = data.train_only
    config = {
        "kotext": {"format": FORMAT_VERSION, "kind": "classifier"},
        "name": name,
        "method": method,
        "labels": labels,
        "features": {"tokens": tokens, "max_len": max_len},
        "requires_tokens": True,
        "net": net_cfg,
        "vectors": None if vec is None else {
            "source": str(p["vectors"]), "method": vec.method, "dim": vec.dim,
            "words": len(vec), "rows_initialised": found, "frozen": bool(p["freeze"])},
        "preprocess": pre_cfg,
        "training": train_info,
        "metrics": {"validation": val_rep, "eval": eval_rep},
    }
    writer = ModelWriter(out)
    try:
        writer.write_json("config.json", config)
        writer.write_json("vocab.json", vocab)
        writer.write_arrays("weights.safetensors", {
            k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()})
        size = sum(f.stat().st_size for f in writer.tmp.iterdir()) / 1e6
        cmd = command_line(command)
        from .card import model_card

        writer.write_text("README.md", model_card(
            name=name, method=method, labels=labels,
            description=description or f"A kotext {method.upper()} classifier: a "
            f"bidirectional {method.upper()} with attention pooling over Kiwi morphemes "
            f"({tokens} tokens), embeddings started from "
            + (f"`{p['vectors']}` ({'frozen' if p['freeze'] else 'fine-tuned'})."
               if vec is not None else "random vectors."),
            data=data_description or "The labeled file given to `kotext train classifier`.",
            counts=dict(counts), validation=val_rep,
            extra_eval={"Evaluation file": eval_rep} if eval_rep else None,
            command=cmd, params={**{k: train_info[k] for k in p if k in train_info},
                                 "seed": seed, "best_epoch": best_epoch},
            size_mb=size, **({"licence": licence} if licence else {}),
            limits="Trained on one domain; expect lower accuracy on text unlike the training "
                   "data. torch CPU results can differ slightly with the number of threads."))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return (config, net, vocab) if return_net else config
