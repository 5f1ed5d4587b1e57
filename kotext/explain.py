"""Which morphemes pushed a prediction toward which label."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .doc import Doc, Token


@dataclass
class Explanation:
    doc: Doc
    labels: list[str]
    probs: list[float]
    # per token: contribution (log-odds) toward each label, relative to the others
    token_scores: list[tuple[Token, dict[str, float]]]

    @property
    def label(self) -> str:
        return self.labels[int(np.argmax(self.probs))]

    def top(self, label: str, n: int = 5, at_least: float = 0.0) -> list[tuple[Token, float]]:
        """The ``n`` morphemes that pushed most toward ``label``, each above ``at_least``."""
        ranked = sorted(((t, s[label]) for t, s in self.token_scores), key=lambda x: -x[1])
        return [(t, v) for t, v in ranked[:n] if v > at_least]


SHOWN = 1e-9  # listed when above this (a long text spreads a transformer's push thin:
# every value printed as +0.00 and was left out, so nothing was listed at all)


def _fmt(v: float) -> str:
    """+0.42 or, below 0.01, two significant digits (+0.0012)."""
    return f"{v:+.2f}" if abs(v) >= 0.01 else f"{v:+.2g}"


def explain(pipeline, text: str) -> Explanation:
    """``pipeline`` ends in a classifier stage whose model supports attributions."""
    clf_stage = pipeline.stages[-1]
    model = clf_stage.classifier
    if not hasattr(model, "attributions"):
        from .errors import UsageError

        raise UsageError(f"model method {model.method!r} cannot explain its predictions")
    doc = Doc(text=text)
    for st in pipeline.stages[:-1]:
        doc = st(doc)
    if not doc.text.strip():  # as classify: no label for an empty text
        from .errors import UsageError
        raise UsageError("empty text: nothing to explain (the text is empty after cleaning): "
                         "give the text to explain, e.g. kotext explain \"배우 연기가 좋았다\"")
    spans, probs = model.attributions(doc)
    labels = clf_stage.labels
    k = len(labels)
    toks = doc.tokens or []
    acc = np.zeros((len(toks), k), dtype=np.float64)
    starts = np.array([t.start for t in toks])
    ends = np.array([t.end for t in toks])
    for a, b, w in spans:
        hit = np.nonzero((starts < b) & (ends > a))[0]
        if len(hit):
            acc[hit] += np.asarray(w, dtype=np.float64) / len(hit)
    if k > 1:  # toward a label = its contribution minus the others' mean
        rel = acc - (acc.sum(axis=1, keepdims=True) - acc) / (k - 1)
    else:
        rel = acc
    token_scores = [(t, {lab: float(rel[i, j]) for j, lab in enumerate(labels)})
                    for i, t in enumerate(toks)]
    return Explanation(doc, labels, [float(p) for p in probs], token_scores)


# ANSI colours for a terminal: green toward the label, red against; bold or normal weight
_ANSI = {"green": "\x1b[32m", "red": "\x1b[31m", True: "\x1b[1m", False: "\x1b[22m"}


def _style(text: str, fg: str, bold: bool) -> str:
    return f"{_ANSI[fg]}{_ANSI[bold]}{text}\x1b[0m"


def to_terminal(ex: Explanation, n: int = 5, color: bool = True) -> str:
    label = ex.label
    lines = [f"{label}  {max(ex.probs):.3f}   " + "  ".join(
        f"{lab}={p:.3f}" for lab, p in zip(ex.labels, ex.probs))]
    # the text with each morpheme coloured: green toward the predicted label, red against
    text, pos, out = ex.doc.text, 0, []
    scale = max((abs(s[label]) for _, s in ex.token_scores), default=1.0) or 1.0
    for t, s in ex.token_scores:
        if t.start < pos:
            continue
        out.append(text[pos:t.start])
        v = s[label] / scale
        piece = text[t.start:t.end]
        if color and abs(v) > 0.15:
            piece = _style(piece, "green" if v > 0 else "red", abs(v) > 0.5)
        out.append(piece)
        pos = t.end
    out.append(text[pos:])
    lines.append("".join(out))
    for lab in ex.labels:
        top = ex.top(lab, n, at_least=SHOWN)
        if top:
            lines.append(f"toward {lab}: " + ", ".join(
                f"{t.form}/{t.tag} {_fmt(v)}" for t, v in top))
    return "\n".join(lines)


def to_html(ex: Explanation, n: int = 5) -> str:
    """The explanation as a page; ``n`` morphemes listed per label (as ``to_terminal``)."""
    return (
        "<!doctype html><html lang=ko><meta charset=utf-8><title>kotext explain</title>"
        f"<style>{HTML_STYLE}</style>{html_body(ex, n)}</html>\n"
    )


HTML_STYLE = ("body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:2}"
              "span{border-radius:3px;padding:1px 0}td{padding:0 1em 0 0;vertical-align:top}")


def html_body(ex: Explanation, n: int = 5) -> str:
    """The page's content (heading, highlighted text, table), for a page of one's own."""
    label = ex.label
    scale = max((abs(s[label]) for _, s in ex.token_scores), default=1.0) or 1.0
    text, pos, out = ex.doc.text, 0, []
    # Morphemes that share characters (지루하/VA and 었/EP both in 했) make one span: its
    # colour is their sum, its hover text lists each (the second one was left out)
    groups: list[list] = []
    for t, s in ex.token_scores:
        if groups and t.start < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], t.end)
            groups[-1][2].append((t, s))
        else:
            groups.append([t.start, t.end, [(t, s)]])
    for start, end, members in groups:
        out.append(html.escape(text[pos:start]))
        v = sum(s[label] for _, s in members) / scale
        rgb = "46,160,67" if v > 0 else "215,58,73"
        tip = "; ".join(f"{t.form}/{t.tag}: " + ", ".join(f"{lab} {_fmt(x)}"
                                                          for lab, x in s.items())
                        for t, s in members)
        out.append(f'<span style="background:rgba({rgb},{min(abs(v), 1.0):.2f})" '
                   f'title="{html.escape(tip)}">{html.escape(text[start:end])}</span>')
        pos = end
    out.append(html.escape(text[pos:]))
    rows = "".join(
        f"<tr><td>{html.escape(lab)}</td><td>{p:.3f}</td><td>"
        + ", ".join(f"{html.escape(t.form)}/{t.tag} {_fmt(v)}"
                    for t, v in ex.top(lab, n, at_least=SHOWN))
        + "</td></tr>" for lab, p in zip(ex.labels, ex.probs))
    return (
        f"<h1>{html.escape(label)} ({max(ex.probs):.3f})</h1><p>{''.join(out)}</p>"
        "<p>Green pushed toward the predicted label, red against it (hover for values).</p>"
        f"<table><tr><th>label</th><th>p</th><th>morphemes toward it</th></tr>{rows}</table>"
    )
