"""kotext on Spark: an iterator ``pandas_udf`` that returns kotext's columns as a struct.

    from kotext.engines.spark import udf
    k = udf("pipelines/sentiment.toml", input_columns=df.columns)
    df.withColumn("k", k("document")).select("*", "k.*").drop("k")

The UDF carries the pipeline's config (plain data), never a Pipeline; each Python worker
builds the pipeline once and keeps it for the tasks it runs after. A row that fails keeps
its place with its error: one bad row never fails a task, nor the job.
"""

# no `from __future__ import annotations`: pyspark reads the UDF's type hints as objects
from typing import Any

from . import WorkerSpec, apply_batch

ARROW_ROWS = 1024  # rows per Arrow batch handed to the UDF (Spark's default is 10,000)


def spark_type(arrow_type: Any) -> Any:
    """The Spark SQL type of one of kotext's output column types."""
    import pyarrow as pa
    from pyspark.sql import types as T

    if pa.types.is_list(arrow_type):
        return T.ArrayType(spark_type(arrow_type.value_type))
    simple = {pa.string(): T.StringType(), pa.float64(): T.DoubleType(),
              pa.int64(): T.LongType()}
    if arrow_type not in simple:
        raise TypeError(f"no Spark type for kotext's output type {arrow_type}")
    return simple[arrow_type]


def output_schema(pipeline: Any, input_columns: list[str] = (), *,
                  sentences: bool = False) -> Any:
    """The UDF's return type: a struct of kotext's output columns, named as ``kotext run``
    names them for a table with ``input_columns`` (``kotext_label`` beside a ``label``)."""
    from pyspark.sql import types as T

    from ..batch import output_arrow_types

    types = output_arrow_types(pipeline, list(input_columns), sentences=sentences)
    return T.StructType([T.StructField(name, spark_type(t), True)
                         for name, t in types.items()])


def udf(pipeline: Any, *, text_column: str = "text", input_columns: list[str] = (),
        overrides: list[str] = None,
        sentences: bool = False, token_format: str = "text", kiwi_threads: int = 1,
        batch_size: int = None) -> Any:
    """An iterator ``pandas_udf`` of the text column that returns kotext's output columns
    (see ``output_schema``) as one struct. ``pipeline``: a pipeline file, a shipped name,
    a model folder or a config dict; the model it names must be readable at the same path
    on every worker (or be the shipped one, inside the installed package).
    ``text_column``: the name of the column you will call it on, which a row's input error
    names (the UDF itself gets the values only). ``input_columns``: the DataFrame's columns (``df.columns``), so that an output column
    whose name the input has already gets the ``kotext_`` prefix. ``kiwi_threads``: Kiwi
    threads per Python worker (one per task slot is what scales)."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from ..batch import output_columns

    input_columns = [str(c) for c in input_columns]
    spec, nlp = WorkerSpec.of(pipeline, text_column=text_column, overrides=overrides,
                              threads=kiwi_threads, sentences=sentences,
                              token_format=token_format, batch_size=batch_size)
    schema = output_schema(nlp, input_columns, sentences=sentences)
    # apply_table names the columns for a one-column table: renamed to the full table's
    here = output_columns(nlp, [text_column], sentences=sentences)
    full = output_columns(nlp, input_columns, sentences=sentences)
    rename = {here[k]: full[k] for k in here}

    from collections.abc import Iterator

    def kotext_columns(texts: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        for series in texts:
            out = apply_batch(spec, pd.DataFrame({text_column: series.reset_index(drop=True)}))
            yield out[list(rename)].rename(columns=rename)

    return pandas_udf(kotext_columns, returnType=schema)


def apply(df: Any, pipeline: Any, *, text_column: str, column: str = "kotext",
          **options: Any) -> Any:
    """``df`` with kotext's output columns appended (``udf`` on ``text_column``, its
    struct spread into columns). ``options`` go to ``udf``."""
    if text_column not in df.columns:
        raise ValueError(f"text_column={text_column!r} is not a column of the DataFrame "
                         f"(it has {', '.join(map(repr, df.columns[:10]))}): pass the name "
                         f"of the column that holds the text")
    if column in df.columns:
        raise ValueError(f"column={column!r} is a column of the DataFrame already: name "
                         f"another for the struct kotext adds (it is dropped at the end)")
    k = udf(pipeline, text_column=text_column, input_columns=df.columns, **options)
    return df.withColumn(column, k(text_column)).select("*", f"{column}.*").drop(column)


def session_conf() -> dict[str, str]:
    """Spark settings kotext's UDF works best with: small Arrow batches (the UDF's
    output, tokens as text, is several times its input)."""
    return {"spark.sql.execution.arrow.maxRecordsPerBatch": str(ARROW_ROWS)}


