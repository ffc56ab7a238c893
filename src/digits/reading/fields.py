"""Comb fields: a printed row of boxes, one character per box, as forms ask for a number.

The boxes come from the printed structure (`rules.find_structure`); each box
is read on its own with the digit model, as one digit or empty. The answer
keeps the boxes: an empty box is a space in the text and null in the digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digits.reading.preprocess import DigitCrop, Marks, to_mnist

MIN_INK = 0.02  # a box whose ink covers less than this share of it is empty (a speck, the end of a neighbour's stroke)


@dataclass(frozen=True)
class Field:
    """A comb field: its box in the original image, and per box the digit to read (None: empty)."""

    box: tuple[int, int, int, int]
    cells: list[DigitCrop | None]


def find_field(marks: Marks) -> Field | None:
    """The comb field in the marks' printed structure, each box cut out and normalised; None if there is none."""
    if marks.structure is None or not marks.structure.boxes:
        return None
    inset = 2  # the printed frame is already out of the ink; a stroke that lay on it keeps what was beside it
    cells = []
    for x, y, w, h in marks.structure.boxes:
        ink = marks.ink[y + inset : y + h - inset, x + inset : x + w - inset]
        mask = marks.mask[y + inset : y + h - inset, x + inset : x + w - inset]
        cells.append(_cell(ink, mask, (x, y, w, h), marks.factor))
    x0, y0 = marks.structure.boxes[0][:2]
    x1 = marks.structure.boxes[-1][0] + marks.structure.boxes[-1][2]
    y1 = y0 + marks.structure.boxes[0][3]
    return Field(tuple(int(round(v / marks.factor)) for v in (x0, y0, x1 - x0, y1 - y0)), cells)


def _cell(ink: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int], factor: float) -> DigitCrop | None:
    """One box's digit, normalised as MNIST's, or None when the box is empty."""
    if mask.size == 0 or mask.mean() < MIN_INK:
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    x, y, cw, ch, areas = (stats[1:, i] for i in range(5))
    # What is left of the frame's edge: thin marks along a side of the box.
    along_side = ((x <= 1) | (x + cw >= w - 1)) & (cw <= 4) | ((y <= 1) | (y + ch >= h - 1)) & (ch <= 4)
    areas = np.where(along_side, 0, areas)
    if areas.max() < MIN_INK * mask.size:
        return None
    keep = np.isin(labels, np.flatnonzero(areas >= 0.1 * areas.max()) + 1).astype(np.uint8)  # the digit, not its dust
    ys, xs = np.nonzero(keep)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = ink[top:bottom, left:right] * cv2.dilate(keep[top:bottom, left:right], np.ones((3, 3), np.uint8))
    return DigitCrop(to_mnist(crop, keep[top:bottom, left:right]), tuple(int(round(v / factor)) for v in box))


def outside_field(marks: Marks, field: Field | None) -> Marks:
    """The marks with those inside the comb field left out, so that the page's other lines are read as usual."""
    if field is None:
        return marks
    x0, y0 = marks.structure.boxes[0][:2]
    last = marks.structure.boxes[-1]
    x1, y1 = last[0] + last[2], y0 + last[3]
    grow = 0.2 * last[3]  # what is left of the printed frame's edges belongs to the field, not to a line above it
    x0, y0, x1, y1 = x0 - grow, y0 - grow, x1 + grow, y1 + grow
    rest = [c for c in marks.components
            if not (x0 <= c["box"][0] + c["box"][2] / 2 <= x1 and y0 <= c["box"][1] + c["box"][3] / 2 <= y1)]
    return Marks(marks.ink, marks.mask, rest, marks.factor, marks.structure)


def field_line(field: Field, probabilities: np.ndarray, refused: np.ndarray) -> dict:
    """The field as a line of the `read` answer: one character per box, a space and null for an empty box.

    `probabilities` and `refused` hold one row per non-empty box, in order; a box whose mark the
    model refuses (not a digit) counts as empty.
    """
    digits, rows = [], iter(zip(probabilities, refused))
    for cell in field.cells:
        if cell is None:
            digits.append(None)
            continue
        probs, no = next(rows)
        digit = int(np.argmax(probs))
        digits.append(None if no else {"char": str(digit), "digit": digit, "confidence": round(float(probs[digit]), 6),
                                        "box": list(cell.box)})
    confidence = float(np.prod([d["confidence"] for d in digits if d])) if any(digits) else 0.0
    text = "".join(d["char"] if d else " " for d in digits)
    return {"text": text, "box": list(field.box), "confidence": round(confidence, 6), "digits": digits}
