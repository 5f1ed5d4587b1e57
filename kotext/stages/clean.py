"""Cleaning stage ``clean.v1``: Unicode, HTML, personal data, emoji, repeats, whitespace."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import ClassVar

from ..doc import Doc
from ..errors import ConfigError
from ..kiwi import get_kiwi
from .base import Stage

_TAG_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
# A tag is <name ...>, </name> or <!...> with a known HTML element name: Korean text puts
# titles in angle brackets (<기생충>, <Parasite>) and "a < b > c" is no tag either.
# Attributes are name[=value] pairs with ASCII names, so "a<b 그리고 c>d" is no tag (its
# 그리고 was deleted with it); values may hold anything, quoted or not.
_ATTRS = (r"""(?:(?:\s+|(?<=["']))[A-Za-z_:@][-A-Za-z0-9_:.@]*"""
          r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`]+))?)*\s*""")
# A declaration (<!DOCTYPE html>) holds no Hangul: in "<!Important 공지>" the brackets are
# the writer's. (<![CDATA[...]]> is not one: its text stays.)
_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9]*){_ATTRS}/?>|<!--.*?-->"
                  r"|<![A-Za-z][^<>\uac00-\ud7a3\u3131-\u318e]{0,2000}>", re.DOTALL)
_HTML_NAMES = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe
img input ins kbd label legend li link main map mark meta meter nav noscript object ol
optgroup option output p param picture pre progress q rp rt ruby s samp section select small
source span strike strong sub summary sup table tbody td template textarea tfoot th thead
time title tr track u ul var video wbr center tt big nobr
""".split())


# Inline elements vanish without a space: <b>지루</b>했다 -> 지루했다
_INLINE_NAMES = frozenset("a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp "
                          "small span strike strong sub sup time tt u var big nobr".split())


def _strip_tag(m: re.Match) -> str:
    name = m.group(2)
    if name is None:
        return " "
    if m.group(0) == f"<{m.group(1)}{name}>" and name[0].isupper() and not name.isupper():
        return m.group(0)  # <Legend>, <Big>, </Big>: a title (HTML tags are <big> or <BIG>)
    name = name.lower()
    if name not in _HTML_NAMES:
        return m.group(0)
    # (also between digits: 010-123<b>4</b>-5678 split by a space leaked, unmasked)
    return "" if name in _INLINE_NAMES else " "
# Korean writes particles straight after a URL or an address (www.naver.com입니다,
# abc@naver.com으로): a URL stops at Hangul, and does not end in punctuation that closes
# the sentence or a bracket around it, except its own: (...) pairs inside it stay whole
# (wiki/Foo_(bar)); an address is ASCII on both sides of the @.
_HANGUL = "\uac00-\ud7a3\u3131-\u318e"
# A Hangul path is part of the URL where it starts a segment or a value, after / = _ ? & #
# (https://ko.wikipedia.org/wiki/기생충_(영화): the path leaked after "[URL]").
_URL_PAREN = rf"\([^\s<>\"'{_HANGUL}()]*\)|(?<=_)\([^\s<>\"'()]*\)"
_URL_HANGUL = rf"(?<=[/=_?&#])[{_HANGUL}]+"
# A URL written without a scheme: a lower-case domain with a common ending, then a path
# (blog.naver.com/kim123, bit.ly/3abc, youtu.be/x). A bare naver.com stays a word, and so
# do ASP.NET/C#, Amazon.com/Netflix, To.be/continued, 3.me/5 and netflix.com/ 에서.
_BARE_DOMAIN = (r"(?-i:(?<![\w.@/-])(?=[a-z0-9-]*[a-z])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*"
                r"\.(?:com|net|org|kr|ly|be|io|me|tv|gl|co)(?=/[A-Za-z0-9_~%?=#-]))")
_URL = re.compile(rf"(?:https?://|www\.|ftp://|{_BARE_DOMAIN})(?:[^\s<>\"'{_HANGUL}()]|{_URL_PAREN}|{_URL_HANGUL})*"
                  rf"(?:[^\s<>\"'{_HANGUL}.,;:!?()\]}}]|{_URL_PAREN}|{_URL_HANGUL})",
                  re.IGNORECASE)
# ...naver.com/에서: a particle written after the slash that ends a URL stays outside it
_TRAILING_HANGUL = re.compile(rf"/([{_HANGUL}]+)$")
_PARTICLES = frozenset("에서 에 은 는 이 가 을 를 로 으로 도 만 까지 부터 와 과 랑 이랑 의 에서요 "
                       "에서는 에는 에도 으로는 로는 입니다 이에요 예요 에요 이요 요 이나 나".split())


def _url_mask(url: str, rep: str) -> str:
    m = _TRAILING_HANGUL.search(url)
    if m and m.group(1) in _PARTICLES:
        return rep + m.group(1)
    return rep


# the name starts with a letter or digit: "드림..homemc@hanmail.net" keeps its ".."
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# ＠, the full-width at sign a Korean keyboard's full-width mode types (a pattern of its
# own: a character class in place of the literal @ made long texts 5x slower to search)
_EMAIL_FULL_WIDTH = re.compile(_EMAIL.pattern.replace("@", "\uff20"))
# 주민등록번호: YYMMDD-[1-8]XXXXXX (checked before phone numbers)
# hyphen, the dashes a word processor puts in, minus, the full-width hyphen, and ㅡ (the
# vowel, typed for a dash on a Korean keyboard: 010ㅡ1234ㅡ5678)
_NEAR = "\\-\u2010-\u2015\u2212"  # a number next to one of these is part of a longer one
_DASH = _NEAR + "\uff0d\u3161"  # (ㅡㅡ, an emoticon, before a number does not hide it)
_RRN = re.compile(rf"(?<!\d)\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?[{_DASH}]?\s?"
                  rf"[1-8]\d{{6}}(?!\d)")
# 010-1234-5678, 02)123-4567, (02) 123-4567, 010 - 1234 - 5678, +82 10-..., +82 (0)10-...,
# 010  1234  5678 (spaces doubled, or tabs: up to three), 0505-123-4567 (a "safe number").
# A number is part of a longer one where a digit, or a dash and a digit, stand next to it;
# a dash next to a word does not hide it (홍길동-010-1234-5678, HP-010...).
_SP = r"(?:[^\S\n]{1,3}|\s)"  # up to three spaces or tabs, or one line break
_SEP = rf"(?:{_SP}?[{_DASH}.]{_SP}?|{_SP})?"
_PHONE = re.compile(
    rf"(?<!\d)(?<!\d[{_NEAR}])(?:\+82{_SEP}(?:\(0\){_SEP})?\(?|\(?0)"
    rf"(?:1[016789]|2|[3-6][1-5]|70|50[2-8])"
    rf"(?:\)\s?|{_SEP})\d{{3,4}}{_SEP}\d{{4}}(?!\d)(?![{_NEAR}]\d)"
)
# Full-width digits and brackets, as some keyboards and forms write phone numbers
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_FULL_WIDTH = str.maketrans("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"
                            "\uff0b\uff08\uff09", "0123456789+()")
_KEPT = re.compile(f"{_URL.pattern}|{_EMAIL.pattern}", re.IGNORECASE)
_DIGITS4 = re.compile(r"\d{4}")  # both patterns above need four digits in a row
_SPACES = re.compile(r"[^\S\n]+")
# Invisible characters pasted in from web pages and word processors: zero-width space,
# soft hyphen, word joiner, a BOM inside the text, direction marks; and a zero-width joiner
# that is not inside an emoji sequence. Kiwi makes tokens of them (배우\u200b연기 -> 우연).
# Also the zero-width non-joiner, the invisible math operators, the Mongolian vowel
# separator, and the Hangul fillers (U+3164, U+FFA0) people paste as a "blank" character.
_ZWJ = "\u200d"
_ALWAYS_INVISIBLE = ("\u200b\u00ad\u2060\ufeff\u200e\u200f\u200c\u2061\u2062\u2063\u2064"
                     "\u180e\u3164\uffa0")
# Control characters (not tab, line breaks, form feed: whitespace) become a space, as they
# separate what they stand between (영화\x01재미); a terminal colour code goes whole
_CONTROLS = "\x00-\x08\x0e-\x1b\x7f"
_CONTROL = re.compile(f"\x1b\\[[0-9;]*[A-Za-z]|[{_CONTROLS}]")
_ANY_INVISIBLE = re.compile(f"[{_ALWAYS_INVISIBLE}{_ZWJ}{_CONTROLS}]")  # the quick test
_INVISIBLE = re.compile(f"[{_ALWAYS_INVISIBLE}]|(?<=[\\w\\s]){_ZWJ}|{_ZWJ}(?=[\\w\\s])")
_NEWLINES = re.compile(r"\s*\n\s*")
_COMPAT_JAMO = re.compile("([\u3131-\u318e]+)")
# Half-width (ﾻ) and circled (㉠) jamo: NFKC makes them conjoining jamo too; they become
# the compatibility jamo they stand for first.
_CONJOINING_TO_COMPAT = {unicodedata.normalize("NFKC", chr(c)): chr(c)
                         for c in range(0x3131, 0x318F)}
_TO_COMPAT_JAMO = {c: _CONJOINING_TO_COMPAT[unicodedata.normalize("NFKC", chr(c))]
                   for c in [*range(0xFFA1, 0xFFDD), *range(0x3260, 0x326E)]
                   if unicodedata.normalize("NFKC", chr(c)) in _CONJOINING_TO_COMPAT}


def _nfkc(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII, ...) except for Korean compatibility
    jamo: NFKC turns ㅋㅋ into conjoining jamo (ᄏᄏ) that Kiwi reads as a noun."""
    text = text.translate(_TO_COMPAT_JAMO)
    if not _COMPAT_JAMO.search(text):
        return unicodedata.normalize("NFKC", text)
    parts = _COMPAT_JAMO.split(text)  # odd positions: jamo runs, kept as written
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


_ODD_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
# A lone surrogate (json.loads of "\\ud800") is no character: Kiwi failed on it with a
# codec error that pointed nowhere near the input
_SURROGATE = re.compile("[\ud800-\udfff]")
# Compatibility jamo (ㄱ-ㅣ) runs; "noise" = a run mixing 4+ distinct jamo besides the
# laughing and crying ones (ㅁㄴㅇㄹ, a hand on the keyboard); ㅋㅋㅎㅎㅠㅠ, ㄹㅇㅋㅋ (리얼),
# ㅎㅇㅌ (화이팅), ㅆㄹㄱ (쓰레기) carry meaning and stay.
_JAMO_RUN = re.compile(r"[\u3131-\u318e]+")
_EMOTIVE_JAMO = frozenset("ㅋㅎㅠㅜㅡ")


def _jamo_noise(m: re.Match) -> str:
    run = m.group(0)
    return " " if len(set(run) - _EMOTIVE_JAMO) >= 4 else run


_MASKS = {"url": "[URL]", "email": "[EMAIL]", "phone": "[PHONE]", "rrn": "[RRN]"}
_PII_MODES = ("mask", "remove", "keep")


def _check(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"clean option {name}={value!r}: use one of {', '.join(allowed)}")
    return value


def _fix_typos(kiwi, text: str, toks) -> str:
    """Rewrite only the words (runs between whitespace) holding a morpheme Kiwi corrected
    (typo_cost > 0); the rest of the text, line breaks included, stays as written."""
    spans: list[list[int]] = []
    for t in toks:
        if t.typo_cost > 0:
            s, e = t.start, t.end
            while s > 0 and not text[s - 1].isspace():
                s -= 1
            while e < len(text) and not text[e].isspace():
                e += 1
            if spans and s < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], e)
            else:
                spans.append([s, e])
    for s, e in reversed(spans):
        text = text[:s] + kiwi.join([t for t in toks if s <= t.start and t.end <= e]) + text[e:]
    return text


class Clean(Stage):
    """Normalize and clean raw text. Offsets of later stages point into the cleaned text.

    Defaults (all configurable): NFC on; HTML tags stripped and entities decoded; URLs,
    e-mails, phone numbers and resident registration numbers masked (``[URL]``,
    ``[EMAIL]``, ``[PHONE]``, ``[RRN]``); emoji kept; characters repeated 3+ times cut to 2
    (ㅋㅋㅋㅋ -> ㅋㅋ, !!!! -> !!; digits untouched); jamo noise kept; spaces collapsed
    (line breaks kept, as sentence boundaries); Kiwi spacing and typo correction off.
    """

    factory = "clean.v1"
    requires = frozenset({"text"})
    assigns = frozenset({"text"})
    param_help: ClassVar[dict[str, str]] = {
        "normalize": "Unicode normalization: NFC, NFKC or none (macOS NFD becomes NFC).",
        "html": "Strip HTML tags and decode entities (&amp;).",
        "urls": "URLs: mask ([URL]), remove or keep.",
        "emails": "E-mail addresses: mask ([EMAIL]), remove or keep.",
        "phones": "Phone numbers: mask ([PHONE]), remove or keep.",
        "rrn": "Resident registration numbers: mask ([RRN]), remove or keep.",
        "emoji": "Emoji: keep, remove or replace (with `emoji_token`).",
        "emoji_token": "What replaces an emoji with emoji='replace'.",
        "normalize_repeats": "Cut characters repeated more than N times to N (ㅋㅋㅋㅋ -> ㅋㅋ); "
                             "0 = off; digits, Roman numerals (III, VIII) and asterisks (masks) "
                             "are never touched, Latin letters only in runs of 4+ (AAA stays).",
        "jamo": "Jamo runs: keep, remove_noise (ㅁㄴㅇㄹ; ㅋㅋㅠㅠ, ㄹㅇ, ㅎㅇㅌ stay) or remove.",
        "whitespace": "Collapse runs of spaces; drop invisible characters (zero-width "
                      "space, soft hyphen; dropped with this off too while personal data "
                      "is masked, as they can hide it).",
        "keep_newlines": "Keep line breaks (they are sentence boundaries).",
        "spacing": "Correct word spacing with Kiwi (slower).",
        "typos": "Correct common typos with Kiwi, rewriting only the corrected words "
                 "(slower).",
    }

    def __init__(self, normalize: str = "NFC", html: bool = True, urls: str = "mask",
                 emails: str = "mask", phones: str = "mask", rrn: str = "mask",
                 emoji: str = "keep", emoji_token: str = "[EMOJI]", normalize_repeats: int = 2,
                 jamo: str = "keep", whitespace: bool = True, keep_newlines: bool = True,
                 spacing: bool = False, typos: bool = False):
        self.normalize = normalize
        self.html = html
        self.urls = urls
        self.emails = emails
        self.phones = phones
        self.rrn = rrn
        self.emoji = emoji
        self.emoji_token = emoji_token
        self.normalize_repeats = normalize_repeats
        self.jamo = jamo
        self.whitespace = whitespace
        self.keep_newlines = keep_newlines
        self.spacing = spacing
        self.typos = typos
        if normalize not in ("NFC", "NFKC", "none"):
            raise ConfigError(f"clean option normalize={normalize!r}: use NFC, NFKC or none")
        for opt in ("urls", "emails", "phones", "rrn"):
            _check(opt, getattr(self, opt), _PII_MODES)
        _check("emoji", emoji, ("keep", "remove", "replace"))
        _check("jamo", jamo, ("keep", "remove_noise", "remove"))
        if not isinstance(normalize_repeats, int) or normalize_repeats < 0:
            raise ConfigError("clean option normalize_repeats: a whole number >= 0 (0 = off)")
        self._masking = any(getattr(self, o) != "keep" for o in ("urls", "emails", "phones", "rrn"))
        # emoji replaced: a run of them is cut as repeated characters are (😀😀😀😀 -> 2)
        n = normalize_repeats
        self._emoji_run = (re.compile(rf"(?:{re.escape(emoji_token)}\s*){{{n + 1},}}")
                           if emoji == "replace" and n and emoji_token else None)
        self._repeat = (
            # not digits, nor capitals: Roman numerals (대부 III, 록키 VIII) are numbers; nor
            # asterisks, which mask (900101-2******); a Latin letter only in a run of 4 or
            # more (soooo), as AAA 건전지, WWW, (viii) and xxx mean what they say
            # (an emoji with its variation selector or skin tone repeats as one: ❤️❤️❤️❤️)
            re.compile(r"([^\dIVXLCDM\sA-Za-z*\uff0a][\ufe0f\U0001F3FB-\U0001F3FF]?)\1{%d,}"
                       r"|([ABE-HJKN-UWYZa-z])\2{%d,}" % (n, max(n, 3))) if n else None
        )

    def _pii(self, text: str, mode: str, pattern: re.Pattern, kind: str) -> str:
        if mode == "keep":
            return text
        rep = _MASKS[kind] if mode == "mask" else " "
        if kind in ("phone", "rrn") and _FULL_WIDTH_DIGIT.search(text):
            # ０１０－１２３４－５６７８: found in an ASCII copy of the same length
            probe, out, last = text.translate(_FULL_WIDTH), [], 0
            for m in pattern.finditer(probe):
                out += [text[last:m.start()], rep]
                last = m.end()
            return "".join(out) + text[last:]
        if kind == "url":
            return pattern.sub(lambda m: _url_mask(m.group(0), rep), text)
        return pattern.sub(rep, text)

    def _cut(self, text: str) -> str:
        n = self.normalize_repeats
        return self._repeat.sub(  # type: ignore[union-attr]
            lambda m: (m.group(1) or m.group(2)) * n, text)

    def _cut_repeats(self, text: str) -> str:
        cut = self._cut(text)
        if cut == text or (self.urls != "keep" and self.emails != "keep"):
            return cut
        # URLs / e-mails that are kept stay exactly as written (www.naver.com)
        parts = []
        last = 0
        for m in _KEPT.finditer(text):
            parts.append(self._cut(text[last:m.start()]))
            parts.append(m.group(0))
            last = m.end()
        parts.append(self._cut(text[last:]))
        return "".join(parts)

    def clean_text(self, text: str) -> str:
        if _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", text)
        if self.normalize != "none" and not unicodedata.is_normalized(self.normalize, text):
            text = _nfkc(text) if self.normalize == "NFKC" else \
                unicodedata.normalize(self.normalize, text)
        if self.html and ("<" in text or "&" in text):
            text = _TAG_BLOCK.sub(" ", text)
            text = _TAG_BREAK.sub("\n", text)
            text = _TAG.sub(_strip_tag, text)
            # (escaped markup, &lt;b&gt;, is text: it shows a tag, and stays one)
            text = html.unescape(text).replace("\xa0", " ")
        # Invisible characters (zero-width space, word joiner, soft hyphen) hid personal
        # data from the patterns below (010\u200b-1234-5678), which their removal at the end
        # then gave back readable: removed first, and whenever personal data is masked.
        if (self.whitespace or self._masking) and _ANY_INVISIBLE.search(text):
            text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
        # Www. too (phones capitalize the first letter); every other URL has a "/"
        # (Https://, naver.com/...). Before e-mails, since ?email=a@b.com is part of its
        # URL. (Substring tests: cheaper than lower().)
        if "/" in text or "ww" in text or "WW" in text or "wW" in text or "Ww" in text:
            text = self._pii(text, self.urls, _URL, "url")
        if "@" in text:
            text = self._pii(text, self.emails, _EMAIL, "email")
        if "\uff20" in text:
            text = self._pii(text, self.emails, _EMAIL_FULL_WIDTH, "email")
        if _DIGITS4.search(text):
            text = self._pii(text, self.rrn, _RRN, "rrn")
            text = self._pii(text, self.phones, _PHONE, "phone")
        if self.emoji != "keep":
            import emoji as _emoji

            text = _emoji.replace_emoji(
                text, replace=" " if self.emoji == "remove" else f" {self.emoji_token} "
            )
            if self._emoji_run is not None:
                tok, n = self.emoji_token, self.normalize_repeats
                text = self._emoji_run.sub(lambda m: f" {tok}" * n + " ", text)
        if self._repeat is not None:
            text = self._cut_repeats(text)
        if self.jamo == "remove":
            text = _JAMO_RUN.sub(" ", text)
        elif self.jamo == "remove_noise":
            text = _JAMO_RUN.sub(_jamo_noise, text)
        if self.whitespace:
            if self.keep_newlines and ("\r" in text or "\u2028" in text or "\u2029" in text):
                text = _ODD_BREAKS.sub("\n", text)  # old Mac CR, Unicode line/para separators
            if self.keep_newlines and "\n" in text:
                text = _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()
            else:
                text = " ".join(text.split())
        return text

    def process_batch(self, docs: list[Doc]) -> list[Doc]:
        for d in docs:
            d.text = self.clean_text(d.text)
        if self.spacing or self.typos:
            kiwi = get_kiwi()
            texts = [d.text for d in docs]
            if self.typos:
                texts = [_fix_typos(kiwi, t, toks)
                         for t, toks in zip(texts, kiwi.tokenize(texts, typos="basic"))]
            if self.spacing:
                texts = list(kiwi.space(texts))
            for d, t in zip(docs, texts):
                d.text = t
        return docs
