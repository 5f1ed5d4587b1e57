"""The ``kotext`` command: thin wrappers that parse arguments and call the library.

Results go to stdout (or ``-o``); progress and summaries go to stderr. Exit codes:
0 all rows fine, 1 some rows failed, 2 bad usage, input or an unwritable output.

A module per command group adds its commands to ``main`` (kotext.cli.base) when imported:
run (clean, tokenize, run, validate), classify (classify, evaluate, explain), train
(train classifier / summarizer, pretrain), summarize (summarize, keywords,
evaluate-summary), embed (embed ..., similar-docs), collect, serve (the web service,
kotext.serve).
"""

from . import classify, collect, embed, run, summarize, train  # noqa: F401 (they add commands)
from .base import FLAGS, flag_message, main
from .serve import serve

main.add_command(serve)

__all__ = ["FLAGS", "flag_message", "main"]
