"""The "not a digit" class: its training examples and the threshold that decides a refusal.

Non-digit marks come from `digits.data.non_digits` and are normalised by the
reading room's own `to_mnist`, so the model learns them as the reader will
show them. The threshold is chosen on validation data only: the lowest one
that refuses at most MAX_REJECTED of the held-out digits, each read through
the whole pipeline (written as an image, found, normalised) as a user's
digit would be.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digits.card import DIGIT_LABELS
from digits.data.non_digits import render_non_digits
from digits.reading.preprocess import segment, to_mnist

NON_DIGIT = len(DIGIT_LABELS)  # the class index of "not a digit"
MAX_REJECTED = 0.002  # at most 0.2 % of validation digits refused; the product promises >= 99.5 % accepted


def non_digit_images(count: int, seed: int) -> np.ndarray:
    """(count, 28, 28) float32 0-255: generated non-digit marks as the reader normalises them."""
    marks = render_non_digits(count, seed)
    return np.stack([to_mnist(mark) for mark in marks]) if marks else np.zeros((0, 28, 28), np.float32)


def with_non_digits(x: np.ndarray, y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`x`, `y` plus `share` x len(x) non-digits labelled NON_DIGIT, shuffled together."""
    extra = non_digit_images(int(round(share * len(x))), seed)
    images = np.concatenate([x.astype(np.float32), extra])
    labels = np.concatenate([y, np.full(len(extra), NON_DIGIT, y.dtype)])
    order = np.random.default_rng(seed).permutation(len(images))
    return images[order], labels[order]


def through_pipeline(digits: np.ndarray) -> np.ndarray:
    """MNIST digits as the reader sees them once written to a file: found, cut out and normalised again."""
    seen = []
    for digit in digits:
        crops = segment(digit.astype(np.float32) / 255.0).crops
        seen.append(crops[0].image if crops else digit.astype(np.float32))
    return np.stack(seen)


def calibrate(not_digit: Callable[[np.ndarray], np.ndarray], x_val: np.ndarray, seed: int) -> dict[str, float]:
    """The refusal threshold for a model, from its "not a digit" probability on validation digits and non-digits.

    Returns the threshold and, at it, the share of validation digits refused and of
    validation non-digits accepted (the two errors the benchmark plots against each other).
    """
    digit_scores = not_digit(through_pipeline(x_val))
    other_scores = not_digit(non_digit_images(max(500, len(x_val) // 5), seed))
    threshold = float(np.clip(np.quantile(digit_scores, 1 - MAX_REJECTED), 0.05, 0.95))
    return {
        "threshold": threshold,
        "digits_rejected": float(np.mean(digit_scores >= threshold)),
        "non_digits_accepted": float(np.mean(other_scores < threshold)),
    }
