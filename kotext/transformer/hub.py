"""Base models and tokenizers: a local folder, or a hub name for online users.

Nothing global is changed (no environment variables), ``trust_remote_code`` is never
passed, and weights load from safetensors when the folder has them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import ModelError, UsageError

# what a fine-tune needs from a hub repository (weights in safetensors first)
HUB_PATTERNS = ["*.json", "*.txt", "*.model", "*.safetensors"]
HUB_FALLBACK_PATTERNS = ["pytorch_model.bin"]  # loaded by transformers with weights_only


def offline_hint(name: str) -> str:
    return (f"download it on a connected machine with `hf download {name} "
            f"--local-dir DIR` (or save_pretrained(DIR) in Python), copy DIR here and pass "
            f"base=DIR")


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick look for the hub, so an offline machine fails at once instead of after
    a minute of download retries (False too when HF_HUB_OFFLINE is set)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def looks_like_path(name: str) -> bool:
    """Hub names are ``name`` or ``org/name``; anything else (a trailing slash, as shell
    completion writes a folder, too) is meant as a folder."""
    return (name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name
            or name.endswith("/"))


def resolve_base(name: str | os.PathLike) -> Path:
    """A local folder for ``name``: the folder itself, or a hub repository's snapshot
    (from the local cache first, then downloaded when the hub is reachable)."""
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ModelError(f"base={name}: the folder has no config.json; give a folder "
                             f"written by save_pretrained, `kotext pretrain` or "
                             f"`hf download NAME --local-dir DIR`")
        return p
    s = str(name)
    if looks_like_path(s) or p.exists():
        raise ModelError(f"base={name}: no such folder. Give a model folder (with "
                         f"config.json) or a hub name such as klue/bert-base")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - transformers depends on it
        raise ModelError(f"base={name}: huggingface_hub is not installed; "
                         f"{offline_hint(name)}") from None
    try:
        return Path(snapshot_download(s, allow_patterns=HUB_PATTERNS + HUB_FALLBACK_PATTERNS,
                                      local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached: go to the hub
        pass
    if not hub_reachable():
        raise ModelError(f"base={name}: there is no folder {name} here, and the Hugging Face "
                         f"hub cannot be reached to load it by name; {offline_hint(name)}")
    try:
        folder = Path(snapshot_download(s, allow_patterns=HUB_PATTERNS))
        if not any(folder.glob("*.safetensors")):
            folder = Path(snapshot_download(s, allow_patterns=HUB_PATTERNS
                                            + HUB_FALLBACK_PATTERNS))
    except Exception as e:  # noqa: BLE001 - 404, gated, network: all mean "supply it"
        raise ModelError(f"base={name}: cannot download it from the Hugging Face hub "
                         f"({type(e).__name__}: {str(e).splitlines()[0][:200]}); check the "
                         f"name, or {offline_hint(name)}") from None
    if not (folder / "config.json").is_file():
        raise ModelError(f"base={name}: the hub repository has no config.json; it is not a "
                         f"transformers model")
    return folder


# -- tokenizers ---------------------------------------------------------------------------
SPECIALS = ("unk_token", "pad_token", "cls_token", "sep_token", "mask_token")


def _read_json(path: Path) -> dict[str, Any]:
    import json

    if not path.is_file():
        return {}
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: not valid JSON ({e}); the folder is damaged") from None
    return obj if isinstance(obj, dict) else {}


def _token_str(v: Any) -> str | None:
    if isinstance(v, dict):
        return v.get("content")
    return v if isinstance(v, str) else None


def sentencepiece_tokenizer(folder: Path, model_file: Path | None = None):
    """A fast tokenizer (with character offsets) from a SentencePiece model such as KoBERT's
    ``spiece.model``, with BERT's ``[CLS] text [SEP]`` layout and right padding.

    KoBERT's hub repository declares ``XLNetTokenizer``, whose layout (``text [SEP] [CLS]``,
    left padding) is not the one KoBERT was trained with; this builds the BERT layout from
    the same pieces and scores, with NFKC normalization as in SentencePiece's ``nmt_nfkc``.
    """
    import sentencepiece as spm
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    model_file = model_file or folder / "spiece.model"
    try:
        sp = spm.SentencePieceProcessor(model_file=str(model_file))
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"{model_file}: cannot read the SentencePiece model ({e})") from None
    cfg = {**_read_json(folder / "special_tokens_map.json"),
           **_read_json(folder / "tokenizer_config.json")}
    names = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]",
             "sep_token": "[SEP]", "mask_token": "[MASK]"}
    for key in SPECIALS:
        names[key] = _token_str(cfg.get(key)) or names[key]
    vocab = [(sp.id_to_piece(i), float(sp.get_score(i))) for i in range(sp.get_piece_size())]
    unk = sp.unk_id()
    names["unk_token"] = sp.id_to_piece(unk)  # whatever the model calls it (<unk>, [UNK])
    if sp.piece_to_id(names["pad_token"]) == unk and sp.pad_id() >= 0:
        names["pad_token"] = sp.id_to_piece(sp.pad_id())
    ids = {key: sp.piece_to_id(tok) for key, tok in names.items()}
    for key, tok in names.items():
        if ids[key] == unk and key != "unk_token":
            raise ModelError(f"{model_file}: the SentencePiece model has no {tok!r} piece "
                             f"({key}); a BERT-style encoder needs it")
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(),
                                           normalizers.Replace(Regex(r"\s+"), " "),
                                           normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    cls, sep = names["cls_token"], names["sep_token"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, ids["cls_token"]), (sep, ids["sep_token"])])
    tok.add_special_tokens([AddedToken(t, special=True) for t in names.values()])
    return PreTrainedTokenizerFast(tokenizer_object=tok, padding_side="right", **names)


def load_tokenizer(folder: Path):
    """The folder's fast tokenizer (offsets are needed for sliding windows and explain)."""
    from transformers import AutoTokenizer

    if not (folder / "tokenizer.json").is_file():
        spm_files = [folder / "spiece.model"] if (folder / "spiece.model").is_file() else \
            sorted(folder.glob("*.model"))
        if spm_files:
            return sentencepiece_tokenizer(folder, spm_files[0])
    import json

    for name in ("config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):  # name the damaged file, not "the tokenizer"
        try:
            with open(folder / name, encoding="utf-8") as f:
                json.load(f)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as e:
            raise ModelError(f"{folder / name}: not valid JSON ({str(e)[:200]}); the model "
                             f"folder is damaged: copy it again or retrain it") from None
    try:
        tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True,
                                            trust_remote_code=False)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"{folder}: cannot load its tokenizer ({type(e).__name__}: "
                         f"{str(e).splitlines()[0][:300] if str(e) else ''}); the folder needs "
                         f"tokenizer.json, a vocab.txt or a SentencePiece .model file") from None
    if not getattr(tok, "is_fast", False):
        raise ModelError(f"{folder}: its tokenizer ({type(tok).__name__}) is not a fast "
                         f"tokenizer, so it gives no character offsets; add a tokenizer.json")
    _check_reads_korean(tok, folder)
    tok.padding_side = "right"
    return tok


def _check_reads_korean(tok, folder: Path) -> None:
    """A tokenizer that turns Korean into [UNK] alone (lower-casing and accent stripping
    take Hangul apart into jamo) gave confident, wrong labels, and trained useless models."""
    unk = getattr(tok, "unk_token_id", None)
    if unk is None:
        return
    ids = tok("배우 연기가 정말 좋았다", add_special_tokens=False)["input_ids"]
    if not ids or any(i != unk for i in ids):
        return
    norm = getattr(getattr(tok, "backend_tokenizer", None), "normalizer", None)
    seen = norm.normalize_str("배우") if norm is not None else "배우"
    if not (folder / "tokenizer_config.json").is_file():
        why = ("tokenizer_config.json is missing, so transformers fell back to lower-casing "
               "and stripping accents, which takes Hangul apart: copy the file back from "
               "where the model came from")
    elif seen != "배우":
        shown = " ".join(f"U+{ord(c):04X}" for c in seen)  # jamo print like the syllables
        why = (f"its normalizer turns 배우 (U+BC30 U+C6B0) into {shown} (lower-casing, accent "
               f"stripping or NFD take Hangul apart into jamo): build the tokenizer without "
               f"them, e.g. "
               f"BertNormalizer(lowercase=False, strip_accents=False) in tokenizer.json, or "
               f"do_lower_case=False for a BertTokenizer")
    else:
        why = ("its vocabulary does not cover common Korean words (배우 연기가 정말 좋았다 is "
               "[UNK] throughout; made from other text?): use a Korean encoder (e.g. "
               "klue/bert-base), or build one with kotext pretrain")
    raise ModelError(f"{folder}: its tokenizer reads Korean as {tok.unk_token} alone; {why}")


def special_layout(tok) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single text: ([CLS], [SEP]) for BERT."""
    probe = "가 나"
    bare = tok(probe, add_special_tokens=False)["input_ids"]
    full = tok(probe, add_special_tokens=True)["input_ids"]
    for i in range(len(full) - len(bare) + 1):
        if full[i:i + len(bare)] == bare:
            return list(full[:i]), list(full[i + len(bare):])
    raise ModelError(f"tokenizer {type(tok).__name__}: cannot tell its special tokens apart")


def quiet_transformers():
    """Silence transformers' info/warning chatter (newly initialized head, etc.) and its
    progress bars for the duration of a ``with`` block; both are restored afterwards."""
    import contextlib

    @contextlib.contextmanager
    def _cm():
        from transformers.utils import logging as tlog

        old = tlog.get_verbosity()
        bars = tlog.is_progress_bar_enabled()
        tlog.set_verbosity_error()
        tlog.disable_progress_bar()
        try:
            yield
        finally:
            tlog.set_verbosity(old)
            if bars:
                tlog.enable_progress_bar()

    return _cm()


def pick_device(device: str | None):
    import torch

    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as e:
        raise UsageError(f"device={device!r}: {e}; use cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"device={device}: no CUDA GPU is available here; use device='cpu'")
    mps = getattr(torch.backends, "mps", None)
    if dev.type == "mps" and not (mps is not None and mps.is_available()):
        raise UsageError(f"device={device}: no Apple GPU (MPS) is available here; use "
                         f"device='cpu'")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise UsageError(f"device={device}: use cpu, cuda, cuda:N or mps")
    return dev
