"""Model cards: what a model is, what it was trained on, how well it does, how to rebuild it."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from typing import Any


def command_line(command: str | None = None) -> str:
    """The command a model card records: ``command`` when given, else this process's own
    ``kotext ...`` command line, shell-quoted, without ``--resume`` (rerun from nothing, the
    command rebuilds the same model; with it, it would look for a checkpoint)."""
    if command:
        return command
    args = [a for a in sys.argv[1:] if a != "--resume"]
    line = "kotext " + " ".join(shlex.quote(a) for a in args)
    # --config FILE.toml: the file goes into the card too (a heredoc that writes it), so the
    # command still rebuilds the model when the file is edited or gone
    for i, a in enumerate(args):
        cfg = a[len("--config="):] if a.startswith("--config=") else \
            args[i + 1] if a == "--config" and i + 1 < len(args) else None
        if cfg:
            try:
                with open(cfg, encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                break
            end = "KOTEXT_CONFIG"
            while end in text:  # a delimiter the file does not hold
                end += "_"
            folder = os.path.dirname(cfg)
            mkdir = f"mkdir -p {shlex.quote(folder)}\n" if folder else ""
            return (f"{mkdir}cat > {shlex.quote(cfg)} <<'{end}'\n{text.rstrip()}\n"
                    f"{end}\n{line}")
    return line


def _metrics_table(rep: dict[str, Any] | None, rows: str = "held-out rows") -> str:
    if not rep:
        return "(no held-out evaluation)"
    table = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for lab in rep["labels"]:
        c = rep["per_class"][lab]
        table.append(f"| {lab} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} "
                    f"| {c['support']} |")
    return (f"accuracy **{rep['accuracy']:.4f}**, macro-F1 **{rep['macro_f1']:.4f}** "
            f"on {rep['n']} {rows}\n\n" + "\n".join(table))


def model_card(*, name: str, method: str, description: str, labels: list[str],
               data: str, counts: dict[str, int], validation: dict[str, Any] | None,
               extra_eval: dict[str, dict[str, Any]] | None, command: str, params: dict[str, Any],
               size_mb: float, licence: str = "MIT (the model); see the data's own licence",
               limits: str = "", refit: bool = False) -> str:
    from .. import __version__

    lines = [
        f"# {name}", "",
        description, "",
        "## Model", "",
        f"- method: `{method}`",
        f"- labels: {', '.join(f'`{x}`' for x in labels)}",
        f"- size: {size_mb:.1f} MB (safetensors + JSON; no pickle)",
        f"- trained with kotext {__version__} on Python {platform.python_version()}",
        "- parameters: " + ", ".join(f"`{k}={v}`" for k, v in params.items()),
        "",
        "## Training data", "",
        data, "",
        "rows per label: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), "",
        "## Evaluation", "",
        ("Validation split, scored before the final refit on all the rows (the saved model "
         "has also trained on these rows, so these figures are not its own):" if refit
         else "Validation split:"), "",
        _metrics_table(validation), "",
    ]
    for title, rep in (extra_eval or {}).items():  # --eval FILE: not held out of training
        lines += [f"{title} (`--eval`, in the command below):", "",
                  _metrics_table(rep, "rows of that file"), ""]
    lines += [
        "## Reproduce", "",
        "```bash", command, "```", "",
        "The same command with the same data and seed gives the same weights.", "",
        "## Limits", "",
        limits or "Trained on one domain; expect lower accuracy on text unlike the training "
                  "data. Check it on a sample of your own labeled data with `kotext evaluate`.",
        "",
        "## Licence", "",
        licence, "",
    ]
    return "\n".join(lines)


def add_to_model(folder, title: str, markdown: str, key: str, value: Any) -> None:
    """Record a training technique in a written model folder: a ``## title`` section in
    README.md (before "## Reproduce") and ``training[key]`` in its metadata (kotext.json
    beside a transformers config.json, else config.json). Each file is replaced whole."""
    import json
    from pathlib import Path

    folder = Path(folder)
    meta = folder / "kotext.json"
    if not meta.is_file():
        meta = folder / "config.json"
    cfg = json.loads(meta.read_text(encoding="utf-8"))
    cfg.setdefault("training", {})[key] = value
    _replace(meta, json.dumps(cfg, ensure_ascii=False, indent=2) + "\n")
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    section = f"## {title}\n\n{markdown.rstrip()}\n\n"
    text = text.replace("## Reproduce", section + "## Reproduce", 1) if "## Reproduce" in text \
        else text.rstrip() + "\n\n" + section
    _replace(card, text)


def _replace(path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
