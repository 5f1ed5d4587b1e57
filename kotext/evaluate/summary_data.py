"""Reading summarization test data for ``kotext evaluate-summary``.

Each row gives an article (a text, or a list of sentences), a gold summary (a text, a
list of sentences, or a list of sentence indices) and optionally a prediction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError

TEXT_FIELDS = ("sentences", "text", "document", "article", "body", "content")
GOLD_FIELDS = ("summaries", "summary", "gold", "reference", "abstract", "highlights")


def _objects(path: Path, encoding: str | None, column: str | None) -> list[dict[str, Any]]:
    def load_json(p: Path) -> list[dict]:
        try:
            obj = json.loads(p.read_text(encoding=encoding or "utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{p}: not a JSON file ({e})") from None
        objs = obj if isinstance(obj, list) else [obj]
        if not all(isinstance(o, dict) for o in objs):
            raise InputError(f"{p}: expected a JSON object (or a list of objects) per file")
        return objs

    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise InputError(f"{path}: the folder has no .json files")
        return [o for f in files for o in load_json(f)]
    if path.suffix == ".json":
        return load_json(path)
    if path.suffix == ".jsonl":
        out = []
        with open(path, encoding=encoding or "utf-8-sig") as f:
            for i, line in enumerate(f, 1):
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise InputError(f"{path}: line {i} is not JSON ({e})") from None
        return out
    from ..io.readers import read

    return list(read(str(path), encoding=encoding, text_column=column))


def _value(v: Any) -> Any:
    if isinstance(v, str) and v.strip().startswith("["):
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    return v


def is_index_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool)
                                       for x in v)


def _as_indices(v: Any) -> Any:
    """["0", "2"] (indices written as strings) -> [0, 2]; anything else as it is."""
    if isinstance(v, list) and v and all(isinstance(x, str) and x.strip().isdigit() for x in v):
        return [int(x) for x in v]
    return v


def read_summary_rows(data: str, text_field: str | None, gold_field: str | None,
                      pred_field: str | None, encoding: str | None = None,
                      ) -> tuple[list[dict[str, Any]], str | None, str]:
    """Rows as dicts: text, sentences (or None), gold, gold_indices (or None), pred."""
    path = Path(data)
    if not path.exists():
        raise InputError(f"{data}: no such file or folder")
    objs = _objects(path, encoding, text_field or pred_field or gold_field)
    if not objs:
        raise InputError(f"{data}: no rows")
    first = objs[0]
    fields = ", ".join(first)
    if text_field is None:
        text_field = next((f for f in TEXT_FIELDS if f in first), None)
    if gold_field is None:
        gold_field = next((f for f in GOLD_FIELDS if f in first), None)
    if gold_field is None or gold_field not in first:
        raise InputError(f"{data}: no gold field{f' {gold_field!r}' if gold_field else ''}; "
                         f"fields are: {fields}. Pass gold_field=NAME.")
    if pred_field is not None and pred_field not in first:
        raise InputError(f"{data}: no field {pred_field!r}; fields are: {fields}. "
                         "Pass pred_field=NAME.")
    if text_field is not None and text_field not in first:
        raise InputError(f"{data}: no field {text_field!r}; fields are: {fields}. "
                         "Pass text_column=NAME.")
    if text_field is None and pred_field is None:
        raise InputError(f"{data}: no article field to summarize; fields are: {fields}. "
                         "Pass text_column=NAME (or `pred_field` to score predictions).")
    rows = []
    for i, o in enumerate(objs, 1):
        text = _value(o.get(text_field)) if text_field else None
        if text_field and pred_field is None and (text is None or text in ("", [])):
            raise InputError(f"{data}: row {i}: no article to summarize ({text_field} is "
                             f"{'missing' if text_field not in o else 'empty'})")
        sents = [str(s) for s in text] if isinstance(text, list) else None
        gold = _value(o.get(gold_field))
        if sents is not None:
            gold = _as_indices(gold)
        gold_idx = None
        if gold in ("", []) or (isinstance(gold, str) and not gold.strip()):
            raise InputError(f"{data}: row {i}: the gold summary ({gold_field}) is empty; "
                             f"every row needs a reference summary")
        if isinstance(gold, list) and not (is_index_list(gold)
                                           or all(isinstance(g, str) for g in gold)):
            shown = repr(gold) if len(repr(gold)) <= 80 else repr(gold)[:77] + "..."
            raise InputError(f"{data}: row {i}: {gold_field} is {shown}, a mix; give a text, "
                             "a list of sentences or a list of sentence indices")
        if is_index_list(gold):
            if sents is None:
                raise InputError(f"{data}: row {i}: the gold summary is sentence indices, so "
                                 f"the article ({text_field}) must be a list of sentences")
            bad = [g for g in gold if not 0 <= g < len(sents)]
            if bad:
                raise InputError(f"{data}: row {i}: gold index {bad[0]} is outside the "
                                 f"article's {len(sents)} sentences")
            gold_idx = list(gold)
        elif not isinstance(gold, (str, list)):
            raise InputError(f"{data}: row {i}: {gold_field} is {gold!r}; give a text, a "
                             "list of sentences or a list of sentence indices")
        pred = _value(o.get(pred_field)) if pred_field else None
        if sents is not None:
            pred = _as_indices(pred)
        rows.append({"text": "\n".join(sents) if sents is not None else str(text or ""),
                     "sentences": sents, "gold": gold, "gold_indices": gold_idx,
                     "pred": pred})
    return rows, text_field, gold_field
