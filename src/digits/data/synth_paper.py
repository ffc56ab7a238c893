"""Digits on the paper people write on: ruled and squared pages, form fields, phone photos.

Each function takes ink (strength in [0, 1], as `synth.digit_ink` makes it)
and returns an RGB uint8 image; printed lines have their own colour, so they
can cross the ink as they do on paper. Used by the real-image benchmark and
the behavioural tests (with MNIST test digits, never training digits).
"""

from __future__ import annotations

import cv2
import numpy as np

from digits.data.synth import digit_ink

BLUE_RULE = (0.55, 0.68, 0.9)  # RGB in [0, 1]: a notebook's pale blue lines
RED_MARGIN = (0.85, 0.35, 0.35)


def compose(layers: list[tuple[np.ndarray, tuple[float, float, float]]], rng: np.random.Generator, light: float = 0.25,
            blur: float = 0.7, noise: float = 0.02, paper: tuple[float, float, float] | None = None) -> np.ndarray:
    """An RGB uint8 photo of paper with coloured layers on it (each a strength map in [0, 1]), later layers on top."""
    h, w = layers[0][0].shape
    paper = np.array(paper or (rng.uniform(0.82, 0.97), rng.uniform(0.8, 0.95), rng.uniform(0.7, 0.92)), np.float32)
    image = np.broadcast_to(paper, (h, w, 3)).copy()
    for strength, colour in layers:
        alpha = strength[..., None].astype(np.float32)
        image = image * (1 - alpha) + np.array(colour, np.float32) * alpha
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * xx / w + np.sin(angle) * yy / h
    image *= (1.0 + light * (ramp - ramp.mean()))[..., None]
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    image += rng.normal(0, noise, image.shape).astype(np.float32)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def ink_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """A ballpoint's or a felt pen's colour: near black, dark blue or dark red."""
    return tuple(float(v) for v in rng.choice([(0.1, 0.1, 0.12), (0.1, 0.15, 0.45), (0.45, 0.1, 0.12)]) + rng.uniform(-0.05, 0.05, 3))


def ruled(shape: tuple[int, int], rng: np.random.Generator, spacing: int, margin: bool) -> list:
    """A notebook page's layers: horizontal rules every `spacing` pixels (and a red margin line)."""
    rules = np.zeros(shape, np.float32)
    offset = int(rng.integers(0, spacing))
    thickness = int(rng.integers(1, 3))
    for y in range(offset, shape[0], spacing):
        cv2.line(rules, (0, y), (shape[1], y), 1.0, thickness, cv2.LINE_AA)
    layers = [(rules * rng.uniform(0.7, 1.0), BLUE_RULE)]
    if margin:
        margin_line = np.zeros(shape, np.float32)
        x = int(rng.integers(shape[1] // 10, shape[1] // 3))
        cv2.line(margin_line, (x, 0), (x, shape[0]), 1.0, 2, cv2.LINE_AA)
        layers.append((margin_line, RED_MARGIN))
    return layers


def squared(shape: tuple[int, int], rng: np.random.Generator, spacing: int) -> list:
    """Graph paper's layer: a grid of thin lines every `spacing` pixels, pale blue or grey."""
    grid = np.zeros(shape, np.float32)
    oy, ox = rng.integers(0, spacing, 2)
    for y in range(int(oy), shape[0], spacing):
        cv2.line(grid, (0, y), (shape[1], y), 1.0, 1, cv2.LINE_AA)
    for x in range(int(ox), shape[1], spacing):
        cv2.line(grid, (x, 0), (x, shape[0]), 1.0, 1, cv2.LINE_AA)
    colour = BLUE_RULE if rng.random() < 0.6 else (0.6, 0.6, 0.6)
    return [(grid * rng.uniform(0.6, 1.0), colour)]


def comb_field(digits: list[np.ndarray | None], rng: np.random.Generator, box: int) -> np.ndarray:
    """A printed row of boxes with one handwritten digit per box (None: left empty), as an RGB photo.

    Digits fill 60-85 % of their box, and some touch or cross its border, as people write in forms.
    """
    count = len(digits)
    margin = box // 2
    shape = (box + 2 * margin, count * box + 2 * margin)
    frame = np.zeros(shape, np.float32)
    ink = np.zeros(shape, np.float32)
    thickness = int(rng.integers(1, 4))
    for i in range(count + 1):
        x = margin + i * box
        cv2.line(frame, (x, margin), (x, margin + box), 1.0, thickness)
    cv2.line(frame, (margin, margin), (margin + count * box, margin), 1.0, thickness)
    cv2.line(frame, (margin, margin + box), (margin + count * box, margin + box), 1.0, thickness)
    for i, digit in enumerate(digits):
        if digit is None:
            continue
        height = int(box * rng.uniform(0.6, 0.85))
        mark = digit_ink(digit, height, stroke=rng.uniform(0, 2))[: box + box // 4, : box + box // 4]
        top = margin + (box - mark.shape[0]) // 2 + int(rng.integers(-box // 8, box // 8 + 1))
        left = margin + i * box + (box - mark.shape[1]) // 2 + int(rng.integers(-box // 8, box // 8 + 1))
        top, left = max(0, top), max(0, left)
        region = ink[top : top + mark.shape[0], left : left + mark.shape[1]]
        np.maximum(region, mark[: region.shape[0], : region.shape[1]], out=region)
    printed = (0.15, 0.15, 0.2) if rng.random() < 0.5 else (0.3, 0.45, 0.75)
    return compose([(frame, printed), (ink, ink_colour(rng))], rng, light=0.2)


def phone_photo(ink: np.ndarray, rng: np.random.Generator, frame: tuple[int, int], share: float) -> np.ndarray:
    """A phone's photo of a digit on a page: `share` of the frame's height, a hard shadow across the page,
    a little perspective, defocus or motion blur, coloured paper, pen or pencil; RGB uint8."""
    h, w = frame
    height = max(8, int(share * h))
    scale = height / ink.shape[0]
    mark = cv2.resize(ink, (max(1, int(ink.shape[1] * scale)), height), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros(frame, np.float32)
    y, x = int(rng.integers(0, h - height)), int(rng.integers(0, max(1, w - mark.shape[1])))
    canvas[y : y + height, x : x + mark.shape[1]] = mark[:, : w - x]
    pencil = rng.random() < 0.3
    colour = (0.45, 0.45, 0.47) if pencil else ink_colour(rng)
    if pencil:  # graphite: patchy and grey
        canvas *= rng.uniform(0.5, 1.0, canvas.shape).astype(np.float32)
    paper = tuple(float(v) for v in rng.choice([(0.92, 0.9, 0.85), (0.95, 0.85, 0.55), (0.7, 0.85, 0.95), (0.95, 0.75, 0.8)]))
    image = compose([(canvas, colour)], rng, light=0.35, blur=0, paper=paper).astype(np.float32)
    image *= _shadow(frame, rng)[..., None]
    image = _perspective(image, rng)
    image = _blur(image, rng, height)
    return np.clip(image, 0, 255).astype(np.uint8)


def _shadow(frame: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Light across the page with a hard-edged shadow (a hand, a phone) covering part of it."""
    h, w = frame
    light = np.ones(frame, np.float32)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.int32)
    start = int(rng.integers(4))
    cut_a = corners[start] + (corners[(start + 1) % 4] - corners[start]) * rng.uniform(0.2, 0.8)
    cut_b = corners[(start + 1) % 4] + (corners[(start + 2) % 4] - corners[(start + 1) % 4]) * rng.uniform(0.2, 0.8)
    polygon = np.array([corners[(start + 1) % 4], cut_a, cut_b], np.int32)
    cv2.fillPoly(light, [polygon], float(rng.uniform(0.35, 0.7)))
    return cv2.GaussianBlur(light, (0, 0), max(1.0, rng.uniform(0.002, 0.01) * w))


def _perspective(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = source + rng.uniform(-0.06, 0.06, (4, 2)).astype(np.float32) * np.float32([w, h])
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _blur(image: np.ndarray, rng: np.random.Generator, digit_height: int) -> np.ndarray:
    """Defocus or a shaky hand, in proportion to the digit's size (a blurred small digit is not readable by anyone)."""
    size = max(1.0, digit_height * rng.uniform(0.01, 0.05))
    if rng.random() < 0.5:
        return cv2.GaussianBlur(image, (0, 0), size)
    length = int(2 * size) | 1
    kernel = np.zeros((length, length), np.float32)
    cv2.line(kernel, (0, length // 2), (length - 1, length // 2), 1.0, 1)
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    return cv2.filter2D(image, -1, kernel / max(kernel.sum(), 1e-6))
