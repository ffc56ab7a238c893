"""Marks in a line of writing that are not digits (a letter, a symbol, a scribble), left out of the number.

The sequence reader knows only 0-9 . , - and reads anything as one of them. So
each mark of a line that stands alone (no other mark above or below it, as
tall as the line's digits) is also shown to the digit model, which has a
"not a digit" class; where it is sure the mark is none (IN_A_LINE) and the
reader put one character on it, that character is dropped. Points, commas and minus signs
are too small to be checked; digits that touch form one wide mark that is
not checked either (the reader reads them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digits.reading.ink import painted
from digits.reading.lines import DecodedChar, LineInput, char_spans
from digits.reading.preprocess import to_mnist

TALL = 0.6  # of the line's height: shorter marks are separators or dust
NARROW = 1.5  # width / height: a wider mark is digits that touch, left to the reader
IN_A_LINE = 0.9  # a mark cut from a line is refused only when the model is this sure: its calibrated threshold is set
# for whole images, and marks cut from a line look less like MNIST (at 0.5, pages of numbers lost digits)


@dataclass(frozen=True)
class LoneMark:
    """A mark of a line that stands alone: its x-range (in the line's coordinates) and what the digit model sees."""

    x0: float
    x1: float
    image: np.ndarray  # (28, 28) float32, 0-255


def lone_marks(components: list[dict], ink: np.ndarray, top: int, bottom: int) -> list[LoneMark]:
    """The marks within rows [top, bottom) that stand alone (pieces that overlap in x are one mark), each
    normalised as a digit."""
    inside = sorted((c for c in components if top <= c["box"][1] + c["box"][3] / 2 < bottom), key=lambda c: c["box"][0])
    groups: list[list[dict]] = []
    for comp in inside:
        if groups and comp["box"][0] < max(c["box"][0] + c["box"][2] for c in groups[-1]):
            groups[-1].append(comp)
        else:
            groups.append([comp])
    lone = []
    for group in groups:
        x0, y0 = min(c["box"][0] for c in group), min(c["box"][1] for c in group)
        x1 = max(c["box"][0] + c["box"][2] for c in group)
        y1 = max(c["box"][1] + c["box"][3] for c in group)
        if y1 - y0 < TALL * (bottom - top) or x1 - x0 > NARROW * (y1 - y0):
            continue
        mask = painted((y1 - y0, x1 - x0), group, origin=(x0, y0))
        lone.append(LoneMark(float(x0), float(x1), to_mnist(ink[y0:y1, x0:x1] * mask, mask)))
    return lone


def drop_refused(line: LineInput, chars: list[DecodedChar], marks: list[LoneMark], refused: list[bool]) -> list[DecodedChar]:
    """The line's characters without the one the reader put on each mark the digit model refused.

    A refused mark that the reader read as several characters (a wide letter read as "14", or digits that
    touch, which are no single digit either) keeps them: dropping those cost more digits than letters.
    """
    if not chars or not any(refused):
        return chars
    centres = [(line.source_x(a) + line.source_x(b)) / 2 for a, b in char_spans(chars, line.columns)]
    dropped = set()
    for mark, no in zip(marks, refused):
        on_it = [i for i, x in enumerate(centres) if mark.x0 <= x <= mark.x1]
        if no and len(on_it) == 1:
            dropped.update(on_it)
    return [c for i, c in enumerate(chars) if i not in dropped]
