"""One Kiwi per process and per configuration, built on first use."""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path
from typing import Any

from .errors import ConfigError

_KIWIS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def parse_user_word(item: str) -> tuple[str, str, float]:
    """``"단어"``, ``"단어/NNP"`` or ``"단어\tNNP\t0.0"`` -> (word, tag, score)."""
    item = item.strip()
    if "\t" in item:
        parts = item.split("\t")
        word, tag = parts[0], (parts[1].upper() if len(parts) > 1 and parts[1] else "NNP")
        score = float(parts[2]) if len(parts) > 2 and parts[2] else 0.0
        return word, tag, score
    word, sep, tag = item.rpartition("/")
    if sep and word and as_tag(tag):
        return word, as_tag(tag), 0.0  # 오징어게임/nnp: the tag, not part of the word
    return item, "NNP", 0.0


def as_tag(text: str) -> str | None:
    """``text`` as a tag, in upper case (nng, VV-I), when it reads as one (an upper-case
    word, or a Kiwi tag in any case); else None (이것/저것: a word holding a slash)."""
    return text.upper() if text.isupper() or text.upper() in KIWI_TAGS else None


# The tags Kiwi's add_user_word accepts (Sejong tags plus Kiwi's own W_*, Z_*, USERn).
KIWI_TAGS = frozenset(
    "NNG NNP NNB NR NP VV VA VX VCP VCN MM MAG MAJ IC JKS JKC JKG JKO JKB JKV JKQ JX JC EP EF "
    "EC ETN ETM XPN XSN XSV XSA XSM XR SF SP SS SSO SSC SE SO SW SL SH SN SB UN W_URL W_EMAIL "
    "W_HASHTAG W_MENTION W_SERIAL W_EMOJI Z_CODA Z_SIOT USER0 USER1 USER2 USER3 USER4 "
    "VV-R VV-I VA-R VA-I VX-R VX-I XSA-R XSA-I".split())


def check_user_word(item: str) -> tuple[str, str, float]:
    """Parse a user word and check its tag now, so that ``kotext validate`` and building a
    pipeline catch it rather than the first document."""
    word, tag, score = parse_user_word(item)
    if not word.strip():
        raise ConfigError(f"user word {item!r}: the word is empty")
    if tag.upper() not in KIWI_TAGS:
        raise ConfigError(
            f"user word {item!r}: unknown tag {tag!r}. Use WORD or WORD/TAG with a Sejong tag "
            f"such as NNP, NNG, VV, VA (a word that itself holds '/' needs its tag: "
            f"AC/DC/NNP).")
    return word, tag, score


def _load_user_dict(kiwi, path: Path) -> None:
    """Kiwi reads a user dictionary as UTF-8 only; one saved from Excel or Notepad is CP949
    or has a BOM. Such a file is handed to Kiwi as UTF-8 (NFC), in Kiwi's own format."""
    import os
    import tempfile

    from .errors import InputError
    from .io.encoding import read_text_file

    data = path.read_bytes()
    try:
        data.decode("utf-8")
        plain_utf8 = not data.startswith(b"\xef\xbb\xbf")
    except UnicodeDecodeError:
        plain_utf8 = False
    if plain_utf8:
        kiwi.load_user_dictionary(str(path))
        return
    try:
        text = read_text_file(path, "user dictionary (lines WORD<TAB>TAG[<TAB>SCORE])")
    except InputError as e:
        raise ConfigError(str(e)) from None
    fd, tmp = tempfile.mkstemp(suffix=".tsv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        kiwi.load_user_dictionary(tmp)
    finally:
        os.unlink(tmp)


def _warm(kiwi):
    kiwi.tokenize("가")  # Kiwi finishes loading its model on the first call
    return kiwi


# Set by the CLI: Kiwi's load (seconds in C++ holding the GIL, where no Python signal
# handler runs) is then ended by Ctrl-C at once, as the shell's default action would; what
# a job has written is then as after kill -9, which --resume takes. A library caller's own
# Ctrl-C handling is never changed.
HARD_INTERRUPT_WHILE_LOADING = False


def _while_loading(fn):
    import signal

    if not (HARD_INTERRUPT_WHILE_LOADING and threading.current_thread() is threading.main_thread()):
        return fn()
    previous = signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        return fn()
    finally:
        signal.signal(signal.SIGINT, previous)


def get_kiwi(model_type: str | None = None, num_workers: int | None = None,
             user_words: tuple[str, ...] = (), user_dict: str | None = None):
    key = (model_type, num_workers, tuple(user_words), user_dict)
    with _LOCK:
        kiwi = _KIWIS.get(key)
        if kiwi is None:
            from kiwipiepy import Kiwi

            try:
                kiwi = _while_loading(lambda: _warm(Kiwi(num_workers=num_workers,
                                                     model_type=model_type)))
            except Exception as e:  # e.g. an unknown model_type
                raise ConfigError(f"cannot build Kiwi (model_type={model_type!r}): {e}") from None
            for item in user_words:
                word, tag, score = check_user_word(item)
                try:
                    kiwi.add_user_word(word, tag, score)
                except Exception as e:
                    raise ConfigError(
                        f"user word {item!r}: {e}. Use WORD or WORD/TAG with a Sejong tag "
                        "such as NNP, NNG, VV, VA."
                    ) from None
            if user_dict:
                path = Path(user_dict)
                if not path.is_file():
                    raise ConfigError(
                        f"user dictionary not found: {user_dict}. Give a TSV file with lines "
                        "WORD<TAB>TAG[<TAB>SCORE]."
                    )
                try:
                    _load_user_dict(kiwi, path)
                except ConfigError:
                    raise
                except Exception as e:
                    raise ConfigError(
                        f"{user_dict}: not a Kiwi user dictionary ({e}); each line must be "
                        "WORD<TAB>TAG[<TAB>SCORE]."
                    ) from None
            _KIWIS[key] = kiwi
        return kiwi


# Kiwi's time on one text grows about with its length squared, and a signal waits for its
# call to return: so no call gets more than WINDOW characters. A text longer than WINDOW
# goes to Kiwi as pieces of at most WINDOW characters, cut at a line break, else after
# sentence-final punctuation, else at a space, in the last half of each piece; only a run
# of WINDOW // 2 characters without any of them is cut inside a word.
WINDOW = 1000
SENTENCE_END = re.compile(r"[.!?…。][\"'”’)\]」』]*\s+(?=\S)")
_SPACE = re.compile(r"\s")
_NO_CUT_BEFORE = frozenset("\u200d\ufe0e\ufe0f")  # ZWJ and variation selectors


def _last(pattern: re.Pattern, text: str, lo: int, hi: int):
    m = None
    for m in pattern.finditer(text, lo, hi):  # noqa: B007 - the last one is kept
        pass
    return m


def windows(text: str, size: int | None = None, limit: int | None = None
            ) -> list[tuple[int, int, bool]]:
    """The pieces ``(start, end, joined)`` of ``text`` that Kiwi tokenizes, in order and
    covering it (or, with ``limit``, its first ``limit`` characters carried on to the end of
    the word there), each at most ``size`` (default WINDOW) long. ``joined``: the piece starts inside a sentence (cut at a space or
    inside a word), so its first sentence goes on the one before. A text up to ``size``
    characters is one piece."""
    size = size or WINDOW
    n = len(text)
    if limit is not None and n > limit:
        m = _SPACE.search(text, limit - 1 if limit else 0, limit + 200) if limit else None
        n = m.start() if m else min(n, limit + 200)
    if n <= size:
        return [(0, n, False)]
    out: list[tuple[int, int, bool]] = []
    pos, joined = 0, False
    while n - pos > size:
        lo, hi = pos + size // 2, pos + size
        cut = text.rfind("\n", lo, hi) + 1
        soft = False
        if not cut:
            last = _last(SENTENCE_END, text, lo, hi)
            cut = last.end() if last else 0
        if not cut:
            last = _last(_SPACE, text, lo, hi)
            cut, soft = (last.end() if last else hi), True
            while not last and cut > lo and (
                    unicodedata.combining(text[cut]) or text[cut] in _NO_CUT_BEFORE
                    or text[cut - 1] == "\u200d" or "\udc00" <= text[cut] <= "\udfff"):
                cut -= 1  # not between a letter and its combining mark, nor in a sequence
        out.append((pos, cut, joined))
        pos, joined = cut, soft
    out.append((pos, n, joined))
    return out
