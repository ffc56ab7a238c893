"""The one path from a grey-level image to what the model sees: 28x28, white ink on black,
digit scaled into a 20x20 box (aspect kept) and centred by centre of mass, as MNIST was made.

Steps: find the ink (either polarity, uneven light removed), find the digits
(connected strokes grouped, specks dropped), then normalise each one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digits.card import MNIST_INPUT
from digits.reading.ink import TooManyMarks, drop_shadow_corners, find_marks, ink_map, ink_mask, painted, read_paper
from digits.reading.erase_lines import remove_structure
from digits.reading.rules import LINE_FLOOR, Structure, find_structure

WORK_SIDE = 1024  # larger images are shrunk first: digits need no more detail, and it bounds the cost
MIN_CONTRAST = 0.12  # ink must differ from the paper by about 30 grey levels
GRAIN = 0.08  # paper grain and sensor noise stay below this much ink (before scaling to the peak)
BOX = MNIST_INPUT.box  # MNIST: digit fits a 20x20 box ...
SIZE = MNIST_INPUT.size  # ... centred by mass in 28x28
PEAK = MNIST_INPUT.high  # the strongest ink's grey level


@dataclass(frozen=True)
class DigitCrop:
    """One digit: what the model sees and where it was in the original image."""

    image: np.ndarray  # (28, 28) float32, 0-255, white on black
    box: tuple[int, int, int, int]  # x, y, width, height in the original image


@dataclass(frozen=True)
class Segmentation:
    """Digits found in an image, left to right; `reason` says why there are none."""

    crops: list[DigitCrop]
    reason: str | None = None
    note: str | None = None  # predict mode: the image seems to hold several digits
    removed: np.ndarray | None = None  # printed lines taken out before reading (in the shrunk image), for --explain
    alternative: DigitCrop | None = None  # predict mode, where lines were removed: the digit found with them left in


def shrink(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The image at most WORK_SIDE on its longer side, and the factor to map boxes back."""
    longest = max(gray.shape)
    if longest <= WORK_SIDE:
        return gray, 1.0
    factor = WORK_SIDE / longest
    size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), factor


@dataclass(frozen=True)
class Marks:
    """The ink of an image (shrunk to at most WORK_SIDE) and the marks in it that may be writing."""

    ink: np.ndarray  # (h, w) float32 in [0, 1], 1 = strongest ink
    mask: np.ndarray  # (h, w) uint8, 1 = ink
    components: list[dict]  # connected marks, specks dropped: box, area, own mask
    factor: float  # shrunk size / original size
    structure: Structure | None = None  # printed lines taken out (ruled paper, form boxes), comb field boxes


NO_INK = "no ink: the image is blank or has too little contrast"
ONLY_SPECKS = "no digit-sized marks, only specks"


def find_ink(gray: np.ndarray, speck: float = 0.02, source_scale: float = 1.0, lines: bool = True) -> Marks | str:
    """The marks in a grey image, or why there are none (a reason for the user).

    Marks smaller than `speck` times the biggest are dust; reading numbers asks for a
    lower bar than the default, so that a decimal point survives beside large digits.
    `source_scale` is `gray`'s size relative to the file's, so boxes map back to the file.
    `lines=False` leaves printed lines in (see `segment`).
    """
    small, factor = shrink(gray)
    factor *= source_scale
    paper = read_paper(small)
    ink = ink_map(small, paper)
    # The strongest ink, measured lightly smoothed: a pixel of sensor noise is not a stroke (a blank page in dim
    # light must stay blank once ink is scaled to its peak).
    peak = float(np.percentile(cv2.GaussianBlur(ink, (3, 3), 0), 99.9)) if ink.size > 1000 else float(ink.max())
    if peak < MIN_CONTRAST:
        return NO_INK
    ink = np.clip(ink / peak, 0.0, 1.0)
    structure = find_structure(ink, floor=max(LINE_FLOOR, GRAIN / peak)) if lines else None
    ink = remove_structure(ink, structure) if structure is not None else ink
    mask = ink_mask(ink)
    try:
        components = find_marks(mask, speck)
    except TooManyMarks as exc:
        return f"too many marks to read ({exc.args[0]:,}): the image looks like a pattern or noise, not writing"
    if min(small.shape) >= 64:
        darkness, photo = (small if paper.level <= 0.5 else 1.0 - small), not paper.flat
        kept = drop_shadow_corners(components, darkness, photo)
        if len(kept) < len(components):
            # Specks were judged against the biggest mark, which may have been a shadow: judge them again,
            # and leave the shadow out of the ink that lines are cut from.
            kept_ids = {id(c) for c in kept}
            shadows = painted(mask.shape, [c for c in components if id(c) not in kept_ids]) > 0
            mask, ink = np.where(shadows, 0, mask).astype(np.uint8), np.where(shadows, 0.0, ink).astype(np.float32)
            try:
                kept = drop_shadow_corners(find_marks(mask, speck), darkness, photo)
            except TooManyMarks:
                pass  # with the lower bar, the noise counts as marks: keep the first judgement
        components = kept
    if not components:
        return ONLY_SPECKS
    return Marks(ink, mask, components, factor, structure)


def segment(gray: np.ndarray, row: bool = False, source_scale: float = 1.0) -> Segmentation:
    """Find one digit (row=False) or every digit in a left-to-right row (row=True); boxes in the file's pixels.

    Where printed lines were taken out, the one digit is also found with them left in (`alternative`):
    a stroke that lay along a pale grid line can go with it, and the reader may then prefer the other.
    """
    marks = find_ink(gray, source_scale=source_scale)
    if isinstance(marks, str):
        return Segmentation([], marks)
    removed = marks.structure.removed if marks.structure is not None and marks.structure.removed.any() else None
    alternative = None
    if removed is not None and not row:
        plain = find_ink(gray, source_scale=source_scale, lines=False)
        alternative = _crops(plain, row)[0] if not isinstance(plain, str) else None
    note = None if row else _several_digits_note(marks.components)
    return Segmentation(_crops(marks, row), note=note, removed=removed, alternative=alternative)


def _crops(marks: Marks, row: bool) -> list[DigitCrop]:
    """The digit (or each digit of a row) among the marks, normalised as MNIST's."""
    ink, mask, factor = marks.ink, marks.mask, marks.factor
    crops = []
    for group in _group_row(marks.components) if row else [_group_single(marks.components)]:
        x, y, w, h = _union_box(group)
        labels_mask = painted(mask.shape, group)
        crop = ink[y : y + h, x : x + w] * cv2.dilate(labels_mask[y : y + h, x : x + w], np.ones((3, 3), np.uint8))
        original = tuple(int(round(v / factor)) for v in (x, y, w, h))
        crops.append(DigitCrop(to_mnist(crop, labels_mask[y : y + h, x : x + w]), original))
    return crops


def _several_digits_note(components: list[dict]) -> str | None:
    """Predict mode answers one digit; say so when the image clearly holds several side by side."""
    groups = _group_row(components)
    tallest = max(_union_box(g)[3] for g in groups)
    digit_like = [g for g in groups if _union_box(g)[3] >= 0.6 * tallest]
    if len(digit_like) < 2:
        return None
    return f"the image holds {len(digit_like)} digit-like marks side by side; `digits read` reads them as a number"


def _union_box(group: list[dict]) -> tuple[int, int, int, int]:
    x0 = min(c["box"][0] for c in group)
    y0 = min(c["box"][1] for c in group)
    x1 = max(c["box"][0] + c["box"][2] for c in group)
    y1 = max(c["box"][1] + c["box"][3] for c in group)
    return x0, y0, x1 - x0, y1 - y0


def _near(box: tuple[int, int, int, int], other: tuple[int, int, int, int], margin: float) -> bool:
    """Whether two boxes overlap once `box` is grown by `margin` pixels on every side."""
    x, y, w, h = box
    ox, oy, ow, oh = other
    return ox < x + w + margin and ox + ow > x - margin and oy < y + h + margin and oy + oh > y - margin


def _group_single(components: list[dict]) -> list[dict]:
    """The biggest mark plus every mark close to it: broken strokes join, distant specks do not."""
    ordered = sorted(components, key=lambda c: c["area"], reverse=True)
    group, rest = [ordered[0]], ordered[1:]
    changed = True
    while changed:
        changed = False
        box = _union_box(group)
        for comp in list(rest):
            if comp["area"] >= 0.05 * group[0]["area"] and _near(box, comp["box"], 0.25 * box[3]):
                group.append(comp)
                rest.remove(comp)
                changed = True
    return group


def _group_row(components: list[dict]) -> list[list[dict]]:
    """Digits of a written number: marks that overlap in x form one digit; short groups are dropped."""
    big = max(c["area"] for c in components)
    marks = sorted((c for c in components if c["area"] >= 0.08 * big), key=lambda c: c["box"][0])
    groups: list[list[dict]] = []
    for comp in marks:
        if groups:
            gx, _, gw, gh = _union_box(groups[-1])
            x, _, w, _ = comp["box"]
            overlap = min(gx + gw, x + w) - max(gx, x)
            if overlap > -0.08 * gh:  # overlapping in x, or a gap too small to separate two digits
                groups[-1].append(comp)
                continue
        groups.append([comp])
    tallest = max(_union_box(g)[3] for g in groups)
    return [g for g in groups if _union_box(g)[3] >= 0.4 * tallest]


def to_mnist(ink: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """A cropped digit (ink in [0, 1]) -> (28, 28) float32 0-255: MNIST's size, stroke and centring."""
    ink = _normalise_stroke(ink, mask if mask is not None else (ink > 0.5).astype(np.uint8))
    h, w = ink.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(ink, (new_w, new_h), interpolation=cv2.INTER_AREA)
    peak = small.max()
    if peak > 0:
        small = small / peak
    canvas = np.zeros((SIZE, SIZE), np.float32)
    top, left = (SIZE - new_h) // 2, (SIZE - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = small
    moments = cv2.moments(canvas)
    if moments["m00"] > 0:
        dy = (SIZE - 1) / 2 - moments["m01"] / moments["m00"]
        dx = (SIZE - 1) / 2 - moments["m10"] / moments["m00"]
        shift = np.float32([[1, 0, dx], [0, 1, dy]])
        canvas = cv2.warpAffine(canvas, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
        canvas /= max(float(canvas.max()), 1e-6)  # sub-pixel shifts blur the peak; MNIST's ink peaks at 255
    return (np.clip(canvas, 0, 1) * PEAK).astype(np.float32)


def stroke_width(mask: np.ndarray) -> float:
    """A binary mark's typical stroke width in pixels: a stroke of length L and width w has area L*w and an
    outline of about 2L. 0 for an empty mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * float(mask.sum()) / perimeter if perimeter > 0 else 0.0


def _normalise_stroke(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Thicken hairlines and thin heavy marker strokes towards MNIST's stroke width (~12 % of the box)."""
    size = max(ink.shape)
    if size < 24:
        return ink
    width = stroke_width(mask)
    if width <= 0:
        return ink
    target = 0.11 * size
    if width < 0.6 * target:
        k = int(round(target - width)) | 1
        return cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if width > 2.0 * target:
        k = int(round(width - 1.5 * target)) | 1
        return cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return ink
