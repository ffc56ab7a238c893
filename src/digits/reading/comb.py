"""Comb fields in a form: a printed row of equal boxes between two lines, one character per box.

The lines come from `rules.find_structure`; here the walls between them are
found (columns inked from one line to the other), hidden walls are put back
where the spacing says they must be, and a grid (whose walls run on beyond
the lines) is told apart from a field.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WALL_SHARE = 0.92  # a comb field's wall is inked over this share of the height between the field's lines
# A printed wall is about as thick as the field's lines (validation forms: within 1.5 pixels); a "wall" more than
# this many pixels thicker is a pen stroke, as bold digits standing between two rules make (4.5-47 wider).
PEN_SLACK = 3


def comb_boxes(rows: list[dict], binary: np.ndarray,
               crossing: Sequence[dict] = ()) -> tuple[list[tuple[int, int, int, int]], np.ndarray, list[dict]]:
    """A comb field: two horizontal lines with at least three walls standing between them, evenly spaced.

    A wall is a column inked over WALL_SHARE of the height between the lines (a digit that crosses it
    adds ink, never removes it; a written "1" stops short of both lines). Two lines that a printed
    vertical line (one of `crossing`) crosses are squared paper's or a table's, whose columns of
    digits' stems can look like walls. Returns the boxes between consecutive walls, left to right,
    the walls' pixels (to be removed) and the two lines (top, bottom).
    """
    ordered = sorted(rows, key=lambda s: s["centre"])
    pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 : i + 4]]  # a field's edges, or a stroke between
    pairs.sort(key=lambda pair: pair[0]["centre"] - pair[1]["centre"])  # the tallest first: a stroke inside is no field line
    for top, bottom in pairs:
        y0, y1 = int(round(top["centre"])), int(round(bottom["centre"]))
        thickness = max(top["thickness"], bottom["thickness"])
        margin = int(thickness) + 1
        height = y1 - y0
        left = max(top["box"][0], bottom["box"][0])
        right = min(top["box"][0] + top["box"][2], bottom["box"][0] + bottom["box"][2])
        if height < 12 or right - left < 3 * height or any(_crosses(line, y0, y1, left, right) for line in crossing):
            continue
        inside = binary[y0 + margin : y1 - margin, left:right]
        if inside.size == 0:
            continue
        columns = np.flatnonzero(inside.mean(axis=0) >= WALL_SHARE)
        if len(columns) == 0:
            continue
        runs = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1)
        xs = _evenly_spaced([left + float(run.mean()) for run in runs], height)
        if xs is None or _walls_continue(binary, xs, y0 - margin, y1 + margin, height):
            continue
        reach = int(thickness) + PEN_SLACK + 2  # a run reaching further is too wide already
        if _wall_width(binary, xs, y0 + height // 4, y1 - height // 4, reach) > thickness + PEN_SLACK:
            continue  # walls much wider than their lines: the stems of digits as tall as a ruled line's spacing
        walls = np.zeros_like(binary)
        for x in xs:
            walls[y0 - margin : y1 + margin, max(0, int(x) - margin) : int(x) + margin + 1] = 1
        boxes = [(int(a), y0, int(b - a), height) for a, b in zip(xs[:-1], xs[1:])]
        return boxes, walls & binary, [top, bottom]
    return [], np.zeros_like(binary), []


def _crosses(vertical: dict, top: int, bottom: int, left: int, right: int) -> bool:
    """Whether a vertical line between columns `left` and `right` runs across rows `top` and `bottom` and on
    beyond one of them by a quarter of the space between (a field's own walls stop at its lines)."""
    x, y, w, h = vertical["box"]
    beyond = (bottom - top) / 4
    return y < top and y + h > bottom and (y < top - beyond or y + h > bottom + beyond) and left <= x + w / 2 <= right


def _walls_continue(binary: np.ndarray, xs: list[float], top: int, bottom: int, height: int) -> bool:
    """Whether the walls run on beyond the field's lines, as the lines of squared paper or a table do."""
    above = binary[max(0, top - height // 2) : max(0, top - 2)]
    below = binary[bottom + 2 : bottom + height // 2]
    for band in (above, below):
        if band.shape[0] >= 3:
            columns = [band[:, max(0, int(x) - 2) : int(x) + 3].max(axis=1).mean() for x in xs]
            if np.median(columns) > 0.5:
                return True
    return False


def _wall_width(binary: np.ndarray, xs: list[float], top: int, bottom: int, reach: int) -> float:
    """The walls' typical thickness on rows `top` to `bottom`: the median width of the ink run through each
    wall's most inked column within 2 pixels of where it stands (rows where that column is blank, and walls
    put back where no ink was, left out), counted at most `reach` pixels either side."""
    widths: list[int] = []
    for x in (int(x) for x in xs):
        start = max(0, x - reach)
        window = binary[top:bottom, start : x + reach + 1]
        first = max(0, x - start - 2)  # the columns within 2 pixels of the wall, in the window
        near = window[:, first : x - start + 3]
        if not near.any():
            continue
        column = first + int(near.sum(axis=0).argmax())
        rows = window[window[:, column] > 0]
        # Inked pixels in an unbroken run from the column leftwards and rightwards (itself counted twice).
        left = np.cumprod(rows[:, column::-1], axis=1).sum(axis=1)
        right = np.cumprod(rows[:, column:], axis=1).sum(axis=1)
        widths.extend((left + right - 1).tolist())
    return float(np.median(widths)) if widths else 0.0


def _evenly_spaced(xs: list[float], height: int) -> list[float] | None:
    """The walls of a row of equal boxes between the first and last of `xs`; None if `xs` is no such row.

    Tries every count of boxes whose width is 0.4-2.5 times their height, and keeps the one whose walls
    are best found among `xs` (at least 70 % of them): a wall that ink hid is put back, and a written
    "1" that reaches both lines (a column in `xs` between walls) is left for reading.
    """
    if len(xs) < 2:
        return None
    span, found = xs[-1] - xs[0], np.array(xs)
    best, best_support = None, 0.7
    for count in range(3, 4 * len(xs)):
        width = span / count
        if width > 2.5 * height:
            continue
        if width < 0.4 * height:
            break
        walls = xs[0] + width * np.arange(count + 1)
        support = float(np.mean([np.abs(found - wall).min() <= 0.12 * width for wall in walls]))
        if support >= best_support:  # on a tie the finer division: every second wall of a row is a row too
            best, best_support = [float(w) for w in walls], support
    return best
