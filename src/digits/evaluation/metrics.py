"""Scores of a model on labelled digits: loss, accuracy, per-class scores, confusions, mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from digits.card import DIGIT_LABELS

DIGITS = [int(label) for label in DIGIT_LABELS]


@dataclass(frozen=True)
class Evaluation:
    """What `digits evaluate` reports, computed from probabilities and true labels."""

    loss: float
    accuracy: float
    confusion: np.ndarray  # (10, 10) counts, rows true, columns predicted
    per_class: list[dict]  # one dict per digit: precision, recall, f1, support
    confused_pairs: list[tuple[int, int, int]]  # (true, predicted, count), most frequent first
    predictions: np.ndarray
    confidences: np.ndarray  # the probability of each prediction
    misclassified: np.ndarray  # indices into the evaluated set

    @property
    def errors(self) -> int:
        return int(len(self.misclassified))


def evaluate_probabilities(probabilities: np.ndarray, labels: np.ndarray, top_pairs: int = 10) -> Evaluation:
    """Score (N, 10) probabilities against (N,) labels."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = probabilities.argmax(axis=1)
    picked = probabilities[np.arange(len(labels)), labels]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    matrix = confusion_matrix(labels, predictions, labels=DIGITS)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predictions, labels=DIGITS, zero_division=0)
    per_class = [
        {"digit": d, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for d, p, r, f, s in zip(DIGITS, precision, recall, f1, support)
    ]
    return Evaluation(
        loss=loss,
        accuracy=float(np.mean(predictions == labels)),
        confusion=matrix,
        per_class=per_class,
        confused_pairs=most_confused_pairs(matrix, top_pairs),
        predictions=predictions,
        confidences=probabilities.max(axis=1),
        misclassified=np.flatnonzero(predictions != labels),
    )


def most_confused_pairs(matrix: np.ndarray, top: int) -> list[tuple[int, int, int]]:
    """The off-diagonal cells with the most errors: (true, predicted, count)."""
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(off_diagonal, axis=None)[::-1][:top]
    pairs = [(int(i // 10), int(i % 10), int(off_diagonal.flat[i])) for i in order]
    return [pair for pair in pairs if pair[2] > 0]
