"""The kotext command: help with examples, formats, exit codes, error messages, resume."""

from __future__ import annotations

import csv
import json

import click
import pytest

from kotext.cli import main
from kotext.registry import register
from kotext.stages.base import Stage

REVIEWS = "id,document,label\n1,배우 연기가 좋았다,1\n2,<b>지루</b>했다 ㅋㅋㅋㅋ,0\n3,최고의 영화!!!!,1\n"


def read_csv(p):
    with open(p, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def all_commands(group=main, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


def test_every_command_help_has_an_example(cli):
    r = cli("--help")
    assert r.exit_code == 0 and "Examples:" in r.output
    cmds = list(all_commands())
    assert ("clean",) in cmds and ("tokenize",) in cmds and ("validate",) in cmds
    for cmd in cmds:
        r = cli(*cmd, "--help")
        assert r.exit_code == 0, cmd
        assert "Example" in r.output and f"kotext {' '.join(cmd)}" in r.output, cmd


def test_help_examples_use_real_options(cli):
    # every --option in the tokenize/clean/run examples must exist
    for cmd in ("clean", "tokenize", "run"):
        out = cli(cmd, "--help").output
        example = out[out.index("Example"):]
        known = out[:out.index("Example")] + out[out.index("Options:"):]
        for word in example.split():
            if word.startswith("--"):
                assert word.split("=")[0] in known, (cmd, word)


def test_tokenize_txt_to_stdout(cli, write):
    p = write("a.txt", "배우 연기가 좋았다\n\n재밌다\n")
    r = cli("tokenize", p)
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert lines[0].startswith("배우/NNG 연기/NNG 가/JKS 좋/VA")
    assert lines[1] == "" and lines[2].startswith("재밌/VA") and len(lines) == 4
    assert r.stderr == ""  # no progress bar or summary when stderr is not a terminal


def test_tokenize_csv_cp949_columns_kept(cli, write, tmp_path):
    p = write("r.csv", REVIEWS, encoding="cp949")
    out = tmp_path / "o.csv"
    r = cli("tokenize", p, "-o", out, "--pos", "nouns", "--sentences")
    assert r.exit_code == 0, r.output
    rows = read_csv(out)
    assert list(rows[0]) == ["id", "document", "label", "clean_text", "tokens", "sentences",
                             "error"]
    assert [x["id"] for x in rows] == ["1", "2", "3"]
    assert rows[0]["tokens"] == "배우/NNG 연기/NNG"
    assert rows[1]["clean_text"] == "지루했다 ㅋㅋ"
    assert json.loads(rows[0]["sentences"]) == ["배우 연기가 좋았다"]


def test_tokenize_jsonl_text_field_json_tokens_lemmas(cli, write):
    p = write("r.jsonl", '{"body": "연기가 좋았다", "n": 1}\n{"body": null, "n": 2}\n')
    r = cli("tokenize", p, "--text-field", "body", "--format", "jsonl", "--token-format", "json",
            "--lemmas")
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["n"] for x in rows] == [1, 2]
    # the form where text[start:end] is, the lemma fifth (it took the form's place)
    assert ["좋", "VA", 4, 5, "좋다"] in rows[0]["tokens"] and ["가", "JKS", 2, 3] in \
        rows[0]["tokens"]
    assert rows[1]["tokens"] == [] and rows[1]["error"] is None


def test_no_clean_nfd_text_is_written_as_tokenized_and_empty_sentences_are_lists(cli, write):
    # with --no-clean the offsets could only index the text column, written as NFD
    import unicodedata

    nfd = unicodedata.normalize("NFD", "배우 연기는 좋았다")
    p = write("n.tsv", f"id\tdocument\n1\t{nfd}\n2\t\n")
    r = cli("tokenize", p, "--no-clean", "--token-format", "json", "--format", "jsonl",
            "--sentences")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    text = rows[0]["document"]
    assert text == "배우 연기는 좋았다"
    assert all(text[s:e] == f for f, _, s, e in rows[0]["tokens"] if f in text)
    assert rows[1]["tokens"] == [] and rows[1]["sentences"] == []  # sentences were null


def test_clean_stdin_and_options(cli):
    r = cli("clean", "-", input="첫 줄 ㅋㅋㅋㅋ\n".encode("cp949"))  # CP949 on stdin
    assert r.exit_code == 0 and r.stdout == "첫 줄 ㅋㅋ\n"
    r = cli("clean", "-", "--emoji", "remove", "--urls", "remove",
            input="좋아요😍 https://a.kr ㅋㅋㅋㅋ\n두번째!!!!\n".encode())
    assert r.stdout == "좋아요 ㅋㅋ\n두번째!!\n"


def test_whole_file_and_glob(cli, write, tmp_path):
    write("d/a.txt", "첫 줄\n둘째 줄\n")
    write("d/b.txt", "셋째\n")
    r = cli("clean", tmp_path / "d" / "*.txt", "--whole-file", "--format", "jsonl")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["clean_text"] for x in rows] == ["첫 줄\n둘째 줄", "셋째"]
    assert rows[0]["source"].endswith("a.txt")


def test_empty_input(cli, write, tmp_path):
    out = tmp_path / "o.csv"
    r = cli("clean", write("r.csv", "id,document\n"), "-o", out)
    assert r.exit_code == 0
    assert out.read_text(encoding="utf-8") == "id,document,clean_text,error\n"
    r = cli("tokenize", write("e.txt", b""))
    assert r.exit_code == 0 and r.stdout == ""


def test_bom_and_nfd_inputs(cli, write):
    import unicodedata

    r = cli("clean", write("a.txt", b"\xef\xbb\xbf" + "첫 줄\n".encode()))
    assert r.stdout == "첫 줄\n"
    r = cli("clean", write("b.txt", unicodedata.normalize("NFD", "한글 텍스트\n")))
    assert r.stdout == "한글 텍스트\n"


def test_one_mb_line(cli, write, tmp_path):
    line = "좋은 영화 " * 100_000
    out = tmp_path / "o.jsonl"
    r = cli("clean", write("big.txt", line + "\n끝\n"), "-o", out)
    assert r.exit_code == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[0]["clean_text"] == line.strip()


# -- failures and exit codes ---------------------------------------------------------------
RAGGED = "id,document\n1,좋다\n2,나쁘다,여분\n3,보통\n"


def test_failed_rows_exit_1_with_count(cli, write, tmp_path):
    out = tmp_path / "o.csv"
    r = cli("clean", write("r.csv", RAGGED), "-o", out)
    assert r.exit_code == 1
    assert "3 rows, 1 failed" in r.stderr and "row 2: input: ragged row" in r.stderr
    rows = read_csv(out)
    assert [x["id"] for x in rows] == ["1", "2", "3"]
    assert rows[1]["error"].startswith("input: ragged row") and rows[2]["clean_text"] == "보통"


def test_on_error_skip_exit_0_still_counted(cli, write, tmp_path):
    out = tmp_path / "o.csv"
    r = cli("clean", write("r.csv", RAGGED), "-o", out, "--on-error", "skip")
    assert r.exit_code == 0
    assert "3 rows, 1 failed" in r.stderr
    assert len(read_csv(out)) == 3


def test_on_error_abort_stops(cli, write, tmp_path):
    out = tmp_path / "o.csv"
    r = cli("clean", write("r.csv", RAGGED), "-o", out, "--on-error", "abort")
    assert r.exit_code == 1
    assert "row 2: input: ragged row" in r.stderr and "--on-error abort" in r.stderr
    assert "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--text-column", "review"],
     "no column 'review'; columns are: id, document, label. Pass --text-column"),
    (["--encoding", "utf-8"], "Pass --encoding cp949"),
    (["--output-encoding", "utf-8", "--format", "xml"], "Invalid value for '--format'"),
    (["--batch-size", "0"], "Invalid value for '--batch-size'"),
    (["--resume"], "--resume needs an output file"),
    (["--output-encoding", "cp-949x"], "--output-encoding cp-949x: no such encoding"),
])
def test_bad_usage_exit_2(cli, write, args, message):
    p = write("r.csv", REVIEWS, encoding="cp949")
    r = cli("clean", p, *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr


def test_output_encoding_that_cannot_hold_a_character(cli, write, tmp_path):
    src = write("r.csv", "id,text\n1,좋아요\n2,최고 😀\n")
    out = tmp_path / "o.csv"
    r = cli("clean", src, "-o", out, "--output-encoding", "cp949")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "row 2: '😀' (U+1F600) cannot be written in cp949" in r.stderr
    assert "--output-encoding utf-8-sig" in r.stderr
    assert list(tmp_path.glob("o.csv*")) == []  # no half file left to resume into
    r = cli("clean", src, "-o", out, "--output-encoding", "utf-8-sig")
    assert r.exit_code == 0 and [x["text"] for x in read_csv(out)] == ["좋아요", "최고 😀"]


def test_missing_file_and_binary_exit_2(cli, write, tmp_path):
    r = cli("clean", tmp_path / "nope.csv")
    assert r.exit_code == 2 and "no such file or folder" in r.stderr
    r = cli("clean", write("junk.txt", bytes(range(256)) * 4))
    assert r.exit_code == 2 and "binary data" in r.stderr
    r = cli("clean", write("q.csv", 'id,text\n1,"열린 따옴표\n'))
    assert r.exit_code == 2 and "--quoting none" in r.stderr


def test_bad_kiwi_option_is_usage_error_not_row_failures(cli, write):
    r = cli("tokenize", write("a.txt", "좋다\n나쁘다\n"), "--user-words", "단어/NOTATAG")
    assert r.exit_code == 2
    assert "user word '단어/NOTATAG'" in r.stderr and "failed" not in r.stderr


def test_int_options_are_checked(cli, write):
    r = cli("tokenize", write("a.txt", "좋다\n"), "--num-workers", "two")
    assert r.exit_code == 2 and "Invalid value for '--num-workers'" in r.stderr


# -- pipeline files ------------------------------------------------------------------------
def test_run_with_set_overrides(cli, write, pipelines_dir):
    p = write("r.tsv", "id\tdocument\n1\t배우 연기가 좋았다 😀\n")
    r = cli("run", pipelines_dir / "tokenize.toml", p, "--format", "jsonl",
            "--set", "stages.tokenize.pos=NNG,NNP", "--set", "stages.clean.emoji=remove")
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)
    assert row["tokens"] == "배우/NNG 연기/NNG" and row["clean_text"] == "배우 연기가 좋았다"


def test_validate(cli, write, pipelines_dir):
    r = cli("validate", pipelines_dir / "tokenize.toml")
    assert r.exit_code == 0 and "ok" in r.stdout and "kiwi.v1" in r.stdout
    bad = write("p.toml", '[pipeline]\nstages = ["clean"]\n[stages.clean]\nfactory = "clean.v1"\n'
                          'emojis = "remove"\n')
    r = cli("validate", bad)
    assert r.exit_code == 2
    assert "unknown option 'emojis'" in r.stderr and "emoji" in r.stderr
    r = cli("validate", pipelines_dir / "tokenize.toml", "--set", "stages.tokenize.lemma=true")
    assert r.exit_code == 2 and "unknown option 'lemma'" in r.stderr


@register("test_cli_interrupt.v1")
class CtrlC(Stage):
    assigns = frozenset({"label"})
    seen = 0

    def __init__(self, n: int = 5):
        self.n = n

    def process_batch(self, docs):
        for d in docs:
            if CtrlC.seen >= self.n:
                raise KeyboardInterrupt
            CtrlC.seen += 1
            d.label = "ok"
        return docs


# a pipeline whose second stage presses Ctrl-C after 13 documents (CtrlC, above)
STOP_AT_13 = ('[pipeline]\nstages = ["clean", "stop"]\nbatch_size = 4\n'
              '[stages.clean]\nfactory = "clean.v1"\n'
              '[stages.stop]\nfactory = "test_cli_interrupt.v1"\nn = 13\n')


def test_resume_after_interrupt(cli, write, tmp_path):
    lines = [f"{i},리뷰 {i} ㅋㅋㅋㅋ" for i in range(30)]
    src = write("r.csv", "id,text\n" + "\n".join(lines) + "\n")
    conf = write("p.toml", STOP_AT_13)
    out = tmp_path / "o.csv"
    CtrlC.seen = 0
    r = cli("run", conf, src, "-o", out)
    assert r.exit_code == 130 and not out.exists()  # Ctrl-C: 130, not 1 (rows failed)
    assert (tmp_path / "o.csv.part").exists()
    assert "o.csv.part keeps the rows done" in r.stderr and "--resume" in r.stderr
    # resuming with other stage settings would mix two runs' outputs: refused
    r = cli("run", conf, src, "-o", out, "--resume", "--set", "stages.stop.n=1000")
    assert r.exit_code == 2 and "with other pipeline settings" in r.output
    # ... or another text column (rows 1-13 cleaned from one column, the rest from another)
    r = cli("run", conf, src, "-o", out, "--resume", "--text-column", "id")
    assert r.exit_code == 2 and "with another --text-column" in r.output
    # ... or the input cut into rows another way (33,000 rows out of 30,000, garbled)
    r = cli("run", conf, src, "-o", out, "--resume", "--quoting", "none")
    assert r.exit_code == 2 and "with other options for reading the input" in r.output
    CtrlC.seen = -1000  # the same settings, and no second Ctrl-C; naming the format the
    r = cli("run", conf, src, "-o", out, "--resume", "--input-format", "csv")  # file has
    assert r.exit_code == 0, r.output
    rows = read_csv(out)
    assert [x["id"] for x in rows] == [str(i) for i in range(30)]
    assert all(x["clean_text"].endswith("ㅋㅋ") and x["label"] == "ok" for x in rows)
    # Ctrl-C without -o: no part file to speak of
    CtrlC.seen = 0
    r = cli("run", conf, src)
    assert r.exit_code == 130 and r.stderr.strip() == "kotext: interrupted"
    # --resume with nothing to resume says so, and runs from the start
    r = cli("clean", src, "-o", tmp_path / "c.csv", "--resume")
    assert r.exit_code == 0 and "no interrupted run to go on from" in r.stderr
    assert len(read_csv(tmp_path / "c.csv")) == 30


def test_resumed_run_counts_all_its_rows(cli, write, tmp_path):
    # the summary said "3 rows" for a 4-row file, while it named row 2 and row 3
    # (rows 2 and 3 failed for an empty text; empty is no error now: a NUL fails them)
    src = write("e.txt", "좋은 영화\n나\x00쁜\n지\x00루\n나쁜 영화\n")
    out = tmp_path / "o.csv"
    r = cli("classify", src, "-o", out, "--on-error", "abort")
    assert r.exit_code == 1
    r = cli("classify", src, "-o", out, "--resume", "--on-error", "skip")
    assert r.exit_code == 0
    assert "4 rows (1 from the interrupted run, 0 of them failed; 3 now, 2 of them failed)" \
        in r.stderr
    assert len(read_csv(out)) == 4


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_error_not_failed_rows(cli, write):
    # a traceback and exit 1, which says "some rows failed" to a scheduled job
    src = write("r.txt", "좋은 영화\n" * 50)
    r = cli("clean", src, "-o", "/dev/full", "--format", "csv")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "cannot write the output" in r.stderr and "No space left" in r.stderr


def test_a_closed_stdout_is_an_error(monkeypatch):
    from kotext import UsageError
    from kotext.io.writers import Writer

    monkeypatch.setattr("sys.stdout", None)  # started as `kotext ... >&-`
    with pytest.raises(UsageError, match="standard output is closed: pass output=FILE"):
        Writer(None, "csv", ["text"])


def test_n_process_2_same_output(cli, write):
    # workers rebuild the pipeline from its config (cleaning keeps the test fast)
    src = write("r.txt", "".join(f"{i}번째 <b>리뷰</b> ㅋㅋㅋㅋ\n" for i in range(40)))
    one = cli("clean", src, "--batch-size", "3")
    two = cli("clean", src, "--batch-size", "3", "--n-process", "2")
    assert two.exit_code == 0, two.output
    assert two.stdout == one.stdout
    assert two.stdout.splitlines() == [f"{i}번째 리뷰 ㅋㅋ" for i in range(40)]
    # -1: one per core, as n_process=-1 in Python (the CLI refused it)
    every = cli("clean", src, "--batch-size", "3", "--n-process", "-1")
    assert every.exit_code == 0 and every.stdout == one.stdout
    r = cli("clean", src, "--n-process", "0")
    assert r.exit_code == 2 and "-1 for one process per CPU core" in r.output


def test_validate_catches_a_bad_user_word_tag(cli, write):
    p = write("p.toml", '[pipeline]\nstages = ["tokenize"]\n[stages.tokenize]\n'
                        'factory = "kiwi.v1"\nuser_words = ["단어/NOTATAG"]\n')
    r = cli("validate", p)
    assert r.exit_code == 2 and "unknown tag 'NOTATAG'" in r.stderr


def test_validate_catches_missing_word_vectors(cli, write):
    # validate said ok, and run stopped with "vectors not found"
    p = write("p.toml", '[pipeline]\nstages = ["clean", "tokenize", "docvec"]\n'
                        '[stages.clean]\nfactory = "clean.v1"\n'
                        '[stages.tokenize]\nfactory = "kiwi.v1"\n'
                        '[stages.docvec]\nfactory = "docvec.v1"\nvectors = "nonexist.txt"\n')
    r = cli("validate", p)
    assert r.exit_code == 2 and "vectors: not found" in r.stderr and "nonexist.txt" in r.stderr


def test_output_that_is_the_input_is_refused(cli, write, tmp_path, monkeypatch):
    f = write("r.csv", REVIEWS)
    monkeypatch.chdir(tmp_path)
    for out in (f, "r.csv", "./sub/../r.csv"):
        r = cli("clean", f, "-o", out)
        assert r.exit_code == 2 and "is the input file" in r.output and "r_out.csv" in r.output
    assert f.read_text("utf-8") == REVIEWS  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_a_missing_optional_library_is_named_before_any_work(cli, write, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    gone = {"gensim", "sklearn"}
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in gone else real(name, *a))
    f = write("t.csv", "text,label\n좋다,1\n나쁘다,0\n")
    r = cli("embed", "train", f, "-o", f.parent / "vec")
    assert r.exit_code == 2 and "tokenized" not in r.output
    assert "training word2vec vectors needs gensim, which is not installed: pip install " \
           "'kotext[embed]'" in r.output
    r = cli("train", "classifier", "--train", f, "--label-column", "label", "-o", f.parent / "m")
    assert r.exit_code == 2 and "features:" not in r.output
    assert "needs scikit-learn, which is not installed: pip install 'kotext[train]'" in r.output
    assert not (f.parent / "vec").exists() and not (f.parent / "m").exists()


def test_every_command_needing_an_extra_names_it(cli, write, monkeypatch, tmp_path):
    # pretrain, train summarizer, embed plot/evaluate, an ensemble and train_vectors ended
    # in a ModuleNotFoundError traceback on a core install (after reading their data)
    import importlib.util

    from kotext.embeddings import Vectors, train_vectors
    from kotext.errors import UsageError

    real = importlib.util.find_spec
    gone = {"torch", "transformers", "tokenizers", "matplotlib", "sklearn", "scipy", "gensim"}
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in gone else real(name, *a))
    f = write("t.csv", "text,label\n좋다,1\n나쁘다,0\n")
    pairs = write("p.jsonl", '{"document": "가 나 다", "summary": "가"}\n')
    vec = tmp_path / "vec"
    import numpy as np

    Vectors(["배우", "연기"], np.ones((2, 4), dtype=np.float32)).save(vec)
    cases = [
        (["pretrain", f, "-o", tmp_path / "enc"], "pre-training needs torch", "transformers"),
        (["train", "summarizer", "--train", pairs, "--model", tmp_path, "-o", tmp_path / "s"],
         "training a summarizer needs torch", "transformers"),
        (["embed", "plot", "--model", vec, "--words", "배우,연기", "-o", tmp_path / "w.png"],
         "drawing words needs matplotlib", "plot"),
        (["embed", "evaluate", "--model", vec, "--similarity", f],
         "--similarity (Spearman correlation) needs scipy", "embed"),
        (["train", "classifier", "--method", "ensemble", "--members", vec, "--train", f,
          "--label-column", "label", "-o", tmp_path / "e"], "an ensemble needs scipy", "train"),
    ]
    for args, says, extra in cases:
        r = cli(*args)
        assert r.exit_code == 2 and says in r.output and f"'kotext[{extra}]'" in r.output, \
            (args, r.output)
    with pytest.raises(UsageError, match=r"needs gensim.*kotext\[embed\]"):
        train_vectors(["배우 연기"] * 3, tmp_path / "tv")


def test_table_text_fits_a_terminal_line():
    from kotext.cli.classify import _fit

    assert _fit("abcdefg", 6) == "abcde…" and _fit("abcdef", 6) == "abcdef"
    assert _fit("가나다라마바사", 6) == "가나…"  # Hangul takes two cells
    assert _fit("짧다", 20) == "짧다"


def test_parquet_to_parquet_keeps_column_types(cli, tmp_path, monkeypatch):
    # a float column empty in the first rows came out as text ("1.5")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kotext.io.writers import Writer

    monkeypatch.setattr(Writer, "PARQUET_ROWS", 4)  # the schema is set by the first 4 rows
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table({"text": ["좋다"] * 10,
                             "score": pa.array([None] * 6 + [1.5] * 4, pa.float64()),
                             "n": pa.array([None] * 10, pa.int32())}), src)
    r = cli("clean", src, "-o", out)
    assert r.exit_code == 0, r.output
    t = pq.read_table(out)
    assert t.schema.field("score").type == pa.float64() and t["score"][9].as_py() == 1.5
    assert t.schema.field("n").type == pa.int32()


def test_run_and_validate_import_stages_of_your_own_with_code(cli, write, tmp_path):
    # a registered stage could be used from Python only: a pipeline file naming it was
    # "unknown stage factory" for `kotext run` and `kotext validate`
    code = write("kotext_test_shout.py", '''
from kotext.registry import register
from kotext.stages.base import Stage


@register("test_shout.v1")
class Shout(Stage):
    assigns = frozenset({"text"})

    def __init__(self, mark: str = "!"):
        self.mark = mark

    def process_batch(self, docs):
        for d in docs:
            d.text += self.mark
        return docs
''')
    toml = write("p.toml", '[pipeline]\nstages = ["shout"]\n[stages.shout]\n'
                           'factory = "test_shout.v1"\nmark = "!!"\n')
    r = cli("validate", toml)
    assert r.exit_code == 2 and "--code FILE.py" in r.output
    r = cli("validate", toml, "--code", code)
    assert r.exit_code == 0 and "test_shout.v1" in r.output, r.output
    src = write("in.txt", "좋다\n싫다\n")
    r = cli("run", toml, src, "--code", code)
    assert r.exit_code == 0 and r.stdout.splitlines() == ["좋다!!", "싫다!!"], r.output
    r = cli("run", toml, src, "--code", tmp_path / "nope.py")
    assert r.exit_code == 2 and "nope.py: not a .py file" in r.output
    # a file named like a module Python has (json.py) would replace it; a dotted name is
    # no module name
    for name, why in [("json.py", "Python already has a module named 'json'"),
                      ("shout.v1.py", "'shout.v1' is not a module name")]:
        bad = write(name, code.read_text("utf-8"))
        r = cli("validate", toml, "--code", bad)
        assert r.exit_code == 2 and why in r.output, r.output


def test_run_a_summarizing_pipeline_reads_a_txt_file_as_one_article(cli, write):
    # `kotext run summarize art.txt` summarized each line on its own (4 "summaries")
    f = write("art.txt", "첫 문장이다.\n둘째 문장이다.\n셋째 문장이다.\n넷째 문장이다.\n")
    r = cli("run", "summarize", f, "--format", "jsonl")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1, r.output
    r = cli("run", "summarize", f, "--format", "jsonl", "--per-line")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 4
    r = cli("run", "tokenize", f, "--per-line")
    assert r.exit_code == 2 and "already read one document per line" in r.output


def test_sentences_and_suffixless_outputs_are_refused_not_ignored(cli, write, tmp_path):
    f = write("a.tsv", "id\ttext\n1\t안녕하세요. 반가워요\n")
    for args, why in [(["run", "clean", f, "--sentences", "--format", "jsonl"],
                       "this pipeline makes no sentences"),
                      (["tokenize", f, "--sentences"], "text output has not"),
                      (["run", "sentiment", f, "-o", tmp_path / "result"],
                       "no suffix to tell the format")]:
        r = cli(*args)
        assert r.exit_code == 2 and why in r.output, (args, r.output)
    assert not (tmp_path / "result").exists()
    r = cli("tokenize", f, "--sentences", "--format", "jsonl")
    assert r.exit_code == 0 and '"sentences": ["안녕하세요.", "반가워요"]' in r.stdout


def test_whole_file_on_a_table_is_refused_not_ignored(cli, write):
    f = write("r.csv", "id,document\n1,좋다\n")
    r = cli("clean", f, "--whole-file", "--format", "csv")
    assert r.exit_code == 2 and "--whole-file applies to .txt files" in r.output
    r = cli("summarize", f, "--text-column", "document", "--format", "jsonl")  # its default
    assert r.exit_code == 0, r.output


def test_colours_only_on_a_terminal_that_takes_them(monkeypatch):
    import sys

    from kotext.cli.classify import _use_color

    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert _use_color(None) and not _use_color(False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _use_color(None) and _use_color(True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not _use_color(None)


def test_every_command_refuses_a_closed_stdout(write):
    # summarize, keywords, evaluate and explain printed into nothing and exited 0
    import shlex
    import subprocess
    import sys

    f = write("a.txt", "인공지능 기술이 발전한다.\n")
    for cmd in (["keywords", str(f)], ["explain", "좋은 영화"],
                ["evaluate-summary", str(f), "--json", "-"]):  # --json - is stdout too
        line = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "kotext", *cmd])
        r = subprocess.run(["bash", "-c", line + " >&-"], capture_output=True, text=True)
        assert r.returncode == 2
        assert "standard output is closed, and the results go there" in r.stderr


def test_classify_table_lines_up_with_korean_and_long_labels():
    from kotext.cli.classify import _table_line
    from kotext.evaluate.classification import _cells

    names = {"label": "label", "score": "score", "error": "error"}
    line = _table_line(names, "text", cut=False, labels=("긍정", "부정적인리뷰", "neutral_long_label"))
    rows = [line({"label": lab, "score": 0.5, "text": "리뷰"})
            for lab in ("긍정", "부정적인리뷰", "neutral_long_label")]
    # the score starts in the same terminal column on every row
    starts = {_cells(r[: r.index("0.500")]) for r in rows}
    assert len(starts) == 1, rows


def test_options_of_other_methods_are_named_with_the_methods_that_take_them(cli, write):
    # --base was said to apply to "transformer, gru or lstm" from linear, and to
    # "transformer only" (with "--base apply") from gru
    f = write("t.csv", "text,label\n좋다,1\n나쁘다,0\n")
    r = cli("train", "classifier", "--train", f, "--label-column", "label", "--base", "x",
            "--epochs", "2", "-o", f.parent / "m")
    assert r.exit_code == 2
    assert ("--epochs applies to --method transformer, gru or lstm; --base applies to "
            "--method transformer, not linear") in r.output


def test_load_overrides_must_be_a_list_of_strings():
    import kotext

    with pytest.raises(TypeError, match='a list of "KEY=VALUE" strings'):
        kotext.load("tokenize", "stages.tokenize.pos=nouns")


def test_config_reads_top_level_keys_beside_the_command_table(cli, write, tmp_path):
    # top-level keys were dropped when a [train.classifier] table was there, unknown ones
    # included, while the README says "at the top level or under [train.classifier]"
    import json

    rows = "".join(f"좋은 영화 {i},1\n나쁜 영화 {i},0\n" for i in range(10))
    data = write("t.csv", "text,label\n" + rows)
    out = tmp_path / "m"
    cfg = write("c.toml", f'val-fraction = 0.3\n[train.classifier]\ntrain = "{data.as_posix()}"\n'
                          f'label-column = "label"\noutput = "{out.as_posix()}"\n')
    r = cli("train", "classifier", "--config", cfg)
    assert r.exit_code == 0, r.output
    assert json.loads((out / "config.json").read_text("utf-8"))["training"]["val_fraction"] == 0.3
    bad = write("b.toml", 'bogus-key = 1\n[train.classifier]\nlabel-column = "label"\n')
    r = cli("train", "classifier", "--config", bad, "--train", data, "-o", tmp_path / "x")
    assert r.exit_code == 2 and "unknown option 'bogus-key'" in r.output


def test_resume_with_abort_counts_failed_rows_from_before(cli, write, tmp_path):
    # the part file held a failed (ragged) row; --resume --on-error abort exited 0
    lines = [f"{i},리뷰 {i}" for i in range(30)]
    lines[1] = "1,리뷰 1,남는 칸"
    src = write("r.csv", "id,text\n" + "\n".join(lines) + "\n")
    conf = write("p.toml", STOP_AT_13)
    out = tmp_path / "o.csv"
    CtrlC.seen = 0
    assert cli("run", conf, src, "-o", out).exit_code == 130
    CtrlC.seen = -1000
    r = cli("run", conf, src, "-o", out, "--resume", "--on-error", "abort")
    assert r.exit_code == 1 and "1 of them failed" in r.stderr
    assert len(read_csv(out)) == 30


def test_failed_rows_exit_1_even_when_stderr_is_closed_early(write, tmp_path):
    # `kotext ... 2>&1 | true`: the summary met a closed pipe and the run exited 0
    import subprocess
    import sys

    src = write("r.csv", "id,text\n1,좋은 영화\n2,나\x00쁜\n3,지루한 영화\n")  # a NUL fails
    proc = subprocess.Popen([sys.executable, "-m", "kotext", "classify", str(src), "-o",
                             str(tmp_path / "o.csv")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    proc.stderr.close()  # the reader is gone before anything is written
    assert proc.wait(60) == 1
    assert len(read_csv(tmp_path / "o.csv")) == 3


def test_resume_after_an_abort_on_the_first_row_is_not_told_there_was_nothing(cli, write,
                                                                              tmp_path):
    # a part file and checkpoint of 0 rows: "no interrupted run to go on from" was wrong
    src = write("r.csv", "id,text\n1,나\x00쁜\n2,좋은 영화\n")  # a NUL fails row 1
    out = tmp_path / "o.csv"
    r = cli("classify", src, "-o", out, "--on-error", "abort")
    assert r.exit_code == 1 and (tmp_path / "o.csv.part").exists()
    r = cli("classify", src, "-o", out, "--resume", "--on-error", "keep")
    assert r.exit_code == 0 and "no interrupted run" not in r.stderr
    assert [row["id"] for row in read_csv(out)] == ["1", "2"]
