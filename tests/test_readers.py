"""kotext.io.readers / encoding: formats, folders, globs, stdin, datasets, encodings, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import pytest

from kotext import InputError
from kotext.errors import KotextWarning
from kotext.io.readers import ERROR_KEY, read, text_of


def rows(spec, **kw):
    return list(read(str(spec), **kw))


def test_txt_lines_keep_empty_lines(write):
    p = write("a.txt", "첫 줄\n\n셋째 줄\r\n넷째")
    src = read(str(p))
    assert src.columns == ["text"] and src.text_key == "text"
    assert [r["text"] for r in src] == ["첫 줄", "", "셋째 줄", "넷째"]


def test_txt_whole_file(write):
    p = write("a.txt", "첫 줄\n둘째 줄\n")
    assert rows(p, whole_file=True) == [{"text": "첫 줄\n둘째 줄\n"}]


def test_empty_file(write):
    src = read(str(write("e.txt", b"")))
    assert list(src) == [] and src.text_key == "text"
    src = read(str(write("e.csv", "id,document\n")), text_column="document")
    assert list(src) == [] and src.columns == ["id", "document"]


def test_csv_columns_carried(write):
    p = write("r.csv", 'id,document,label\n1,"좋은, 영화",1\n2,"여러\n줄",0\n')
    src = read(str(p))
    assert src.text_key == "document" and src.columns == ["id", "document", "label"]
    assert list(src) == [{"id": "1", "document": "좋은, 영화", "label": "1"},
                         {"id": "2", "document": "여러\n줄", "label": "0"}]


def test_excel_sep_line_and_semicolon_csv(write):
    # Excel's "sep=," first line was the header (columns "sep=," and unnamed_2)
    p = write("s.csv", 'sep=,\r\nid,review\r\n007,"최악, 돈 아까움"\r\n008,a,b\r\n')
    out = rows(p)
    assert out[0] == {"id": "007", "review": "최악, 돈 아까움"}
    assert out[1][ERROR_KEY].startswith("ragged row at line 4:")  # the file's own line
    p = write("s2.csv", "sep=;\nid;review\n007;좋다\n")
    assert rows(p) == [{"id": "007", "review": "좋다"}]
    # semicolon-separated without the line: "id;review" was one column, and each whole
    # line (id and all) was classified as the text
    p = write("semi.csv", 'id;review\n007;영화가 재밌어요\n008;"최악; 돈 아까움"\n')
    with pytest.warns(KotextWarning, match="semicolon-separated"):
        out = rows(p)
    assert out == [{"id": "007", "review": "영화가 재밌어요"},
                   {"id": "008", "review": "최악; 돈 아까움"}]
    # a one-column file whose header holds a ';': its lines do not all have as many cells,
    # so it stays one column (it was cut at every ';')
    p = write("one.csv", 'comment; 자유 의견\n배우 연기 최고; 스토리 별로\n"좋았다, 또 보고 싶다"\n')
    assert [r["comment; 자유 의견"] for r in rows(p)] == ["배우 연기 최고; 스토리 별로",
                                                        "좋았다, 또 보고 싶다"]
    # one text with a ';' of its own is a ragged row, not a reason to read one column
    p = write("sc1.csv", "id;text\n1;좋아요\n2;별로; 진짜 별로\n3;그냥\n")
    with pytest.warns(KotextWarning, match="semicolon-separated"):
        out = rows(p)
    assert [r["text"] for r in out] == ["좋아요", "별로", "그냥"] and ERROR_KEY in out[1]
    # a comma in the header: a comma-separated file whose text has semicolons
    p = write("c.csv", "id,review\n1,좋다; 정말\n")
    assert rows(p) == [{"id": "1", "review": "좋다; 정말"}]


def test_tsv_quoted_as_csv_is_read_so(write):
    # kotext, pandas and Excel quote a TSV cell holding a tab or a line break; read with
    # quotes as text, 3 rows came back as 4, with ragged-row errors
    p = write("q.tsv", 'id\tdocument\n1\t"a\tb"\n2\t"""인용"" 리뷰"\n3\t"줄\n바꿈"\n')
    with pytest.warns(KotextWarning, match="quoting='minimal'"):
        out = rows(p)
    assert [r["document"] for r in out] == ["a\tb", '"인용" 리뷰', "줄\n바꿈"]
    # where quoted cells show no such sign, quotes stay text (NSMC reviews start with them)
    p = write("n.tsv", 'id\tdocument\n1\t"최고" 였다\n2\t"안 닫힌\n3\t끝"\n')
    assert [r["document"] for r in rows(p)] == ['"최고" 였다', '"안 닫힌', '끝"']
    # a ragged row that quoting would not explain: still read as text, the error says how
    p = write("r.tsv", 'id\tdocument\n1\t좋다\n2\t"a\tb"\t\n')
    out = rows(p)
    assert "quoting='minimal'" in out[1][ERROR_KEY]
    # pandas quotes a cell holding quotes: read so
    p = write("p.tsv", 'id\tdocument\n1\t"""최고"" 였다"\n2\t보통\n')
    with pytest.warns(KotextWarning, match="quoting='minimal'"):
        assert [r["document"] for r in rows(p)] == ['"최고" 였다', "보통"]
    # NSMC-style: a review opens a quote that a later one closes, beside a ragged row.
    # Read as CSV these merged three rows into one (row 2 took row 4's label): a quote
    # across lines is no evidence, and rows stay as they are
    p = write("m.tsv", 'id\tdocument\tlabel\n1\t좋다\t1\n2\t" 파리의 연인 , 이상이다\t1\n'
                       '3\t라벨이 빠진 줄\n4\t우리 나라 해병대가 이정도 수준? --"\t0\n'
                       '5\t"좋은 ""영화"""\t1\n')
    out = rows(p)
    assert [r["id"] for r in out] == ["1", "2", "3", "4", "5"]
    assert out[1]["label"] == "1" and ERROR_KEY in out[2] and out[3]["label"] == "0"


def test_tsv_quotes_are_text(write):
    p = write("r.tsv", 'id\tdocument\n1\t"따옴표" 그대로\n')
    assert rows(p) == [{"id": "1", "document": '"따옴표" 그대로'}]


def test_csv_ragged_row_kept_with_error(write):
    p = write("r.csv", "id,document,label\n1,좋다,1\n2,짧다\n3,나쁘다,0,extra\n4,끝,1\n")
    out = rows(p)
    assert [r["id"] for r in out] == ["1", "2", "3", "4"]
    assert ERROR_KEY not in out[0] and ERROR_KEY not in out[3]
    assert out[1][ERROR_KEY] == "ragged row at line 3: 2 fields, the header has 3"
    assert out[1]["label"] == ""
    assert "4 fields" in out[2][ERROR_KEY]
    # the cell with no column is not lost: the error quotes it
    assert '["extra"]' in out[2][ERROR_KEY] and "must be quoted" in out[2][ERROR_KEY]


def test_csv_unclosed_quote_is_a_clear_error(write):
    p = write("r.csv", 'id,document\n1,좋다\n2,"안 닫힌 따옴표\n3,끝\n4,정말 끝\n')
    # the line of the quote, not the file's last one (where the reader noticed)
    with pytest.raises(InputError, match="row starting at line 3 .*never closed.*quoting="):
        rows(p)
    # leniency is an explicit flag: quotes read as text, every row kept
    out = rows(p, quoting="none")
    assert [r["id"] for r in out] == ["1", "2", "3", "4"]


def test_csv_empty_cells_and_missing_column(write):
    p = write("r.csv", "id,document,label\n1,,\n2,좋다,1\n")
    out = rows(p)
    assert out[0] == {"id": "1", "document": "", "label": ""}
    with pytest.raises(InputError) as e:
        read(str(p), text_column="review")
    assert str(e.value) == (f"{p}: no column 'review'; columns are: id, document, label. "
                            "Pass text_column with one of them.")


def test_csv_which_column(write):
    p = write("r.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="which column holds the text.*a, b.*text_column=NAME"):
        read(str(p))


def test_jsonl_text_field_nulls_and_bad_lines(write):
    p = write("r.jsonl", '{"id": 1, "body": "좋은 영화", "meta": {"x": 1}}\n\n'
                         '{"id": 2, "body": null}\nnot json\n[1, 2]\n{"id": 5, "body": "끝"}\n')
    src = read(str(p), text_column="body")
    out = list(src)
    assert src.columns == ["id", "body", "meta"]
    assert [r.get("id") for r in out] == [1, 2, None, None, 5]
    assert out[0]["meta"] == {"x": 1}
    assert out[1]["body"] is None and text_of(out[1]["body"]) == ""
    assert out[2][ERROR_KEY] == "line 4: not valid JSON (Expecting value at column 1)"
    assert out[3][ERROR_KEY] == "line 5: expected a JSON object, got list"


def test_parquet_with_nulls(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3], "text": ["좋다", None, "별로"],
                             "score": [0.5, float("nan"), None]}), p)
    out = rows(p)
    assert [r["id"] for r in out] == [1, 2, 3]
    assert out[1]["text"] is None and out[1]["score"] is None and out[2]["score"] is None


def test_options_no_input_file_uses_are_refused(write, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({"text": ["좋다"]}), p)
    with pytest.raises(InputError, match="`encoding` applies to text files.*parquet"):
        rows(p, encoding="cp949")
    j = write("r.jsonl", '{"text": "좋다"}\n')
    with pytest.raises(InputError, match="`quoting` applies to CSV/TSV input.*jsonl"):
        rows(j, quoting="none")
    # where some file uses it, it is taken
    write("d/a.csv", 'text\n"좋다"\n')
    write("d/b.jsonl", '{"text": "별로"}\n')
    assert [r["text"] for r in rows(tmp_path / "d", quoting="none")] == ['"좋다"', "별로"]
    assert rows(j, encoding="utf-8")[0]["text"] == "좋다"
    with pytest.raises(InputError, match="`split` picks a split.*jsonl"):
        rows(j, split="train")


def test_folder_and_glob(write, tmp_path):
    write("d/b.txt", "둘\n셋\n")
    write("d/a.txt", "하나\n")
    write("d/sub/c.txt", "넷\n")
    write("d/.hidden.txt", "숨김\n")
    write("d/notes.md", "무시\n")
    out = rows(tmp_path / "d")
    assert [r["text"] for r in out] == ["하나", "둘", "셋", "넷"]
    assert out[0]["source"].endswith("a.txt")
    out = rows(tmp_path / "d" / "*.txt")
    assert [r["text"] for r in out] == ["하나", "둘", "셋"]
    with pytest.raises(InputError, match="matches no files"):
        read(str(tmp_path / "d" / "*.csv"))
    with pytest.raises(InputError, match="no .txt, .csv"):
        read(str(write("empty/x.md", "x").parent))
    # data with its own "source" (a news item's URL) keeps it; the file goes beside it
    write("n/1.jsonl", '{"source": "http://a.kr/1", "text": "기사"}\n')
    write("n/2.jsonl", '{"source": "http://a.kr/2", "text": "기사 둘"}\n')
    out = rows(tmp_path / "n")
    assert [(r["source"], r["kotext_source"][-7:]) for r in out] == [
        ("http://a.kr/1", "1.jsonl"), ("http://a.kr/2", "2.jsonl")]
    # one file with a source column: every row's file is in kotext_source (source held a
    # path on one file's rows and the data's own value on the other's)
    write("m/a.csv", "id,text\n1,좋다\n")
    write("m/b.csv", "source,text\nnaver,별로\n")
    write("m/c.jsonl", '{"text": "음"}\n{"text": "응", "source": "x"}\n')
    out = rows(tmp_path / "m")
    assert [(r.get("source"), Path(r["kotext_source"]).name) for r in out] == [
        (None, "a.csv"), ("naver", "b.csv"), (None, "c.jsonl"), ("x", "c.jsonl")]


def test_stdin(monkeypatch):
    data = "첫 줄\n둘째 줄\n".encode("cp949")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert [r["text"] for r in read("-")] == ["첫 줄", "둘째 줄"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id,text\n1,\xec\xa2\x8b\n")))
    assert rows("-", input_format="csv") == [{"id": "1", "text": "좋"}]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id,document\n1,x\n")))
    with pytest.raises(InputError, match="standard input is read as plain text.*`input_format`"):
        read("-", text_column="document")


def test_excel_workbook_says_how_to_export(tmp_path):
    f = tmp_path / "설문.xlsx"
    f.write_bytes(b"PK\x03\x04 not read")
    with pytest.raises(InputError, match=r"an Excel workbook.*Save As > 'CSV UTF-8"):
        read(str(f))
    (tmp_path / "data.odd").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unknown file type; pass `input_format`"):
        read(str(tmp_path / "data.odd"))


def test_excel_unicode_text_is_read_as_a_table(write):
    # Excel's "Unicode Text (*.txt)": UTF-16 with a BOM, tabs, CRLF, CSV-style quotes
    # (a line break inside a cell is Alt+Enter's LF)
    data = 'id\t리뷰\r\n007\t"별로, ""진짜""\n지루함"\r\n8\t좋다\r\n'.encode("utf-16")
    f = write("설문.txt", data)
    with pytest.warns(KotextWarning, match="read as a table.*input_format='txt'"):
        src = read(str(f), text_column="리뷰")
        got = list(src)
    assert got == [{"id": "007", "리뷰": '별로, "진짜"\n지루함'}, {"id": "8", "리뷰": "좋다"}]
    # asked for lines, or a UTF-16 file without tabs: a document per line as before
    assert [r["text"] for r in read(str(f), input_format="txt")][:2] == ["id\t리뷰", '007\t"별로, ""진짜""']
    g = write("lines.txt", "첫 줄\r\n둘째 줄\r\n".encode("utf-16"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", KotextWarning)
        assert [r["text"] for r in read(str(g))] == ["첫 줄", "둘째 줄"]


def test_excel_unicode_text_note_on_the_command_line(write, cli):
    f = write("설문.txt", "id\t리뷰\r\n1\t정말 좋았다\r\n".encode("utf-16"))
    r = cli("clean", f, "--text-column", "리뷰", "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout.splitlines() == ["id,리뷰,clean_text,error", "1,정말 좋았다,정말 좋았다,"]
    assert "kotext: note: " in r.stderr and "--input-format txt" in r.stderr


def test_missing_path_suggests_hub_and_save_to_disk(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError) as e:
        read("e9t/nsmc")
    assert "hf:e9t/nsmc" in str(e.value) and "save_to_disk" in str(e.value)


def test_datasets_save_to_disk(tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"document": ["좋은 영화", None, "별로"], "label": [1, 0, 0]})
    ds.save_to_disk(str(tmp_path / "ds"))
    src = read(str(tmp_path / "ds"))
    assert src.text_key == "document" and src.columns == ["document", "label"]
    assert list(src) == [{"document": "좋은 영화", "label": 1}, {"document": None, "label": 0},
                         {"document": "별로", "label": 0}]
    dd = datasets.DatasetDict({"train": ds, "test": ds.select([2])})
    dd.save_to_disk(str(tmp_path / "dd"))
    assert [r["document"] for r in read(str(tmp_path / "dd"), split="test")] == ["별로"]
    with pytest.raises(InputError, match="no split 'dev'; splits are: train, test"):
        read(str(tmp_path / "dd"), split="dev")
    # without --split it read 'train' and said nothing of 'test'
    from kotext.errors import KotextWarning

    with pytest.warns(KotextWarning, match="reading split 'train' of train, test") as w:
        assert len(list(read(str(tmp_path / "dd")))) == 3
    # the note named --split, which evaluate and train lack: a split's own folder works
    assert str(tmp_path / "dd" / "test") in str(w[0].message)
    assert [r["document"] for r in read(str(tmp_path / "dd" / "test"))] == ["별로"]
    with pytest.raises(InputError, match="holds one dataset"):  # --split was ignored here
        list(read(str(tmp_path / "dd" / "test"), split="train"))
    # a folder holding a saved dataset one level down: its metadata JSON was read as rows
    ds.save_to_disk(str(tmp_path / "holder" / "one"))
    with pytest.raises(InputError, match=r"holds a saved dataset: give its folder, e\.g\. .*one"):
        read(str(tmp_path / "holder"))


def test_hub_name_offline_says_save_to_disk(tmp_path):
    pytest.importorskip("datasets")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf")}
    code = "from kotext.io.readers import read\nread('hf:someone/korean-reviews')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode != 0
    assert "InputError" in r.stderr and "save_to_disk" in r.stderr
    assert "cannot be reached" in r.stderr  # at once, not after datasets' retries (24 s)


# -- encodings ---------------------------------------------------------------------------
TEXT = "영화가 정말 재밌어요\n배우 연기 최고\n"


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-8"),
    b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
    TEXT.encode("cp949"),
    TEXT.encode("euc-kr"),
    unicodedata.normalize("NFD", TEXT).encode("utf-8"),
])
def test_encodings_detected(write, data):
    out = rows(write("a.txt", data))
    # text_of (what the runner uses for Doc.text) normalizes NFD to NFC
    assert [text_of(r["text"]) for r in out] == ["영화가 정말 재밌어요", "배우 연기 최고"]


def test_bom_csv_header(write):
    p = write("r.csv", b"\xef\xbb\xbf" + "id,document\n1,좋다\n".encode())
    src = read(str(p))
    assert src.columns == ["id", "document"]


def test_cp949_csv_other_columns_decoded(write):
    p = write("r.csv", "이름,document\n홍길동,좋은 영화\n", encoding="cp949")
    assert rows(p) == [{"이름": "홍길동", "document": "좋은 영화"}]


def test_encoding_forced(write):
    p = write("a.txt", TEXT, encoding="cp949")
    assert rows(p, encoding="cp949")[0]["text"] == "영화가 정말 재밌어요"
    with pytest.raises(InputError, match=r"not valid utf-8 .*encoding=cp949"):
        rows(p, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read(str(p), encoding="klingon")


def test_cp949_after_a_utf8_head_suggests_encoding(write):
    data = b"a\n" * 70000 + "한글".encode("cp949") + b"\n"
    with pytest.raises(InputError, match="encoding=cp949"):
        rows(write("a.txt", data))


def test_binary_junk(write):
    junk = bytes(range(256)) * 8
    with pytest.raises(InputError, match="binary data"):
        rows(write("junk.txt", junk))
    # a text with a stray NUL is read (it was told to try UTF-16, later refused whole when
    # the NUL was in the first 64 KB and passed into the output after them): its row fails
    # on its own in a run, wherever it is (test_a_stray_nul_fails_its_row_alone)
    stray = "첫 줄\n둘째 줄\n".encode() * 50 + "좋은\x00영화\n".encode()
    assert rows(write("nul.txt", stray))[100]["text"] == "좋은\x00영화"
    cp949 = "id,text\n1,별로\x00다\n2,좋다\n".encode("cp949")
    assert [r["text"] for r in rows(write("n.csv", cp949))] == ["별로\x00다", "좋다"]
    with pytest.raises(InputError, match="not a readable parquet file"):
        rows(write("junk.parquet", junk))


@pytest.mark.parametrize("at", [1, 5000])
def test_a_stray_nul_fails_its_row_alone(cli, write, tmp_path, at):
    # early in the file the whole run was refused (exit 2); after 64 KB it passed through
    lines = [f"{i},리뷰 {i} 좋아요" for i in range(6000)]
    lines[at] = f"{at},좋은\x00영화"
    src = write("r.csv", "id,text\n" + "\n".join(lines) + "\n")
    out = tmp_path / "o.csv"
    r = cli("clean", src, "-o", out)
    assert r.exit_code == 1 and "NUL byte" in r.stderr and "tr -d" in r.stderr
    import csv as _csv

    with open(out, encoding="utf-8", newline="") as f:
        got = list(_csv.DictReader(f))
    assert [g["id"] for g in got] == [str(i) for i in range(6000)]
    assert [g["id"] for g in got if g["error"]] == [str(at)]


def test_gzip_data_without_gz_in_its_name_is_told_so(write):
    # gzip on stdin or in a .csv file was "binary data ... for UTF-16 pass --encoding utf-16"
    import gzip

    data = gzip.compress("id,text\n1,좋은 영화\n".encode())
    with pytest.raises(InputError, match=r"gzip-compressed data.*FILE\.csv\.gz"):
        rows(write("a.csv", data))
    assert [r["text"] for r in rows(write("a.csv.gz", data))] == ["좋은 영화"]


def test_one_mb_single_line(write):
    line = "가나다라마바사 " * (1_000_000 // 22 + 1)
    out = rows(write("big.txt", line))
    assert len(out) == 1 and out[0]["text"] == line
    big = write("big.csv", f'id,text\n1,"{line}"\n2,끝\n')
    assert [len(r["text"]) for r in rows(big)] == [len(line), 1]


def test_jsonl_other_columns_nfc_untouched(write):
    nfd = unicodedata.normalize("NFD", "한글")
    p = write("r.jsonl", json.dumps({"text": nfd, "raw": nfd}) + "\n")
    row = rows(p)[0]
    assert text_of(row["text"]) == "한글"
    assert row["raw"] == nfd  # the source row passes through untouched


def test_json_array_file_is_read_as_records(write):
    p = write("r.json", '\n[\n  {"id": 1, "text": "좋은 영화"},\n  {"id": 2, "text": "지루했다"},\n'
                        '  3\n]\n')
    out = rows(p)
    assert [r.get("id") for r in out] == [1, 2, None]
    assert [r.get("text") for r in out[:2]] == ["좋은 영화", "지루했다"]
    assert out[2][ERROR_KEY] == "item 2: expected a JSON object, got int"
    one_line = write("one.json", json.dumps([{"text": "하나"}, {"text": "둘"}], ensure_ascii=False))
    assert [r["text"] for r in rows(one_line)] == ["하나", "둘"]


def test_jsonl_starting_with_an_array_line_keeps_line_numbers(write):
    p = write("r.jsonl", '\n[1, 2]\n{"text": "좋다"}\n')
    out = rows(p)
    assert out[0][ERROR_KEY] == "line 2: expected a JSON object, got list"
    assert out[1]["text"] == "좋다"


def test_text_of_lists_and_objects():
    assert text_of(["하나", None, "", 2, "둘"]) == "하나\n2\n둘"
    assert text_of(("가",)) == "가" and text_of([]) == ""
    with pytest.raises(InputError, match=r"a JSON object \(keys: a, b\) where text was expected"):
        text_of({"a": 1, "b": 2})
    with pytest.raises(InputError, match="a list holding lists or objects"):
        text_of(["가", ["나"]])


def test_jsonl_lone_surrogates_become_replacement_characters(write):
    # JSON can spell half of a UTF-16 pair (\ud800); no encoding can write it, so the run
    # stopped (classify) or crashed (train). Pairs stay one character.
    f = write("s.jsonl", '{"text": "bad \\ud800 x", "id": "\\udfff"}\n'
                         '{"text": "웃음 \\ud83d\\ude00", "tags": ["\\ud83d"]}\n')
    rows = list(read(str(f)))
    assert rows[0] == {"text": "bad \ufffd x", "id": "\ufffd"}
    assert rows[1] == {"text": "웃음 😀", "tags": ["\ufffd"]}
    g = write("s.json", '[{"text": "a\\ud800"}]')
    assert list(read(str(g))) == [{"text": "a\ufffd"}]


def test_jsonl_columns_from_the_first_records_not_the_first_line(write):
    # a junk first line, a text field missing from the first record, keys that appear
    # later: the columns are those of the first records together (junk dropped them all)
    f = write("d.jsonl", 'garbage\n{"id": "001", "title": "t"}\n'
                         '{"id": "002", "body": "본문", "lang": "ko"}\n')
    src = read(str(f), text_column="body")
    assert src.columns == ["id", "title", "body", "lang"] and src.text_key == "body"
    got = list(src)
    assert ERROR_KEY in got[0] and got[2]["body"] == "본문"


def test_files_without_the_text_column_are_named(write, tmp_path):
    # a folder mixing a .txt and a CSV with another text column: the CSV's rows came out
    # with empty text, its columns dropped
    write("d/a.txt", "첫 텍스트\n")
    write("d/b.csv", "id,document\n001,문서\n")
    with pytest.raises(InputError, match=r"b\.csv: no column 'text' \(its columns: id, "
                                         r"document\)"):
        read(str(tmp_path / "d"))
    # the same text column: every file's other columns are kept
    write("e/a.csv", "id,text\n1,가\n")
    write("e/b.csv", "text,author\n나,철수\n")
    src = read(str(tmp_path / "e"))
    assert src.columns == ["source", "id", "text", "author"]
    assert [r.get("author") for r in src] == [None, "철수"]


def test_hidden_folders_are_not_read(write, tmp_path):
    write("d/a.csv", "id,text\n1,가\n")
    write("d/.ipynb_checkpoints/a-checkpoint.csv", "id,text\n1,가\n")
    assert len(rows(tmp_path / "d")) == 1


def test_csv_headers_as_excel_and_macos_write_them(write):
    # blank lines before the header; NFD names; trailing empty columns; a repeated name
    f = write("a.csv", unicodedata.normalize("NFD", "\r\n번호,내용,,\r\n1,좋은 영화,,\r\n"))
    with pytest.warns(KotextWarning, match="renamed: unnamed_3, unnamed_4"):
        src = read(str(f), text_column=unicodedata.normalize("NFD", "내용"))
        got = list(src)
    assert src.columns == ["번호", "내용", "unnamed_3", "unnamed_4"]
    assert list(got[0]) == ["번호", "내용", "unnamed_3", "unnamed_4"]  # the names as NFC
    assert text_of(got[0]["내용"]) == "좋은 영화"
    g = write("b.csv", "id,text,id\n1,가,2\n")
    with pytest.warns(KotextWarning, match="'id' -> id_2"):
        assert rows(g) == [{"id": "1", "text": "가", "id_2": "2"}]


def test_one_column_csv_blank_line_is_an_empty_cell(write):
    # Excel writes an empty cell of a one-column sheet as a blank line: rows in = rows out
    f = write("a.csv", "review\r\n좋아요\r\n\r\n별로\r\n")
    assert [r["review"] for r in rows(f)] == ["좋아요", "", "별로"]
    g = write("b.csv", "id,text\n1,가\n\n2,나\n")  # several columns: not a record
    assert len(rows(g)) == 2


def test_parquet_text_stored_as_bytes_is_decoded(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": ["1", "2"], "text": pa.array(
        ["좋은 영화".encode(), b"\xff\xfe"], pa.binary())}), p)
    got = rows(p)
    assert got[0]["text"] == "좋은 영화" and got[1]["text"] == b"\xff\xfe"


def test_pretty_printed_json_object(write):
    # json.dump(obj, f, indent=2) of one article: it failed line by line, one error each
    f = write("a.json", json.dumps({"title": "제목", "body": "본문 텍스트"}, ensure_ascii=False,
                                   indent=2))
    assert rows(f, text_column="body") == [{"title": "제목", "body": "본문 텍스트"}]
    g = write("b.json", json.dumps([{"body": "가"}, {"body": "나"}], indent=2))
    assert [r["body"] for r in rows(g, text_column="body")] == ["가", "나"]
    h = write("c.jsonl", '{"body": "가"}\n{"body": \n')  # JSON lines: still per line
    assert ERROR_KEY in rows(h, text_column="body")[1]


def test_tab_separated_file_named_csv_is_named_tsv(write):
    f = write("x.csv", "id\tdocument\tlabel\n1\t좋다\t1\n")
    with pytest.raises(InputError, match=r"tab-separated \(id, document, label\): the file "
                                         r"is TSV; name it \.tsv"):
        read(str(f), text_column="document")
    assert rows(f, input_format="tsv")[0]["document"] == "좋다"
    # a .tsv read as CSV: the fix is to drop the option, not to rename the file
    t = write("x.tsv", "id\tdocument\tlabel\n1\t좋다\t1\n")
    with pytest.raises(InputError, match="the file is TSV; leave out input_format='csv'"):
        read(str(t), input_format="csv")


def test_utf16_without_a_bom_and_few_nuls_is_not_read_as_utf8(write):
    # jamo text in UTF-16 has NULs only at line breaks (ㅋ = 4B 31): its head was taken for
    # UTF-8 with stray NULs, and the rows came out as K1K1...
    data = "\n".join("ㅋㅎㅠㅜ" * 30 for _ in range(20)).encode("utf-16-le") + b"\n\x00"
    with pytest.raises(InputError, match="encoding='utf-16'"):
        rows(write("j.txt", data))
    assert len(rows(write("j16.txt", data), encoding="utf-16-le")) == 20
    # ... while two stray NULs that happen to share a parity in a UTF-8 file are stray
    lines = [f"{i},영화 {i} 정말 재미있었다" for i in range(20)]
    body = ("id,text\n" + "\n".join(lines) + "\n").encode()
    # inside the text, at the row number's digits (ASCII: any byte there is a boundary)
    at = [body.index(f"영화 {i} ".encode()) + len("영화 ".encode()) for i in (3, 12)]
    if at[0] % 2 != (at[1] + 1) % 2:  # the second at the first one's parity, once the
        at[1] += 1                        # first NUL has moved it on by one byte
    for i in sorted(at, reverse=True):
        body = body[:i] + b"\x00" + body[i:]
    got = rows(write("two.csv", body))
    assert len(got) == 20 and sum("\x00" in r["text"] for r in got) == 2
