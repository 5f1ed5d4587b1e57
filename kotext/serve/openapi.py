"""The OpenAPI 3.1 description of ``kotext serve``'s endpoints (``GET /openapi.json``)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from .service import OUT_ENCODINGS, OUT_FORMATS, Service

_NUM = {"type": "number"}
_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_TOKEN = {"type": "object", "properties": {
    "form": _STR, "tag": _STR, "start": {"type": "integer"}, "end": {"type": "integer"},
    "lemma": _STR}}
_SPAN = {"type": "object", "properties": {"text": _STR, "start": {"type": "integer"},
                                          "end": {"type": "integer"}}}
# each task's result: the Doc fields it holds (null where the text failed), and its error
RESULTS: dict[str, dict[str, Any]] = {
    "classify": {"label": _NSTR, "score": _NUM,
                 "scores": {"type": "object", "additionalProperties": _NUM}},
    "explain": {"label": _NSTR, "score": _NUM,
                "scores": {"type": "object", "additionalProperties": _NUM},
                "text": _NSTR,
                "tokens": {"type": "array", "items": {**_TOKEN, "properties": {
                    **_TOKEN["properties"],
                    "scores": {"type": "object", "additionalProperties": _NUM}}}},
                "top": {"type": "object"},
                "html": {"type": ["string", "null"],
                         "description": "the highlighted text as kotext explain --html"}},
    "summarize": {"text": _NSTR, "sentences": {"type": "array", "items": _SPAN},
                  "summary": {"type": "array", "items": _STR},
                  "summary_indices": {"type": "array", "items": {"type": "integer"}},
                  "summary_scores": {"type": "array", "items": _NUM}},
    "keywords": {"keywords": {"type": "array", "items": {
        "type": "array", "prefixItems": [_STR, _NUM]}}},
    "tokenize": {"text": _NSTR, "tokens": {"type": "array", "items": _TOKEN},
                 "sentences": {"type": ["array", "null"], "items": _SPAN}},
    "run": {},
}
_ERROR = {"type": "object", "properties": {"error": _STR, "status": {"type": "integer"},
                                           "limit": _STR, "value": {"type": "integer"}},
          "required": ["error", "status"]}


def _errors(*codes: int) -> dict[str, Any]:
    what = {400: "not JSON / not UTF-8", 404: "unknown task", 413: "over a limit",
            415: "wrong Content-Type", 422: "a body or file that cannot be used",
            503: "too many requests waiting"}
    return {str(c): {"description": what[c], "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for c in codes}


def _file_params(with_output: bool) -> list[dict[str, Any]]:
    params = [
        {"name": "filename", "in": "query", "schema": _STR,
         "description": "the file's name: its suffix tells the format; used in messages"},
        {"name": "format", "in": "query",
         "schema": {"enum": ["csv", "tsv", "jsonl", "txt", "parquet"]}},
        {"name": "encoding", "in": "query", "schema": _STR,
         "description": "default: detected as kotext's CLI does (UTF-8, BOM, CP949)"},
        {"name": "text_column", "in": "query", "schema": _STR,
         "description": "default: guessed from the header (text, document, review, ...)"},
        {"name": "quoting", "in": "query", "schema": {"enum": ["auto", "minimal", "none"]},
         "description": "CSV/TSV quoting, as kotext's --quoting"}]
    if with_output:
        params += [{"name": "output_format", "in": "query",
                    "schema": {"enum": list(OUT_FORMATS)},
                    "description": "default: the input's (csv for txt and parquet)"},
                   {"name": "output_encoding", "in": "query",
                    "schema": {"enum": list(OUT_ENCODINGS)}}]
    return params


def document(service: Service) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    body = {"required": True, "content": {"application/json": {"schema": {"oneOf": [
        {"type": "object", "properties": {"text": _STR}, "required": ["text"]},
        {"type": "object", "properties": {"texts": {"type": "array", "items": _STR,
                                                    "minItems": 1}},
         "required": ["texts"]}]}}}}
    for task in service.tasks:
        result = {"type": "object", "properties": {**RESULTS[task], "error": _NSTR}}
        paths[f"/v1/{task}"] = {"post": {
            "summary": f"{task} one text or a list",
            "description": "One text gives its result; a list gives {results: [...]}, one per "
                           "text, in order (a failing text has its error, the others "
                           "their results).",
            "requestBody": body,
            "responses": {"200": {"description": "the result(s)", "content": {
                "application/json": {"schema": {"oneOf": [result, {
                    "type": "object", "properties": {
                        "results": {"type": "array", "items": result}}}]}}}},
                **_errors(400, 404, 413, 415, 422, 503)}}}
    file_body = {"required": True, "description": "the file's bytes (CSV, TSV, JSONL, txt, "
                 "parquet)", "content": {"application/octet-stream": {"schema": {
                     "type": "string", "format": "binary"}}}}
    paths["/v1/file/{task}"] = {"post": {
        "summary": "a file through a task, streamed back with kotext's columns",
        "description": "The same rows in the same order with the columns `kotext TASK FILE -o "
                       "OUT` appends (a failing row keeps its place with its error). Headers: "
                       "X-Kotext-Rows (rows), X-Kotext-Columns (kotext's column -> its name).",
        "parameters": [{"name": "task", "in": "path", "required": True,
                        "schema": {"enum": service.file_tasks}}, *_file_params(True)],
        "requestBody": file_body,
        "responses": {"200": {"description": "the labeled file", "content": {
            "text/csv": {}, "text/tab-separated-values": {}, "application/x-ndjson": {}}},
            **_errors(404, 413, 415, 422, 503)}}}
    paths["/v1/inspect"] = {"post": {
        "summary": "a file's columns, guessed text column and row count",
        "parameters": _file_params(False), "requestBody": file_body,
        "responses": {"200": {"description": "what the file holds", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "filename": _STR, "format": _STR,
                "columns": {"type": "array", "items": _STR},
                "text_column": _NSTR, "rows": {"type": ["integer", "null"]}}}}}},
            **_errors(413, 415, 422, 503)}}}
    paths["/health"] = {"get": {"summary": "the model, tasks and limits", "responses": {
        "200": {"description": "serving"}}}}
    paths["/openapi.json"] = {"get": {"summary": "this description", "responses": {
        "200": {"description": "OpenAPI 3.1"}}}}
    return {"openapi": "3.1.0",
            "info": {"title": "kotext serve", "version": __version__,
                     "description": f"Korean text analysis over HTTP (model {service.model})."},
            "paths": paths, "components": {"schemas": {"Error": _ERROR}}}
