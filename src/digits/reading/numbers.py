"""Written numbers on a page: find the text lines, read each with the sequence model, top to bottom.

No segmentation into digits: each line goes to the model whole, so digits that
touch or overlap, thin strokes and decimal points are read as written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from digits.reading.fields import Field, find_field, outside_field
from digits.reading.ink import painted
from digits.reading.lines import DecodedChar, LineInput, char_spans, decode_line, line_batches, normalize_line
from digits.reading.predictor import Predictor
from digits.reading.preprocess import Marks, find_ink
from digits.reading.refusal import LoneMark, lone_marks

MERGE_GAP = 0.25  # bands of ink closer than this share of the line height belong to one line (a dot, a comma's tail)
LINE_OF_ITS_OWN = 0.5  # ... unless both are this tall (of the tallest): then they are two lines, however close
# Rows of pale ink past a band's marks that are only its strokes' soft edge: a photo's blur, in pixels whatever the
# digits' size (on validation numbers 30-120 pixels high, 9 bands in 10 of every kind had at most 1 such row).
SOFT_EDGE = 2
MIN_LINE = 0.35  # a band shorter than this share of the tallest is a speck or a stray stroke, not a line
# Marks below this share of the biggest are dust. A point drawn with a fine pen beside a number whose digits touch
# (one big mark) is smaller than 0.6 % of it: at that bar, numbers made from validation digits lost their points.
SPECK = 0.002
# Ink this weak (a share of the page's strongest) still belongs to a line where it joins one of its marks.
FAINT = 0.15
GRAIN_SIGMAS = 3.0  # a faint stroke must stand this many standard deviations of the paper's grain above it
# Ink apart from every mark stays too where it reaches STRONG (of the page's strongest) over at least POINT pixels:
# a point pressed no wider than the pen beside digits 30 pixels high blurs, in a photo, into a blob whose middle the
# marks' threshold keeps 2 pixels of, or none. Chosen on validation numbers with such points (decimals 89.7 -> 94.3 %,
# pages 85.0 -> 88.2 %, every other kind the same); a pixel of dust, or the paper's grain, is smaller or weaker.
STRONG = 0.5
POINT = 6
# A line read less surely than this is read again a pixel lower and higher; on validation lines 1 in 8 was,
# and those readings were right 3 times in 4 against 99 in 100 above it.
SURE = 0.98


@dataclass(frozen=True)
class Page:
    """The lines of a page ready for the model, top to bottom; `reason` says why there are none."""

    lines: list[LineInput]
    boxes: list[tuple[int, int, int, int]]  # each line's x, y, width, height in the original image
    reason: str | None = None
    factor: float = 1.0  # the lines' coordinates are in an image shrunk by this factor
    field: Field | None = None  # a comb field (a printed row of boxes), read box by box with the digit model
    removed: np.ndarray | None = None  # printed lines taken out before reading (in the shrunk image), for --explain
    lone: list[list[LoneMark]] | None = None  # per line, its marks that stand alone: checked for "not a digit"


def _bands(mask: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges [start, end) holding ink, merged across small gaps, specks dropped."""
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    bands = [(int(rows[s]), int(rows[e]) + 1) for s, e in zip(np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1])]
    tallest = max(end - start for start, end in bands)
    merged: list[tuple[int, int]] = []
    for start, end in bands:
        close = merged and start - merged[-1][1] < MERGE_GAP * tallest
        if close and min(end - start, merged[-1][1] - merged[-1][0]) < LINE_OF_ITS_OWN * tallest:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    tallest = max(end - start for start, end in merged)
    return [(start, end) for start, end in merged if end - start >= MIN_LINE * tallest]


def joined_ink(ink: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Where the line's ink is (a 0/1 mask): the marks, ink down to FAINT that joins them, and strong blobs of ink
    apart from them (points too small for the marks; see STRONG).

    The marks come from a binary threshold made for finding digits, which can cut a pale stroke out of a
    digit written with less pressure (a 2 left as two dots, a 6 as a hook), or miss a small point; a person
    still reads them.
    """
    # Never below the paper's own grain: on a dim, noisy photo the grain rises above FAINT, and would join the
    # marks into one blot. The grain is read from the paper (ink a few pixels or more from any mark, every third
    # pixel) as its upper quartile: ink is clipped at 0, so half the grain reads 0 and the quartile is the median
    # of the rest; pale strokes and smudges, a small share of the paper, do not move it.
    sample = (slice(None, None, 3), slice(None, None, 3))
    paper = ink[sample][cv2.dilate(marks[sample], np.ones((3, 3), np.uint8)) == 0]
    grain = GRAIN_SIGMAS * float(np.percentile(paper, 75)) / 0.674 if paper.size else 0.0
    faint = max(FAINT, grain)
    count, labels = cv2.connectedComponents((ink > faint).astype(np.uint8), connectivity=8)
    touched = np.zeros(count, bool)
    touched[labels[marks > 0]] = True
    strong = np.zeros(count, bool)
    strong[labels[ink >= STRONG]] = True
    touched |= strong & (np.bincount(labels.ravel(), minlength=count) >= POINT)
    touched[0] = False  # the background
    return (touched[labels] | (marks > 0)).astype(np.uint8)


def _with_joined_rows(bands: list[tuple[int, int]], joined: np.ndarray, marks: np.ndarray) -> list[tuple[int, int]]:
    """Each band grown up and down over the rows of the joined ink (see `joined_ink`) that touches its own marks,
    never into a neighbouring band.

    The bands come from the marks, whose threshold can miss a comma's thin tail below the digits (or a pale
    stroke's top); cut there, a comma reaches the reader as a point.
    """
    pieces, touching = None, None
    grown = []
    for i, (top, bottom) in enumerate(bands):
        floor = grown[-1][1] if grown else 0
        ceiling = bands[i + 1][0] if i + 1 < len(bands) else len(joined)
        # Ink joined to the band and running past its soft edge crosses the first row beyond it: most bands have
        # none there, and are left as they are without labelling anything.
        down, up = bottom + SOFT_EDGE, top - SOFT_EDGE - 1
        if not ((down < ceiling and joined[down].any()) or (up >= floor and joined[up].any())):
            grown.append((top, bottom))
            continue
        if pieces is None:
            count, pieces = cv2.connectedComponents(joined, connectivity=8)
            touching = np.zeros(count, bool)
        touching[:] = False
        touching[pieces[top:bottom][marks[top:bottom] > 0]] = True
        touching[0] = False  # the background
        start, end = top, bottom
        while start > floor and touching[pieces[start - 1]].any():  # a piece's rows run on without a gap
            start -= 1
        while end < ceiling and touching[pieces[end]].any():
            end += 1
        # A stroke's soft edge, a row or two past the marks, leaves the band as it was: moving the line's extent
        # by it changes the scale the reader sees, not what it reads.
        grown.append((start if top - start > SOFT_EDGE else top, end if end - bottom > SOFT_EDGE else bottom))
    return grown


def find_lines(marks: Marks) -> Page:
    """The text lines among the marks: horizontal bands of ink, each cut to its ink and normalised."""
    clean = painted(marks.mask.shape, marks.components)  # only marks that may be writing: specks are already gone
    joined = joined_ink(marks.ink, clean)
    keep = cv2.dilate(joined, np.ones((3, 3), np.uint8))  # one pixel wider: the soft edge of every stroke
    lines, boxes, lone = [], [], []
    bands = _bands(clean)
    for (start, end), (marks_start, marks_end) in zip(_with_joined_rows(bands, joined, clean), bands):
        band = marks.ink[start:end] * keep[start:end]
        columns = np.flatnonzero(keep[start:end].any(axis=0))
        left, right = int(columns[0]), int(columns[-1]) + 1
        line = normalize_line(band[:, left:right], origin=(left, start))
        if line is None:
            continue
        lines.append(line)
        boxes.append(tuple(int(round(v / marks.factor)) for v in (left, start, right - left, end - start)))
        lone.append(lone_marks(marks.components, marks.ink, marks_start, marks_end))  # the marks' own rows
    return Page(lines, boxes, None if lines else "no line of writing found", marks.factor, lone=lone)


def prepare_page(gray: np.ndarray, source_scale: float = 1.0) -> Page:
    """A grey image -> its lines, ready for the model (boxes in the file's pixels; see `find_ink`)."""
    marks = find_ink(gray, speck=SPECK, source_scale=source_scale)
    if isinstance(marks, str):
        return Page([], [], marks)
    field = find_field(marks)
    page = find_lines(outside_field(marks, field))
    removed = marks.structure.removed if marks.structure is not None and marks.structure.removed.any() else None
    if field is not None:
        return replace(page, reason=None, field=field, removed=removed)
    return replace(page, removed=removed) if page.lines else Page([], [], page.reason, removed=removed)


def read_lines(reader: Predictor, lines: list[LineInput], batch: int = 32) -> list[list[DecodedChar]]:
    """The characters of each line, by one model call per batch of lines of the same padded width; a line read
    with doubt is read again a pixel lower and a pixel higher, and the three readings averaged (see SURE)."""
    decoded: list[list[DecodedChar]] = [[] for _ in lines]
    for chunk, images in line_batches([line.image for line in lines], batch):
        probs = reader.run(images)
        for k, i in enumerate(chunk):
            decoded[i] = decode_line(probs[k], lines[i].image, images.shape[2])
        unsure = [k for k, i in enumerate(chunk) if _confidence(decoded[i]) < SURE]
        if unsure:
            # Shifted in height only, a line keeps its columns, so the readings' columns line up and average.
            views = [probs[unsure]] + [reader.run(_shifted(images[unsure], rows)) for rows in (1, -1)]
            for k, averaged in zip(unsure, np.mean(views, axis=0)):
                decoded[chunk[k]] = decode_line(averaged, lines[chunk[k]].image, images.shape[2])
    return decoded


def _confidence(chars: list[DecodedChar]) -> float:
    """How sure a reading is: the product of its characters' confidences (1 for nothing read)."""
    return float(np.prod([c.confidence for c in chars]))


def _shifted(images: np.ndarray, rows: int) -> np.ndarray:
    """(N, H, W, 1) line images moved down (`rows` > 0) or up, blank rows coming in."""
    out = np.zeros_like(images)
    if rows > 0:
        out[:, rows:] = images[:, :-rows]
    else:
        out[:, :rows] = images[:, -rows:]
    return out


def _char_boxes(line: LineInput, chars: list[DecodedChar], factor: float) -> list[list[int]]:
    """Each character's box in the original image: its share of the line's width, the line's height."""
    boxes = []
    for start, end in char_spans(chars, line.columns):
        x0, x1 = line.source_x(start), line.source_x(end)
        boxes.append([int(round(v / factor)) for v in (x0, line.y0, max(1.0, x1 - x0), line.height)])
    return boxes


def page_answer(label: str, page: Page, decoded: list[list[DecodedChar]], min_confidence: float = 0.0,
                field: dict | None = None) -> dict:
    """The JSON answer of `read`: every line's text, box, confidence and characters, and the whole text.

    `field` is the page's comb field already read (see `fields.field_line`), placed among the lines by height.
    """
    lines = [field] if field else []
    for line, box, chars in zip(page.lines, page.boxes, decoded):
        if not chars:
            continue
        digits = [{"char": c.char, "digit": int(c.char) if c.char.isdigit() else None,
                   "confidence": round(c.confidence, 6), "box": char_box}
                  for c, char_box in zip(chars, _char_boxes(line, chars, page.factor))]
        confidence = _confidence(chars)  # a number is only as sure as all its characters
        lines.append({"text": "".join(c.char for c in chars), "box": list(box), "confidence": round(confidence, 6), "digits": digits})
    lines.sort(key=lambda line: line["box"][1])
    answer = {
        "path": label,
        "text": "\n".join(line["text"] for line in lines),
        "confidence": round(float(np.prod([line["confidence"] for line in lines])), 6) if lines else None,
        "digits": [d for line in lines for d in line["digits"]],
        "lines": lines,
    }
    if not lines:
        answer["reason"] = page.reason or "no digit found"
    elif answer["confidence"] < min_confidence:
        answer["review"] = True  # too unsure to trust: a person should look
    return answer


def corrected_parts(gray: np.ndarray, page: Page, answer: dict, text: str, scale: float = 1.0) -> tuple[list, list]:
    """A person's correction of a read number, split for storing: (lines, digits).

    lines: (line as the reader saw it, right text, reader's text) per line of writing;
    digits: (28x28 input, right digit, reader's digit) for each digit whose place is sure,
    that is where the reader's line had as many characters as the right one. `scale` is `gray`'s size
    relative to the file's (the answer's boxes are in the file's pixels).
    Raises ValueError when the text does not have one line per line of writing.
    """
    from digits.reading.preprocess import segment

    wanted = text.split("\n")
    if len(wanted) != len(page.lines):
        raise ValueError(f"the image holds {len(page.lines)} line(s) of writing; send one line of text for each")
    said_by_box = {tuple(line["box"]): line for line in answer["lines"]}  # a line read as nothing has no entry
    read = [said_by_box.get(tuple(box)) for box in page.boxes]
    lines, digits = [], []
    for line, right, said in zip(page.lines, wanted, read):
        lines.append((line.image, right, said["text"] if said else None))
        if not said or len(said["text"]) != len(right):
            continue
        for char, item in zip(right, said["digits"]):
            if item is None:
                continue  # an empty box of a form field
            x, y, w, h = (int(round(v * scale)) for v in item["box"])
            found = segment(gray[max(0, y) : y + h, max(0, x) : x + w]) if char.isdigit() and w > 1 and h > 1 else None
            if found is not None and found.crops:
                digits.append((found.crops[0].image, int(char), item["digit"]))
    return lines, digits
