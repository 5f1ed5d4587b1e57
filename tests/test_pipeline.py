"""kotext.pipeline: load / Pipeline / __call__ / pipe, build-time checks, to_config."""

from __future__ import annotations

import itertools

import pytest

import kotext
from kotext import ConfigError, Doc, Pipeline
from kotext.config import bundled_dir
from kotext.registry import create, register
from kotext.stages.base import Stage
from kotext.stages.clean import Clean
from kotext.stages.tokenize import KiwiTokenizer


@register("test_needs_label.v1")
class NeedsLabel(Stage):
    requires = frozenset({"tokens", "label"})
    assigns = frozenset({"scores"})

    def __init__(self):
        pass

    def process_batch(self, docs):
        return docs


@register("test_fail_on.v1")
class FailOn(Stage):
    """Raises on documents whose text contains ``word``."""

    assigns = frozenset({"label"})

    def __init__(self, word: str = "최악"):
        self.word = word

    def process_batch(self, docs):
        for d in docs:
            if self.word in d.text:
                raise ValueError(f"bad word in {d.text!r}")
            d.label = "ok"
        return docs


@pytest.fixture(scope="module")
def nlp():
    return kotext.load(bundled_dir("pipelines") / "tokenize.toml")


def test_load_shipped_by_name_and_path(nlp):
    by_name = kotext.load("tokenize")
    assert [s.name for s in by_name.stages] == ["clean", "tokenize"]
    assert by_name.to_config() == nlp.to_config()
    assert [s.factory for s in nlp.stages] == ["clean.v1", "kiwi.v1"]


def test_load_unknown_pipeline_lists_shipped():
    with pytest.raises(ConfigError, match=r"pipeline file not found: nope\.toml.*tokenize"):
        kotext.load("nope.toml")


def test_call_returns_doc_with_tokens(nlp):
    doc = nlp("배우 연기는 좋았는데 스토리가 지루했다")
    assert isinstance(doc, Doc)
    assert (doc.tokens[0].form, doc.tokens[0].tag) == ("배우", "NNG")
    assert doc.sentences and doc.sentences[0].start == 0
    # a Doc goes in as well, and comes out the same shape
    doc2 = nlp(Doc(text="정말 재밌는 영화였어요", id="a", meta={"k": 1}))
    assert doc2.id == "a" and doc2.meta == {"k": 1} and doc2.tokens


def test_cells_of_a_data_frame_are_texts(nlp):
    import numpy as np

    class NAType:  # pandas' missing value (pd.NA), recognised by its type's name
        pass

    cells = ["좋다", None, float("nan"), np.float32("nan"), NAType(), 5, np.int64(7),
             ["첫 줄", "둘째 줄"], "싫다"]
    docs = list(nlp.pipe(cells))
    assert [d.text for d in docs] == ["좋다", "", "", "", "", "5", "7", "첫 줄\n둘째 줄", "싫다"]
    assert all(d.error is None for d in docs) and docs[7].tokens[-1].form == "줄"


def test_call_rejects_other_types(nlp):
    with pytest.raises(TypeError, match="expected a str or a Doc, got dict$"):
        nlp({"text": "좋다"})
    with pytest.raises(TypeError, match=r"got bytes \(decode bytes first"):
        nlp("좋다".encode())
    with pytest.raises(TypeError, match="got list: a list holding lists or objects where text was expected$"):
        nlp([["좋다"]])


def test_pipe_is_lazy_and_keeps_order(nlp):
    consumed = []

    def gen():
        for i in itertools.count():
            consumed.append(i)
            yield f"{i}번째 문장입니다"

    it = nlp.pipe(gen(), batch_size=4)
    assert consumed == []  # nothing read before the first next()
    docs = list(itertools.islice(it, 6))
    assert [d.text for d in docs] == [f"{i}번째 문장입니다" for i in range(6)]
    # a bounded read-ahead (a batch of the clean stage and Kiwi's window of texts in
    # flight, 16 per Kiwi thread: measured 24 / 40 / 136 / 264 for 1 / 2 / 8 / 16 threads),
    # not the endless input
    workers = nlp.stages[1].kiwi.num_workers
    assert len(consumed) <= 24 * workers + 16


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_pipe_batch_size_same_result(nlp, ko, batch_size):
    texts = ko * 3 + [""]
    ref = [nlp(t) for t in texts]
    got = list(nlp.pipe(texts, batch_size=batch_size))
    assert [d.text for d in got] == [d.text for d in ref]
    assert [d.tokens for d in got] == [d.tokens for d in ref]
    assert got[-1].tokens == []


def test_pipe_n_process_2_same_as_1(ko):
    # Workers rebuild the stages from their config; a cleaning pipeline keeps this fast
    # (the CLI test runs tokenization in workers).
    nlp = Pipeline([Clean(emoji="replace"), create("test_fail_on.v1", name="fail")])
    texts = [f"{t} {i} ㅋㅋㅋㅋ 😀 <b>굵게</b>" for i, t in enumerate(ko * 5)]
    one = list(nlp.pipe(texts, batch_size=2, on_error="record"))
    two = list(nlp.pipe(texts, batch_size=2, n_process=2, on_error="record"))
    assert [d.text for d in two] == [d.text for d in one]
    assert [d.text for d in two][0] == "배우 연기는 좋았는데 스토리가 지루했다 0 ㅋㅋ [EMOJI] 굵게"
    assert [(d.label, d.error) for d in two] == [(d.label, d.error) for d in one]
    assert sum(d.error is not None for d in two) == 5


def test_out_of_order_fails_at_build_naming_stage_and_need():
    with pytest.raises(ConfigError) as e:
        Pipeline([create("test_needs_label.v1", name="scorer"), KiwiTokenizer()])
    msg = str(e.value)
    assert "stage 'scorer'" in msg and "requires label, tokens" in msg
    assert "kiwi.v1" in msg  # names the factory that provides tokens


def test_cleaning_after_tokenizing_fails_at_build():
    # the tokens' offsets would point into the text before cleaning
    with pytest.raises(ConfigError, match=r"stage 'clean' \(clean.v1\) rewrites the text after "
                                          r"tokenize assigned sentences, tokens.*Put 'clean' first"):
        Pipeline([create("kiwi.v1", name="tokenize"), create("clean.v1", name="clean")])


def test_out_of_order_from_config():
    cfg = {"pipeline": {"stages": ["scorer", "tok"]},
           "stages": {"scorer": {"factory": "test_needs_label.v1"},
                      "tok": {"factory": "kiwi.v1"}}}
    with pytest.raises(ConfigError, match="stage 'scorer' .*requires label, tokens"):
        Pipeline.from_config(cfg)


def test_duplicate_stage_names_rejected():
    with pytest.raises(ConfigError, match="two stages are named 'clean'"):
        Pipeline([Clean(), Clean()])


def test_not_a_stage_rejected():
    with pytest.raises(ConfigError, match="pipeline item 1 is str"):
        Pipeline([Clean(), "tokenize"])


def test_to_config_round_trip():
    nlp = Pipeline([Clean(emoji="remove", normalize_repeats=3),
                    KiwiTokenizer(pos=["NNG", "NNP"], lemmas=True, extra_stopwords=["영화"])],
                   batch_size=7)
    cfg = nlp.to_config()
    assert cfg["pipeline"] == {"stages": ["clean", "kiwi"], "batch_size": 7}
    assert cfg["stages"]["clean"]["emoji"] == "remove"
    assert cfg["stages"]["kiwi"]["pos"] == ["NNG", "NNP"]
    again = Pipeline.from_config(cfg)
    assert again.to_config() == cfg
    text = "영화 배우가 멋있다 ㅋㅋㅋㅋ 😀"
    assert again(text).tokens == nlp(text).tokens


def test_pipe_record_keeps_failing_row_in_place():
    nlp = Pipeline([Clean(), create("test_fail_on.v1")])
    docs = list(nlp.pipe(["좋은 영화", "최악의 영화", "괜찮다"], on_error="record"))
    assert [d.text for d in docs] == ["좋은 영화", "최악의 영화", "괜찮다"]
    assert [d.label for d in docs] == ["ok", None, "ok"]
    assert docs[0].error is None and docs[2].error is None
    assert docs[1].error.startswith("test_fail_on: ValueError: bad word")


def test_pipe_raise_stops():
    nlp = Pipeline([create("test_fail_on.v1")])
    with pytest.raises(ValueError, match="bad word"):
        list(nlp.pipe(["좋다", "최악"]))


def test_usage_errors_are_not_recorded_per_row():
    # A Kiwi that cannot be built is a configuration problem: it must stop the run,
    # not turn every row into a failure.
    nlp = Pipeline([KiwiTokenizer(model_type="knlm")])  # a name whose files are not shipped
    with pytest.raises(ConfigError, match="cannot build Kiwi"), \
            pytest.warns(DeprecationWarning):
        list(nlp.pipe(["좋다", "나쁘다"], on_error="record"))
    # a name Kiwi does not have at all: refused when the stage is built
    with pytest.raises(ConfigError, match="model_type: 'no-such-model'; use one of cong"):
        KiwiTokenizer(model_type="no-such-model")


def test_worker_that_cannot_rebuild_raises_instead_of_hanging():
    @register("test_local_only.v1")
    class LocalOnly(Stage):  # not importable by name from a worker process
        def __init__(self):
            pass

        def process_batch(self, docs):
            return docs

    nlp = Pipeline([LocalOnly()])
    assert [d.text for d in nlp.pipe(["가", "나"])] == ["가", "나"]
    with pytest.raises(ConfigError, match="test_local_only.v1.*cannot be imported"):
        list(nlp.pipe(["가", "나", "다"], batch_size=1, n_process=2))


def test_kiwi_stream_failure_is_recorded_on_its_row_only(monkeypatch):
    # Kiwi takes the pipeline's documents as one stream; a document that fails inside it
    # is redone alone and recorded, the ones around it are still tokenized, in order.
    import kotext.stages.tokenize as tok

    real = tok._masks

    def masks(text):
        if "[BOOM]" in text:
            raise ValueError("boom")
        return real(text)

    monkeypatch.setattr(tok, "_masks", masks)
    texts = [f"{i}번째 리뷰 재밌다" for i in range(60)]
    texts[25] = "[BOOM] 터지는 문장"
    nlp = Pipeline([Clean(), KiwiTokenizer()])
    docs = list(nlp.pipe(texts, batch_size=7, on_error="record"))
    assert [d.text for d in docs] == texts
    assert docs[25].error.startswith("kiwi: ValueError") and docs[25].tokens is None
    others = [d for i, d in enumerate(docs) if i != 25]
    assert all(d.error is None and d.tokens[0].form == str(i)
               for i, d in zip([i for i in range(60) if i != 25], others))
    with pytest.raises(ValueError):
        list(nlp.pipe(texts, batch_size=7))


def test_failure_upstream_of_the_kiwi_stream_is_not_recorded_as_kiwi_s():
    def texts():
        yield "좋은 영화"
        raise RuntimeError("the reader broke")

    nlp = Pipeline([Clean(), KiwiTokenizer()])
    with pytest.raises(RuntimeError, match="the reader broke"):
        list(nlp.pipe(texts(), on_error="record"))


def test_n_process_in_a_script_without_main_guard_fails_clearly(tmp_path):
    # spawn re-runs the script in every worker; with mp.Pool the workers died and were
    # restarted forever (the script never ended)
    import subprocess
    import sys

    script = tmp_path / "no_guard.py"
    script.write_text('import kotext\nnlp = kotext.load("clean")\n'
                      'print(len(list(nlp.pipe(["가", "나", "다"], n_process=2))))\n',
                      encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode != 0
    assert 'if __name__ == "__main__":' in r.stderr


def test_a_path_whose_folder_does_not_exist_is_not_the_shipped_pipeline(tmp_path,
                                                                        monkeypatch):
    # porj/tokenize.toml (a typo) loaded the shipped tokenize.toml without a word
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"porj/tokenize.toml \(there is no folder porj\)"):
        kotext.load("porj/tokenize.toml")
    # the README's pipelines/NAME.toml works from a folder that has no pipelines/
    assert kotext.load("pipelines/tokenize.toml").source == bundled_dir("pipelines") / \
        "tokenize.toml"


def test_load_a_shipped_model_by_name():
    nlp = kotext.load("sentiment-ko")
    assert [s.factory for s in nlp.stages] == ["clean.v1", "kiwi.v1", "classifier.v1"]
    assert nlp.stages[-1].model == "sentiment-ko"


def test_a_summarizer_behind_a_tokenizer_without_sentences_fails_when_built():
    # it built, then every summary came out empty
    from kotext.stages.summarize import TextRankSummarizer

    with pytest.raises(ConfigError, match=r"requires sentences.*'kiwi' \(kiwi.v1\) assigns "
                                          r"sentences only with sentences = true"):
        Pipeline([Clean(), KiwiTokenizer(sentences=False), TextRankSummarizer()])
    with pytest.raises(ConfigError, match=r"summarize.toml: stage 'summarize'.*requires "
                                          r"sentences"):  # the file is named too
        kotext.load("summarize", ["stages.tokenize.sentences=false"])


@pytest.mark.parametrize("make, why", [
    (lambda: [Clean(html="yes")], "option html='yes': expected true or false"),
    (lambda: [KiwiTokenizer(lemmas="no")], "option lemmas='no': expected true or false"),
])
def test_stage_options_built_in_python_are_type_checked(make, why):
    # lemmas="no" turned lemmas on; the same pipeline failed only with n_process=2
    with pytest.raises(ConfigError, match=why):
        Pipeline(make())


def test_pipe_refuses_one_string_or_a_data_frame(nlp):
    # a string went through one character at a time, a frame one column name at a time
    with pytest.raises(TypeError, match=r"for one text call the pipeline itself: nlp\(text\)"):
        list(nlp.pipe("배우 연기"))

    class DataFrame:  # pandas' frame, recognised by its type's name
        def __iter__(self):
            return iter(["review", "id"])

    with pytest.raises(TypeError, match=r'pass the text column, e.g. nlp.pipe\(df\["review"\]\)'):
        list(nlp.pipe(DataFrame()))


@pytest.mark.parametrize("n, err", [(0, ValueError), (-2, ValueError), ("2", TypeError),
                                    (2.0, TypeError)])
def test_pipe_n_process_is_checked(nlp, n, err):
    with pytest.raises(err, match="n_process"):
        list(nlp.pipe(["가"], n_process=n))


def test_pipe_record_keeps_a_cell_without_text_in_its_place(nlp):
    # a dict cell stopped the whole stream with a TypeError, even with on_error="record"
    docs = list(nlp.pipe(["좋다", {"a": 1}, [["x"]], "싫다"], on_error="record"))
    assert [d.text for d in docs] == ["좋다", "", "", "싫다"]
    assert docs[1].error == "input: expected a str or a Doc, got dict"
    assert docs[2].error.startswith("input: expected a str or a Doc, got list")
    assert docs[0].tokens and docs[3].tokens and docs[1].tokens is None
    with pytest.raises(TypeError):
        list(nlp.pipe(["좋다", {"a": 1}]))


def test_n_process_with_an_unregistered_stage_names_the_fix():
    class Anon(Stage):
        assigns = frozenset({"label"})

        def __init__(self):
            pass

        def process_batch(self, docs):
            return docs

    nlp = Pipeline([Clean(), Anon()])
    assert nlp("가").text == "가"
    with pytest.raises(ConfigError, match=r"stage 'anon' \(Anon\) is not a registered stage"
                                          r".*@kotext.registry.register"):
        list(nlp.pipe(["가", "나"], n_process=2))


def test_n_process_in_a_script_read_from_stdin_says_so(tmp_path):
    import subprocess
    import sys

    code = ('import kotext\nif __name__ == "__main__":\n'
            '    print(list(kotext.load("clean").pipe(["가"], n_process=2)))\n')
    r = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode != 0 and "save it to a .py file" in r.stderr, r.stderr


def test_a_streaming_stage_that_fails_before_any_document_raises_not_loops():
    # kiwi.tokenize(..., typos="bogus") raised before taking a document; with
    # on_error="record" the stream was restarted forever at 100% CPU
    import threading

    class FailsAtOnce(KiwiTokenizer):
        def process_stream(self, docs, pending):
            raise ValueError("bad option")
            yield  # pragma: no cover

    nlp = Pipeline([FailsAtOnce()])
    out: list = []
    t = threading.Thread(target=lambda: out.append(
        pytest.raises(ValueError, lambda: list(nlp.pipe(["가", "나"], on_error="record")))),
        daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive() and out


def test_kiwi_typos_checked_when_built():
    with pytest.raises(ConfigError, match="typos: 'bogus'; use one of basic, continual"):
        KiwiTokenizer(typos="bogus")
    assert KiwiTokenizer(typos="basic").typos == "basic"


@pytest.mark.parametrize("override, why", [
    ('stages.summarize.ratio="0.2"', "option ratio='0.2': expected a number"),
    ("stages.summarize.ratio=true", "option ratio=True: expected a number"),
    ("stages.summarize.damping=true", "option damping=True: expected a number"),
])
def test_options_off_by_default_are_type_checked_too(override, why):
    # ratio (None by default) passed `validate` as "0.2", then failed on every row
    with pytest.raises(ConfigError, match=why):
        kotext.load("summarize", [override])
    with pytest.raises(ConfigError, match="num_workers='two': expected a whole number"):
        kotext.load("tokenize", ["stages.tokenize.num_workers=two"])


def test_classifier_options_for_transformers_only_are_refused_when_built():
    with pytest.raises(ConfigError, match="quantize apply to transformer models; .* is a "
                                          "linear model"):
        kotext.load("sentiment", ["stages.sentiment.quantize=true"])


def test_a_copied_sentiment_pipeline_still_finds_the_shipped_model(tmp_path):
    # the shipped file named ../models/sentiment-ko, which a copy elsewhere lacks
    import shutil

    shutil.copy(bundled_dir("pipelines") / "sentiment.toml", tmp_path / "mine.toml")
    assert kotext.load(tmp_path / "mine.toml")("배우 연기가 정말 좋았다").label == "positive"


def test_numpy_numbers_are_numbers():
    # values computed from a data frame (np.int64) were refused as "expected a whole number"
    import numpy as np

    from kotext.stages.summarize import TextRankSummarizer

    nlp = Pipeline([Clean(html=np.bool_(True)), KiwiTokenizer(num_workers=np.int64(1)),
                    TextRankSummarizer(n=np.int64(2), ratio=np.float32(0.5))])
    cfg = nlp.to_config()["stages"]
    assert type(cfg["textrank"]["n"]) is int and type(cfg["clean"]["html"]) is bool
    assert len(list(nlp.pipe(["가. 나. 다."], n_process=np.int64(1)))) == 1


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    # kill -9 (a scheduler, the OOM killer) left both workers running for good, holding
    # ~500 MB each and the parent's stdout
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "slow.py"
    script.write_text(
        "import multiprocessing as mp, time\nimport kotext\n"
        "def slow():\n    i = 0\n    while True:\n"
        "        if i == 8:\n"
        "            print(' '.join(str(p.pid) for p in mp.active_children()), flush=True)\n"
        "        yield 'x'\n        i += 1\n        time.sleep(0.05)\n"
        "if __name__ == '__main__':\n"
        "    for _ in kotext.load('clean').pipe(slow(), n_process=2, batch_size=1):\n"
        "        pass\n", encoding="utf-8")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                         cwd=tmp_path)
    pids = [int(x) for x in p.stdout.readline().split()]
    assert len(pids) == 2
    os.kill(p.pid, signal.SIGKILL)
    p.wait(10)

    def alive(pid: int) -> bool:  # a zombie waiting for its reaper counts as gone
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
        except OSError:  # no /proc: ask the system
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            return True

    deadline = time.monotonic() + 15
    while any(alive(x) for x in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(x) for x in pids)


def test_a_lone_surrogate_is_explained_and_cleaned():
    from kotext.stages.tokenize import KiwiTokenizer

    docs = list(Pipeline([KiwiTokenizer()]).pipe(["좋다\ud800영화", "좋다"], on_error="record"))
    assert "lone surrogate" in docs[0].error and "clean.v1" in docs[0].error
    assert [t.form for t in docs[1].tokens] == ["좋", "다"]
    doc = kotext.load("tokenize")("좋다\ud800영화")
    assert doc.error is None and "\ufffd" in doc.text


def test_a_copied_pipeline_keeps_its_stage_names():
    # pickle / deepcopy named every stage "": errors lost their prefix, to_config squashed
    # the stages into one, and n_process > 1 failed with "two stages are named ..."
    import copy
    import pickle

    nlp = kotext.load("tokenize")
    for other in (pickle.loads(pickle.dumps(nlp)), copy.deepcopy(nlp)):
        assert [s.name for s in other.stages] == [s.name for s in nlp.stages]
        assert other.to_config() == nlp.to_config()


def test_threads_making_the_first_call_at_once_load_the_model_once(monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from kotext import classifiers

    loads = []
    real = classifiers.load_classifier
    monkeypatch.setattr(classifiers, "load_classifier",
                        lambda *a, **k: loads.append(1) or real(*a, **k))
    nlp = kotext.load("sentiment-ko")
    start = threading.Barrier(6)

    def call(text):
        start.wait()
        return nlp(text).label

    with ThreadPoolExecutor(6) as ex:
        labels = list(ex.map(call, ["정말 재밌는 영화"] * 6))
    assert labels == ["positive"] * 6 and len(loads) == 1


@pytest.mark.parametrize("batch_size", [1, 16, 128])
def test_documents_read_before_the_input_raises_still_come_out(batch_size):
    # a queue consumer lost up to a batch (plus Kiwi's read-ahead) of documents it had
    # already handed over when its generator raised
    nlp = kotext.load("tokenize")

    def texts():
        for i in range(150):
            yield f"좋은 영화 {i}"
        raise RuntimeError("the queue broke")

    out = []
    with pytest.raises(RuntimeError, match="the queue broke"):
        for d in nlp.pipe(texts(), batch_size=batch_size):
            out.append(d)
    assert [d.text for d in out] == [f"좋은 영화 {i}" for i in range(150)]
    assert all(d.tokens for d in out)
    assert [t.form for t in nlp("좋다").tokens] == ["좋", "다"]  # and it still works


def test_documents_read_before_a_reader_error_still_come_out():
    # an InputError (a reader's: a bad byte mid-file) skipped the rescue of the documents
    # Kiwi had read ahead: a part file held 1967 of the 1999 good rows
    from kotext.errors import InputError

    def texts():
        for i in range(300):
            yield f"좋은 영화 {i}"
        raise InputError("cannot decode line 301")

    out = []
    with pytest.raises(InputError):
        for d in kotext.load("tokenize").pipe(texts()):
            out.append(d)
    assert len(out) == 300 and all(d.tokens for d in out)


def test_worker_processes_pass_on_what_they_were_sent_when_the_input_raises():
    # n_process=2 cancelled the batches already sent off (224 of 300 came out)
    def texts():
        for i in range(300):
            yield f"좋은 영화 {i}"
        raise RuntimeError("the queue broke")

    nlp = Pipeline([Clean(), KiwiTokenizer()], batch_size=32)
    out = []
    with pytest.raises(RuntimeError, match="the queue broke"):
        for d in nlp.pipe(texts(), n_process=2):
            out.append(d)
    assert [d.text for d in out] == [f"좋은 영화 {i}" for i in range(300)]


def test_a_workers_failure_stops_the_stream_at_once():
    # draining the batches sent off is for a failing input, not for a document that
    # fails in a worker: nothing after it may come out before the error
    texts = ["가", "나\ud800", "다", "라", "마", "바"]
    out = []
    with pytest.raises(UnicodeError):
        for d in Pipeline([KiwiTokenizer()]).pipe(texts, batch_size=1, n_process=2):
            out.append(d.text)
    assert out == ["가"]
