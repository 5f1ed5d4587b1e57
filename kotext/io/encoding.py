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


def detect_encoding(head: bytes, name: str = "input") -> str:
    """Guess the encoding from the first bytes of a file; binary data is an error."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"\x1f\x8b"):  # (it was "binary data ... for UTF-16 pass ...")
        how = ("pipe it through zcat first, or give the file by name (FILE.csv.gz is read as "
               "it is)" if name == "stdin" else
               "name it FILE.csv.gz (or .tsv.gz, .jsonl.gz, .txt.gz), which kotext reads as it "
               "is, or decompress it (gunzip)")
        raise InputError(f"{name}: gzip-compressed data, not text: {how}")
    if b"\x00" in head:
        nuls = head.count(b"\x00")
        text = head.replace(b"\x00", b"")
        # UTF-16 without a BOM whose text has few NULs (jamo, ㅋ = 4B 31: NULs only at line
        # breaks) has one on every line, all at even or all at odd offsets; stray NULs are
        # fewer than the lines (two of them share a parity half the time)
        at = {i % 2 for i, b in enumerate(head) if b == 0}
        utf16 = nuls >= 2 and len(at) == 1 and nuls >= head.count(b"\n")
        if nuls <= max(3, len(head) // 100) and not utf16 and (
                _decodes(text, "utf-8") or _decodes(text, "cp949")):
            # text with a stray NUL (it was told to try UTF-16): read on; each row whose
            # text holds one fails on its own, wherever it is in the file (runner.doc_of)
            return detect_encoding(text, name)
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
    if best is None or best.encoding is None:
        raise InputError(
            f"{name}: cannot tell the text encoding (not UTF-8 nor CP949). If it is text, "
            "pass `encoding` (e.g. encoding='cp949' for Excel exports, encoding='euc-kr')."
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


def decode_error(name: str, encoding: str, err: UnicodeDecodeError) -> InputError:
    korean = encoding.replace("-", "").lower() in ("cp949", "euckr")
    other = "utf-8" if korean else "cp949"
    why = "" if korean else " (CP949 is what Excel writes for Korean)"
    return InputError(
        f"{name}: bytes that are not valid {encoding} ({err.reason}) after the start of the "
        f"file. Pass encoding={other}{why}; if that fails too, the file mixes encodings "
        f"(files joined together?): convert each part to UTF-8 first (iconv -f cp949 "
        f"-t utf-8).")


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
