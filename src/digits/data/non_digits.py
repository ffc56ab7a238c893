"""Marks that are not digits, for teaching a digit model to say "not a digit".

Letters and symbols set in the fonts that ship with matplotlib (DejaVu and
STIX, upright and slanted, at random weights, slants and rotations), the same
drawn with a pen (OpenCV's single-stroke Hershey fonts, bent by a smooth
random warp, as a hand wavers), scribbles (random pen paths that double back), and smudges. Characters that
people write like a digit (O, l, I, S, Z, B, b, g, q, T, ...) are left out:
calling them non-digits would teach the model to reject real digits.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

NON_DIGIT_CHARS = "ACEFHKMNPRUVWXYacdefhkmnpruvwxy#?&%@$*+=<>!"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf",
              "DejaVuSansMono.ttf", "STIXGeneral.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBol.ttf", "STIXGeneralBolIta.ttf")
KINDS = ("glyph", "pen letter", "scribble", "smudge")
SHARES = (0.4, 0.3, 0.22, 0.08)  # mostly letters and symbols: the marks people put beside their digits
HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
           cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)


@cache
def _font(file: str, size: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / file), size=size)


def _tight(ink: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(ink > 0.1)
    if len(ys) == 0:
        return np.pad(ink[:1, :1], 2)
    return np.pad(ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], 2)


def glyph(char: str, rng: np.random.Generator) -> np.ndarray:
    """A letter or symbol as ink in [0, 1]: a random font, size, slant, rotation and weight."""
    height = int(rng.integers(40, 90))
    font = _font(FONT_FILES[int(rng.integers(len(FONT_FILES)))], height)
    canvas = Image.new("L", (height * 3, height * 3), 0)
    ImageDraw.Draw(canvas).text((height // 2, height // 2), char, fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.float32) / 255.0
    side = ink.shape[0]
    shear = np.float32([[1, rng.uniform(-0.3, 0.3), 0], [0, 1, 0]])
    rotation = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-15, 15), rng.uniform(0.9, 1.1))
    ink = cv2.warpAffine(cv2.warpAffine(ink, shear, (side, side)), rotation, (side, side))
    weight = int(rng.integers(-1, 3))  # a fine pen to a marker
    if weight:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(weight) + 1,) * 2)
        ink = cv2.dilate(ink, kernel) if weight > 0 else cv2.erode(ink, kernel)
    return _tight(ink)


def pen_letter(char: str, rng: np.random.Generator) -> np.ndarray:
    """A letter or symbol as a pen draws it: a single-stroke font at a random pen width, slant and wobble."""
    font = HERSHEY[int(rng.integers(len(HERSHEY)))] | (cv2.FONT_ITALIC if rng.random() < 0.3 else 0)
    scale, pen = float(rng.uniform(1.5, 2.5)), int(rng.integers(1, 6))
    (width, height), base = cv2.getTextSize(char, font, scale, pen)
    canvas = np.zeros((height + base + 4 * pen + 20, width + 4 * pen + 20), np.uint8)
    cv2.putText(canvas, char, (2 * pen + 10, height + 2 * pen + 10), font, scale, 255, pen, cv2.LINE_AA)
    return _tight(_waver(canvas.astype(np.float32) / 255.0, rng))


def _waver(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ink bent by a smooth random displacement (an elastic warp): straight font strokes become a hand's."""
    h, w = ink.shape
    smooth = max(h, w) / 6
    amount = float(rng.uniform(0.03, 0.08)) * max(h, w)
    shift = [cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), smooth) for _ in range(2)]
    shift = [s * amount / max(float(np.abs(s).max()), 1e-6) for s in shift]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shear = float(rng.uniform(-0.25, 0.25))
    return cv2.remap(ink, xx + shift[0] + shear * (yy - h / 2), yy + shift[1], cv2.INTER_LINEAR)


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A pen path that turns back on itself several times: what a crossed-out mark or a doodle looks like."""
    size = 80
    points = rng.uniform(8, size - 8, (int(rng.integers(6, 12)), 2))
    # Catmull-Rom-like smoothing: each segment sampled densely between its neighbours.
    path = []
    for a, b in zip(points[:-1], points[1:]):
        for t in np.linspace(0, 1, 8, endpoint=False):
            path.append(a + (b - a) * t + rng.normal(0, 0.8, 2))
    ink = np.zeros((size, size), np.float32)
    cv2.polylines(ink, [np.round(np.array(path)).astype(np.int32)], False, 1.0, int(rng.integers(2, 6)), cv2.LINE_AA)
    return _tight(ink)


def smudge(rng: np.random.Generator) -> np.ndarray:
    """A blot: a filled blob with a ragged edge, as a thumb or a drop of ink leaves."""
    size = 64
    blob = rng.uniform(0, 1, (8, 8)).astype(np.float32)
    blob = cv2.resize(blob, (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size]
    centre = np.hypot(yy - size / 2, xx - size / 2) / (size / 2)
    ink = ((blob - centre) > rng.uniform(-0.4, 0.0)).astype(np.float32)
    return _tight(cv2.GaussianBlur(ink, (0, 0), 1.0))


def render_non_digits(count: int, seed: int) -> list[np.ndarray]:
    """`count` non-digit marks as ink crops in [0, 1] (tightly cropped, varied sizes), reproducibly."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(len(KINDS), size=count, p=SHARES)
    marks = []
    for kind in kinds:
        if KINDS[kind] in ("glyph", "pen letter"):
            char = NON_DIGIT_CHARS[int(rng.integers(len(NON_DIGIT_CHARS)))]
            marks.append(glyph(char, rng) if KINDS[kind] == "glyph" else pen_letter(char, rng))
        elif KINDS[kind] == "scribble":
            marks.append(scribble(rng))
        else:
            marks.append(smudge(rng))
    return marks
