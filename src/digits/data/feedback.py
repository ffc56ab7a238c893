"""Corrections sent from the web page: stored in SQLite, exported as a training set."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digits.data.idx import write_idx
from digits.data.mnist import IMAGE_SHAPE, MNIST_FILES

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    predicted INTEGER CHECK (predicted BETWEEN 0 AND 9),
    image BLOB NOT NULL,          -- the image as the user sent it
    model_input BLOB NOT NULL     -- the 28x28 the model saw, PNG
)
"""


@dataclass(frozen=True)
class FeedbackStore:
    """A SQLite file of corrections; each write is one transaction, safe with concurrent writers."""

    path: Path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        connection.execute(SCHEMA)
        return connection

    def add(self, image: bytes, model_input: np.ndarray, label: int, predicted: int | None) -> int:
        """Store one correction; returns its id."""
        ok, png = cv2.imencode(".png", np.clip(model_input, 0, 255).astype(np.uint8))
        with closing(self._connect()) as connection, connection:  # commits, or rolls back on error
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, label, predicted, image, model_input) VALUES (?, ?, ?, ?, ?)",
                (time.time(), int(label), None if predicted is None else int(predicted), image, png.tobytes()),
            )
            return int(cursor.lastrowid)

    def rows(self) -> list[tuple[int, int, int | None, np.ndarray]]:
        """(id, label, predicted, 28x28 uint8 model input) for every stored correction."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as connection:
            found = connection.execute("SELECT id, label, predicted, model_input FROM feedback ORDER BY id").fetchall()
        return [(i, label, pred, cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_GRAYSCALE)) for i, label, pred, blob in found]


def export_feedback(store: FeedbackStore, out_dir: Path, fmt: str = "idx") -> int:
    """Write the corrections as a dataset: MNIST-style IDX training files, or PNGs in one folder per digit."""
    rows = store.rows()
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "idx":
        images = np.stack([r[3] for r in rows]) if rows else np.zeros((0, *IMAGE_SHAPE), np.uint8)
        # The names of MNIST's training files, so `digits train --extra-data` finds them.
        write_idx(out_dir / MNIST_FILES["x_train"].name, images)
        write_idx(out_dir / MNIST_FILES["y_train"].name, np.array([r[1] for r in rows], np.uint8))
    elif fmt == "png":
        for ident, label, _, image in rows:
            (out_dir / str(label)).mkdir(exist_ok=True)
            cv2.imwrite(str(out_dir / str(label) / f"{ident:06d}.png"), image)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return len(rows)
