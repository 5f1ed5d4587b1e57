"""Labeled data for training and evaluation: read, map labels, split."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, UsageError
from ..io.readers import read, text_of

DROP = "drop"


def parse_label_map(spec: str | None) -> list[tuple[float | str, float | str | None, str]]:
    """``"1-4=negative,5-8=drop,9-10=positive"`` or ``"0=negative,1=positive"``.

    A key is a value or a numeric range ``lo-hi`` (inclusive); ``drop`` removes the rows.
    """
    if not spec:
        return []
    rules = []
    for part in spec.split(","):
        key, sep, val = part.partition("=")
        key, val = key.strip(), val.strip()
        if not sep or not key or not val:
            raise UsageError(f"label_map={spec!r}: each item is KEY=LABEL, e.g. "
                             "1-4=negative,9-10=positive,5-8=drop")
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)", key)
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo > hi:
                raise UsageError(f"label_map={key}={val}: the range runs backwards; write "
                                 f"{m.group(2)}-{m.group(1)}={val}")
            rules.append((lo, hi, val))
        else:
            rules.append((_whole(key), None, val))
    # a value in two rules would silently go to the first: say which rules overlap
    for i, (lo, hi, val) in enumerate(rules):
        for lo2, hi2, val2 in rules[i + 1:]:
            if hi is None and hi2 is None:
                clash = lo == lo2
            elif hi is not None and hi2 is not None:
                clash = lo <= hi2 and lo2 <= hi
            else:
                key, (a, b) = (lo, (lo2, hi2)) if hi is None else (lo2, (lo, hi))
                try:
                    clash = a <= float(key) <= b
                except ValueError:
                    clash = False
            if clash:
                raise UsageError(f"label_map={spec!r}: {_rule(lo, hi)}={val} and "
                                 f"{_rule(lo2, hi2)}={val2} overlap; give each label value "
                                 f"one rule (ranges are inclusive: 1-4, 5-7, 8-10)")
    return rules


def _rule(lo, hi) -> str:
    if hi is None:
        return str(lo)
    return "-".join(f"{x:g}" for x in (lo, hi))


def _whole(raw: str) -> str:
    """1.0 (a float column's 1, or a key written so) is the label 1."""
    if raw.endswith(".0") and raw[:-2].lstrip("-").isdigit():
        return raw[:-2]
    return raw


def map_label(raw: str, rules) -> str | None:
    if not rules:
        return raw
    for lo, hi, val in rules:
        if hi is None:
            if raw == lo:
                return val
        else:
            try:
                x = float(raw)
            except ValueError:
                continue
            if lo <= x <= hi:
                return val
    return None


@dataclass
class LabeledData:
    texts: list[str]
    labels: list[str]
    dropped: int = 0
    text_column: str | None = None  # the column read (guessed when not given)
    empty: int = 0  # rows left out for an empty text (of ``dropped``)
    # the last ``train_only`` rows (pseudo-labeled or teacher-labeled text) are trained on
    # and never held out: the validation rows are those of the gold rows alone
    train_only: int = 0
    # soft targets: rows x sorted(set(labels)), each row a distribution (distillation)
    soft: np.ndarray | None = None
    aux: list | None = None  # an auxiliary target per row (multi-task), None where missing

    def counts(self) -> Counter:
        return Counter(self.labels)

    def subset(self, idx) -> LabeledData:
        """The rows ``idx`` (gold rows: ``train_only`` is 0 in the subset)."""
        idx = [int(i) for i in idx]
        return LabeledData([self.texts[i] for i in idx], [self.labels[i] for i in idx],
                           text_column=self.text_column,
                           soft=None if self.soft is None else self.soft[idx],
                           aux=None if self.aux is None else [self.aux[i] for i in idx])


def split_rows(data: LabeledData, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices of ``data``: the gold rows split as
    :func:`stratified_split` splits them alone, the ``train_only`` rows all in train."""
    n_gold = len(data.labels) - data.train_only
    tr, va = stratified_split(data.labels[:n_gold], fraction, seed)
    if data.train_only:
        tr = np.concatenate([tr, np.arange(n_gold, len(data.labels))])
    return tr, va


def target_matrix(data: LabeledData, labels: list[str]) -> np.ndarray:
    """Rows x labels training targets: ``data.soft`` or the one-hot gold labels."""
    if data.soft is not None:
        return np.asarray(data.soft, dtype=np.float32)
    y = np.array([labels.index(x) for x in data.labels])
    return np.eye(len(labels), dtype=np.float32)[y]


def _cleaned(cleaner, text: str) -> str:
    """The text as cleaned; a text cleaning fails on is kept (the run records its error)."""
    try:
        return cleaner.clean_text(text)
    except Exception:  # noqa: BLE001 - the pipeline reports it on the row
        return text


def read_labeled(spec: str, *, text_column: str | None, label_column: str,
                 encoding: str | None = None, label_map: str | None = None,
                 drop_blank_labels: bool = False, input_format: str | None = None,
                 limit: int | None = None, aux_column: str | None = None) -> LabeledData:
    rules = parse_label_map(label_map)
    src = read(spec, text_column=text_column, encoding=encoding, input_format=input_format)
    if label_column not in src.columns:
        raise InputError(f"{spec}: no label column '{label_column}'; columns are: "
                         f"{', '.join(src.columns)}. Pass `label_column` with one of them.")
    if aux_column and aux_column not in src.columns:
        raise InputError(f"{spec}: no auxiliary column '{aux_column}'; columns are: "
                         f"{', '.join(src.columns)}. Pass `aux_column` with one of "
                         f"them.")
    texts, labels, aux = [], [], []
    blank_rows: list[int] = []
    unmapped: Counter = Counter()
    dropped = empty = 0
    from ..stages.clean import Clean

    cleaner = Clean()  # kotext's default cleaning, the one models are trained behind
    for i, row in enumerate(src, 1):
        raw = row.get(label_column)
        if isinstance(raw, (list, tuple, dict)):  # [1] became the label "[1]"
            raise InputError(f"{spec}: row {i}: the label ({label_column}) is "
                             f"{json.dumps(raw, ensure_ascii=False)[:60]}, a "
                             f"{'list' if not isinstance(raw, dict) else 'JSON object'}; give "
                             f"one label per row")
        raw = _whole("" if raw is None else str(raw).strip())
        if not raw or raw.lower() == "nan":
            blank_rows.append(i)
            continue
        lab = map_label(raw, rules)
        if lab is None:
            unmapped[raw] += 1
            continue
        if lab == DROP:
            dropped += 1
            continue
        try:
            text = text_of(row.get(src.text_key))
        except InputError as e:
            raise InputError(f"{spec}: row {i}, {src.text_key}: {e}") from None
        if not text.strip() or not _cleaned(cleaner, text).strip():
            # classify gives an empty text no label (also one empty once cleaned: <br>, a
            # zero-width space): nothing to learn from, nor to score
            empty += 1
            continue
        texts.append(text)
        labels.append(lab)
        if aux_column:
            a = row.get(aux_column)
            a = None if a is None or str(a).strip() in ("", "nan") else str(a).strip()
            aux.append(a)
        if limit and len(texts) >= limit:
            break
    if blank_rows and not drop_blank_labels:
        raise InputError(
            f"{spec}: {len(blank_rows)} rows have no label in column '{label_column}' (first "
            f"at data row {blank_rows[0]}). Fill them, or pass `drop_blank_labels` to leave "
            f"them out."
        )
    if unmapped:
        vals = ", ".join(f"{k!r} ({v})" for k, v in unmapped.most_common(5))
        raise InputError(f"{spec}: `label_map` does not cover these labels: {vals}. Add "
                         f"them (a label already right maps to itself, e.g. 긍정=긍정), or map "
                         f"them to drop (e.g. 5-8=drop).")
    dropped += len(blank_rows) + empty
    if not texts:
        raise InputError(f"{spec}: no labeled rows to use"
                         + (f" ({empty} have an empty text, as given or once cleaned)"
                            if empty else ""))
    return LabeledData(texts, labels, dropped, src.text_key, empty,
                       aux=aux if aux_column else None)


def stratified_split(labels: list[str], fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation), each class split in the same proportion."""
    rng = np.random.default_rng(seed)
    y = np.asarray(labels)
    tr, va = [], []
    for lab in sorted(set(labels)):
        idx = np.nonzero(y == lab)[0]
        rng.shuffle(idx)
        k = int(round(len(idx) * fraction))
        if fraction > 0 and len(idx) >= 2:
            k = max(1, min(k, len(idx) - 1))
        else:
            k = 0
        va.append(idx[:k])
        tr.append(idx[k:])
    return np.sort(np.concatenate(tr)), np.sort(np.concatenate(va))


def read_unlabeled(spec: str, *, text_column: str | None, encoding: str | None = None,
                   input_format: str | None = None, where: str | None = None,
                   limit: int | None = None) -> list[str]:
    """The texts of any file kotext reads, for pseudo-labels and distillation; those empty
    once cleaned are left out. ``where="rating=5-8"`` keeps the rows whose column holds one of
    the values or ranges (comma-separated, as in a label map: ``"label=1,3-4"``)."""
    column, rules = None, []
    if where:
        column, sep, values = where.partition("=")
        column = column.strip()
        if not sep or not column or not values.strip():
            raise UsageError(f"unlabeled_where {where!r}: COLUMN=VALUES, e.g. rating=5-8 or "
                             f"source=blog,news")
        rules = parse_label_map(",".join(f"{v.strip()}=keep" for v in values.split(",")))
    src = read(spec, text_column=text_column, encoding=encoding, input_format=input_format)
    if column and column not in src.columns:
        raise InputError(f"{spec}: no column '{column}' (unlabeled_where); columns are: "
                         f"{', '.join(src.columns)}")
    from ..stages.clean import Clean

    cleaner = Clean()
    texts = []
    for row in src:
        if column:
            raw = _whole("" if row.get(column) is None else str(row.get(column)).strip())
            if map_label(raw, rules) is None:
                continue
        try:
            text = text_of(row.get(src.text_key))
        except InputError:
            continue
        if text.strip() and _cleaned(cleaner, text).strip():
            texts.append(text)
            if limit and len(texts) >= limit:
                break
    if not texts:
        raise InputError(f"{spec}: no unlabeled texts to use"
                         + (f" where {where}" if where else ""))
    return texts


def balanced(data: LabeledData, seed: int = 0) -> LabeledData:
    """As many rows of each label as the rarest label has: a seeded sample of each of the
    others, the rows kept in their input order."""
    counts = data.counts()
    n = min(counts.values())
    rng = np.random.default_rng(seed)
    y = np.asarray(data.labels)
    keep = [np.sort(rng.choice(np.nonzero(y == lab)[0], size=n, replace=False))
            for lab in sorted(counts)]
    out = data.subset(np.sort(np.concatenate(keep)))
    out.dropped = data.dropped + len(data.labels) - len(out.labels)
    out.empty = data.empty
    return out
