"""A second opinion on the digits of a line: the digit model reads each digit that stands apart.

The sequence reader reads a line whole; the digit model, trained on isolated
digits, judges one digit on its own. Both err, seldom on the same digit. The
marks of a line that stand alone (see `refusal.lone_marks`, already shown to
the digit model for "not a digit") are matched to the reader's digits in
order, left to right, and only when there are as many of each: digits that
touch (one wide mark for two digits) or a broken stroke leave the line to the
reader. Order first, then position only loosely (each mark must overlap the
place of its digit: halfway to the neighbours, at most a digit's width from
where the reader marked it): where in its digit a reader marks a character
differs from one reader to another. Each matched digit is
the likelier one under both opinions (the product of their probabilities).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from digits.reading.lines import DecodedChar, LineInput, char_spans
from digits.reading.refusal import LoneMark

# Digits the reader keeps whatever the digit model says: a one written with a flag, as many hands write it, is a 7
# to the digit model (MNIST's ones are bare strokes); the reader learnt ones with and without a flag.
READER_ONLY = "1"


def matched(line: LineInput, chars: list[DecodedChar], marks: list[LoneMark]) -> list[tuple[int, int]]:
    """(character index, mark index) for each digit of the line, when its lone marks are as many and each digit's
    place overlaps its mark; else none."""
    digits = [i for i, char in enumerate(chars) if char.char.isdigit()]
    if not digits or len(digits) != len(marks):
        return []
    spans = char_spans(chars, line.columns)
    pairs = list(zip(digits, range(len(marks))))
    for index, mark in pairs:
        # Where the reader may have marked this digit: halfway to its neighbours, and no further than a digit's
        # width (the line's height) from the columns it marked.
        char = chars[index]
        start = max(line.source_x(spans[index][0]), line.source_x(char.first) - line.height)
        end = min(line.source_x(spans[index][1]), line.source_x(char.last + 1) + line.height)
        if end < marks[mark].x0 or start > marks[mark].x1:
            return []  # as many, but not the same ones (a symbol the reader skipped, two digits in one mark)
    return pairs


def agreed(line: LineInput, chars: list[DecodedChar], marks: list[LoneMark], digit_probabilities: np.ndarray,
           doubtful: np.ndarray) -> list[DecodedChar]:
    """The line's characters, each digit decided by both models where its mark is matched (see `matched`).

    `digit_probabilities` is the digit model's (marks, 10) answer for the line's lone marks; a mark it finds
    `doubtful` (likely no digit at all) gives no opinion, though it still counts in the matching.
    """
    out = list(chars)
    for index, mark in matched(line, chars, marks):
        char = chars[index]
        if char.digits is None or char.char in READER_ONLY or doubtful[mark]:
            continue
        both = char.digits * digit_probabilities[mark]
        if both.sum() <= 0:
            continue
        both = both / both.sum()
        digit = int(both.argmax())
        out[index] = replace(char, char=str(digit), confidence=float(both[digit]))
    return out
