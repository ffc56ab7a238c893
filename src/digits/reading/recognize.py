"""Digits in a user's image: one digit (`predict` mode) or a written number (`read` mode).

`read_image` is the one function that turns a file or its bytes into an answer;
the CLI, the API and `--explain` all call it. `recognize_many` answers many files
at once (parallel preparation, batched scoring) with the same steps. Every
answer is a JSON-ready dict; a file that cannot be read gives {"error": ...}.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from digits.errors import ImageError
from digits.reading.decode import read_gray
from digits.reading.predictor import Predictor
from digits.reading.preprocess import Segmentation, segment


@dataclass(frozen=True)
class Reading:
    """One image read: the JSON answer, and what was seen on the way (None when the file was unreadable)."""

    answer: dict
    gray: np.ndarray | None = None  # the decoded image, grey levels in [0, 1]
    segmentation: Segmentation | None = None  # the digits found and the 28x28 inputs the model saw

    @property
    def error(self) -> str | None:
        """Why the file could not be read, or None."""
        return self.answer.get("error")


def prepare(source: Path | bytes, row: bool = False, name: str | None = None) -> tuple[np.ndarray, Segmentation]:
    """Read an image and find its digit(s): (grey image, segmentation). Raises ImageError."""
    gray = read_gray(source, name=name)
    return gray, segment(gray, row=row)


def source_label(source: Path | bytes, name: str | None) -> str:
    """How an answer names its image: the given name, the path, or "image" for bytes."""
    return name or (str(source) if isinstance(source, Path) else "image")


def read_image(predictor: Predictor, source: Path | bytes, row: bool = False, name: str | None = None) -> Reading:
    """Decode, find the digits, score them: the answer for one image (`read` mode when row=True)."""
    label = source_label(source, name)
    try:
        gray, segmentation = prepare(source, row=row, name=label)
    except ImageError as exc:
        return Reading({"path": label, "error": str(exc)})
    return Reading(score_prepared([(label, segmentation)], predictor, row)[0], gray, segmentation)


def recognize(predictor: Predictor, source: Path | bytes, row: bool = False, name: str | None = None) -> dict:
    """The JSON answer for one image: `read` mode when row=True, else `predict` mode."""
    return read_image(predictor, source, row=row, name=name).answer


def digit_answer(label: str, segmentation: Segmentation, probabilities: np.ndarray | None) -> dict:
    """The JSON answer for one image in `predict` mode."""
    if not segmentation.crops:
        return {"path": label, "digit": None, "confidence": None, "probabilities": None, "reason": segmentation.reason}
    probs = [round(float(p), 6) for p in probabilities[0]]
    digit = int(np.argmax(probabilities[0]))
    return {"path": label, "digit": digit, "confidence": probs[digit], "probabilities": probs,
            "box": list(segmentation.crops[0].box)}


def number_answer(label: str, segmentation: Segmentation, probabilities: np.ndarray | None) -> dict:
    """The JSON answer for one image in `read` mode: the digits left to right."""
    digits = []
    for crop, probs in zip(segmentation.crops, probabilities if probabilities is not None else []):
        digit = int(np.argmax(probs))
        digits.append({"digit": digit, "confidence": round(float(probs[digit]), 6), "box": list(crop.box)})
    answer = {"path": label, "text": "".join(str(d["digit"]) for d in digits), "digits": digits}
    if not digits:
        answer["reason"] = segmentation.reason
    return answer


PARALLEL_FROM = 64  # fewer files than this are prepared in-process: starting workers would cost more


def recognize_many(
    predictor: Predictor, paths: Iterable[Path], row: bool = False, workers: int | None = None, batch: int = 256
) -> Iterator[dict]:
    """Answers in input order, streamed: images are read and prepared in worker processes, scored in batches.

    With PARALLEL_FROM files or more, give it a Predictor made with spin=False: it then leaves the
    cores to the workers between batches.
    """
    paths = list(paths)
    workers = workers or os.cpu_count() or 1
    load = partial(_load_one, row=row)
    if workers == 1 or len(paths) < PARALLEL_FROM:
        loaded = map(load, paths)
        yield from _in_batches(loaded, predictor, row, batch)
        return
    # Processes, not threads: the per-image work is many small numpy/OpenCV calls that hold the GIL.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from _in_batches(pool.map(load, paths, chunksize=32), predictor, row, batch)


def _load_one(path: Path, row: bool) -> tuple[str, Segmentation | str]:
    """(label, segmentation) or (label, error message): picklable, for worker processes."""
    try:
        return str(path), prepare(path, row=row)[1]
    except ImageError as exc:
        return str(path), str(exc)


def _in_batches(loaded: Iterable[tuple[str, Segmentation | str]], predictor: Predictor, row: bool, batch: int) -> Iterator[dict]:
    pending: list[tuple[str, Segmentation | str]] = []
    for item in loaded:
        pending.append(item)
        if len(pending) >= batch:
            yield from _score_or_error(pending, predictor, row)
            pending = []
    yield from _score_or_error(pending, predictor, row)


def _score_or_error(items: list[tuple[str, Segmentation | str]], predictor: Predictor, row: bool) -> list[dict]:
    """Score the prepared items together; keep errors in their place."""
    good = [(label, seg) for label, seg in items if isinstance(seg, Segmentation)]
    scored = iter(score_prepared(good, predictor, row)) if good else iter(())
    return [next(scored) if isinstance(seg, Segmentation) else {"path": label, "error": seg} for label, seg in items]


def score_prepared(items: list[tuple[str, Segmentation]], predictor: Predictor, row: bool) -> list[dict]:
    """One model call for every digit of every item."""
    crops = [crop.image for _, seg in items for crop in seg.crops]
    probabilities = predictor.predict_proba(np.stack(crops)) if crops else np.zeros((0, 10))
    answers, start = [], 0
    for label, seg in items:
        part = probabilities[start : start + len(seg.crops)] if seg.crops else None
        start += len(seg.crops)
        answers.append(number_answer(label, seg, part) if row else digit_answer(label, seg, part))
    return answers
