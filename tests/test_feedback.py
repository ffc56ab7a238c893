"""The corrections store: every write is all or nothing, and the export is a usable dataset."""

import sqlite3

import numpy as np
import pytest

from digits.data.mnist import MNIST_FILES
from digits.data.feedback import FeedbackStore, export_feedback
from digits.data.idx import read_idx


def _digit(value: int) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[6:22, 10 + value : 14 + value] = 255
    return image


def test_a_write_that_fails_midway_leaves_nothing_behind(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.add(b"first", _digit(1), label=1, predicted=7)
    with pytest.raises(sqlite3.IntegrityError):
        store.add(b"second", _digit(2), label=42, predicted=None)  # the database refuses it inside the transaction
    rows = store.rows()
    assert [(label, predicted) for _, label, predicted, _ in rows] == [(1, 7)]
    np.testing.assert_array_equal(rows[0][3], _digit(1).astype(np.uint8))
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_export_as_idx_is_training_data_and_as_png_one_folder_per_digit(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    for label in (3, 3, 5):
        store.add(b"image bytes", _digit(label), label=label, predicted=None)
    assert export_feedback(store, tmp_path / "idx", "idx") == (3, 0, [])
    images = read_idx(tmp_path / "idx" / MNIST_FILES["x_train"].name, expected_ndim=3)
    labels = read_idx(tmp_path / "idx" / MNIST_FILES["y_train"].name, expected_ndim=1)
    assert images.shape == (3, 28, 28) and labels.tolist() == [3, 3, 5]
    assert export_feedback(store, tmp_path / "png", "png") == (3, 0, [])
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["3", "5"]
    assert len(list((tmp_path / "png" / "3").glob("*.png"))) == 2


def test_export_trusts_nothing_the_database_holds(tmp_path):
    """A hand-edited database: bad labels and blobs are reported and skipped, nothing is written outside."""
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:  # the table as someone edited it: no constraints left
        db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL, label, predicted, image, model_input)")
    store = FeedbackStore(path)
    good = store.add(b"raw", np.full((28, 28), 200, np.float32), 3, None)
    with sqlite3.connect(store.path) as db:
        for label, blob in (("../../escape", b"x"), (300, b"x"), (-1, b"x"), (5, None), (6, b"not a png")):
            db.execute("INSERT INTO feedback (created_at, label, predicted, image, model_input) VALUES (0, ?, NULL, x'00', ?)",
                       (label, blob))
    digits, numbers, skipped = export_feedback(store, tmp_path / "out" / "png", "png")
    assert (digits, numbers, len(skipped)) == (1, 0, 5)
    assert not (tmp_path / "escape").exists() and not list((tmp_path / "out").rglob("*escape*"))
    assert [p.name for p in (tmp_path / "out" / "png").rglob("*.png")] == [f"{good:06d}.png"]


def test_a_file_that_is_not_a_feedback_database_is_one_clear_error(tmp_path):
    from digits.errors import DataError

    bogus = tmp_path / "feedback.sqlite3"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DataError, match="not a digits feedback database"):
        export_feedback(FeedbackStore(bogus), tmp_path / "out", "idx")
