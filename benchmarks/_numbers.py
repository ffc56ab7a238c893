"""Written numbers as people's images, for the real-image benchmark, and the peers that read them.

Each kind renders MNIST test digits (never training digits) as a photo of a
number on paper. Three readers answer: this project's sequence reader, the
previous component-based reader, and Tesseract 5 (digits only), the free OCR
people reach for.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from digits.data.synth import encode, on_paper, place, row_ink
from digits.data.synth_lines import random_number_text, random_style, render_number
from digits.data.synth_paper import compose, ink_colour, ruled, squared

READER_REV = "52fe22c"  # the package as last landed (this run changed how files are decoded, not how they are read)
# Points and commas as wide as the digits' own strokes, as a person presses them: drawn a little larger than
# the pen-wide points the reader trained on, so the benchmark does not share the training renderer's choice.
DOTS = "stroke"
PEN_WIDE = ", pen-wide points"  # the same kind with the training renderer's smaller points, reported beside it
INK_KINDS = ("row of digits", "touching digits", "thin strokes", "decimal amount", "unusual spacing", "multi-line page",
             "decimal amount" + PEN_WIDE, "multi-line page" + PEN_WIDE)
PAPER_KINDS = ("numbers on ruled paper", "numbers on squared paper")  # an exercise book's page: printed lines under the writing
NUMBER_KINDS = INK_KINDS + PAPER_KINDS


def thin_ones(rng: np.random.Generator, count: int = 40) -> np.ndarray:
    """28x28 images of a '1' written as one thin straight stroke, as many hands and fonts write it."""
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        top, bottom = (int(14 + rng.integers(-3, 4)), 3), (int(14 + rng.integers(-3, 4)), 25)
        cv2.line(image, top, bottom, 255, 1, cv2.LINE_AA)
    return images


def _digits_text(rng: np.random.Generator, low: int = 3, high: int = 7) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(low, high))))


def render_number_kind(kind: str, bank: dict[int, np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(ink of the whole image in [0, 1], the text written) for one number kind."""
    dots = "pen" if kind.endswith(PEN_WIDE) else DOTS
    kind = kind.removesuffix(PEN_WIDE)
    if kind == "row of digits":  # the existing kind: separate digits, irregular gaps
        text = _digits_text(rng)
        return row_ink([bank[int(c)][int(rng.integers(len(bank[int(c)])))] for c in text], int(rng.integers(60, 120)), rng,
                       stroke=rng.uniform(0, 3)), text
    if kind == "touching digits":
        text = _digits_text(rng, 2, 7)
        style = replace(random_style(rng, int(rng.integers(40, 90))), gap=float(rng.uniform(-0.2, -0.03)))
        return render_number(text, bank, rng, style, dots), text
    if kind == "thin strokes":
        text = "".join(rng.choice(list("0123456789111"), int(rng.integers(3, 7))))
        thin = {**bank, 1: thin_ones(rng)}
        style = replace(random_style(rng, int(rng.integers(60, 110))), stroke=-1)
        return render_number(text, thin, rng, style, dots), text
    if kind == "decimal amount":
        text = _digits_text(rng, 1, 5) + str(rng.choice([".", ","])) + _digits_text(rng, 1, 3)
        return render_number(text, bank, rng, dots=dots), text
    if kind == "unusual spacing":
        text = _digits_text(rng, 2, 6)
        gap = float(rng.choice([rng.uniform(0.8, 1.6), rng.uniform(-0.05, 0.05)]))
        return render_number(text, bank, rng, replace(random_style(rng), gap=gap), dots), text
    if kind == "multi-line page":
        return _page(bank, rng, dots)
    raise ValueError(kind)


def _page(bank: dict[int, np.ndarray], rng: np.random.Generator, dots: str) -> tuple[np.ndarray, str]:
    """2-4 numbers one under another, not left-aligned, with room between the lines."""
    texts = [random_number_text(rng)[:8] for _ in range(int(rng.integers(2, 5)))]
    height = int(rng.integers(30, 60))
    inks = [render_number(t, bank, rng, replace(random_style(rng, height), slant=float(rng.uniform(-0.15, 0.15))), dots)
            for t in texts]
    width = max(ink.shape[1] for ink in inks) + 2 * height
    page = np.zeros((sum(ink.shape[0] for ink in inks) + height * (len(inks) + 1), width), np.float32)
    y = height // 2
    for ink in inks:
        x = int(rng.integers(0, width - ink.shape[1] + 1))
        page[y : y + ink.shape[0], x : x + ink.shape[1]] = ink
        y += ink.shape[0] + int(height * rng.uniform(0.6, 1.0))
    return page[: y + height // 2], "\n".join(texts)


def number_image(kind: str, bank: dict[int, np.ndarray], rng: np.random.Generator) -> tuple[bytes, str]:
    """(JPEG bytes, the text written) for one image of a number kind: the ink kinds photographed on plain paper
    (`photo_of`), the paper kinds written on an exercise book's page."""
    if kind in PAPER_KINDS:
        return on_exercise_book(kind, bank, rng)
    ink, truth = render_number_kind(kind, bank, rng)
    return photo_of(ink, rng), truth


def on_exercise_book(kind: str, bank: dict[int, np.ndarray], rng: np.random.Generator) -> tuple[bytes, str]:
    """1-3 numbers written on ruled paper (each sitting on a rule, the rule above clear, one or two rules
    between numbers) or on squared paper (each about two squares tall, sitting on a grid line, a square or two
    between numbers), anywhere across the page."""
    texts = [random_number_text(rng)[:8] for _ in range(int(rng.integers(1, 4)))]
    ruled_page = kind == "numbers on ruled paper"
    spacing = int(rng.integers(34, 56)) if ruled_page else int(rng.integers(16, 28))
    height = int(spacing * (rng.uniform(0.6, 0.95) if ruled_page else rng.uniform(1.5, 2.2)))
    inks = [render_number(t, bank, rng, replace(random_style(rng, height), slant=float(rng.uniform(-0.1, 0.1))), DOTS)
            for t in texts]
    shape = (spacing * (4 * len(inks) + 3), max(ink.shape[1] for ink in inks) + int(rng.integers(60, 240)))
    paper = ruled(shape, rng, spacing, margin=bool(rng.random() < 0.3)) if ruled_page else squared(shape, rng, spacing)
    rows = np.flatnonzero(paper[0][0].mean(axis=1) > 0.3)  # the horizontal lines' rows: the numbers sit on them
    writing = np.zeros(shape, np.float32)
    line = 2 if ruled_page else 3  # which line the next number sits on
    for ink in inks:
        jitter = int(rng.integers(-2, 3))
        # A number taller than the room above its line (a comma's tail, a wandering baseline) sits on a lower one,
        # so that the page's top edge does not cut it.
        while (base := _line_row(rows, line * spacing) + jitter) < ink.shape[0] and line * spacing < rows[-1]:
            line += 1
        top, x = max(0, base - ink.shape[0]), int(rng.integers(0, shape[1] - ink.shape[1]))
        part = ink[ink.shape[0] - (base - top):]
        writing[top:base, x : x + ink.shape[1]] = np.maximum(writing[top:base, x : x + ink.shape[1]], part)
        line += int(rng.integers(2, 4)) if ruled_page else int(rng.integers(3, 5))
    return encode(compose([*paper, (writing, ink_colour(rng))], rng), "JPEG", int(rng.integers(75, 92))), "\n".join(texts)


def _line_row(rows: np.ndarray, y: int) -> int:
    """The printed line's row nearest to `y`."""
    return int(rows[np.abs(rows - y).argmin()])


def photo_of(ink: np.ndarray, rng: np.random.Generator) -> bytes:
    """The ink on tinted paper in uneven light, with margins, as a JPEG."""
    frame = place(ink, (ink.shape[0] + int(rng.integers(40, 160)), ink.shape[1] + int(rng.integers(40, 200))), rng)
    return encode(on_paper(frame, rng), "JPEG", 88)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def tesseract_read(path: Path, multiline: bool) -> str:
    """Tesseract 5's answer, digits and separators only: one line (--psm 7) or a block of lines (--psm 6)."""
    result = subprocess.run(
        ["tesseract", str(path), "stdout", "--psm", "6" if multiline else "7", "-c", "tessedit_char_whitelist=0123456789.,-"],
        capture_output=True, text=True, timeout=60,
    )
    lines = [line.replace(" ", "") for line in result.stdout.splitlines()]
    return "\n".join(line for line in lines if line)
