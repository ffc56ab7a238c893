"""Printed structure found: the lines of ruled and squared paper, margins, underlines, form boxes.

A printed line is long, thin and straight; a digit's strokes are not much longer than the digit. So: find straight
runs of ink in each direction (a morphological opening with a thin kernel), join the pieces of a faint or tilted
line, and call a run a line when it crosses half the picture, is much longer than the writing left once such runs
are set aside, and, on a page of several lines, is not much thicker than the others. A run no other line vouches
for must also reach as far as the writing on one side (digits' tops at one height do not) and hold a straight
stretch across a quarter of the picture (a bold number's strokes chained do not). A row of boxes whose walls stand
between two such lines is a comb field, read box by box. `erase_lines.remove_structure` takes the lines out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from digits.reading.comb import comb_boxes

LINE_FLOOR = 0.12  # ink strength (of the image's peak) that may belong to a faint printed line
MAX_RUNS = 2000  # more straight runs than a page of printed lines holds
SPAN = 0.5  # a printed line runs across at least this share of the image (ruled pages, grids, margins, a field's edges)
LONGER_THAN_WRITING = 2.5  # a line is at least this many times the size of the biggest mark of writing
SMALLEST = 64  # a smaller image (a 28x28 digit, a thumbnail) holds no printed lines worth finding
MAX_THICKNESS = 0.03  # of the image's shorter side: printed lines are thin
LONE_STRETCH = 0.25  # of the picture: a printed line no other line vouches for holds a straight piece at least this long


@dataclass(frozen=True)
class Structure:
    """What was taken out of an image before reading: line pixels, and the boxes of any comb field."""

    removed: np.ndarray  # (h, w) uint8, 1 = pixel of a printed line
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # comb field boxes, left to right (x, y, w, h)
    thickness: float = 0.0  # the thickest removed line's mean thickness, pixels
    floor: float = LINE_FLOOR  # the weakest ink that counted
    levels: np.ndarray | None = None  # (h, w) float32: on each removed line, that line's typical ink strength


def _runs(binary: np.ndarray, horizontal: bool, length: int) -> np.ndarray:
    """Pixels on straight runs of at least `length` in one direction, pieces of a tilted line joined."""
    kernel = (length, 1) if horizontal else (1, length)
    runs = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    join = (3 * length, 3) if horizontal else (3, 3 * length)
    return cv2.morphologyEx(runs, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, join))


def _segments(runs: np.ndarray, horizontal: bool, thickest: float, shortest_line: int) -> list[dict]:
    """Each thin straight run: its box, length along the direction, thickness, and the pixels it covers.

    A run long enough to be a line covers a straight band fitted to it, as thick as its thinnest stretch
    (a number written along a grid line makes its typical cross-section the writing's), so writing lying
    against the line (joined to its component) is not taken with it; a shorter run (a wall of a form box,
    a stroke) covers its own pixels. Parallel lines that a slanted stroke chains into one are taken apart.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    segments = []
    for index in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] > 0)[1:]:
        x, y, w, h, area = (int(v) for v in stats[index])
        length = w if horizontal else h
        if area / max(length, 1) > 3 * thickest:
            continue
        if length < shortest_line:  # a stroke, or a piece of a faint line: described from its box alone (cheap)
            segments.append({"box": (x, y, w, h), "length": length, "thickness": area / length, "slope": 0.0,
                             "centre": (y + h / 2) if horizontal else (x + w / 2), "start": x if horizontal else y,
                             "band": None, "source": (labels, index)})
            continue
        own = labels[y : y + h, x : x + w] == index
        for across, along, part in _parallel_parts(own if horizontal else own.T, length):
            part = part if horizontal else part.T
            dx, dy = (along, across) if horizontal else (across, along)
            box = (x + dx, y + dy, part.shape[1], part.shape[0])
            segment = _segment(part, box, horizontal, thickest, shortest_line)
            if segment is not None:
                segments.append(segment)
    return segments


def _parallel_parts(own: np.ndarray, length: int) -> list[tuple[int, int, np.ndarray]]:
    """(offset across, offset along, pixels) of each line in a component lying along axis 1: groups of mostly inked
    rows are lines, each as long as its own pixels reach (a bold number chained to a rule is no longer than it)."""
    strong = np.flatnonzero(own.sum(axis=1) >= 0.3 * length)
    groups = np.split(strong, np.flatnonzero(np.diff(strong) > 1) + 1) if len(strong) else []
    if len(groups) < 2:
        return [(0, 0, own)]
    cuts = [0] + [int((a[-1] + b[0]) // 2) + 1 for a, b in zip(groups[:-1], groups[1:])] + [own.shape[0]]
    reach = [np.flatnonzero(own[top:bottom].any(axis=0)) for top, bottom in zip(cuts[:-1], cuts[1:])]
    return [(top, int(r[0]), own[top:bottom, r[0] : r[-1] + 1]) for top, bottom, r in zip(cuts[:-1], cuts[1:], reach)]


def _segment(own: np.ndarray, box: tuple[int, int, int, int], horizontal: bool, thickest: float,
             shortest_line: int) -> dict | None:
    """One run's description (see `_segments`), or None when it is too thick to be a printed line."""
    x, y, w, h = box
    length = w if horizontal else h
    ys, xs = np.nonzero(own)
    if len(ys) == 0:
        return None
    along, across = (xs, ys) if horizontal else (ys, xs)
    per_position = np.bincount(along)
    thickness = float(np.median(per_position[per_position > 0]))
    if thickness > thickest:
        return None
    centre, slope = ((y + h / 2) if horizontal else (x + w / 2)), 0.0  # across the run, in the image
    if length >= shortest_line:
        slope, offset = _fit(along, across, thickness)
        centre = (y if horizontal else x) + offset + slope * length / 2
        grid_along, grid_across = np.meshgrid(np.arange(length), np.arange(h if horizontal else w))
        # As thin as the run's thinnest stretch (3 positions; a column or two pinched is none): writing only adds.
        stretches = cv2.dilate(per_position.astype(np.float32)[None], np.ones((1, 3), np.uint8)).ravel()
        band = np.abs(grid_across - (slope * grid_along + offset)) <= stretches[per_position > 0].min() / 2 + 1
        own = own & (band if horizontal else band.T)
    return {"box": (x, y, w, h), "length": length, "thickness": thickness, "centre": centre, "slope": slope,
            "start": x if horizontal else y, "band": own.astype(np.uint8)}


def _fit(along: np.ndarray, across: np.ndarray, thickness: float) -> tuple[float, float]:
    """A straight line through a run's pixels, grown from its most crowded row outwards.

    Writing that touches a line can hold more pixels than the line does near it, so a least-squares fit
    over every pixel tilts; starting flat on the row the line fills most and refitting on the pixels near
    the current fit follows the line alone, tilted or not.
    """
    slope, offset = 0.0, float(np.bincount(across).argmax())
    near = max(2.0, thickness)
    along, across = along.astype(np.float64), across.astype(np.float64)
    for _ in range(4):
        inliers = np.abs(across - (slope * along + offset)) <= near
        a, c = along[inliers], across[inliers]
        if len(a) < 2 or a.min() == a.max():
            break
        a_mean, c_mean = a.mean(), c.mean()  # least squares in closed form (np.polyfit costs 10x more here)
        slope = float(np.dot(a - a_mean, c - c_mean) / np.dot(a - a_mean, a - a_mean))
        offset = float(c_mean - slope * a_mean)
    return slope, offset


def _band(segment: dict) -> np.ndarray:
    """A run's pixels within its box (uint8): the fitted band, or for a short run its own pixels."""
    if segment["band"] is not None:
        return segment["band"]
    x, y, w, h = segment["box"]
    labels, index = segment["source"]
    return (labels[y : y + h, x : x + w] == index).astype(np.uint8)


def _pixels(shape: tuple[int, int], segments: list[dict]) -> np.ndarray:
    """The bands of the given segments, as one uint8 mask."""
    mask = np.zeros(shape, np.uint8)
    for s in segments:
        x, y, w, h = s["box"]
        mask[y : y + h, x : x + w] |= _band(s)
    return mask


def _writing(binary: np.ndarray, candidates: np.ndarray) -> tuple[int, tuple[int, int, int, int]]:
    """The marks left when every candidate line is set aside (dust aside): the extent (longer side) of the
    biggest, 0 if none; and the box (x0, y0, x1, y1) around them all."""
    rest = binary & (1 - cv2.dilate(candidates, np.ones((5, 5), np.uint8)))  # a line's blurred fringe goes with it
    count, _, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    if count <= 1:
        return 0, (0, 0, 0, 0)
    areas = stats[1:, cv2.CC_STAT_AREA]
    big = stats[1:][areas >= min(areas.max(), max(4, 0.05 * areas.max()))]
    x, y, w, h = (big[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    return int(np.max(np.maximum(w, h))), (int(x.min()), int(y.min()), int((x + w).max()), int((y + h).max()))


def _lone_line(group: dict, writing: tuple[int, int, int, int], horizontal: bool, extent: int) -> bool:
    """Whether a run no other line vouches for is print: it reaches as far as the writing on one side (a field's
    edge does; digits' tops do not) and a piece of it crosses LONE_STRETCH of the picture (`extent` along it): a
    bold number's strokes chain into digit-wide pieces, and set aside they leave too little writing to compare."""
    first, last = (writing[0], writing[2]) if horizontal else (writing[1], writing[3])
    reaches = group["start"] <= first or group["start"] + group["extent"] >= last
    return reaches and max(p["length"] for p in group["pieces"]) >= LONE_STRETCH * extent


def _only_lines(groups: list[dict]) -> bool:
    """A page with nothing but its printed lines: three or more long, parallel ones, each much longer than
    the space between them (a written "111" has strokes about as long as they are apart)."""
    if len(groups) < 3:
        return False
    spacing = float(np.median(np.diff(sorted(g["centre"] for g in groups))))
    return min(g["extent"] for g in groups) >= 6 * max(spacing, 1.0)


def _spanning(segments: list[dict], extent: float) -> list[dict]:
    """Runs that lie on one straight line, grouped, where the group reaches at least `extent` (a faint
    printed line breaks into pieces; the pieces of one line line up): {"pieces", "centre", "extent", "start"}."""
    ordered = sorted(segments, key=lambda s: -s["length"])
    groups, used = [], set()
    for i, seed in enumerate(ordered):
        if i in used:
            continue
        middle = seed["start"] + seed["length"] / 2
        # A piece lies on the seed's (the longest piece's) line and is not much thicker than it: a pen stroke
        # beside a faint grid line (a 7's stem) is thicker than the print, and stays writing.
        members = [j for j, s in enumerate(ordered) if j not in used and abs(
            seed["centre"] + seed["slope"] * (s["start"] + s["length"] / 2 - middle) - s["centre"]) <= max(3.0, seed["thickness"])
            and s["thickness"] <= max(2.0 * seed["thickness"], seed["thickness"] + 2)]
        first = min(ordered[j]["start"] for j in members)
        reach = max(ordered[j]["start"] + ordered[j]["length"] for j in members) - first
        if reach >= extent:
            groups.append({"pieces": [ordered[j] for j in members], "centre": seed["centre"], "extent": reach, "start": first})
            used.update(members)
    return groups


def _thickest_print(spanning: dict[bool, list[dict]], w: int, h: int) -> float:
    """How thick a piece of a printed line may be, unless it crosses half the picture by itself (a bold border):
    a few times the page's typical line where it has several (writing merged with grid lines makes a run as
    thick as the writing, to be left alone); else no limit."""
    whole = [p["thickness"] for horizontal, groups in spanning.items() for g in groups for p in g["pieces"]
             if _whole_line(p, w if horizontal else h)]
    if len(whole) < 3:
        return float("inf")
    typical = float(np.median(whole))
    return max(3.0 * typical, typical + 4.0)


def _whole_line(piece: dict, extent: int) -> bool:
    """Whether a piece crosses half the picture by itself (`extent`: the picture's size along the piece)."""
    return piece["length"] >= SPAN * extent


def _widest_cover(runs: np.ndarray, horizontal: bool) -> int:
    """The most positions along the direction that run pixels cover within one band of rows (columns) as
    thick as a line tilted by 3 degrees needs: a line's cover nears the picture's width, while the strokes
    of a row of digits cover only the digits' own bars."""
    extent = runs.shape[1] if horizontal else runs.shape[0]
    window = max(3, int(0.05 * extent))
    kernel = np.ones((window, 1) if horizontal else (1, window), np.uint8)
    return int(cv2.dilate(runs, kernel).sum(axis=1 if horizontal else 0).max())


def find_structure(ink: np.ndarray, floor: float = LINE_FLOOR) -> Structure:
    """The printed lines (and comb field boxes) in an ink map in [0, 1], normalised to its peak.

    `floor` is the weakest ink that may belong to a line (raise it where the peak is weak, so that
    the grain of a blank page is not taken for ink)."""
    h, w = ink.shape
    binary = (ink > floor).astype(np.uint8)
    if min(h, w) < SMALLEST:
        return Structure(np.zeros_like(binary))
    length = max(15, min(h, w) // 30)
    thickest = max(8.0, MAX_THICKNESS * min(h, w))
    runs = {horizontal: _runs(binary, horizontal, length) & binary for horizontal in (True, False)}
    # Most images have no line at all: no band of a few rows (columns; a tilted line crosses several) holds
    # straight runs across half the picture. Say so, direction by direction, before any per-run work (a row of
    # digits has tall strokes, but nothing runs across it).
    possible = {True: _widest_cover(runs[True], True) >= SPAN * w, False: _widest_cover(runs[False], False) >= SPAN * h}
    if not any(possible.values()):
        return Structure(np.zeros_like(binary))
    found = {horizontal: _segments(runs[horizontal], horizontal, thickest, 3 * length) if possible[horizontal] else []
             for horizontal in (True, False)}
    if len(found[True]) + len(found[False]) > MAX_RUNS:
        return Structure(np.zeros_like(binary))  # a texture or a pattern, not printed lines: leave it to the mark count
    # A printed line crosses most of the picture; a stroke of writing seldom does (and then the writing
    # left beside it, measured once every such run is set aside, is about as big as the stroke).
    spanning = {horizontal: _spanning(segments, SPAN * (w if horizontal else h)) for horizontal, segments in found.items()}
    if not any(spanning.values()):
        return Structure(np.zeros_like(binary), floor=floor)  # nothing lines up across half the picture: no line, no field
    size, writing = _writing(binary, _pixels(binary.shape, [p for groups in spanning.values() for g in groups for p in g["pieces"]]))
    if size < 0.03 * min(h, w):
        size = 0  # only dust is left beside the long runs: they are the writing (a "1" among specks), unless ruled
    thickest_line = _thickest_print(spanning, w, h)
    lines: dict[bool, list[dict]] = {}
    for horizontal, groups in spanning.items():
        if size == 0 and not _only_lines(groups):
            groups = []  # a lone stroke with nothing else written: a "1" or a "-", not a ruled page
        extent = w if horizontal else h
        if size and sum(map(len, spanning.values())) < 3:  # a grid's lines vouch for each other; a lone run may be writing
            groups = [g for g in groups if _lone_line(g, writing, horizontal, extent)]
        # Each piece must be long (a stroke lying along a line is no piece of it), and thin or a whole line (a border).
        lines[horizontal] = [p for g in groups for p in g["pieces"] if p["length"] >= LONGER_THAN_WRITING * size
                             and (_whole_line(p, extent) or p["thickness"] <= thickest_line)]
    boxes, walls, _ = comb_boxes(lines[True], binary, lines[False])
    if not boxes and size:
        # Digits that spill over a field's walls join with them into one wide mark, beside which the field's
        # lines look no longer than writing; two long lines with evenly spaced walls between them are a field.
        boxes, walls, edges = comb_boxes([p for g in spanning[True] for p in g["pieces"] if _whole_line(p, w)], binary, lines[False])
        lines[True] += [edge for edge in edges if not any(edge is line for line in lines[True])]
    chosen = lines[True] + lines[False]
    thickness = max((s["thickness"] for s in chosen), default=0.0)
    return Structure(_pixels(binary.shape, chosen) | walls, boxes, thickness, floor, _levels(ink, chosen, walls))


def _levels(ink: np.ndarray, chosen: list[dict], walls: np.ndarray) -> np.ndarray:
    """Each removed line's median ink strength, painted over its pixels."""
    levels = np.zeros(ink.shape, np.float32)
    if walls.any():
        levels[walls > 0] = float(np.median(ink[walls > 0]))
    for s in chosen:
        x, y, w, h = s["box"]
        band = _band(s) > 0
        if band.any():
            region = levels[y : y + h, x : x + w]
            region[band] = np.maximum(region[band], float(np.median(ink[y : y + h, x : x + w][band])))
    return levels
