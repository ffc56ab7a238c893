"""Digits in a user's image: one digit (`predict` mode) or written numbers (`read` mode).

`read_image` is the one function that turns a file or its bytes into an answer;
the CLI, the API and `--explain` all call it. `recognize_many` answers many files
at once (parallel preparation, batched scoring) with the same steps. Every
answer is a JSON-ready dict; a file that cannot be read gives {"error": ...}.

`predict` mode finds the digit and scores it with the digit model (a
Predictor). `read` mode finds the lines of writing and reads each whole with
the sequence reader (a line Predictor; the shipped one unless one is given).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path

import numpy as np

from digits.errors import ImageError
from digits.reading.agreement import agreed
from digits.reading.decode import Decoded, decode_image, source_label
from digits.reading.numbers import Page, page_answer, prepare_page, read_lines
from digits.reading.fields import field_line
from digits.reading.refusal import IN_A_LINE, drop_refused
from digits.reading.predictor import Predictor, load_line_reader, load_predictor
from digits.reading.preprocess import Segmentation, segment


@dataclass(frozen=True)
class Reading:
    """One image read: the JSON answer, and what was seen on the way (None when the file was unreadable)."""

    answer: dict
    gray: np.ndarray | None = None  # the decoded image, grey levels in [0, 1]
    prepared: Segmentation | Page | None = None  # predict mode: the digit found; read mode: the lines
    scale: float = 1.0  # the decoded image's size relative to the file's (boxes are in the file's pixels)

    @property
    def error(self) -> str | None:
        """Why the file could not be read, or None."""
        return self.answer.get("error")

    @property
    def inputs(self) -> list[np.ndarray]:
        """What the model saw: the 28x28 digit, or each line as the reader took it (grey levels 0-255)."""
        if isinstance(self.prepared, Segmentation):
            return [crop.image for crop in self.prepared.crops]
        if not self.prepared:
            return []
        cells = [cell.image for cell in self.prepared.field.cells if cell is not None] if self.prepared.field else []
        return [line.image for line in self.prepared.lines] + cells


Prepared = Segmentation | Page


@cache
def shipped_line_reader() -> Predictor:
    """The number reader shipped with the package, loaded once per process."""
    return load_line_reader()


@cache
def shipped_digit_model() -> Predictor:
    """The digit model shipped with the package, loaded once per process (read mode's comb fields, refusals and
    second opinions when no digit model is given). It does not spin: in read mode it runs between the line
    reader and the next image's preparation, whose cores spinning threads would take."""
    return load_predictor(spin=False)


def prepare(source: Path | bytes, row: bool = False, name: str | None = None) -> tuple[Decoded, Prepared]:
    """Read an image and find its digit (predict mode) or its lines (read mode). Raises ImageError."""
    decoded = decode_image(source, name=name)
    scale = decoded.scale
    return decoded, prepare_page(decoded.gray, scale) if row else segment(decoded.gray, source_scale=scale)


def read_image(predictor: Predictor | None, source: Path | bytes, row: bool = False, name: str | None = None,
               reader: Predictor | None = None, min_confidence: float = 0.0) -> Reading:
    """Decode, find the writing, read it: the answer for one image (`read` mode when row=True).

    `predictor` is the digit model (read mode uses it for comb fields, refusals and second opinions, and may
    pass None for the shipped one), `reader` the line model for read mode (default: the shipped one); an
    answer whose confidence is below `min_confidence` is marked `"review": true`.
    """
    label = source_label(source, name)
    try:
        decoded, prepared = prepare(source, row=row, name=label)
    except ImageError as exc:
        return Reading({"path": label, "error": str(exc)})
    answer = score_prepared([(label, prepared)], predictor, reader, min_confidence)[0]
    return Reading(answer, decoded.gray, prepared, decoded.scale)


def recognize(predictor: Predictor | None, source: Path | bytes, row: bool = False, name: str | None = None,
              reader: Predictor | None = None) -> dict:
    """The JSON answer for one image: `read` mode when row=True, else `predict` mode (see `read_image`)."""
    return read_image(predictor, source, row=row, name=name, reader=reader).answer


NOT_A_DIGIT = "not a digit: the mark looks like a letter, a symbol or a scribble"


def digit_answer(label: str, segmentation: Segmentation, probabilities: np.ndarray | None,
                 not_digit: float | None = None, refused: bool = False) -> dict:
    """The JSON answer for one image in `predict` mode (`refused`: the model says the mark is not a digit)."""
    if not segmentation.crops:
        return {"path": label, "digit": None, "confidence": None, "probabilities": None, "reason": segmentation.reason}
    probs = [round(float(p), 6) for p in probabilities[0]]
    digit = int(np.argmax(probabilities[0]))
    answer = {"path": label, "digit": digit, "confidence": probs[digit], "probabilities": probs,
              "box": list(segmentation.crops[0].box)}
    if not_digit is not None:
        answer["not_digit"] = round(float(not_digit), 6)
    if refused:
        answer.update(digit=None, confidence=None, reason=NOT_A_DIGIT)
    if segmentation.note:
        answer["note"] = segmentation.note
    return answer


def read_by_components(predictor: Predictor, gray: np.ndarray, label: str = "image") -> dict:
    """The previous `read`: cut the row into digits by connected components, score each with the digit model.

    Kept as the baseline the benchmark measures the sequence reader against.
    """
    segmentation = segment(gray, row=True)
    digits = []
    if segmentation.crops:
        probabilities = predictor.predict_proba(np.stack([crop.image for crop in segmentation.crops]))
        for crop, probs in zip(segmentation.crops, probabilities):
            digit = int(np.argmax(probs))
            digits.append({"digit": digit, "confidence": round(float(probs[digit]), 6), "box": list(crop.box)})
    answer = {"path": label, "text": "".join(str(d["digit"]) for d in digits), "digits": digits}
    if not digits:
        answer["reason"] = segmentation.reason
    return answer


PARALLEL_FROM = 64  # fewer files than this are prepared in-process: starting workers would cost more


def recognize_many(
    predictor: Predictor, paths: Iterable[Path], row: bool = False, workers: int | None = None, batch: int = 256,
    reader: Predictor | None = None, min_confidence: float = 0.0,
) -> Iterator[dict]:
    """Answers in input order, streamed: images are read and prepared in worker processes, scored in batches.

    With PARALLEL_FROM files or more, give it Predictors made with spin=False: they then leave the
    cores to the workers between batches.
    """
    paths = list(paths)
    workers = workers or os.cpu_count() or 1
    load = partial(_load_one, row=row)
    score = partial(score_or_error, predictor=predictor, reader=reader, min_confidence=min_confidence)
    if workers == 1 or len(paths) < PARALLEL_FROM:
        yield from _in_batches(map(load, paths), score, batch)
        return
    # Processes, not threads: the per-image work is many small numpy/OpenCV calls that hold the GIL.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from _in_batches(pool.map(load, paths, chunksize=32), score, batch)


def _load_one(path: Path, row: bool) -> tuple[str, Prepared | str]:
    """(label, what was found) or (label, error message): picklable, for worker processes."""
    try:
        return str(path), prepare(path, row=row)[1]
    except ImageError as exc:
        return str(path), str(exc)


def _in_batches(loaded: Iterable[tuple[str, Prepared | str]], score, batch: int) -> Iterator[dict]:
    pending: list[tuple[str, Prepared | str]] = []
    for item in loaded:
        pending.append(item)
        if len(pending) >= batch:
            yield from score(pending)
            pending = []
    yield from score(pending)


def score_or_error(items: list[tuple[str, Prepared | str]], predictor: Predictor, reader: Predictor | None,
                   min_confidence: float) -> list[dict]:
    """Score the prepared items together; keep errors in their place."""
    good = [(label, found) for label, found in items if not isinstance(found, str)]
    scored = iter(score_prepared(good, predictor, reader, min_confidence)) if good else iter(())
    return [{"path": label, "error": found} if isinstance(found, str) else next(scored) for label, found in items]


def score_prepared(items: list[tuple[str, Prepared]], predictor: Predictor, reader: Predictor | None = None,
                   min_confidence: float = 0.0) -> list[dict]:
    """One model call for every digit of every item in predict mode; batched line reading in read mode."""
    if items and isinstance(items[0][1], Page):
        return _score_pages(items, predictor, reader, min_confidence)
    crops = [crop.image for _, seg in items for crop in seg.crops]
    # Where printed lines were removed, the digit found with them left in is scored in the same call.
    others = [seg.alternative.image for _, seg in items if _has_alternative(seg, predictor)]
    images = np.stack(crops + others) if crops or others else np.zeros((0, 28, 28), np.float32)
    probabilities, not_digit = predictor.scores(images) if len(images) else (np.zeros((0, 10)), np.zeros(0))
    refused = predictor.refusals(images, not_digit)
    answers, start, other = [], 0, len(crops)
    for label, seg in items:
        rows = list(range(start, start + len(seg.crops)))
        start += len(seg.crops)
        if _has_alternative(seg, predictor):
            # A pale grid line can take a stroke of the digit with it: if the model refuses what was left
            # and accepts the digit found with the lines left in, that one is the answer.
            if refused[rows[0]] and not refused[other]:
                seg, rows = replace(seg, crops=[seg.alternative]), [other]
            other += 1
        part = probabilities[rows] if rows else None
        extra = {"not_digit": not_digit[rows[0]], "refused": bool(refused[rows[0]])} if rows and predictor.rejects else {}
        answers.append(digit_answer(label, seg, part, **extra))
    return answers


def _has_alternative(seg: Segmentation, predictor: Predictor) -> bool:
    """Whether the segmentation carries a second reading to fall back on (see `segment`)."""
    return seg.alternative is not None and bool(seg.crops) and predictor.rejects


def _score_pages(items: list[tuple[str, Page]], predictor: Predictor | None, reader: Predictor | None,
                 min_confidence: float) -> list[dict]:
    """Read mode: every line of every page in batches with the sequence reader; the digit model (the shipped
    one when `predictor` is None) reads comb fields box by box, refuses marks that are not digits and gives its
    second opinion on digits that stand apart."""
    lines = [line for _, page in items for line in page.lines]
    decoded = read_lines(reader or shipped_line_reader(), lines) if lines else []
    model = predictor or shipped_digit_model()
    decoded = _second_opinions(items, decoded, model) if model.rejects else decoded
    cells = [cell.image for _, page in items if page.field for cell in page.field.cells if cell is not None]
    probabilities, not_digit = model.scores(np.stack(cells)) if cells else (np.zeros((0, 10)), np.zeros(0))
    refused = model.refuses(not_digit)  # a form's box asks for a digit: no second look (see Predictor.refusals)
    answers, start, cell = [], 0, 0
    for label, page in items:
        field = None
        if page.field is not None:
            used = sum(c is not None for c in page.field.cells)
            field = field_line(page.field, probabilities[cell : cell + used], refused[cell : cell + used])
            cell += used
        answers.append(page_answer(label, page, decoded[start : start + len(page.lines)], min_confidence, field))
        start += len(page.lines)
    return answers


def _second_opinions(items: list[tuple[str, Page]], decoded: list, model: Predictor) -> list:
    """Each line's characters with the digit model's opinion on each mark that stands alone: a digit matched to
    its mark is decided by both models (see `reading.agreement`), and the one character on a mark the model
    says is not a digit is left out."""
    per_line = [marks for _, page in items for marks in (page.lone or [[] for _ in page.lines])]
    images = [mark.image for marks in per_line for mark in marks]
    if not images:
        return decoded
    probabilities, not_digit = model.scores(np.stack(images))
    doubtful = model.refuses(not_digit)
    refused = doubtful & (not_digit >= IN_A_LINE)
    lines = [line for _, page in items for line in page.lines]
    out, start = [], 0
    for line, chars, marks in zip(lines, decoded, per_line, strict=True):
        end = start + len(marks)
        chars = agreed(line, chars, marks, probabilities[start:end], doubtful[start:end])
        out.append(drop_refused(line, chars, marks, [bool(r) for r in refused[start:end]]))
        start = end
    return out
