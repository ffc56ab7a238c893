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
    assert export_feedback(store, tmp_path / "idx", "idx") == (3, 0)
    images = read_idx(tmp_path / "idx" / MNIST_FILES["x_train"].name, expected_ndim=3)
    labels = read_idx(tmp_path / "idx" / MNIST_FILES["y_train"].name, expected_ndim=1)
    assert images.shape == (3, 28, 28) and labels.tolist() == [3, 3, 5]
    assert export_feedback(store, tmp_path / "png", "png") == (3, 0)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == ["3", "5"]
    assert len(list((tmp_path / "png" / "3").glob("*.png"))) == 2
