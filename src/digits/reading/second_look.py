"""The second look of "not a digit": a mark drawn with a pen, shown to the model again made narrower.

The "not a digit" class learnt letters from fonts, which write them narrow; a
hand writes an H or a W square or wide, where it can pass for a digit. Seen
narrower, it is the letter the model knows. A heavier stroke made narrower
closes its loops into a blot, so only marks drawn with a pen take this look.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from digits.reading.preprocess import PEAK, stroke_width, to_mnist

NARROWER = 0.8  # "not a digit" takes a second look at a mark made this much as wide (see `narrowed`)
NARROW_INK = 0.08  # of PEAK: the mark's extent within a 28x28 input, for that second look
# Only marks drawn with a pen at most this heavy (stroke width, pixels of a 28x28 input) take the second look: a
# heavier stroke made narrower closes its loops into a blot. It is the median stroke of validation digits and
# documents made from them; of the digits the second look refused there, every one was heavier, and of the
# hand-drawn letters it caught, all but one or two in a hundred were lighter.
NARROW_MAX_STROKE = 3.1


def narrowed(image: np.ndarray, factor: float = NARROWER) -> np.ndarray:
    """A 28x28 model input with its mark made `factor` times as wide, normalised again (MNIST's box, centring)."""
    ys, xs = np.nonzero(image > NARROW_INK * PEAK)
    if len(ys) == 0:
        return image
    mark = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / PEAK
    width = max(1, round(mark.shape[1] * factor))
    return to_mnist(np.pad(cv2.resize(mark, (width, mark.shape[0]), interpolation=cv2.INTER_AREA), 2))


def narrowed_all(images: np.ndarray) -> np.ndarray:
    """`narrowed` for a stack of (N, 28, 28) model inputs (an empty stack stays empty)."""
    return np.stack([narrowed(image) for image in images]) if len(images) else np.asarray(images, np.float32)


def second_look(images: np.ndarray, not_digit: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """For (N, 28, 28) model inputs, the probability of "not a digit" that `not_digit` gives each mark made
    narrower; -inf (below any threshold) for the marks not drawn with a pen (`drawn_with_a_pen`)."""
    scores = np.full(len(images), -np.inf)
    looks = np.array([drawn_with_a_pen(image) for image in images], bool)
    if looks.any():
        scores[looks] = not_digit(narrowed_all(np.asarray(images)[looks]))
    return scores


def drawn_with_a_pen(image: np.ndarray) -> bool:
    """Whether a 28x28 model input's strokes are no heavier than NARROW_MAX_STROKE pixels."""
    return stroke_width(image > 0.3 * PEAK) <= NARROW_MAX_STROKE
