"""Plotting words' vectors in 2-D (PCA or t-SNE)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError
from .vectors import Vectors

# -- plotting ------------------------------------------------------------------------------
def project_2d(x: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    if method == "pca":
        xc = x - x.mean(axis=0, keepdims=True)
        _, _, vt = np.linalg.svd(xc, full_matrices=False)
        return xc @ vt[:2].T if vt.shape[0] >= 2 else np.c_[xc @ vt[:1].T, np.zeros(len(x))]
    if method == "tsne":
        from sklearn.manifold import TSNE

        perp = float(max(1, min(30, len(x) - 1)))
        return TSNE(n_components=2, perplexity=perp, init="pca", random_state=seed
                    ).fit_transform(x)
    raise UsageError(f"projection {method!r}: use pca or tsne")


def plot_words(vectors: Vectors, words: Sequence[str], path: str | os.PathLike,
               method: str = "pca", title: str | None = None, oov: bool = True
               ) -> tuple[list[str], list[str]]:
    """Draw ``words`` on a 2-D projection (PCA or t-SNE) into a PNG with Korean labels;
    returns (plotted, missing)."""
    have = [w for w in words if (vectors.has_vector(w) if oov else w in vectors)]
    missing = [w for w in words if w not in have]
    if len(have) < 3:
        raise InputError(f"need at least 3 words with vectors to plot, have {len(have)}"
                         + (f" (no vector: {', '.join(missing)})" if missing else ""))
    x = np.stack([vectors.vector(w, oov=oov) for w in have]).astype(np.float64)
    xy = project_2d(x, method)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        import koreanize_matplotlib  # noqa: F401 - registers a Korean font
    except ImportError:  # pragma: no cover - labels may then show as boxes
        pass
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    ax.scatter(xy[:, 0], xy[:, 1], s=18, color="#3b6ea5")
    for (px, py), w in zip(xy, have):
        ax.annotate(w, (px, py), xytext=(4, 3), textcoords="offset points", fontsize=11)
    ax.set_title(title or f"{vectors.config.get('name', '')} ({method.upper()})")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp.png")
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, out)
    finally:
        plt.close(fig)
        if tmp.exists():
            tmp.unlink()
    return have, missing
