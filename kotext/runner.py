"""The former home of the row streaming loop, now in :mod:`kotext.batch` (one home for the
batch job); these names stay importable from here."""

from .batch import (OUTPUT_COLUMNS, OUTPUT_TYPES, RunStats, doc_of, doc_values,  # noqa: F401
                    join_summary, output_fields, output_names, run)
