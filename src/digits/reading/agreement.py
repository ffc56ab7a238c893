"""A second opinion on the digits of a line: the digit model reads each digit that stands apart.

The sequence reader reads a line whole; the digit model, trained on isolated
digits, judges one digit on its own. Both err, seldom on the same digit. The
marks of a line that stand alone (see `refusal.lone_marks`, already shown to
the digit model for "not a digit") are matched to the reader's digits in
order, left to right, and only when there are as many of each: digits that
touch (one wide mark for two digits) or a broken stroke leave the line to the
reader. Order, not position: where in its digit the reader places a
character differs from one reader to another. Each matched digit is the
likelier one under both opinions (the product of their probabilities).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from digits.reading.lines import DecodedChar

# Digits the reader keeps whatever the digit model says: a one written with a flag, as many hands write it, is a 7
# to the digit model (MNIST's ones are bare strokes); the reader learnt ones with and without a flag.
READER_ONLY = "1"


def matched(chars: list[DecodedChar], marks: int) -> list[tuple[int, int]]:
    """(character index, mark index) for each digit of the line, when its `marks` lone marks are as many."""
    digits = [i for i, char in enumerate(chars) if char.char.isdigit()]
    return list(zip(digits, range(marks))) if digits and len(digits) == marks else []


def agreed(chars: list[DecodedChar], digit_probabilities: np.ndarray) -> list[DecodedChar]:
    """The line's characters, each digit decided by both models where its mark is matched (see `matched`);
    `digit_probabilities` is the digit model's (marks, 10) answer for the line's lone marks."""
    out = list(chars)
    for index, mark in matched(chars, len(digit_probabilities)):
        char = chars[index]
        if char.digits is None or char.char in READER_ONLY:
            continue
        both = char.digits * digit_probabilities[mark]
        if both.sum() <= 0:
            continue
        both = both / both.sum()
        digit = int(both.argmax())
        out[index] = replace(char, char=str(digit), confidence=float(both[digit]))
    return out
