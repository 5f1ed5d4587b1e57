"""The batch job as a library API.

``apply_table``: a batch of rows (a pandas DataFrame or a pyarrow Table) in, the same rows,
in order, with kotext's output columns and the error column appended. It is what an engine
calls per partition and a service per request; its values are those ``kotext run -o
FILE.parquet`` writes for the same rows.
"""

from __future__ import annotations

from typing import Any

from .io.readers import ERROR_KEY
from .pipeline import Pipeline
from .runner import OUTPUT_TYPES, doc_of, doc_values, output_fields, output_names

# output columns whose values mix types (JSON tokens, keyword pairs) are JSON text, as the
# parquet writer stores them
_TEXT_COLUMNS = {"tokens": "string", "keywords": "string"}


def output_columns(pipeline: Pipeline, input_columns: list[str], *, sentences: bool = False
                   ) -> dict[str, str]:
    """The columns ``apply_table`` appends: kotext's column name -> its name in the output
    (``kotext_label`` where the input has a ``label`` already), ending with the error
    column."""
    return output_names(output_fields(pipeline, sentences=sentences), input_columns)


def output_arrow_types(pipeline: Pipeline, input_columns: list[str], *,
                       sentences: bool = False) -> dict[str, Any]:
    """Output column name -> its pyarrow type; fixed by the pipeline alone, so that every
    batch (and a Spark UDF's declared schema) has the same one."""
    import pyarrow as pa

    out = {}
    for key, name in output_columns(pipeline, input_columns, sentences=sentences).items():
        alias = OUTPUT_TYPES.get(key) or _TEXT_COLUMNS[key]
        out[name] = (pa.list_(pa.type_for_alias(alias[5:-1])) if alias.startswith("list<")
                     else pa.type_for_alias(alias))
    return out


def _json_text(v: Any) -> Any:
    import json

    if v is None or isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, default=str)


def apply_rows(pipeline: Pipeline, rows: list[dict[str, Any]], *, text_column: str,
               columns: list[str] | None = None, sentences: bool = False,
               token_format: str = "text", batch_size: int | None = None
               ) -> list[dict[str, Any]]:
    """Rows (dicts) in, the same rows with the output columns appended, in order; a row that
    fails keeps its place with its error (never raised)."""
    if columns is None:
        columns = list(rows[0]) if rows else [text_column]
    if text_column not in columns:
        raise ValueError(f"text_column={text_column!r} is not a column of the table "
                         f"(it has {', '.join(map(repr, columns[:10]))}): pass the name of "
                         f"the column that holds the text")
    fields = output_fields(pipeline, sentences=sentences)
    names = output_names(fields, columns)
    nfc_column = "tokens" in fields and "text" not in pipeline.assigns
    docs = pipeline.pipe((doc_of(dict(r), text_column, nfc_column) for r in rows),
                         batch_size=batch_size, on_error="record")
    out = []
    for doc in docs:
        vals = doc_values(doc, fields, token_format)
        row = {k: v for k, v in doc.meta.items() if k != ERROR_KEY}
        for key, value in vals.items():
            row[names[key]] = _json_text(value) if key in _TEXT_COLUMNS else value
        out.append(row)
    return out


def apply_table(pipeline: Pipeline, table: Any, *, text_column: str, sentences: bool = False,
                token_format: str = "text", batch_size: int | None = None) -> Any:
    """A table of rows through ``pipeline``: the same rows in the same order, with kotext's
    output columns (see ``output_columns``) and the error column appended. ``table`` is a
    pandas DataFrame or a pyarrow Table, and so is the result. A row that fails keeps its
    place with its error; empty cells (None, NaN) are empty texts, which are no error (see
    ``Doc.is_empty``)."""
    import pyarrow as pa

    is_pandas = not isinstance(table, (pa.Table, pa.RecordBatch))
    if is_pandas:
        if not hasattr(table, "to_dict") or not hasattr(table, "columns"):
            raise TypeError(f"table: give a pandas DataFrame or a pyarrow Table, not "
                            f"{type(table).__name__}")
        columns = [str(c) for c in table.columns]
        rows = table.to_dict("records")
    else:
        columns = list(table.schema.names)
        rows = table.to_pylist()
    out_rows = apply_rows(pipeline, rows, text_column=text_column, columns=columns,
                          sentences=sentences, token_format=token_format,
                          batch_size=batch_size)
    types = output_arrow_types(pipeline, columns, sentences=sentences)
    if is_pandas:
        import pandas as pd

        out = table.copy()
        for name in types:
            out[name] = pd.Series([r[name] for r in out_rows], index=table.index,
                                  dtype=object)
        return out
    arrays = {name: pa.array([r[name] for r in out_rows], type=typ)
              for name, typ in types.items()}
    result = pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table
    for name, arr in arrays.items():
        result = result.append_column(name, arr)
    return result
