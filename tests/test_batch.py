"""kotext.batch.apply_table: a table in, the same rows with kotext's columns out."""

import pandas as pd
import pyarrow as pa
import pytest

import kotext
from kotext.batch import apply_table, output_arrow_types


@pytest.fixture(scope="module")
def senti():
    return kotext.load("sentiment-ko")


ROWS = {"id": [1, 2, 3, 4], "document": ["정말 재미있다 최고", "", None, "최악의 영화 \x00"]}


def test_pandas_rows_in_equal_rows_out_with_errors_in_place(senti):
    df = pd.DataFrame(ROWS, index=[10, 11, 12, 13])
    out = apply_table(senti, df, text_column="document")
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out.columns)[:2] == ["id", "document"] and list(out.columns)[-3:] == [
        "label", "score", "error"]
    assert out["label"][10] == "positive" and out["error"][10] is None
    # empty is no error: no label, no error (it was "empty text: nothing to classify")
    assert out["label"][11] is None and out["error"][11] is None
    assert out["label"][12] is None and out["error"][12] is None
    assert "NUL" in out["error"][13]


def test_arrow_table_has_the_declared_types(senti):
    t = pa.table(ROWS)
    out = apply_table(senti, t, text_column="document")
    assert out.num_rows == 4
    types = output_arrow_types(senti, ["id", "document"])
    for name, typ in types.items():
        assert out.schema.field(name).type == typ
    assert out.column("id").to_pylist() == [1, 2, 3, 4]


def test_existing_label_column_gets_prefixed_name(senti):
    df = pd.DataFrame({"document": ["좋아요"], "label": ["gold"]})
    out = apply_table(senti, df, text_column="document")
    assert out["label"][0] == "gold" and out["kotext_label"][0] in ("positive", "negative")


def test_unknown_text_column_names_the_parameter(senti):
    with pytest.raises(ValueError, match="text_column"):
        apply_table(senti, pd.DataFrame({"a": ["x"]}), text_column="document")
