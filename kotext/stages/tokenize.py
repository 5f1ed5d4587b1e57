"""Tokenization stage ``kiwi.v1``: Kiwi morphemes with tags, offsets and sentences."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ..doc import Doc, Sentence, Token
from ..errors import ConfigError
from ..kiwi import KIWI_TAGS, SENTENCE_END, as_tag, check_user_word, get_kiwi, windows
from .base import Stage

# Shorthands for ``pos``; tags match by prefix, so "VV" also keeps "VV-R"/"VV-I".
POS_PRESETS: dict[str, tuple[str, ...]] = {
    "nouns": ("NNG", "NNP"),
    "content": ("NNG", "NNP", "NR", "VV", "VA", "XR", "MAG", "SL", "SH"),
    "predicates": ("VV", "VA"),
}
# Kiwi's typo sets (kiwipiepy's `typos=`); another value made every document fail
TYPO_SETS = ("basic", "continual", "basic_with_continual", "lengthening",
             "basic_with_continual_and_lengthening", "all")
MODEL_TYPES = ("cong", "cong-global", "largest", "knlm", "sbg", "none")  # Kiwi's model_type
PREDICATE_TAGS = ("VV", "VA", "VX", "VCN", "VCP", "XSV", "XSA")
_new = tuple.__new__  # builds a Token without NamedTuple.__new__'s Python frame (hot loop)

# Kiwi keeps a quotation in its sentence; an opening quote that is never closed (‘ in one
# news item, closed ten articles later) made one "sentence" of 18,000 characters. A
# sentence longer than this is cut after sentence-final punctuation followed by a space.
LONG_SENTENCE = 400

# The cleaning stage's masks stay one token each, with Kiwi's own tags for such things.
_MASK = re.compile(r"\[(URL|EMAIL|PHONE|RRN|EMOJI)\]")
_MASK_TAGS = {"URL": "W_URL", "EMAIL": "W_EMAIL", "PHONE": "W_SERIAL", "RRN": "W_SERIAL",
              "EMOJI": "W_EMOJI"}


def _masks(text: str) -> list[tuple[int, int, str]]:
    if "[" not in text:
        return []
    return [(m.start(), m.end(), _MASK_TAGS[m.group(1)]) for m in _MASK.finditer(text)]


def pos_prefixes(pos, where: str) -> tuple[str, ...]:
    """``pos`` as tag prefixes: presets expanded (nouns, content, predicates), tags in any
    case (nng, VV-I), each checked against Kiwi's tags (NNX matched nothing, silently)."""
    prefixes: list[str] = []
    for p in _as_list(pos, where):
        if p.lower() in POS_PRESETS:
            prefixes.extend(POS_PRESETS[p.lower()])
        elif p.upper() in KIWI_TAGS or (p.isalpha() and p.isupper()):
            p = p.upper()
            if not any(t.startswith(p) for t in KIWI_TAGS):
                raise ConfigError(
                    f"{where}: no Kiwi tag starts with {p!r}; use tags such as NNG, NNP, VV, "
                    f"VA, MAG, SL (Sejong tags) or a preset ({', '.join(POS_PRESETS)})")
            prefixes.append(p)
        else:
            raise ConfigError(f"{where}: {p!r} is not a tag prefix (e.g. NNG, VV) nor a "
                              f"preset ({', '.join(POS_PRESETS)})")
    return tuple(prefixes)


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    if isinstance(value, (list, tuple)):
        return [str(x) for x in value]
    raise ConfigError(f"tokenize option {name}: expected a list of strings, got {value!r}")


class KiwiTokenizer(Stage):
    """Kiwi morphemes (``form``, ``tag``, ``start``, ``end``) and sentences.

    ``pos`` keeps only tags starting with one of the given prefixes (or a preset:
    ``nouns``, ``content``, ``predicates``); ``lemmas`` turns predicates into stem + 다
    (좋/VA -> 좋다/VA); ``stopwords`` drops Kiwi's default Korean stopword list, and
    ``extra_stopwords`` drops more (``form`` or ``form/TAG``); ``user_words``
    (``WORD`` or ``WORD/TAG``) and ``user_dict`` (a TSV file: WORD, TAG, SCORE) extend
    the dictionary. Sentences follow Kiwi, and line breaks always end a sentence (as does
    sentence-final punctuation inside one longer than LONG_SENTENCE characters).

    A text longer than ``kotext.kiwi.WINDOW`` characters is tokenized in windows cut at
    line breaks or sentence ends (see ``kotext.kiwi.windows``), so that time grows with
    its length, not its square; offsets and sentences are those of the whole text.
    ``max_chars`` tokenizes only a text's first characters (a classifier that reads only
    those sets it in the pipeline it loads).
    """

    factory = "kiwi.v1"
    requires = frozenset({"text"})
    assigns = frozenset({"tokens", "sentences"})
    assigns_when: ClassVar[dict[str, str]] = {"sentences": "sentences = true"}
    path_params: ClassVar[tuple[str, ...]] = ("user_dict",)
    param_help: ClassVar[dict[str, str]] = {
        "pos": "Keep only these tag prefixes (NNG,NNP,VV) or a preset: nouns, content, "
               "predicates.",
        "lemmas": "Write predicates as stem + 다 (좋/VA -> 좋다/VA).",
        "stopwords": "Drop Kiwi's default Korean stopword list.",
        "extra_stopwords": "More stopwords: FORM or FORM/TAG.",
        "user_words": "Add words to Kiwi's dictionary: WORD or WORD/TAG (default NNP).",
        "user_dict": "A user dictionary file: WORD<TAB>TAG[<TAB>SCORE] per line.",
        "sentences": "Split sentences (line breaks always end one).",
        "model_type": "Kiwi model: cong (default), cong-global, largest.",
        "typos": "Kiwi typo correction while tokenizing: basic, continual, ...",
        "normalize_coda": "Normalize codas added for effect (먹었닼ㅋㅋ -> 먹었다 ㅋㅋ).",
        "split_complex": "Split complex morphemes (고마움 -> 고맙 + 음).",
        "num_workers": "Kiwi threads (default: all cores).",
        "max_chars": "Tokenize only the first N characters (carried on to the end of the "
                     "word there); the rest of the text gets no tokens.",
    }

    def __init__(self, pos: list[str] | str | None = None, lemmas: bool = False,
                 stopwords: bool = False, extra_stopwords: list[str] | None = None,
                 user_words: list[str] | None = None, user_dict: str | None = None,
                 sentences: bool = True, model_type: str | None = None,
                 typos: str | None = None, normalize_coda: bool = False,
                 split_complex: bool = False, num_workers: int | None = None,
                 max_chars: int | None = None):
        self.pos = pos
        self.lemmas = lemmas
        self.stopwords = stopwords
        self.extra_stopwords = extra_stopwords
        self.user_words = user_words
        self.user_dict = user_dict
        self.sentences = sentences
        self.model_type = model_type
        self.typos = typos
        self.normalize_coda = normalize_coda
        self.split_complex = split_complex
        self.num_workers = num_workers
        self.max_chars = max_chars
        if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(
                max_chars, int) or max_chars < 1):
            raise ConfigError(f"tokenize option max_chars: {max_chars!r}; give a whole number "
                              f"of characters, 1 or more, or leave it out (the whole text)")
        if model_type is not None and model_type not in MODEL_TYPES:
            raise ConfigError(f"tokenize option model_type: {model_type!r}; use one of "
                              f"{', '.join(MODEL_TYPES)}, or leave it out (Kiwi's default)")
        if typos is not None and typos not in TYPO_SETS:
            raise ConfigError(f"tokenize option typos: {typos!r}; use one of "
                              f"{', '.join(TYPO_SETS)} (Kiwi's typo sets), or leave it out")
        if not sentences:  # a summarizer behind it must fail when built, not summarize nothing
            self.assigns = frozenset({"tokens"})
        self._pos = pos_prefixes(pos, "tokenize option pos") or None
        self._stop_forms: set[str] = set()
        self._stop_pairs: set[tuple[str, str]] = set()
        if stopwords:
            from kiwipiepy.utils import Stopwords

            self._stop_pairs |= set(Stopwords().stopwords)
        for w in _as_list(extra_stopwords, "extra_stopwords"):
            form, sep, tag = w.rpartition("/")
            tag = as_tag(tag) if sep and form else None
            if tag:
                self._stop_pairs.add((form, tag))
                if tag in ("VV", "VA", "VX", "XSA"):  # 듣/VV also stops 듣/VV-I
                    self._stop_pairs |= {(form, f"{tag}-R"), (form, f"{tag}-I")}
            else:
                self._stop_forms.add(w)
        self._user_words = tuple(_as_list(user_words, "user_words"))
        for w in self._user_words:
            check_user_word(w)
        if user_dict is not None and not Path(user_dict).is_file():
            raise ConfigError(
                f"user_dict not found: {user_dict}. Give a TSV file with lines "
                "WORD<TAB>TAG[<TAB>SCORE] (in a pipeline file, a relative path is relative "
                "to that file)."
            )
        self._filtering = bool(self._pos or self._stop_forms or self._stop_pairs)

    @property
    def kiwi(self):
        return get_kiwi(self.model_type, self.num_workers, self._user_words, self.user_dict)

    def _keep(self, form: str, tag: str) -> bool:
        if self._pos is not None and not tag.startswith(self._pos):
            return False
        return form not in self._stop_forms and (form, tag) not in self._stop_pairs

    def _kwargs(self) -> dict:
        kwargs = {"normalize_coda": self.normalize_coda, "split_complex": self.split_complex}
        if self.typos:
            kwargs["typos"] = self.typos
        return kwargs

    def _windows(self, text: str) -> list[tuple[int, int, bool]]:
        return windows(text, limit=self.max_chars)

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        kwargs = self._kwargs()
        plans = [self._windows(d.text) for d in docs]
        texts = [d.text[a:b] for d, plan in zip(docs, plans) for a, b, _ in plan]
        if any("[" in t for t in texts):  # a Python call per document only when needed
            kwargs["pretokenized"] = _masks
        results = iter(self.kiwi.tokenize(texts, **kwargs))
        for doc, plan in zip(docs, plans):
            fill = _Filler(self, doc, len(plan) > 1)
            for (a, _, joined), ktoks in zip(plan, results):
                fill.add(ktoks, a, joined)
            fill.finish()
        return docs

    streams = True

    def process_stream(self, docs: Iterator[Doc], pending: deque[Doc]) -> Iterator[Doc]:
        # One kiwi.tokenize over the whole stream: Kiwi's threads read ahead and keep
        # tokenizing while the caller cleans the next texts or writes the last results
        # (measured faster than one call per batch, which leaves them idle in between).
        # A long text goes as its windows, each added to its document as it comes.
        kiwi = self.kiwi
        plans: deque[list[tuple[int, int, bool]]] = deque()

        def texts() -> Iterator[str]:
            for d in docs:
                pending.append(d)
                if d.error is None:
                    plan = self._windows(d.text)
                    plans.append(plan)
                    for a, b, _ in plan:
                        yield d.text[a:b]

        fill, done = None, 0
        for ktoks in kiwi.tokenize(texts(), pretokenized=_masks, **self._kwargs()):
            if fill is None:
                while pending[0].error is not None:
                    yield pending.popleft()
                fill, done = _Filler(self, pending[0], len(plans[0]) > 1), 0
            a, _, joined = plans[0][done]
            fill.add(ktoks, a, joined)
            done += 1
            if done == len(plans[0]):
                fill.finish()
                plans.popleft()
                fill = None
                yield pending.popleft()
        while pending:
            yield pending.popleft()


class _Filler:
    """Builds one document's tokens and sentences from Kiwi's results for its windows, in
    order, with offsets in the whole text (each window's results dropped once added)."""

    __slots__ = ("stage", "doc", "tokens", "sents", "cur", "s_start", "s_end", "first",
                 "multi", "w")

    def __init__(self, stage: KiwiTokenizer, doc: Doc, windowed: bool):
        self.stage, self.doc = stage, doc
        self.tokens: list[Token] = []
        self.sents: list[Sentence] = []
        self.cur = None  # the key of the open sentence
        self.s_start = self.s_end = self.first = 0
        self.multi = windowed or "\n" in doc.text
        self.w = 0

    def add(self, ktoks, offset: int, joined: bool) -> None:
        stage = self.stage
        lemmas, filtering, want_sents = stage.lemmas, stage._filtering, stage.sentences
        keep = stage._keep
        text, tokens, sents, multi, w = self.doc.text, self.tokens, self.sents, self.multi, self.w
        cur, s_start, s_end, first = self.cur, self.s_start, self.s_end, self.first
        alias = joined and cur is not None  # this window's first sentence goes on the open one
        first_key = None
        for t in ktoks:
            form, tag = t.form, t.tag
            start = t.start + offset
            end = start + t.len
            if want_sents:
                # Kiwi's sentence index; the line and window too when there are several
                key = (w, t.line_number, t.sent_position) if multi else t.sent_position
                if alias:
                    if first_key is None:
                        first_key = key
                    if key == first_key:
                        key = cur
                    else:
                        alias = False
                if key != cur:
                    if cur is not None:
                        sents.append(Sentence(text[s_start:s_end], s_start, s_end,
                                              (first, len(tokens))))
                    cur, s_start, s_end, first = key, start, end, len(tokens)
                elif end > s_end:
                    s_end = end
            if lemmas and tag.startswith(PREDICATE_TAGS):
                lemma = t.lemma
                # a stopword may be written as the output shows it (좋다/VA) or as the stem
                if filtering and not (keep(form, tag) and keep(lemma, tag)):
                    continue
                tokens.append(_new(Token, (form, tag, start, end, lemma)))
            elif filtering and not keep(form, tag):
                continue
            else:
                tokens.append(_new(Token, (form, tag, start, end, None)))
        self.cur, self.s_start, self.s_end, self.first = cur, s_start, s_end, first
        self.w = w + 1

    def finish(self) -> None:
        doc, sents, tokens = self.doc, self.sents, self.tokens
        if self.stage.sentences:
            if self.cur is not None:
                text = doc.text
                sents.append(Sentence(text[self.s_start:self.s_end], self.s_start, self.s_end,
                                      (self.first, len(tokens))))
            if len(doc.text) > LONG_SENTENCE and any(
                    s.end - s.start > LONG_SENTENCE for s in sents):
                sents = _cut_long(sents, tokens)
            doc.sentences = sents
        doc.tokens = tokens


def _cut_long(sents: list[Sentence], tokens: list[Token]) -> list[Sentence]:
    """Sentences longer than LONG_SENTENCE cut after each sentence-final punctuation mark
    that a space follows (see LONG_SENTENCE); each piece keeps its range of tokens."""
    import bisect

    starts = [t.start for t in tokens]
    out: list[Sentence] = []
    for s in sents:
        if s.end - s.start <= LONG_SENTENCE:
            out.append(s)
            continue
        cuts = [s.start] + [s.start + m.end() for m in SENTENCE_END.finditer(s.text)] + [s.end]
        for a, b in zip(cuts, cuts[1:]):
            piece = s.text[a - s.start:b - s.start].rstrip()
            b = a + len(piece)
            out.append(Sentence(piece, a, b, (bisect.bisect_left(starts, a),
                                              bisect.bisect_left(starts, b))))
    return out
