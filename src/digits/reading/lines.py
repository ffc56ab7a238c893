"""One line of a written number: what the sequence model sees, and how its answer is read back.

`normalize_line` turns a line's ink into the model's input (LINE_INPUT: 32
pixels high, the text 24 pixels high and centred, any width); training makes its
examples with the same function, so the model sees at training time exactly
what the reader gives it. `decode_greedy` turns the model's per-column
probabilities into characters, each with a confidence and the columns it spans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from digits.card import LINE_INPUT, LINE_LABELS

HEIGHT = LINE_INPUT.size
TEXT = LINE_INPUT.box
# Readers answer once per 2 or 4 input columns (their stride, which `decode_line` reads off the output's length);
# a line's width is a multiple of the coarsest, so every answer column maps to whole input columns.
STRIDES = (2, 4)
MAX_STRIDE = max(STRIDES)
PAD = 6  # blank columns left and right of the text, so the first and last characters have context
INK_FLOOR = 0.2  # what counts as ink when finding the text's extent
DIGIT_CLASSES = slice(LINE_LABELS.index("0"), LINE_LABELS.index("9") + 1)  # the model's outputs for 0-9, in order
# Lines are read padded with background to a multiple of this width (training pads its batches to one too),
# always the same for the same line: padding changes what the convolutions see at the line's right end, so a line
# padded to whatever else shared its batch could read differently alone (a trailing "1" that came and went).
WIDTH_STEP = 64


@dataclass(frozen=True)
class LineInput:
    """A line ready for the model, and how to map its columns back to the source image."""

    image: np.ndarray  # (HEIGHT, W) float32, 0-255, white text on black; W a multiple of MAX_STRIDE
    x0: float  # source x of the text's left edge
    y0: float  # source y of the text's top edge
    scale: float  # model pixels per source pixel
    height: float  # the text's height in source pixels
    width: float  # the text's width in source pixels

    def source_x(self, column: float) -> float:
        """The source x of a column boundary of the line's image, kept within the text."""
        x = (column - PAD) / self.scale + self.x0
        return min(max(x, self.x0), self.x0 + self.width)

    @property
    def columns(self) -> int:
        """The line image's width (padding beyond it, added in a batch, belongs to other lines)."""
        return self.image.shape[1]


def normalize_line(ink: np.ndarray, origin: tuple[float, float] = (0.0, 0.0)) -> LineInput | None:
    """(H, W) ink in [0, 1] holding one line of text -> the model's input, or None when there is no ink.

    `origin` is where `ink` sits in the source image, so boxes map back to it.
    """
    ys, xs = np.nonzero(ink > INK_FLOOR)
    if len(ys) == 0:
        return None
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = ink[top:bottom, left:right]
    scale = TEXT / max(bottom - top, 1)
    width = max(1, int(round((right - left) * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    text = cv2.resize(crop.astype(np.float32), (width, TEXT), interpolation=interpolation)
    peak = float(text.max())
    if peak > 0:
        text = text / peak  # the strongest ink is full white, as in training
    total = int(np.ceil((width + 2 * PAD) / MAX_STRIDE) * MAX_STRIDE)
    image = np.zeros((HEIGHT, total), np.float32)
    y = (HEIGHT - TEXT) // 2
    image[y : y + TEXT, PAD : PAD + width] = np.clip(text, 0, 1) * LINE_INPUT.high
    return LineInput(image, origin[0] + left, origin[1] + top, scale, float(bottom - top), float(right - left))


@dataclass(frozen=True)
class DecodedChar:
    """One character the model read: the character, its confidence, and the line image's columns it spans."""

    char: str
    confidence: float
    first: int  # the first input column of the answer columns that voted for it
    last: int  # the last input column of those (inclusive)
    # The reader's probabilities of 0-9 at the character's surest column, for a second opinion (`reading.agreement`)
    digits: np.ndarray | None = field(default=None, compare=False, repr=False)


def char_spans(chars: list[DecodedChar], columns: int) -> list[tuple[float, float]]:
    """Each character's column range, widened to halfway to its neighbours: CTC marks a character in one or
    two columns, but the character's ink fills the space between its neighbours."""
    centres = [(c.first + c.last + 1) / 2 for c in chars]
    bounds = [0.0] + [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [float(columns)]
    return list(zip(bounds, bounds[1:]))


def decode_line(probabilities: np.ndarray, line_image: np.ndarray, batch_width: int) -> list[DecodedChar]:
    """The characters of one line from the model's output for the batch, `batch_width` columns wide, that it
    was padded into. The output's length gives the reader's stride, so readers of any stride decode alike."""
    stride = batch_width // len(probabilities)
    if stride * len(probabilities) != batch_width:
        raise ValueError(f"the reader answered {len(probabilities)} columns for a line {batch_width} wide: not a whole stride")
    return decode_greedy(probabilities[: line_image.shape[1] // stride], stride)


def decode_greedy(probabilities: np.ndarray, stride: int = 1) -> list[DecodedChar]:
    """(T, classes) per-column probabilities -> characters: best class per column, repeats merged, blanks dropped.

    A character's confidence is its best column's probability; its span runs
    over the columns that voted for it, in input columns (`stride` per answer column).
    """
    best = probabilities.argmax(axis=1)
    chars: list[DecodedChar] = []
    column = 0
    while column < len(best):
        label, end = best[column], column
        while end + 1 < len(best) and best[end + 1] == label:
            end += 1
        if label != 0:
            surest = column + int(probabilities[column : end + 1, label].argmax())
            chars.append(DecodedChar(LINE_LABELS[label], float(probabilities[surest, label]), column * stride,
                                     (end + 1) * stride - 1, probabilities[surest, DIGIT_CLASSES].astype(np.float64)))
        column = end + 1
    return chars


def padded_width(width: int) -> int:
    """The width a line of `width` columns is read at."""
    return int(np.ceil(width / WIDTH_STEP) * WIDTH_STEP)


def pad_batch(images: list[np.ndarray], width: int | None = None) -> np.ndarray:
    """Lines of different widths as one (N, HEIGHT, width, 1) batch (default: the widest), padded with
    background on the right."""
    width = width or max(image.shape[1] for image in images)
    batch = np.zeros((len(images), HEIGHT, width, 1), np.float32)
    for i, image in enumerate(images):
        batch[i, :, : image.shape[1], 0] = image
    return batch


def line_batches(images: list[np.ndarray], size: int = 32) -> Iterator[tuple[list[int], np.ndarray]]:
    """(indices, batch) for every line: lines that pad to the same width together, `size` at most per batch,
    so that each line's input is the same whichever lines it is read with."""
    groups: dict[int, list[int]] = {}
    for i, image in enumerate(images):
        groups.setdefault(padded_width(image.shape[1]), []).append(i)
    for width, members in sorted(groups.items()):
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            yield chunk, pad_batch([images[i] for i in chunk], width)
