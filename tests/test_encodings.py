"""Encodings: UTF-16/32 without a BOM, advice naming the encoding the bytes look like,
no detection that turns Hangul into another script."""

from __future__ import annotations

import pytest

from kotext import InputError
from kotext.io.encoding import byte_order, detect_encoding, guess_encoding, looks_like_utf16
from kotext.io.readers import read

TEXT = "리뷰 정말 좋았다\n최악의 영화\nOK 괜찮음\n"


def rows(spec, **kw):
    return [r["text"] for r in read(str(spec), **kw)]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_bom_read_as_the_bytes_say(write, codec, cli):
    # --encoding utf-16, kotext's own advice, ended in "UTF-16 stream does not start
    # with BOM" (a traceback); a big-endian file came out as CJK characters
    p = write("a.txt", TEXT.encode(codec))
    wide = codec[:6]
    assert rows(p, encoding=wide) == TEXT.splitlines()
    r = cli("tokenize", p, "--encoding", wide)
    assert r.exit_code == 0, r.stderr
    assert "영화" in r.stdout and "Traceback" not in r.stderr
    assert byte_order(TEXT.encode(codec), wide) == codec


def test_utf16_with_a_bom_still_reads(write):
    assert rows(write("b.txt", TEXT.encode("utf-16")), encoding="utf-16") == \
        TEXT.splitlines()
    assert rows(write("c.txt", TEXT.encode("utf-32")), encoding="utf-32") == \
        TEXT.splitlines()


def test_utf16_read_as_utf8_is_told_utf16_not_cp949(write):
    p = write("a.csv", ("id,text\n1," + TEXT.splitlines()[0] + "\n").encode("utf-16-le"))
    with pytest.raises(InputError, match="encoding='utf-16'") as e:
        rows(p, encoding="utf-8")
    assert "cp949" not in str(e.value)


def test_detection_advice_for_utf16_without_a_bom_works_when_followed(write, cli):
    p = write("a.txt", TEXT.encode("utf-16-be"))
    with pytest.raises(InputError, match="UTF-16-BE") as e:
        rows(p)
    assert "encoding='utf-16'" in str(e.value)
    assert rows(p, encoding="utf-16") == TEXT.splitlines()
    r = cli("tokenize", p)  # the command line says the flag
    assert r.exit_code == 2 and "pass --encoding utf-16, or save it" in r.stderr


def test_a_mismatched_encoding_is_told_the_encoding_the_bytes_look_like(write):
    # UTF-8 from the start, CP949 after the 64 KB head: "pass --encoding cp949", and where
    data = ("좋은 영화\n" * 8000).encode("utf-8") + "나쁜 영화\n".encode("cp949")
    with pytest.raises(InputError) as e:
        rows(write("m.txt", data))
    msg = str(e.value)
    assert "not valid utf-8" in msg and "bytes b'" in msg
    assert "Pass encoding=cp949" in msg
    data = ("좋은 영화\n" * 80).encode("cp949")
    with pytest.raises(InputError, match="read as CP949. Pass encoding=cp949"):
        rows(write("c.txt", data), encoding="utf-8")


def test_detection_never_settles_on_a_codec_without_hangul():
    # Korean in CP949 with bytes that break CP949 (and UTF-8): charset_normalizer's best
    # guess was a Chinese codec, whose "text" got confident labels
    data = ("정말 재미있는 영화였다 " * 50).encode("cp949")
    broken = data[:301] + b"\xff\xfe\x80" + data[301:]
    with pytest.raises(InputError, match=r"UTF-8 breaks at byte 0 .*CP949 at byte 30[0-9]"):
        detect_encoding(broken, "x.txt")
    assert detect_encoding(data) == "cp949"


def test_guess_encoding():
    assert guess_encoding(TEXT.encode("utf-16-be")) == "utf-16"
    assert guess_encoding(TEXT.encode("utf-32-le")) == "utf-32"
    assert guess_encoding(TEXT.encode("cp949")) == "cp949"
    assert guess_encoding(TEXT.encode("utf-8")) == "utf-8"
    stray = "좋은 영화\n".encode() * 10
    stray = stray[:10] + b"\x00" + stray[10:20] + b"\x00" + stray[20:]
    assert looks_like_utf16(stray) is None  # stray NULs, fewer than the lines


def test_utf16_given_for_a_utf8_file_is_refused_naming_what_it_reads_as(tmp_path):
    # read as UTF-16 anyway, the Korean became CJK ideographs and got confident labels
    from kotext.errors import KotextError
    from kotext.io.readers import read

    src = tmp_path / "reviews.txt"
    src.write_text("정말 재미있는 영화였다\n최악의 영화\n", encoding="utf-8")
    with pytest.raises(KotextError, match="NUL bytes.*utf-8"):
        list(read(str(src), encoding="utf-16"))
    src16 = tmp_path / "reviews16.txt"
    src16.write_bytes("정말 재미있는 영화였다\n최악의 영화\n".encode("utf-16-le"))
    assert [r["text"] for r in read(str(src16), encoding="utf-16")] == [
        "정말 재미있는 영화였다", "최악의 영화"]
