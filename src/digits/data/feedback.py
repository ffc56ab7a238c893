"""Corrections sent from the web page: stored in SQLite, exported as a training set."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digits.card import LINE_LABELS
from digits.data.idx import write_idx
from digits.data.synth import encode
from digits.errors import DataError
from digits.data.mnist import IMAGE_SHAPE, MNIST_FILES

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    predicted INTEGER CHECK (predicted BETWEEN 0 AND 9),
    image BLOB NOT NULL,          -- the image as the user sent it
    model_input BLOB NOT NULL     -- the 28x28 the model saw, PNG
);
CREATE TABLE IF NOT EXISTS number_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    text TEXT NOT NULL,           -- the right reading of one line, 0-9 . , -
    predicted TEXT,               -- what the reader said
    image BLOB NOT NULL,          -- the image as the user sent it
    line_input BLOB NOT NULL      -- the line as the reader saw it (32 pixels high), PNG
)
"""
NUMBER_CHARS = set(LINE_LABELS[1:])  # what a corrected number may hold: 0-9 . , -


def user_data_home() -> Path:
    """The per-user folder where `digits` keeps what it makes by default (corrections, sample grids,
    reports of shipped models), so nothing lands in the folder a command happens to run in."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("digits"))


def default_feedback_db() -> Path:
    return user_data_home() / "feedback.sqlite3"


def _png(image: np.ndarray) -> bytes:
    return encode(np.clip(image, 0, 255).astype(np.uint8), "PNG")


MAX_STORED_SIDE = 4096  # a stored model input is 28x28, a line 32 high; anything bigger was not written here


def _unpng(blob: object) -> np.ndarray | None:
    """A stored PNG as a grey array, or None when the blob is not a PNG of a sane size (checked before decoding)."""
    if not isinstance(blob, bytes) or len(blob) < 24 or not blob.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
    if not (0 < width <= MAX_STORED_SIDE and 0 < height <= MAX_STORED_SIDE):
        return None
    return cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_GRAYSCALE)


@dataclass(frozen=True)
class FeedbackStore:
    """A SQLite file of corrections; each write is one transaction, safe with concurrent writers."""

    path: Path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        connection.executescript(SCHEMA)
        return connection

    def add(self, image: bytes, model_input: np.ndarray, label: int, predicted: int | None) -> int:
        """Store one correction; returns its id."""
        with closing(self._connect()) as connection, connection:  # commits, or rolls back on error
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, label, predicted, image, model_input) VALUES (?, ?, ?, ?, ?)",
                (time.time(), int(label), None if predicted is None else int(predicted), image, _png(model_input)),
            )
            return int(cursor.lastrowid)

    def add_number(self, image: bytes, lines: list[tuple[np.ndarray, str, str | None]],
                   digits: list[tuple[np.ndarray, int, int | None]]) -> list[int]:
        """Store a corrected number in one transaction: each line (its input, right text, reader's text) as a
        string, and each digit whose place in the line is sure (28x28 input, right digit, reader's digit).
        The upload is kept once, with the first line; the other rows point to it by time and carry no copy."""
        if any(not text or set(text) - NUMBER_CHARS for _, text, _ in lines):
            raise ValueError("a number's text holds only 0-9 . , -")
        now = time.time()
        with closing(self._connect()) as connection, connection:
            ids = [int(connection.execute(
                "INSERT INTO number_feedback (created_at, text, predicted, image, line_input) VALUES (?, ?, ?, ?, ?)",
                (now, text, predicted, image if i == 0 else b"", _png(line))).lastrowid)
                for i, (line, text, predicted) in enumerate(lines)]
            for crop, label, predicted in digits:
                connection.execute(
                    "INSERT INTO feedback (created_at, label, predicted, image, model_input) VALUES (?, ?, ?, ?, ?)",
                    (now, int(label), predicted, b"", _png(crop)))
            return ids

    def number_rows(self) -> list[tuple[int, str, str | None, np.ndarray]]:
        """(id, text, predicted, line image) for every stored line correction."""
        if not self.path.exists():
            return []
        found = self._select("SELECT id, text, predicted, line_input FROM number_feedback ORDER BY id")
        return [(i, text, predicted, image) for i, text, predicted, blob in found
                if isinstance(text, str) and text and not set(text) - NUMBER_CHARS and (image := _unpng(blob)) is not None]

    def _select(self, query: str) -> list[tuple]:
        """Rows of a query; a file that is not this store's database is a one-line DataError."""
        if not self.path.exists():
            return []
        try:
            with closing(self._connect()) as connection:
                return connection.execute(query).fetchall()
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{self.path}: not a digits feedback database ({exc})") from None

    def checked_rows(self) -> tuple[list[tuple[int, int, int | None, np.ndarray]], list[str]]:
        """(id, label, predicted, 28x28 uint8 model input) for every usable correction, and a line per row skipped.

        The database may have been edited by hand: a label that is not a digit 0-9 (it becomes a folder name)
        or an image that is not a 28x28 PNG is skipped, never trusted."""
        good, problems = [], []
        for ident, label, predicted, blob in self._select("SELECT id, label, predicted, model_input FROM feedback ORDER BY id"):
            image = _unpng(blob)
            if type(label) is not int or not 0 <= label <= 9:
                problems.append(f"row {ident}: label {label!r} is not a digit 0-9")
            elif image is None or image.shape != IMAGE_SHAPE:
                problems.append(f"row {ident}: the stored model input is not a {IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]} PNG")
            else:
                good.append((ident, label, predicted if type(predicted) is int else None, image))
        return good, problems

    def rows(self) -> list[tuple[int, int, int | None, np.ndarray]]:
        """The usable corrections (see `checked_rows`)."""
        return self.checked_rows()[0]


NUMBERS_DIR = "numbers"  # line images and their texts, for the sequence reader
NUMBERS_INDEX = "labels.tsv"


def export_feedback(store: FeedbackStore, out_dir: Path, fmt: str = "idx") -> tuple[int, int, list[str]]:
    """Write the corrections as datasets; return (digits, number lines) written and a line per row skipped.

    Digits: MNIST-style IDX training files (`fmt="idx"`, for `digits train --extra-data`) or PNGs in
    one folder per digit (`fmt="png"`). Number lines: always PNGs in numbers/ with labels.tsv
    (file, right text, reader's text), a dataset for fine-tuning a number reader (`digits train`
    does not read it yet).
    """
    if fmt not in ("idx", "png"):
        raise ValueError(f"unknown format {fmt!r}")
    rows, problems = store.checked_rows()
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "idx":
        images = np.stack([r[3] for r in rows]) if rows else np.zeros((0, *IMAGE_SHAPE), np.uint8)
        # The names of MNIST's training files, so `digits train --extra-data` finds them.
        write_idx(out_dir / MNIST_FILES["x_train"].name, images)
        write_idx(out_dir / MNIST_FILES["y_train"].name, np.array([r[1] for r in rows], np.uint8))
    else:
        for ident, label, _, image in rows:
            (out_dir / str(label)).mkdir(exist_ok=True)
            cv2.imwrite(str(out_dir / str(label) / f"{ident:06d}.png"), image)
    return len(rows), _export_numbers(store, out_dir / NUMBERS_DIR), problems


def _export_numbers(store: FeedbackStore, folder: Path) -> int:
    numbers = store.number_rows()
    if not numbers:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    index = ["file\ttext\tpredicted"]
    for ident, text, predicted, image in numbers:
        cv2.imwrite(str(folder / f"{ident:06d}.png"), image)
        index.append(f"{ident:06d}.png\t{text}\t{predicted or ''}")
    (folder / NUMBERS_INDEX).write_text("\n".join(index) + "\n")
    return len(numbers)
