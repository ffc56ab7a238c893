"""Write an evaluation to disk: figures, metrics JSON and a Markdown report tying them together."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from digits.evaluation.metrics import Evaluation
from digits.evaluation.plots import plot_confusion, plot_digit_grid

CONFUSION_PLOT = "confusion.png"
MISCLASSIFIED_PLOT = "misclassified.png"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"


def write_evaluation(evaluation: Evaluation, images: np.ndarray, labels: np.ndarray, out_dir: Path, title: str,
                     max_gallery: int = 50) -> dict[str, Path]:
    """Save the confusion heatmap, the misclassified gallery, metrics.json and report.md in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in (CONFUSION_PLOT, MISCLASSIFIED_PLOT, METRICS_FILE, REPORT_FILE)}
    plot_confusion(evaluation.confusion, title).savefig(paths[CONFUSION_PLOT], dpi=110, bbox_inches="tight")
    shown = evaluation.misclassified[:max_gallery]
    captions = [f"true {labels[i]} / pred {evaluation.predictions[i]}\n{evaluation.confidences[i]:.0%} sure" for i in shown]
    gallery = plot_digit_grid(images[shown], captions, title=f"Misclassified test digits, {title} ({len(shown)} of {evaluation.errors})")
    gallery.savefig(paths[MISCLASSIFIED_PLOT], dpi=110, bbox_inches="tight")
    metrics = {
        "test_loss": evaluation.loss,
        "test_accuracy": evaluation.accuracy,
        "errors": evaluation.errors,
        "samples": int(len(labels)),
        "per_class": evaluation.per_class,
        "most_confused": [{"true": t, "predicted": p, "count": c} for t, p, c in evaluation.confused_pairs],
        "confusion_matrix": evaluation.confusion.tolist(),
    }
    paths[METRICS_FILE].write_text(json.dumps(metrics, indent=2) + "\n")
    paths[REPORT_FILE].write_text(render_report(evaluation, title))
    return paths


def render_report(evaluation: Evaluation, title: str) -> str:
    """A Markdown report: headline scores, per-class table, confused pairs and the two figures."""
    lines = [
        f"# Evaluation of {title}",
        "",
        f"- Test accuracy: **{evaluation.accuracy:.2%}** ({evaluation.errors} errors)",
        f"- Test loss: {evaluation.loss:.4f}",
        "",
        "## Per-class scores",
        "",
        "| digit | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {c['digit']} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | {c['support']} |"
        for c in evaluation.per_class
    ]
    lines += ["", "## Most-confused pairs", "", "| true | predicted | count |", "|---|---|---|"]
    lines += [f"| {t} | {p} | {c} |" for t, p, c in evaluation.confused_pairs]
    lines += [
        "",
        "## Confusion matrix",
        "",
        f"![confusion matrix]({CONFUSION_PLOT})",
        "",
        "## Misclassified digits",
        "",
        f"![misclassified digits]({MISCLASSIFIED_PLOT})",
        "",
    ]
    return "\n".join(lines)
