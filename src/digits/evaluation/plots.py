"""Figures practitioners expect. Each function returns a matplotlib Figure; callers save it.

Figures are made with matplotlib's object API (`Figure`), not pyplot, so nothing
here picks a GUI backend or keeps figures alive in a global registry.
"""

from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure


def _titled(text: str, model: str) -> str:
    return f"{text} ({model})" if model else text


def plot_history(history: dict[str, list[float]], title: str = "") -> Figure:
    """Loss and accuracy per epoch, training beside validation; `title` names the model.

    A line model has no per-digit accuracy; its second panel is `exact`, the
    share of validation lines read exactly.
    """
    figure = Figure(figsize=(10, 4))
    axes = figure.subplots(1, 2)
    second = "accuracy" if any(key.endswith("accuracy") for key in history) else "exact"
    for ax, metric in zip(axes, ("loss", second)):
        for prefix, label in (("", "train"), ("val_", "validation")):
            values = history.get(prefix + metric)
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(_titled(metric.capitalize() + " per epoch", title))
        ax.grid(alpha=0.3)
        ax.legend()
    figure.tight_layout()
    return figure


def plot_confusion(matrix: np.ndarray, title: str = "") -> Figure:
    """Confusion-matrix heatmap; rows are true digits, columns predicted; every cell shows its count.

    The colour is the share of each true digit read as the column's digit, errors only: the
    diagonal (right answers) would otherwise take the whole colour scale and wash every error out.
    """
    errors = matrix.astype(float)
    np.fill_diagonal(errors, 0.0)
    share = 100 * errors / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    figure = Figure(figsize=(8, 7))
    ax = figure.subplots()
    sns.heatmap(share, annot=matrix, fmt="d", cmap="Reds", vmin=0, cbar=True, ax=ax, annot_kws={"size": 8},
                cbar_kws={"label": "% of the true digit read as this one (errors only)"})
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(_titled("Confusion matrix (test set)", title))
    figure.tight_layout()
    return figure


def plot_digit_grid(images: np.ndarray, titles: list[str], columns: int = 10, title: str = "") -> Figure:
    """A grid of 28x28 digits, each with a caption."""
    rows = max(1, int(np.ceil(len(images) / columns)))
    figure = Figure(figsize=(columns * 1.1, rows * 1.3))
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, caption in zip(axes.flat, images, titles):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(caption, fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_bars(names: list[str], values: list[float], xlabel: str, title: str) -> Figure:
    """Horizontal bars, one per name, each labelled with its value."""
    figure = Figure(figsize=(8, 0.5 * len(names) + 1.5))
    ax = figure.subplots()
    sns.barplot(x=values, y=names, ax=ax, orient="h", color="steelblue")
    for i, value in enumerate(values):  # inside the bar's end, so no label runs past the frame
        ax.text(value, i, f"{value:.2f} ", va="center", ha="right", color="white", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    figure.tight_layout()
    return figure
