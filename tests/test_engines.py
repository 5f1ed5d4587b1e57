"""kotext.engines without an engine: what a worker receives, and that `import kotext` and
the CLI stay free of Ray and Spark."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import kotext
from kotext.engines import WorkerSpec, apply_batch, worker_pipeline


def test_import_kotext_loads_neither_engine():
    code = ("import sys, kotext, kotext.cli, kotext.engines; "
            "print(sorted(m for m in ('ray', 'pyspark', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_worker_spec_is_plain_data_with_one_kiwi_thread():
    spec, nlp = WorkerSpec.of("tokenize", text_column="document",
                              overrides=["stages.tokenize.pos=nouns"])
    assert spec.config["stages"]["tokenize"]["num_workers"] == 1
    assert nlp.stages[1].num_workers is None  # the driver's own pipeline is left as built
    again = pickle.loads(pickle.dumps(spec))  # what Ray and Spark send: no Kiwi in it
    assert again == spec
    built = worker_pipeline(again)
    assert built is worker_pipeline(again)  # once per process
    assert built.stages[1].num_workers == 1 and built.stages[1].pos == "nouns"
    spec2, _ = WorkerSpec.of(nlp.to_config(), text_column="document", threads=2)
    assert spec2.config["stages"]["tokenize"]["num_workers"] == 2


def test_apply_batch_is_apply_table():
    import pyarrow as pa

    from kotext.batch import apply_table

    table = pa.table({"document": ["정말 재밌는 영화였어요", None, "나쁜\x00행"]})
    spec, nlp = WorkerSpec.of("tokenize", text_column="document")
    assert apply_batch(spec, table).equals(apply_table(nlp, table, text_column="document"))


@pytest.mark.parametrize("kw, match", [
    ({"text_column": ""}, "text_column=''"),
    ({"text_column": "d", "token_format": "xml"}, "token_format='xml'"),
    ({"text_column": "d", "sentences": True, "overrides": ["stages.tokenize.sentences=false"]},
     "sentences=True: this pipeline makes no sentences"),
])
def test_worker_spec_names_the_parameter(kw, match):
    with pytest.raises(ValueError, match=match):
        WorkerSpec.of("tokenize", **kw)


def test_a_built_pipeline_takes_no_overrides():
    with pytest.raises(ValueError, match="overrides"):
        WorkerSpec.of(kotext.load("tokenize"), text_column="d", overrides=["x=1"])
