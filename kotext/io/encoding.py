"""Decode Korean files as people have them: UTF-8 (with or without BOM), CP949/EUC-KR."""

from __future__ import annotations

import codecs
import io
import unicodedata

from ..errors import InputError

HEAD_BYTES = 1 << 16


def nfc(text: str) -> str:
    """NFC (macOS writes Hangul as NFD jamo sequences); cheap when already NFC."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _decodes(head: bytes, encoding: str) -> bool:
    # The head may end inside a multi-byte character: an incremental decoder allows that.
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _readable(text: str) -> int:
    """How many characters of ``text`` read as Korean text does: Hangul, ASCII, spaces."""
    return sum(1 for c in text if c < "\x7f" and (c.isprintable() or c in "\t\r\n")
               or "\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e")


def byte_order(head: bytes, encoding: str) -> str:
    """``utf-16`` or ``utf-32`` as the byte order of ``head`` says: the codec itself with a
    BOM, else the order (-le or -be) whose characters read as text (Python's codec refused
    UTF-16 without a BOM, or read it in the machine's order). Any other encoding as it is."""
    base = codecs.lookup(encoding).name
    if base not in ("utf-16", "utf-32"):
        return encoding
    boms = ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) if base == "utf-32"
            else (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if head.startswith(boms) or not head:
        return base
    size = 4 if base == "utf-32" else 2
    head = head[: len(head) // size * size]
    return max((f"{base}-le", f"{base}-be"),
               key=lambda e: _readable(head.decode(e, errors="replace")))


def looks_like_utf16(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` or ``utf-32-le``/``-be`` when the NUL bytes of ``head`` fall
    as that encoding puts them (ASCII, spaces and line breaks have one or three); else
    None. Text with few NULs (jamo: ㅋ = 4B 31) has them only at line breaks, all at even
    or all at odd offsets; stray NULs are fewer than the lines."""
    nuls = head.count(b"\x00")
    if nuls < 2:
        return None
    wide = _wide_order(head, nuls)
    if wide is None:
        return None
    text = head[:4096 // 4 * 4].decode(wide, errors="replace")
    return wide if _readable(text) * 2 >= len(text) else None  # else binary data


def _wide_order(head: bytes, nuls: int) -> str | None:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return byte_order(head, "utf-32")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return byte_order(head, "utf-16")
    at = {i % 2 for i, b in enumerate(head) if b == 0}
    if len(at) == 1 and nuls >= head.count(b"\n"):
        return byte_order(head, "utf-16")
    quads = [head[i:i + 4] for i in range(0, min(len(head), 4096) - 3, 4)]
    if quads and (all(q[2:] == b"\x00\x00" for q in quads)
                  or all(q[:2] == b"\x00\x00" for q in quads)):  # planes 0-1 of UTF-32
        return byte_order(head, "utf-32")
    return None


KOREAN_CAPABLE = ("utf_8", "cp949", "euc_kr", "johab", "iso2022_kr", "utf_16", "utf_32")


def _breaks_at(head: bytes, encoding: str) -> str:
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        return "none"
    except UnicodeDecodeError as e:
        line = head.count(b"\n", 0, e.start) + 1
        return f"byte {e.start} (line {line})"


def detect_encoding(head: bytes, name: str = "input") -> str:
    """Guess the encoding from the first bytes of a file; binary data is an error."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"\x1f\x8b"):  # gzip: told as such, not as binary text
        how = ("pipe it through zcat first, or give the file by name (FILE.csv.gz is read as "
               "it is)" if name == "stdin" else
               "name it FILE.csv.gz (or .tsv.gz, .jsonl.gz, .txt.gz), which kotext reads as it "
               "is, or decompress it (gunzip)")
        raise InputError(f"{name}: gzip-compressed data, not text: {how}")
    if b"\x00" in head:
        nuls = head.count(b"\x00")
        text = head.replace(b"\x00", b"")
        utf16 = looks_like_utf16(head)
        if nuls <= max(3, len(head) // 100) and not utf16 and (
                _decodes(text, "utf-8") or _decodes(text, "cp949")):
            # text with a stray NUL: read on; each row whose text holds one fails on its
            # own, wherever it is in the file (batch.doc_of)
            return detect_encoding(text, name)
        if utf16:
            wide = utf16[:6]
            raise InputError(
                f"{name}: looks like {utf16.upper()} text without a byte order mark (its NUL "
                f"bytes fall as in {wide.upper()}): pass encoding={wide!r}, or save it as UTF-8")
        raise InputError(
            f"{name}: looks like binary data (it contains NUL bytes), not text. Give a text, "
            "CSV, TSV, JSONL or parquet file; for UTF-16 text pass encoding='utf-16' (text "
            "with a few stray NUL bytes: remove them, e.g. tr -d '\\000')."
        )
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "cp949"):
        return "cp949"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    # A guess outside the encodings that hold Hangul (GB18030, Big5, Latin-1 ...) reads
    # Korean bytes as another script's characters, which then get confident labels
    if best is None or best.encoding is None or not best.encoding.startswith(KOREAN_CAPABLE):
        raise InputError(
            f"{name}: not UTF-8 nor CP949 throughout (UTF-8 breaks at "
            f"{_breaks_at(head, 'utf-8')}, CP949 at {_breaks_at(head, 'cp949')}). If it is "
            f"text in another encoding, pass it with `encoding` (e.g. euc-kr, johab, "
            f"utf-16); a file joined from parts in different encodings needs each part "
            f"converted to UTF-8 first (iconv -f cp949 -t utf-8)."
        )
    return best.encoding


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}. Use e.g. utf-8, utf-8-sig, cp949, euc-kr."
        ) from None


class PrefixedStream(io.RawIOBase):
    """A byte stream that replays ``head`` and then continues with ``rest`` (for stdin)."""

    def __init__(self, head: bytes, rest, close_rest: bool = True):
        self._head = memoryview(head)
        self._rest = rest
        self._close_rest = close_rest

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed and self._close_rest:
            self._rest.close()
        super().close()

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        b[: len(data)] = data
        return len(data)


def guess_encoding(data: bytes) -> str | None:
    """The encoding ``data`` reads as (UTF-16/32 by its NULs, else UTF-8, else CP949), or
    None."""
    wide = looks_like_utf16(data)
    if wide:
        return wide[:6]
    for enc in ("utf-8", "cp949"):
        if _decodes(data, enc):
            return enc
    return None


def decode_error(name: str, encoding: str, err: UnicodeDecodeError) -> InputError:
    data = err.object if isinstance(err.object, bytes) else b""
    guess = guess_encoding(data[err.start:])  # what the bytes from the break on read as
    if guess and codecs.lookup(guess).name == codecs.lookup(encoding).name:
        guess = None
    bad = data[err.start:err.start + 4]
    before = data[max(0, err.start - 30):err.start].decode(encoding, errors="ignore")
    where = f"bytes {bad!r}" + (f" after {before[-20:]!r}" if before.strip() else "")
    if guess:
        fix = (f"The bytes read as {guess.upper()}. Pass encoding={guess}; if that fails "
               f"further on, the file mixes encodings (files joined together?): convert each "
               f"part to UTF-8 first (iconv -f cp949 -t utf-8).")
    else:
        fix = ("They fit neither UTF-8 nor CP949 there: the file mixes encodings (files "
               "joined together?) or is damaged; convert each part to UTF-8 first (iconv -f "
               "cp949 -t utf-8), or pass `encoding` with the encoding it was saved in.")
    return InputError(f"{name}: not valid {encoding} ({err.reason}) at {where}. {fix}")


def read_text_file(path, what: str = "file") -> str:
    """A small text file a person made (a word list, a dictionary, a pipeline file), in
    whatever encoding their editor saved it (UTF-8 with or without BOM, CP949, UTF-16),
    as NFC text. Errors name the file and ``what`` it was meant to be."""
    from pathlib import Path

    data = Path(path).read_bytes()
    try:
        enc = detect_encoding(data[:HEAD_BYTES], str(path))
        return nfc(data.decode(enc))
    except (InputError, UnicodeDecodeError, LookupError):
        raise InputError(f"{path}: cannot read this {what} as text (UTF-8 or CP949); save "
                         f"it as UTF-8") from None
