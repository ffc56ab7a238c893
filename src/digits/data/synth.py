"""Realistic renderings of MNIST digits: ink on paper photos, chalkboards, canvas PNGs, scans, rows.

Used by the real-image benchmark and the behavioural tests to check that
preprocessing closes the gap between MNIST and people's own images.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Fonts that matplotlib installs with itself, so they exist wherever `digits` does. No handwriting
# font can be shipped or downloaded here; these typeset faces (upright and slanted) stand in for one.
TYPESET_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf")


def digit_ink(digit: np.ndarray, height: int, stroke: float = 0.0) -> np.ndarray:
    """An MNIST digit (28x28, 0-255) as ink strength in [0, 1], `height` pixels tall.

    `stroke` < 0 thins the strokes (a fine pen), > 0 thickens them (a marker), in output pixels.
    """
    ys, xs = np.nonzero(digit > 30)
    tight = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    scale = height / tight.shape[0]
    ink = cv2.resize(tight, (max(1, round(tight.shape[1] * scale)), height), interpolation=cv2.INTER_CUBIC)
    ink = np.clip(ink, 0, 1)
    k = int(abs(stroke)) * 2 + 1
    if stroke >= 1:
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    elif stroke <= -1:
        ink = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return np.pad(ink, 2)


def typeset_ink(digit: int, height: int, font_file: str) -> np.ndarray:
    """A digit set in one of TYPESET_FONTS as ink strength in [0, 1], about `height` pixels tall."""
    import matplotlib

    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / font_file), size=int(height * 1.4))
    canvas = Image.new("L", (height * 2, height * 2), 0)
    ImageDraw.Draw(canvas).text((height // 4, 0), str(digit), fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(ink > 0.1)
    return np.pad(ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], 2)


def place(ink: np.ndarray, shape: tuple[int, int], rng: np.random.Generator, angle: float = 0.0) -> np.ndarray:
    """`ink` rotated by `angle` degrees and pasted at a random spot of an empty (H, W) frame."""
    if angle:
        h, w = ink.shape
        side = int(np.hypot(h, w)) + 2
        padded = np.zeros((side, side), np.float32)
        padded[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = ink
        rotation = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
        ink = cv2.warpAffine(padded, rotation, (side, side))
        ys, xs = np.nonzero(ink > 0.05)
        ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    frame = np.zeros(shape, np.float32)
    h, w = ink.shape
    y = int(rng.integers(0, max(1, shape[0] - h)))
    x = int(rng.integers(0, max(1, shape[1] - w)))
    frame[y : y + h, x : x + w] = ink[: shape[0] - y, : shape[1] - x]
    return frame


def on_paper(ink: np.ndarray, rng: np.random.Generator, dark_ink: bool = True) -> np.ndarray:
    """An RGB uint8 photo: tinted paper (or a dark board), uneven light, coloured ink, blur and noise."""
    h, w = ink.shape
    if dark_ink:
        paper = np.array([rng.uniform(0.75, 0.95), rng.uniform(0.72, 0.92), rng.uniform(0.6, 0.9)], np.float32)
        ink_color = np.array([rng.uniform(0.05, 0.25), rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.45)], np.float32)
    else:  # chalk on a green or black board
        paper = np.array([rng.uniform(0.1, 0.2), rng.uniform(0.15, 0.3), rng.uniform(0.1, 0.2)], np.float32)
        ink_color = np.array([0.9, 0.9, 0.88], np.float32) * rng.uniform(0.8, 1.0)
        ink = ink * rng.uniform(0.6, 1.0, ink.shape).astype(np.float32)  # chalk is patchy
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    light = 1.0 + rng.uniform(0.15, 0.35) * (ramp - ramp.mean())  # a lamp off to one side
    image = (paper[None, None, :] * (1 - ink[..., None]) + ink_color[None, None, :] * ink[..., None]) * light[..., None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))
    image += rng.normal(0, rng.uniform(0.01, 0.04), image.shape).astype(np.float32)  # sensor noise
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def canvas_rgba(ink: np.ndarray, size: int = 280) -> np.ndarray:
    """A web-canvas export: transparent background, black strokes present only in the alpha channel."""
    h, w = ink.shape
    scale = 0.7 * size / max(h, w)
    resized = cv2.resize(ink, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_LINEAR)
    alpha = np.zeros((size, size), np.float32)
    top, left = (size - resized.shape[0]) // 2, (size - resized.shape[1]) // 2
    alpha[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., 3] = (np.clip(alpha, 0, 1) * 255).astype(np.uint8)
    return rgba


def row_ink(digits: list[np.ndarray], height: int, rng: np.random.Generator, stroke: float = 0.0) -> np.ndarray:
    """Several digits side by side with irregular gaps and baselines, as a number is written."""
    inks = [digit_ink(d, int(height * rng.uniform(0.9, 1.1)), stroke) for d in digits]
    gaps = [int(height * rng.uniform(0.15, 0.45)) for _ in inks]
    width = sum(i.shape[1] for i in inks) + sum(gaps)
    tallest = max(i.shape[0] for i in inks) + height // 5
    row = np.zeros((tallest, width), np.float32)
    x = 0
    for ink, gap in zip(inks, gaps):
        y = int(rng.integers(0, tallest - ink.shape[0] + 1))
        row[y : y + ink.shape[0], x : x + ink.shape[1]] = np.maximum(row[y : y + ink.shape[0], x : x + ink.shape[1]], ink)
        x += ink.shape[1] + gap
    return row


def encode(image: np.ndarray, fmt: str, quality: int = 85) -> bytes:
    """Image file bytes (PNG, JPEG, WEBP, ...) of a uint8 grey, RGB or RGBA array."""
    buffer = io.BytesIO()
    options = {"quality": quality} if fmt.upper() in ("JPEG", "WEBP") else {}
    Image.fromarray(image).save(buffer, format=fmt, **options)
    return buffer.getvalue()
