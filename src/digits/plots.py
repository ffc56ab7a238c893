"""Figures practitioners expect. Each function returns a matplotlib Figure; callers save it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def plot_history(history: dict[str, list[float]]) -> Figure:
    """Loss and accuracy per epoch, training beside validation."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for prefix, label in (("", "train"), ("val_", "validation")):
            values = history.get(prefix + metric)
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric.capitalize() + " per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    figure.tight_layout()
    return figure


def plot_confusion(matrix: np.ndarray) -> Figure:
    """Confusion-matrix heatmap with counts; rows are true digits, columns predicted."""
    figure, ax = plt.subplots(figsize=(8, 7))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", cbar=True, ax=ax, annot_kws={"size": 8})
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("Confusion matrix (test set)")
    figure.tight_layout()
    return figure


def plot_digit_grid(images: np.ndarray, titles: list[str], columns: int = 10, title: str = "") -> Figure:
    """A grid of 28x28 digits, each with a caption."""
    rows = max(1, int(np.ceil(len(images) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.3), squeeze=False)
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
    figure, ax = plt.subplots(figsize=(8, 0.5 * len(names) + 1.5))
    sns.barplot(x=values, y=names, ax=ax, orient="h", color="steelblue")
    for i, value in enumerate(values):
        ax.text(value, i, f" {value:.2f}", va="center")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    figure.tight_layout()
    return figure
