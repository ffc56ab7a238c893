"""Tiny generated data and a tiny trained model, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digits.data import MNIST_FILES  # noqa: E402
from digits.idx import write_idx  # noqa: E402


def render_digits(labels: np.ndarray, seed: int) -> np.ndarray:
    """(N, 28, 28) uint8: each label drawn white on black in Pillow's font, jittered in place and size."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    images = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        font = ImageFont.load_default(size=int(rng.integers(16, 23)))
        canvas = Image.new("L", (28, 28), 0)
        ImageDraw.Draw(canvas).text((14 + rng.integers(-2, 3), 14 + rng.integers(-2, 3)), str(label), fill=255, font=font, anchor="mm")
        images[i] = np.asarray(canvas)
    return images


def write_tiny_mnist(folder: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    """Write the four MNIST files (gzipped IDX) with rendered digits into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    y_train = rng.integers(0, 10, n_train).astype(np.uint8)
    y_test = rng.integers(0, 10, n_test).astype(np.uint8)
    arrays = {"x_train": render_digits(y_train, seed), "y_train": y_train, "x_test": render_digits(y_test, seed + 1), "y_test": y_test}
    for key, spec in MNIST_FILES.items():
        write_idx(folder / spec.name, arrays[key])
    return folder


@pytest.fixture(scope="session")
def tiny_mnist_dir(tmp_path_factory) -> Path:
    return write_tiny_mnist(tmp_path_factory.mktemp("tiny_mnist"))


@pytest.fixture(scope="session")
def tiny_mnist(tiny_mnist_dir):
    from digits.data import load_mnist

    return load_mnist(tiny_mnist_dir)


@pytest.fixture(scope="session")
def tiny_run(tiny_mnist, tmp_path_factory):
    """An `mlp` trained for a few epochs on the tiny data, saved as a run folder."""
    from digits.train import TrainConfig, save_run, train_model

    result = train_model(TrainConfig(model="mlp", epochs=5, batch_size=32), tiny_mnist)
    run_dir = tmp_path_factory.mktemp("runs") / "mlp"
    save_run(result, run_dir)
    return run_dir, result


@pytest.fixture(scope="session")
def real_mnist_dir() -> Path:
    """The real MNIST files from DIGITS_DATA_DIR (CI points it at ../shared/mnist)."""
    folder = os.environ.get("DIGITS_DATA_DIR")
    if not folder:
        pytest.skip("DIGITS_DATA_DIR is not set: the real-MNIST integration test needs the four MNIST files")
    return Path(folder)
