"""Written numbers made from MNIST digits: the strings people write and the ways they write them.

Numbers of 1-12 characters (integers, decimals with a point or a comma,
negatives, thousands groups), spacing from overlapping and touching to wide,
varied heights and baselines, slant and stroke width, and separators drawn as a
person draws them. The sequence model trains on these (from training digits
only); the benchmark renders its test images with them (from test digits).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_CHARS = 12


def random_number_text(rng: np.random.Generator) -> str:
    """A number as people write one: 1-12 characters of 0-9 . , -"""
    def digits(n: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, n))

    kind = rng.random()
    if kind < 0.4:
        text = digits(int(rng.integers(1, 9)))
    elif kind < 0.7:
        text = digits(int(rng.integers(1, 6))) + str(rng.choice([".", ","])) + digits(int(rng.integers(1, 4)))
    elif kind < 0.8:
        text = "-" + digits(int(rng.integers(1, 6))) + (("." + digits(2)) if rng.random() < 0.4 else "")
    elif kind < 0.9:
        groups = [digits(int(rng.integers(1, 4)))] + [digits(3) for _ in range(int(rng.integers(1, 3)))]
        text = str(rng.choice([",", "."])).join(groups)
    else:
        text = digits(int(rng.integers(9, MAX_CHARS + 1)))
    return text[:MAX_CHARS]


# Neighbours overlap by at most this share of the narrower one's width. A gap is a share of the height, so
# without this bound a narrow digit (a one drawn as a stroke) could vanish under its neighbour, or the next digit
# start left of it: images no one could read, which taught the reader to drop ones and made the benchmark ask
# for them. People make digits touch and cross; they do not write one over another.
MAX_OVERLAP = 0.3


@dataclass(frozen=True)
class Style:
    """How one person writes one number."""

    height: int  # digit height, pixels
    gap: float  # space between characters, as a share of the height; below 0 they overlap
    slant: float  # horizontal shear (x shift per pixel of height)
    stroke: int  # -1 thinner, 0 as written, 1-2 thicker (pixels of erosion or dilation)
    baseline: float  # how much each character wanders up and down, share of the height


def random_style(rng: np.random.Generator, height: int | None = None) -> Style:
    gap = rng.choice([rng.uniform(-0.18, 0.0), rng.uniform(0.0, 0.25), rng.uniform(0.25, 0.7)], p=[0.35, 0.45, 0.2])
    return Style(
        height=height or int(rng.integers(28, 56)),
        gap=float(gap),
        slant=float(rng.uniform(-0.3, 0.3)),
        stroke=int(rng.choice([-1, 0, 0, 0, 1, 2])),
        baseline=float(rng.uniform(0.0, 0.1)),
    )


def _digit_glyph(image: np.ndarray, height: int, stroke: int) -> np.ndarray:
    """An MNIST digit (28x28, 0-255) tight-cropped as ink in [0, 1], `height` pixels tall."""
    ys, xs = np.nonzero(image > 30)
    tight = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    width = max(2, round(tight.shape[1] * height / tight.shape[0]))
    glyph = np.clip(cv2.resize(tight, (width, height), interpolation=cv2.INTER_LINEAR), 0, 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(stroke) + 1,) * 2)
    if stroke > 0:
        glyph = cv2.dilate(glyph, kernel)
    elif stroke < 0 and height >= 36:  # thinning a small digit would erase it
        glyph = cv2.erode(glyph, kernel)
    return glyph


def _separator_glyph(char: str, height: int, rng: np.random.Generator, dots: str = "pen") -> tuple[np.ndarray, int]:
    """A point, comma or minus as a pen draws it: (ink, its top's offset from the digits' top).

    dots="pen": a point about as wide as the pen (what the number reader was trained on);
    dots="stroke": a pressed point about as wide as the digits' own strokes (MNIST's are thick).
    """
    pen = max(2, int(round(height * rng.uniform(0.07, 0.12))))
    if char == "-":
        width = int(round(height * rng.uniform(0.3, 0.55)))
        glyph = np.zeros((pen + 2, width + 2), np.float32)
        cv2.line(glyph, (1, 1 + pen // 2), (width, 1 + pen // 2 + int(rng.integers(-1, 2))), 1.0, pen)
        return glyph, int(height * rng.uniform(0.4, 0.55))
    if dots == "stroke":
        radius = max(2, int(round(height * rng.uniform(0.055, 0.095))))
        size = radius * 2 + 3
    elif dots == "pen":
        size = pen * 2 + 2
        radius = None  # drawn below, after the glyph is laid out (the order the random numbers are drawn in)
    else:
        raise ValueError(f"dots must be 'pen' or 'stroke', not {dots!r}")
    tail = int(round(height * 0.25)) if char == "," else 0
    glyph = np.zeros((size + tail, size + tail // 2), np.float32)
    centre = (size // 2, size // 2)
    if radius is None:
        radius = max(1, pen // 2 + int(rng.integers(0, 2)))
    cv2.circle(glyph, centre, radius, 1.0, -1)
    if tail:
        cv2.line(glyph, centre, (max(0, centre[0] - tail // 2), size + tail - 2), 1.0, max(1, pen - 1))
    return glyph, height - size + int(rng.integers(0, max(1, pen)))


def render_number(text: str, bank: dict[int, np.ndarray], rng: np.random.Generator, style: Style | None = None,
                  dots: str = "pen") -> np.ndarray:
    """The ink of `text` written with digits drawn from `bank` (digit -> (N, 28, 28) images); (H, W) in [0, 1].

    `dots` sizes the points and commas (see `_separator_glyph`)."""
    style = style or random_style(rng)
    h = style.height
    glyphs = []
    for char in text:
        if char.isdigit():
            pool = bank[int(char)]
            size = int(round(h * rng.uniform(0.88, 1.1)))
            glyph = _digit_glyph(pool[int(rng.integers(len(pool)))], size, style.stroke)
            top = int(round(rng.uniform(-style.baseline, style.baseline) * h)) + (h - size)
        else:
            glyph, top = _separator_glyph(char, h, rng, dots)
        glyphs.append((glyph, top, char))
    margin = h
    width = sum(g.shape[1] for g, _, _ in glyphs) + int(abs(style.gap) * h * len(glyphs)) + 2 * margin
    canvas = np.zeros((h * 2 + margin, width), np.float32)
    x = margin
    for i, (glyph, top, char) in enumerate(glyphs):
        y = margin // 2 + top + h // 4
        y = min(max(0, y), canvas.shape[0] - glyph.shape[0])
        region = canvas[y : y + glyph.shape[0], x : x + glyph.shape[1]]
        np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)
        # Separators sit close to their neighbours; digits keep the writer's gap (which may overlap).
        gap = style.gap * h if char.isdigit() and (i + 1 == len(glyphs) or glyphs[i + 1][2].isdigit()) else 0.08 * h
        step = gap + rng.uniform(-0.05, 0.05) * h
        if i + 1 < len(glyphs):
            step = max(step, -MAX_OVERLAP * min(glyph.shape[1], glyphs[i + 1][0].shape[1]))
        x = max(0, x + glyph.shape[1] + int(round(step)))
    return _slanted(canvas[:, : x + margin], style.slant)


def _slanted(ink: np.ndarray, slant: float) -> np.ndarray:
    """Shear the line, as handwriting leans; the result is cropped back to its ink."""
    h, w = ink.shape
    extra = int(abs(slant) * h) + 1
    shear = np.float32([[1, -slant, extra if slant > 0 else 0], [0, 1, 0]])
    leaning = cv2.warpAffine(ink, shear, (w + extra, h), flags=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(leaning > 0.05)
    if len(ys) == 0:
        return leaning
    return leaning[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def stroke_ones(rng: np.random.Generator, count: int = 200) -> np.ndarray:
    """28x28 images of a '1' written as a single pen stroke (MNIST's ones are broad felt-pen strokes): tilted
    a little, thin or medium, some with a flag at the top or a foot."""
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        lean = int(rng.integers(-4, 5))
        top, bottom = (14 + lean // 2 + int(rng.integers(-1, 2)), int(rng.integers(3, 6))), (14 - lean // 2, int(rng.integers(23, 26)))
        width = int(rng.choice([1, 1, 2]))
        cv2.line(image, top, bottom, int(rng.integers(180, 256)), width, cv2.LINE_AA)
        if rng.random() < 0.4:  # the flag, as many hands start a one
            cv2.line(image, top, (top[0] - int(rng.integers(3, 7)), top[1] + int(rng.integers(2, 6))), 255, width, cv2.LINE_AA)
        if rng.random() < 0.15:
            cv2.line(image, (bottom[0] - 4, bottom[1]), (bottom[0] + 4, bottom[1]), 255, width, cv2.LINE_AA)
    return images


def digit_bank(images: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """MNIST images grouped by digit, for `render_number`."""
    return {d: images[labels == d] for d in range(10)}
