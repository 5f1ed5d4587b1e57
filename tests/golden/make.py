"""Golden outputs of a fixed set of CLI commands: stdout, stderr, exit code and the files
each writes, byte for byte, on small data this script makes (no ../shared).

    python tests/golden/make.py           # rewrite tests/golden/*.out
    python tests/golden/make.py --check   # compare; exit 1 and name the cases that differ
    python tests/golden/make.py --dir D   # write (or --check against) D/*.out instead

tests/test_golden.py runs the check; benchmarks/golden_outputs.sh compares two trees with it
(the kotext that runs is the one Python imports: PYTHONPATH=TREE). Run times ("0.1 s (25 docs/s)") and the temporary
folder are the only things replaced before comparing.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

REVIEWS = ("id,document,label\n"
           "1,배우들 연기가 정말 좋았고 마지막 장면에서 눈물이 났다,1\n"
           "2,스토리가 너무 지루해서 중간에 잠들었어요ㅠㅠㅠ,0\n"
           "3,<b>두 시간이 아깝다</b>. 다시는 안 본다,0\n"
           "4,음악이랑 영상미가 최고!! 강력 추천합니다 ㅋㅋㅋㅋ,1\n"
           "5,기대를 많이 했는데 생각보다 별로였음,0\n"
           "6,가족이랑 보기 딱 좋은 따뜻한 영화,1\n")
# row 3 has no text, row 4 holds a NUL byte: both fail and keep their places
FAILING = ("id,document\n1,정말 재밌는 영화였어요\n2,\n3,최악의 영화\x00였다\n"
           "4,연출은 괜찮았지만 결말이 너무 허무했다\n")
CP949 = "번호,리뷰\n1,배송이 빠르고 포장이 꼼꼼해요\n2,품질이 별로라 환불했습니다\n"
HTML = "<p>안녕하세요&nbsp;여러분!!!!!!</p> 자세한 내용은 https://example.com 참고 ㅋㅋㅋㅋㅋ\n"
CORPUS = "\n".join(["배우 연기가 좋았다 영화 스토리도 좋았다",
                    "영화 배우 감독 모두 최고였다",
                    "감독의 연출과 배우의 연기가 좋았다",
                    "스토리가 지루한 영화였다",
                    "배우와 감독이 만든 좋은 영화"] * 20) + "\n"
PIPELINE = """[pipeline]
stages = ["clean", "tokenize"]

[stages.clean]
factory = "clean.v1"

[stages.tokenize]
factory = "kiwi.v1"
pos = ["NNG", "NNP"]
"""

# name -> the command's arguments (and "<<" stdin text, "=>" files to record)
CASES: list[tuple[str, list[str], dict]] = [
    ("help", ["--help"], {}),
    ("help_run", ["run", "--help"], {}),
    ("help_classify", ["classify", "--help"], {}),
    ("help_summarize", ["summarize", "--help"], {}),
    ("help_train_classifier", ["train", "classifier", "--help"], {}),
    ("classify_stdout", ["classify", "reviews.csv", "--text-column", "document"], {}),
    ("classify_csv", ["classify", "reviews.csv", "--text-column", "document", "-o",
                      "labeled.csv"], {"=>": ["labeled.csv"]}),
    ("classify_cp949", ["classify", "cp949.csv", "-o", "cp949_out.jsonl",
                        "--text-column", "리뷰"], {"=>": ["cp949_out.jsonl"]}),
    ("classify_cp949_excel", ["classify", "cp949.csv", "--text-column", "리뷰", "-o",
                              "excel.csv", "--output-encoding", "utf-8-sig"],
     {"=>": ["excel.csv"]}),
    ("tokenize_txt", ["tokenize", "reviews.txt"], {}),
    ("tokenize_json", ["tokenize", "reviews.csv", "--text-column", "document",
                       "--token-format", "json", "--sentences", "-o", "tokens.jsonl"],
     {"=>": ["tokens.jsonl"]}),
    ("tokenize_stdin", ["tokenize", "-", "--pos", "nouns"],
     {"<<": "배우 연기가 좋았다\n감독의 연출\n"}),
    ("clean_html", ["clean", "page.txt"], {}),
    ("clean_tsv", ["clean", "reviews.csv", "--text-column", "document", "-o", "clean.tsv"],
     {"=>": ["clean.tsv"]}),
    ("summarize", ["summarize", "articles.csv", "--text-column", "body", "-n", "2"], {}),
    ("summarize_csv", ["summarize", "articles.csv", "--text-column", "body", "--ratio",
                       "0.5", "--no-clean", "-o", "summary.csv"], {"=>": ["summary.csv"]}),
    ("summarize_txt", ["summarize", "article.txt", "-n", "1"], {}),
    ("keywords", ["keywords", "articles.csv", "--text-column", "body", "-n", "5"], {}),
    ("keywords_jsonl", ["keywords", "articles.csv", "--text-column", "body", "-n", "3",
                        "--no-compounds", "-o", "kw.jsonl"], {"=>": ["kw.jsonl"]}),
    ("embed_similar", ["embed", "similar", "배우", "--model", "vec", "-n", "3"], {}),
    ("embed_similar_oov", ["embed", "similar", "우주선", "--model", "vec"], {}),
    ("evaluate", ["evaluate", "sentiment-ko", "reviews.csv", "--text-column", "document",
                  "--label-column", "label", "--label-map", "0=negative,1=positive"], {}),
    ("error_evaluate_labels", ["evaluate", "sentiment-ko", "reviews.csv", "--text-column",
                               "document", "--label-column", "label"], {}),
    ("explain", ["explain", "배우 연기가 정말 좋았고 감동적이었다", "--no-color"], {}),
    ("explain_top", ["explain", "스토리가 지루했다", "-n", "2", "--no-color"], {}),
    ("run_pipeline", ["run", "nouns.toml", "reviews.csv", "--text-column", "document", "-o",
                      "nouns.csv"], {"=>": ["nouns.csv"]}),
    ("run_shipped_set", ["run", "summarize", "articles.csv", "--text-column", "body",
                         "--set", "stages.summarize.n=1", "--format", "jsonl"], {}),
    ("error_model_mismatch", ["run", "sentiment", "reviews.csv", "--text-column", "document",
                              "--set", "stages.clean.normalize_repeats=3"], {}),
    ("validate", ["validate", "nouns.toml"], {}),
    ("failing_rows", ["tokenize", "failing.csv", "--text-column", "document", "-o",
                      "failing_out.csv"], {"=>": ["failing_out.csv"]}),
    ("failing_rows_skip", ["classify", "failing.csv", "--text-column", "document",
                           "--on-error", "skip", "-o", "failing_skip.jsonl"],
     {"=>": ["failing_skip.jsonl"]}),
    ("failing_rows_abort", ["clean", "failing.csv", "--text-column", "document",
                            "--on-error", "abort", "-o", "failing_abort.csv"], {}),
    ("error_bad_choice", ["classify", "reviews.csv", "--on-error", "never"], {}),
    ("error_missing_column", ["classify", "reviews.csv", "--text-column", "review"], {}),
    ("error_no_guess", ["tokenize", "cp949.csv"], {}),
    ("error_output_is_input", ["clean", "reviews.csv", "--text-column", "document", "-o",
                               "reviews.csv"], {}),
    ("error_sentences", ["run", "clean", "reviews.csv", "--text-column", "document",
                         "--sentences", "--format", "jsonl"], {}),
    ("error_sentences_text", ["tokenize", "reviews.csv", "--text-column", "document",
                              "--sentences"], {}),
    ("error_resume_stdin", ["clean", "-", "-o", "x.csv", "--resume"], {"<<": "안녕\n"}),
    ("error_unknown_set", ["run", "nouns.toml", "reviews.csv", "--text-column", "document",
                           "--set", "stages.tokenize.colour=red"], {}),
    ("error_no_model", ["classify", "reviews.csv", "--text-column", "document", "-m",
                        "no_such_model"], {}),
    ("error_bad_lr", ["train", "classifier", "--method", "gru", "--train", "reviews.csv",
                      "--text-column", "document", "--label-column", "label", "--lr", "-1",
                      "-o", "gru_model"], {}),
]

_TIMES = re.compile(r"\d+\.\d s \([\d,]+ docs/s\)")


def make_data(d: Path) -> None:
    (d / "reviews.csv").write_text(REVIEWS, encoding="utf-8")
    (d / "reviews.txt").write_text((REPO / "examples" / "reviews.txt").read_text("utf-8"),
                                   encoding="utf-8")
    (d / "articles.csv").write_text((REPO / "examples" / "articles.csv").read_text("utf-8"),
                                    encoding="utf-8")
    (d / "article.txt").write_text(
        "국내 연구진이 한국어 번역 정확도를 크게 높인 인공지능 모델을 공개했다. 연구진은 뉴스와 "
        "대화 데이터를 함께 학습시켰다고 밝혔다. 새 모델은 기존 모델보다 오류가 30% 적었다.\n",
        encoding="utf-8")
    (d / "failing.csv").write_text(FAILING, encoding="utf-8")
    (d / "cp949.csv").write_bytes(CP949.encode("cp949"))
    (d / "page.txt").write_text(HTML, encoding="utf-8")
    (d / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    (d / "nouns.toml").write_text(PIPELINE, encoding="utf-8")


def invoke(args: list[str], stdin: str | None = None) -> tuple[int, bytes, bytes]:
    from click.testing import CliRunner

    from kotext.cli import main

    r = CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)
    return r.exit_code, r.stdout_bytes, r.stderr_bytes


def _kotext_tree() -> Path:
    import kotext

    return Path(kotext.__file__).resolve().parent.parent


def record(name: str, args: list[str], extra: dict, d: Path) -> bytes:
    code, out, err = invoke(args, extra.get("<<"))
    parts = [f"$ kotext {' '.join(args)}\n".encode(), f"exit {code}\n".encode(),
             b"--- stdout\n", out, b"--- stderr\n", err]
    for f in extra.get("=>", []):
        p = d / f
        parts += [f"--- file {f}\n".encode(), p.read_bytes() if p.exists() else b"(none)\n"]
    text = b"".join(parts)
    text = text.replace(str(d).encode(), b"<tmp>")
    for tree in {str(REPO), str(_kotext_tree())}:  # this script's and the running kotext's
        text = text.replace(tree.encode(), b"<repo>")
    return _TIMES.sub("<time>", text.decode("utf-8", "backslashreplace")).encode()


def outputs() -> dict[str, bytes]:
    """Each case's recorded output, run in a fresh temporary folder."""
    cwd = os.getcwd()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp).resolve()
        make_data(d)
        os.chdir(d)
        try:
            code, out, err = invoke(["embed", "train", "corpus.txt", "-o", "vec", "--dim", "8",
                                     "--min-count", "2", "--epochs", "3", "--workers", "1"])
            assert code == 0, err.decode()
            return {name: record(name, args, extra, d) for name, args, extra in CASES}
        finally:
            os.chdir(cwd)


def check(folder: Path = HERE) -> list[str]:
    """The names of the cases whose output differs from the stored one."""
    bad = []
    for name, got in outputs().items():
        p = folder / f"{name}.out"
        if not p.exists() or p.read_bytes() != got:
            bad.append(name)
    return bad


def main(argv: list[str]) -> int:
    folder = HERE
    if "--dir" in argv:
        folder = Path(argv[argv.index("--dir") + 1]).resolve()
        folder.mkdir(parents=True, exist_ok=True)
    if "--check" in argv:
        bad = check(folder)
        for name in bad:
            print(f"differs: {name}", file=sys.stderr)
        return int(bool(bad))
    for p in folder.glob("*.out"):
        p.unlink()
    for name, got in outputs().items():
        (folder / f"{name}.out").write_bytes(got)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
