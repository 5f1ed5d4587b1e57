"""The library speaks Python: no library module imports click, and no message names a
command-line flag (the CLI maps parameters to flags, see kotext.cli.FLAGS)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import click

import kotext

ROOT = Path(kotext.__file__).parent
NOT_CLI = [p for p in sorted(ROOT.rglob("*.py")) if p.relative_to(ROOT).parts[0] != "cli"]
# the web service is a shell like the CLI: its texts may tell how the command does the same
LIBRARY = [p for p in NOT_CLI if p.relative_to(ROOT).parts[0] != "serve"]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")
# flags that are not kotext's: pip's and the Hugging Face CLI's, in commands the message gives
OTHER_TOOLS = {"--index-url", "--local-dir"}
# model cards (README.md in a model folder, written by training/card.py and the _card
# functions) show the kotext commands that make and use the model
CARDS = "training/card.py"


def _messages(path: Path):
    """The string literals of a module that are not docstrings or model-card text."""
    tree = ast.parse(path.read_text("utf-8"))
    cards = [(f.lineno, f.end_lineno) for f in ast.walk(tree)
             if isinstance(f, ast.FunctionDef) and f.name == "_card"]
    toks = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
            if t.type not in (tokenize.NL, tokenize.COMMENT)]
    ends = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    for i, t in enumerate(toks):
        if t.type != tokenize.STRING:
            continue
        if (i == 0 or toks[i - 1].type in ends) and toks[i + 1].type in (
                tokenize.NEWLINE, tokenize.ENDMARKER):
            continue  # a docstring
        if not any(a <= t.start[0] <= b for a, b in cards):
            yield t.start[0], t.string


def test_no_module_outside_the_cli_imports_click():
    importers = []
    for path in NOT_CLI:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "click" for n in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []


def test_no_library_message_names_a_flag():
    found = []
    for path in LIBRARY:
        rel = path.relative_to(ROOT).as_posix()
        for line, text in _messages(path):
            flags = set(FLAG.findall(text)) - OTHER_TOOLS
            if flags and rel != CARDS:
                found.append(f"{rel}:{line}: {', '.join(sorted(flags))}")
    assert found == []


def test_explain_colours_are_those_of_a_terminal():
    from kotext.explain import _style

    assert _style("좋", "green", True) == click.style("좋", fg="green", bold=True)
    assert _style("별로", "red", False) == click.style("별로", fg="red", bold=False)
