"""Summarization stages: ``textrank.v1`` (extractive), ``keywords.v1``, ``abstractive.v1``.

``textrank.v1`` needs sentences and tokens (a pipeline ``[clean, tokenize, summarize]``)
and assigns ``summary`` (the picked sentences, in their original order) and
``summary_indices``; each picked sentence's score (0-1) is in ``summary_scores``,
aligned with ``summary_indices`` (``doc.meta`` stays the source row, untouched).

``keywords.v1`` needs tokens and assigns ``keywords``: ``[(word, score), ...]``, best first.

``abstractive.v1`` needs only the text and assigns ``summary`` (one generated text) with a
transformers seq2seq model (BART, T5, ...); torch and transformers are imported on first use.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import ClassVar

from ..doc import Doc, Sentence
from ..errors import ConfigError, ModelError
from ..summarize import (
    CONTENT_TAGS,
    NOUN_TAGS,
    count_for,
    keyword_rank,
    rank_sentences,
    select,
)
from .base import Stage
from .tokenize import pos_prefixes


def _tags(pos, default: tuple[str, ...], name: str) -> tuple[str, ...]:
    return pos_prefixes(pos, name) or default


def line_units(doc: Doc) -> list[Sentence]:
    """Each non-empty line of ``doc.text`` as one sentence, with its token range."""
    text = doc.text
    starts = [t.start for t in doc.tokens or ()]
    units = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if stripped:
            s = pos + (len(line) - len(line.lstrip()))
            e = s + len(stripped)
            units.append(Sentence(stripped, s, e,
                                  (bisect.bisect_left(starts, s), bisect.bisect_left(starts, e))))
        pos = end + 1
    return units


def sentence_units(doc: Doc, units: str = "auto") -> list[Sentence]:
    """The units a summary is made of: Kiwi's sentences, or lines.

    ``auto``: when the text has several lines and nearly every Kiwi sentence starts a line
    (the sentences are already one per line), the lines; otherwise Kiwi's sentences (which
    always end at a line break too).
    """
    sents = doc.sentences or []
    if units == "sentences":
        return list(sents)
    lines = line_units(doc)
    if units == "lines":
        return lines
    if len(lines) < 2 or not sents:
        return list(sents)
    line_starts = {u.start for u in lines}
    at_start = sum(1 for s in sents if s.start in line_starts)
    return lines if at_start >= 0.8 * len(sents) else list(sents)


class TextRankSummarizer(Stage):
    """Extractive summary: the most central sentences of a sentence graph.

    See :mod:`kotext.summarize` for the method. The defaults (bm25, position_weight 0.3,
    position_decay 4, mmr 0.8) were picked by a grid search on the 20 news articles of
    benchmarks/summarize.py; ``position_weight=0, mmr=1`` is plain TextRank. Options: ``n`` sentences, or ``ratio`` of
    them (overrides ``n``); ``similarity`` ``tfidf`` | ``bm25`` over content morphemes
    (``pos``); ``damping`` of PageRank; ``position_weight`` (0 = pure centrality) and
    ``position_decay`` of the lead prior; ``mmr`` (1 = no redundancy control);
    ``min_similarity`` drops weaker edges; ``units`` ``auto`` | ``sentences`` | ``lines``.
    """

    factory = "textrank.v1"
    requires = frozenset({"sentences", "tokens"})
    assigns = frozenset({"summary", "summary_indices", "summary_scores"})
    param_help: ClassVar[dict[str, str]] = {
        "n": "Sentences in the summary.",
        "ratio": "Share of the sentences instead of -n, e.g. 0.2.",
        "similarity": "Edge weights: tfidf (cosine) or bm25, over content morphemes.",
        "pos": "Morpheme tags that count (prefixes or a preset; default: content morphemes).",
        "damping": "PageRank damping factor.",
        "position_weight": "Weight of the lead prior (0 = centrality only, 1 = Lead-k).",
        "position_decay": "Lead prior 1/(1 + i/decay): larger = flatter.",
        "mmr": "MMR trade-off: 1 = top scores only, lower = less repetition.",
        "min_similarity": "Edges weaker than this are dropped.",
        "units": "auto: lines when the sentences are one per line, else Kiwi's sentences.",
    }

    def __init__(self, n: int = 3, ratio: float | None = None, similarity: str = "bm25",
                 pos: list[str] | None = None, damping: float = 0.85,
                 position_weight: float = 0.3, position_decay: float = 4.0, mmr: float = 0.8,
                 min_similarity: float = 0.0, units: str = "auto"):
        self.n = n
        self.ratio = ratio
        self.similarity = similarity
        self.pos = pos
        self.damping = damping
        self.position_weight = position_weight
        self.position_decay = position_decay
        self.mmr = mmr
        self.min_similarity = min_similarity
        self.units = units
        if n is not None and int(n) < 1:
            raise ConfigError(f"summarize n={n}: give 1 or more sentences")
        if ratio is not None and not 0 < float(ratio) <= 1:
            raise ConfigError(f"summarize ratio={ratio}: give a share in (0, 1], e.g. 0.2")
        if similarity not in ("tfidf", "bm25"):
            raise ConfigError(f"summarize similarity={similarity!r}: use tfidf or bm25")
        if units not in ("auto", "sentences", "lines"):
            raise ConfigError(f"summarize units={units!r}: use auto, sentences or lines")
        for name, v in (("damping", damping), ("position_weight", position_weight),
                        ("mmr", mmr)):
            if not 0 <= float(v) <= 1:
                raise ConfigError(f"summarize {name}={v}: give a number between 0 and 1")
        if float(position_decay) <= 0:
            raise ConfigError(f"summarize position_decay={position_decay}: give a number > 0")
        self._tags = _tags(pos, CONTENT_TAGS, "summarize pos")

    def bags(self, doc: Doc, units: list[Sentence]) -> list[list[str]]:
        toks = doc.tokens or []
        tags = self._tags
        out = []
        for u in units:
            a, b = u.tokens or (0, 0)
            out.append([f"{(t.lemma or t.form).lower()}/{t.tag[:2]}" for t in toks[a:b]
                        if t.tag.startswith(tags)])
        return out

    def summarize_doc(self, doc: Doc) -> tuple[list[int], list[float], list[Sentence]]:
        """(picked indices in order, every unit's score, the units)."""
        units = sentence_units(doc, self.units)
        if not units:
            return [], [], units
        bags = self.bags(doc, units)
        scores, sim = rank_sentences(bags, self.similarity, self.damping,
                                     self.position_weight, self.position_decay,
                                     self.min_similarity)
        k = count_for(len(units), self.n, self.ratio)
        keys = [" ".join(u.text.split()) for u in units]
        return select(scores, sim, k, self.mmr, keys), [float(s) for s in scores], units

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            picked, scores, units = self.summarize_doc(doc)
            doc.summary = [units[i].text for i in picked]
            doc.summary_indices = picked
            doc.summary_scores = [round(scores[i], 4) for i in picked]
        return docs


class KeywordExtractor(Stage):
    """TextRank keywords: content morphemes ranked by centrality in a co-occurrence graph.

    ``pos``: candidate tags (default nouns: NNG, NNP); ``compounds`` joins candidates that
    touch in the text (지카 + 바이러스 -> 지카바이러스); ``window``: co-occurrence window in
    candidates; ``min_count``, ``min_length`` (characters) and Kiwi's ``stopwords`` filter
    candidates. Assigns ``keywords``: the ``n`` best ``(word, score)``, score 1 = the best.
    """

    factory = "keywords.v1"
    requires = frozenset({"tokens"})
    assigns = frozenset({"keywords"})
    param_help: ClassVar[dict[str, str]] = {
        "n": "Keywords per document.",
        "pos": "Candidate tags (prefixes or a preset; default: nouns).",
        "compounds": "Join adjacent candidate morphemes into compound nouns.",
        "window": "Co-occurrence window, in candidate words.",
        "min_count": "Drop candidates seen fewer times.",
        "min_length": "Drop candidates shorter than this (characters).",
        "stopwords": "Drop Kiwi's default Korean stopwords.",
        "damping": "PageRank damping factor.",
    }

    def __init__(self, n: int = 10, pos: list[str] | None = None, compounds: bool = True,
                 window: int = 3, min_count: int = 1, min_length: int = 1,
                 stopwords: bool = True, damping: float = 0.85):
        self.n = n
        self.pos = pos
        self.compounds = compounds
        self.window = window
        self.min_count = min_count
        self.min_length = min_length
        self.stopwords = stopwords
        self.damping = damping
        if int(n) < 1:
            raise ConfigError(f"keywords n={n}: give 1 or more")
        if int(window) < 2:
            raise ConfigError(f"keywords window={window}: give 2 or more")
        if not 0 <= damping <= 1:  # as summarize's
            raise ConfigError(f"keywords damping={damping}: give a number between 0 and 1")
        self._tags = _tags(pos, NOUN_TAGS, "keywords pos")
        self._stop: set[tuple[str, str]] = set()
        if stopwords:
            from kiwipiepy.utils import Stopwords

            self._stop = set(Stopwords().stopwords)

    def candidates(self, doc: Doc) -> list[list[str]]:
        """Candidate words of each sentence (the whole text when there are no sentences)."""
        toks = doc.tokens or []
        spans = [s.tokens or (0, 0) for s in doc.sentences] if doc.sentences else [(0, len(toks))]
        out = []
        for a, b in spans:
            words: list[str] = []
            prev_end = -1
            for t in toks[a:b]:
                if not t.tag.startswith(self._tags) or (t.form, t.tag) in self._stop:
                    prev_end = -1
                    continue
                if self.compounds and words and t.start == prev_end:
                    words[-1] += t.form
                else:
                    words.append(t.form)
                prev_end = t.end
            out.append([w for w in words if len(w) >= self.min_length])
        return out

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            doc.keywords = keyword_rank(self.candidates(doc), self.window, self.damping,
                                        self.min_count, self.n)
        return docs


# -- abstractive ---------------------------------------------------------------------------
def load_seq2seq(model: str, device: str | None = None):
    """(tokenizer, model) from a local folder (safetensors weights) or a Hub name.

    Never runs remote code. A Hub name needs the network (or the Hub cache); offline, the
    error says how to give a local folder instead.
    """
    try:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    except ImportError:
        raise ModelError("abstractive summaries need torch and transformers: "
                         "pip install 'kotext[transformers]'") from None
    from transformers.utils import logging as hf_logging

    from ..transformer.hub import hub_reachable

    hf_logging.disable_progress_bar()  # the library never prints; the CLI owns the terminal
    p = Path(model).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ModelError(f"{model}: not a model folder (no config.json). Give a folder "
                             "written by `kotext train summarizer` or save_pretrained().")
        if not any((p / f).is_file() for f in ("model.safetensors",
                                                  "model.safetensors.index.json")):
            raise ModelError(
                f"{model}: no model.safetensors. kotext loads weights only from safetensors "
                "(never pickle); convert once with transformers: "
                "AutoModelForSeq2SeqLM.from_pretrained(folder).save_pretrained(folder, "
                "safe_serialization=True)")
        try:
            tok = AutoTokenizer.from_pretrained(str(p), trust_remote_code=False)
            mdl = AutoModelForSeq2SeqLM.from_pretrained(str(p), trust_remote_code=False,
                                                        use_safetensors=True)
        except (OSError, ValueError, KeyError) as e:
            raise ModelError(f"{model}: cannot load a seq2seq model and tokenizer ({e})") from None
    elif p.exists() or model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise ModelError(f"{model}: no such model folder")
    else:
        tok = mdl = None
        try:  # the Hub cache first: no network needed for a model downloaded before
            tok = AutoTokenizer.from_pretrained(model, trust_remote_code=False,
                                                local_files_only=True)
            mdl = AutoModelForSeq2SeqLM.from_pretrained(model, trust_remote_code=False,
                                                        local_files_only=True)
        except (OSError, ValueError):
            tok = mdl = None
        local = model.rstrip("/").split("/")[-1]
        fix = (f"Without internet access, download it on a connected machine "
               f"(hf download {model} --local-dir {local}), copy the folder "
               f"here and pass it: model=./{local}")
        if mdl is None and not hub_reachable():
            raise ModelError(f"cannot load '{model}': it is not a local folder, not in the "
                             f"Hugging Face cache, and the Hub cannot be reached. {fix}")
        if mdl is None:
            try:
                tok = AutoTokenizer.from_pretrained(model, trust_remote_code=False)
                mdl = AutoModelForSeq2SeqLM.from_pretrained(model, trust_remote_code=False)
            except (OSError, ValueError) as e:
                msg = str(e).strip()
                short = msg.splitlines()[0][:200] if msg else type(e).__name__
                raise ModelError(f"cannot load '{model}' from the Hugging Face Hub "
                                 f"({short}). {fix}") from None
    if not getattr(mdl.config, "is_encoder_decoder", False):
        raise ModelError(f"{model}: {type(mdl).__name__} is not an encoder-decoder (seq2seq) "
                         "model; use a summarization model such as BART or T5")
    from ..transformer.hub import pick_device

    mdl.to(pick_device(device))  # None: a GPU when there is one, as for classifiers
    mdl.eval()
    return tok, mdl


def input_limit(tok, mdl, max_input_tokens: int | None = None) -> int:
    """Tokens the encoder accepts: the option, else the model's positions (<= 1024)."""
    cands = [max_input_tokens] if max_input_tokens else []
    cands.append(getattr(mdl.config, "max_position_embeddings", None) or 1024)
    tml = getattr(tok, "model_max_length", None)
    if tml and tml < 10**6:
        cands.append(tml)
    return max(8, min(c for c in cands if c))


class Seq2SeqSummarizer:
    """Chunked generation: a text longer than the encoder's limit is split at sentence
    boundaries into chunks that fit, each chunk is summarized, and the joined chunk
    summaries are summarized again (up to ``max_rounds``; then truncated)."""

    def __init__(self, tok, mdl, *, limit: int, num_beams: int = 4, max_length: int = 128,
                 min_length: int = 0, no_repeat_ngram_size: int = 3,
                 length_penalty: float = 1.0, batch_size: int = 4, max_rounds: int = 3):
        self.tok, self.mdl, self.limit = tok, mdl, limit
        self.gen = {"num_beams": num_beams, "max_length": max_length,
                    "min_length": min_length, "no_repeat_ngram_size": no_repeat_ngram_size,
                    "length_penalty": length_penalty, "early_stopping": num_beams > 1}
        self.batch_size = batch_size
        self.max_rounds = max_rounds

    def n_tokens(self, text: str) -> int:
        # counting a long text is how it gets chunked: transformers' "longer than the
        # maximum ... will result in indexing errors" warning does not apply
        from ..transformer.hub import quiet_transformers

        with quiet_transformers():
            return len(self.tok(text, add_special_tokens=True)["input_ids"])

    def generate(self, texts: list[str]) -> list[str]:
        import torch

        out: list[str] = []
        device = next(self.mdl.parameters()).device
        for i in range(0, len(texts), self.batch_size):
            enc = self.tok(texts[i:i + self.batch_size], return_tensors="pt", padding=True,
                           truncation=True, max_length=self.limit)
            enc.pop("token_type_ids", None)
            with torch.inference_mode():
                ids = self.mdl.generate(**{k: v.to(device) for k, v in enc.items()},
                                        **self.gen)
            out.extend(s.strip() for s in self.tok.batch_decode(ids, skip_special_tokens=True))
        return out

    def chunks(self, text: str, sentences: list[str] | None = None) -> list[str]:
        """Pieces of ``text`` of at most ``limit`` tokens, cut at sentence boundaries."""
        budget = self.limit
        if sentences is None:
            from ..kiwi import get_kiwi

            sentences = [s.text for s in get_kiwi().split_into_sents(text)] or [text]
        pieces: list[str] = []
        for s in sentences:
            if self.n_tokens(s) <= budget:
                pieces.append(s)
                continue
            cur: list[str] = []  # a sentence too long by itself: cut between words
            for w in s.split():
                if cur and self.n_tokens(" ".join(cur + [w])) > budget:
                    pieces.append(" ".join(cur))
                    cur = []
                cur.append(w)
            if cur:
                pieces.append(" ".join(cur))
        out: list[str] = []
        cur_text = ""
        for p in pieces:
            cand = f"{cur_text} {p}".strip()
            if cur_text and self.n_tokens(cand) > budget:
                out.append(cur_text)
                cur_text = p
            else:
                cur_text = cand
        if cur_text:
            out.append(cur_text)
        return out

    def __call__(self, text: str, sentences: list[str] | None = None) -> str:
        if not text.strip():
            return ""
        for _ in range(self.max_rounds):
            if self.n_tokens(text) <= self.limit:
                break
            parts = self.chunks(text, sentences)
            text = "\n".join(self.generate(parts))
            sentences = None
        return self.generate([text])[0]


class AbstractiveSummarizer(Stage):
    """Generated summary with a transformers seq2seq model (a local folder or a Hub name).

    Long texts are chunked at sentence boundaries and re-summarized (see
    :class:`Seq2SeqSummarizer`); generation options: ``num_beams``, ``max_length``,
    ``min_length``, ``no_repeat_ngram_size``, ``length_penalty``. Assigns ``summary`` as a
    one-item list.
    """

    factory = "abstractive.v1"
    requires = frozenset({"text"})
    assigns = frozenset({"summary"})
    path_params: ClassVar[tuple[str, ...]] = ("model",)
    param_help: ClassVar[dict[str, str]] = {
        "model": "A local model folder (safetensors) or a Hugging Face Hub name.",
        "num_beams": "Beam search width.",
        "max_length": "Most tokens generated.",
        "min_length": "Fewest tokens generated.",
        "no_repeat_ngram_size": "No n-gram of this size is generated twice (0 = off).",
        "length_penalty": "> 1 favours longer summaries in beam search.",
        "max_input_tokens": "Chunk size; default: the model's input limit.",
        "batch_size": "Texts (or chunks) generated at once.",
        "device": "cpu, cuda, cuda:1, mps (default: a GPU when there is one).",
    }

    def __init__(self, model: str = "gogamza/kobart-summarization", num_beams: int = 4,
                 max_length: int = 128, min_length: int = 0, no_repeat_ngram_size: int = 3,
                 length_penalty: float = 1.0, max_input_tokens: int | None = None,
                 batch_size: int = 4, device: str | None = None):
        self.model = model
        self.num_beams = num_beams
        self.max_length = max_length
        self.min_length = min_length
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self.length_penalty = length_penalty
        self.max_input_tokens = max_input_tokens
        self.batch_size = batch_size
        self.device = device
        if int(num_beams) < 1 or int(max_length) < 1 or int(min_length) < 0:
            raise ConfigError("abstractive: num_beams and max_length must be >= 1, "
                              "min_length >= 0")
        if int(min_length) > int(max_length):
            raise ConfigError(f"abstractive: min_length {min_length} > max_length {max_length}")
        if str(model).startswith((".", "/", "~")) and not Path(model).expanduser().exists():
            # a folder (a hub name never starts so): say so when built, `validate` too
            raise ConfigError(f"abstractive model {model}: no such folder (in a pipeline "
                              f"file, a relative path is relative to that file)")
        self._runner: Seq2SeqSummarizer | None = None

    @property
    def runner(self) -> Seq2SeqSummarizer:
        if self._runner is None:
            tok, mdl = load_seq2seq(self.model, self.device)
            self._runner = Seq2SeqSummarizer(
                tok, mdl, limit=input_limit(tok, mdl, self.max_input_tokens),
                num_beams=self.num_beams, max_length=self.max_length,
                min_length=self.min_length, no_repeat_ngram_size=self.no_repeat_ngram_size,
                length_penalty=self.length_penalty, batch_size=self.batch_size)
        return self._runner

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        run = self.runner
        for doc in docs:
            sents = [s.text for s in doc.sentences] if doc.sentences else None
            out = run(doc.text, sents)
            doc.summary = [out] if out else []
            doc.summary_indices = None
        return docs

