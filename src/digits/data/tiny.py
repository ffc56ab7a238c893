"""A tiny MNIST-shaped dataset of typeset digits, made in a second: for tests and benchmark smoke runs.

Each digit is drawn white on black in Pillow's own font, jittered in place and
size, and written as the four MNIST files (gzipped IDX), so every loader and
command runs on it exactly as on the real files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digits.data.idx import write_idx
from digits.data.mnist import IMAGE_SHAPE, MNIST_FILES


def render_digits(labels: np.ndarray, seed: int) -> np.ndarray:
    """(N, 28, 28) uint8: each label drawn white on black, jittered in place and size."""
    rng = np.random.default_rng(seed)
    side = IMAGE_SHAPE[0]
    images = np.zeros((len(labels), *IMAGE_SHAPE), dtype=np.uint8)
    for i, label in enumerate(labels):
        font = ImageFont.load_default(size=int(rng.integers(16, 23)))
        canvas = Image.new("L", (side, side), 0)
        centre = (side // 2 + rng.integers(-2, 3), side // 2 + rng.integers(-2, 3))
        ImageDraw.Draw(canvas).text(centre, str(label), fill=255, font=font, anchor="mm")
        images[i] = np.asarray(canvas)
    return images


def write_tiny_mnist(folder: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    """Write the four MNIST files with rendered digits into `folder`; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    y_train = rng.integers(0, 10, n_train).astype(np.uint8)
    y_test = rng.integers(0, 10, n_test).astype(np.uint8)
    arrays = {"x_train": render_digits(y_train, seed), "y_train": y_train,
              "x_test": render_digits(y_test, seed + 1), "y_test": y_test}
    for key, spec in MNIST_FILES.items():
        write_idx(folder / spec.name, arrays[key])
    return folder
