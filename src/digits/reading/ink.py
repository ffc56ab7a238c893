"""Finding the ink on a page: the paper's level, uneven light and shadows taken out, in either polarity.

Ink is measured against the paper around it, as a share of that paper's brightness, so a stroke in a
shadow is as strong as the same stroke in the light; a shadow's edge, and its corner where the frame
cuts it, are not ink, nor (in a photo) a dark region the frame cuts. The ink then becomes binary
(`ink_mask`) and falls into connected marks (`find_marks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHADOW_STEP = 0.2  # a change of paper level this sudden is a shadow's edge
# A mark that runs along the frame's edge for at least this share of its longer side, and fills at least
# SOLID of its box, is a region, not a stroke: a shadow's corner or the desk beyond the page.
FRAME_CONTACT = 0.5
SOLID = 0.4
MAX_MARKS = 1000  # a page of numbers holds a few hundred marks at most
FLAT = 0.03  # paper whose border varies less than this (2nd to 98th percentile) is flat: a drawing or a clean scan


@dataclass(frozen=True)
class Paper:
    """What the image's border says about the paper: its grey level, and whether it is flat."""

    level: float  # the border's median grey level, in [0, 1]
    flat: bool  # a drawing, a canvas export or a clean scan, rather than a photo


def read_paper(gray: np.ndarray) -> Paper:
    """The paper of a grey image in [0, 1], read once from its outer 3 %, where people rarely write.

    Flat paper varies less than FLAT between the border's 2nd and 98th percentiles.
    """
    side = int(max(3, round(0.03 * min(gray.shape))))
    border = np.concatenate([gray[:side].ravel(), gray[-side:].ravel(), gray[:, :side].ravel(), gray[:, -side:].ravel()])
    low, level, high = np.percentile(border, [2, 50, 98])  # one partial sort for all three
    return Paper(float(level), float(high - low) < FLAT)


def ink_map(gray: np.ndarray, paper: Paper) -> np.ndarray:
    """Ink strength in [0, 1] (1 = strongest ink) for a grey image in [0, 1] of either polarity.

    On paper, ink is measured against the paper around it, as a share of that paper's brightness: a
    stroke in a shadow is as strong as the same stroke in the light, and a shadow's edge is not ink.
    `paper` is `read_paper(gray)`: the caller reads it once and uses it again.
    """
    light_paper = paper.level > 0.5
    ink = 1.0 - gray if light_paper else gray.astype(np.float32, copy=True)
    # A drawing, a canvas export or a clean scan has flat paper: nothing to take out, and a heavy marker
    # stroke is safe from being taken for a shadow. Photos have grain and uneven light.
    if min(ink.shape) >= 64 and not paper.flat:
        background, edges = _background(ink)  # uneven light, shadows and paper tint
        ink = ink - background - edges
        ink = ink / np.maximum(1.0 - background, 0.25) if light_paper else ink
    else:
        ink = ink - (1.0 - paper.level if light_paper else paper.level)  # small or flat images: the paper's level is enough
    return np.clip(ink, 0.0, 1.0).astype(np.float32)


def _background(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The paper under the ink, and how much it changes from one spot to the next (at a shadow's edge).

    The paper is a grey opening wider than any stroke, done small: it removes every stroke and keeps
    a shadow as it is, hard edge included (no smoothing, which would spread the edge into a band that
    looks like ink). Scaling the estimate back up still softens that edge by a few pixels, so the
    local step is returned too: ink must rise above it to count.
    """
    scale = 4
    small = cv2.resize(ink, (max(1, ink.shape[1] // scale), max(1, ink.shape[0] // scale)), interpolation=cv2.INTER_AREA)
    k = max(21, min(small.shape) // 4) | 1  # at least ~80 pixels: dense writing (touching digits) fits in it
    # Mirrored margins: a shadow's corner cut by the frame's edge is seen whole, not as a thin wedge.
    padded = cv2.copyMakeBorder(small, k, k, k, k, cv2.BORDER_REFLECT)
    # A square, not a disc: OpenCV opens with a square in two cheap passes (one per direction).
    opened = cv2.morphologyEx(padded, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))[k:-k, k:-k]
    square = np.ones((5, 5), np.uint8)
    step = cv2.dilate(opened, square) - cv2.erode(opened, square)
    step[step < SHADOW_STEP] = 0  # the paper's own unevenness, and writing the opening left a trace of, stay as they are
    size = (ink.shape[1], ink.shape[0])
    return cv2.resize(opened, size, interpolation=cv2.INTER_LINEAR), cv2.resize(step, size, interpolation=cv2.INTER_LINEAR)


def drop_shadow_corners(components: list[dict], darkness: np.ndarray, photo: bool) -> list[dict]:
    """Leave out marks at the frame's edge that are no darker than the paper beside them (the corner of a
    shadow cut by the frame, which no background estimate can tell from a thick stroke on its own) and, in
    a photo, dark regions the frame cuts (`is_frame_region`): a drawing or a scan has no shadow, and a
    heavy digit drawn to its edge must stay.

    Ink is darker than the paper all around it; a shadow's corner continues into the shadow.
    """
    h, w = darkness.shape
    kept = []
    for comp in components:
        x, y, cw, ch = comp["box"]
        if x > 0 and y > 0 and x + cw < w and y + ch < h:
            kept.append(comp)
            continue
        if photo and is_frame_region(comp, (h, w)):
            continue
        pad = max(3, min(cw, ch) // 4)
        x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(w, x + cw + pad), min(h, y + ch + pad)
        own = np.zeros((y1 - y0, x1 - x0), np.uint8)
        own[y - y0 : y - y0 + ch, x - x0 : x - x0 + cw] = comp["mask"]
        ring = cv2.dilate(own, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) & (1 - own)
        window = darkness[y0:y1, x0:x1]
        if np.percentile(window[ring > 0], 90) < np.median(window[own > 0]) - 0.05:
            kept.append(comp)
    return kept


def is_frame_region(comp: dict, shape: tuple[int, int]) -> bool:
    """Whether a mark is a dark region cut by the frame (a shadow's corner darker than the paper beside it,
    the desk beyond the page) rather than a stroke the frame cuts: it lies along the frame's edge for at
    least FRAME_CONTACT of its longer side and fills at least SOLID of its box, where a stroke meets the
    edge only across its width."""
    x, y, cw, ch = comp["box"]
    mask = comp["mask"]
    h, w = shape
    edges = [mask[0] if y == 0 else None, mask[-1] if y + ch == h else None,
             mask[:, 0] if x == 0 else None, mask[:, -1] if x + cw == w else None]
    contact = max((int(edge.sum()) for edge in edges if edge is not None), default=0)
    return contact >= FRAME_CONTACT * max(cw, ch) and comp["area"] >= SOLID * cw * ch


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """Binary ink: Otsu's threshold on a lightly smoothed map, never below a noise floor."""
    smooth = cv2.GaussianBlur(ink, (3, 3), 0) if min(ink.shape) >= 64 else ink
    as_bytes = (smooth * 255).astype(np.uint8)
    otsu, _ = cv2.threshold(as_bytes, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return (as_bytes > max(otsu, 0.25 * 255)).astype(np.uint8)


class TooManyMarks(Exception):
    """More marks than any page of digits holds: a pattern, a texture or noise."""


def find_marks(mask: np.ndarray, speck: float = 0.02) -> list[dict]:
    """Connected marks big enough to be part of a digit, each with its box and own mask.

    Raises TooManyMarks past MAX_MARKS, counted before any per-mark work, so that grouping
    (which compares marks with each other) never sees a pathological image.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return []
    areas = stats[1:, cv2.CC_STAT_AREA]
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    biggest = areas.max()
    min_height = max(4, 0.03 * min(mask.shape))
    kept = np.flatnonzero(areas >= max(3, speck * biggest)) + 1  # smaller: specks, dust, noise, JPEG blocks
    if len(kept) > MAX_MARKS:
        raise TooManyMarks(len(kept))
    components = []
    for index in kept:
        x, y, w, h, area = stats[index]
        components.append(
            {"box": (int(x), int(y), int(w), int(h)), "area": int(area),
             "mask": (labels[y : y + h, x : x + w] == index).astype(np.uint8)}
        )
    if heights.max() < min_height:
        return []  # nothing tall enough to be a digit
    return components


def painted(shape: tuple[int, int], components: list[dict], origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A binary map of these marks, of `shape`, its top-left corner at `origin` (x, y) of their image."""
    mask = np.zeros(shape, np.uint8)
    for comp in components:
        x, y, w, h = comp["box"]
        mask[y - origin[1] : y - origin[1] + h, x - origin[0] : x - origin[0] + w] |= comp["mask"]
    return mask
