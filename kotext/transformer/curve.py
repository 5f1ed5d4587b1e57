"""Training curves as JSON and PNG (matplotlib's object API: no global backend change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_curve(folder: Path, history: list[dict[str, Any]], *, x: str = "epoch",
                left: tuple[str, ...] = ("train_loss", "val_loss"),
                right: tuple[str, ...] = (), title: str = "") -> list[str]:
    """``training_curve.json`` always; ``training_curve.png`` when matplotlib is installed.
    Returns the names of the files written."""
    import json

    (folder / "training_curve.json").write_text(
        json.dumps(history, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written = ["training_curve.json"]
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # the plot extra is optional
        return written
    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = [h.get(x) for h in history]
    for key in left:
        ys = [h.get(key) for h in history]
        if any(v is not None for v in ys):
            ax.plot(xs, [float("nan") if v is None else v for v in ys], marker="o", label=key)
    ax.set_xlabel(x)
    ax.set_ylabel("loss")
    lines, names = ax.get_legend_handles_labels()
    if right:
        ax2 = ax.twinx()
        for i, key in enumerate(right):
            ys = [h.get(key) for h in history]
            if any(v is not None for v in ys):
                ax2.plot(xs, [float("nan") if v is None else v for v in ys], marker="s",
                         linestyle="--", color=f"C{i + len(left)}", label=key)
        ax2.set_ylabel("validation metric")
        l2, n2 = ax2.get_legend_handles_labels()
        lines, names = lines + l2, names + n2
    if lines:
        ax.legend(lines, names, loc="best")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(folder / "training_curve.png")
    written.append("training_curve.png")
    return written
