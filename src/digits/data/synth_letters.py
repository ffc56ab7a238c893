"""Letters and symbols as a hand draws them: pen strokes through a few points, wobbly and slanted.

The benchmark and the tests use these to check that a mark which is not a
digit is refused. They are drawn differently from the font glyphs the model
learns "not a digit" from (`non_digits.py`), so a good score here is not a
score on the training data.
"""

from __future__ import annotations

import cv2
import numpy as np

# Strokes in a unit box (x to the right, y down); each stroke is a list of points the pen passes through.
STROKES: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "K": [[(0, 0), (0, 1)], [(0.9, 0), (0, 0.55)], [(0.3, 0.4), (1, 1)]],
    "M": [[(0, 1), (0.1, 0), (0.5, 0.6), (0.9, 0), (1, 1)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "#": [[(0.35, 0), (0.25, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.67), (1, 0.67)]],
    "?": [[(0.1, 0.25), (0.25, 0.05), (0.6, 0.0), (0.9, 0.18), (0.85, 0.4), (0.5, 0.55), (0.5, 0.75)], [(0.5, 0.95), (0.52, 0.97)]],
    "&": [[(0.95, 1), (0.3, 0.4), (0.25, 0.15), (0.45, 0.0), (0.65, 0.15), (0.55, 0.35), (0.1, 0.7), (0.2, 0.95), (0.5, 1.0), (0.9, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.7, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.3), (0.75, 1), (1, 0)]],
    "R": [[(0, 1), (0, 0), (0.7, 0), (0.9, 0.2), (0.7, 0.45), (0, 0.45)], [(0.35, 0.45), (1, 1)]],
}


def hand_letter(char: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """`char` (a key of STROKES) drawn by hand as ink in [0, 1], about `height` pixels tall."""
    width = height * rng.uniform(0.6, 1.0)
    slant = rng.uniform(-0.25, 0.25)
    pad = height // 4
    ink = np.zeros((height + 2 * pad, int(width + abs(slant) * height) + 2 * pad), np.float32)
    thickness = max(1, int(height * rng.uniform(0.05, 0.12)))
    for stroke in STROKES[char]:
        points = np.array(stroke, np.float32) + rng.normal(0, 0.04, (len(stroke), 2)).astype(np.float32)
        xs = pad + points[:, 0] * width + (1 - points[:, 1]) * slant * height + max(0.0, -slant) * height
        ys = pad + points[:, 1] * height
        cv2.polylines(ink, [np.round(np.stack([xs, ys], 1)).astype(np.int32)], False, 1.0, thickness, cv2.LINE_AA)
    ys, xs = np.nonzero(ink > 0.1)
    return np.pad(ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], 2)
