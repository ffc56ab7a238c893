"""MNIST: where it comes from, loading it with validation, and the validation split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digits.data.download import ProgressFn, download_verified, sha256_of
from digits.card import MNIST_INPUT
from digits.errors import DataError
from digits.data.idx import read_idx

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


IMAGE_SHAPE = (MNIST_INPUT.size, MNIST_INPUT.size)


@dataclass(frozen=True)
class MnistFile:
    """One of the four MNIST files and the SHA-256 the public mirrors publish."""

    name: str
    sha256: str
    ndim: int


MNIST_FILES = {
    "x_train": MnistFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 3),
    "y_train": MnistFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 1),
    "x_test": MnistFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 3),
    "y_test": MnistFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 1),
}


@dataclass(frozen=True)
class Mnist:
    """The four arrays: images are (N, 28, 28) uint8 (0 = black), labels (N,) uint8."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def locate_file(folder: Path, name: str) -> Path | None:
    """The file in `folder`, gzipped or not, or None."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


SPLITS = ("train", "test")


def _files(splits: tuple[str, ...]) -> dict[str, MnistFile]:
    return {key: spec for key, spec in MNIST_FILES.items() if key.split("_")[1] in splits}


def resolve_data_dir(
    data_dir: Path | None,
    cache_dir: Path,
    allow_download: bool = True,
    on_progress: ProgressFn | None = None,
    splits: tuple[str, ...] = SPLITS,
) -> Path:
    """The folder to load MNIST from: `data_dir` if given, else the cache, downloading what is missing.

    Only the files of `splits` are needed (scoring a model needs only the test set). A
    failed download leaves no empty cache folder behind.
    """
    if data_dir is not None:
        missing = [f.name for f in _files(splits).values() if locate_file(data_dir, f.name) is None]
        if missing:
            raise DataError(f"{data_dir}: missing MNIST file(s): {', '.join(missing)}")
        return data_dir
    created = [folder for folder in (cache_dir, *cache_dir.parents) if not folder.exists()]  # deepest first
    try:
        for spec in _files(splits).values():
            if locate_file(cache_dir, spec.name) is not None:
                continue
            if not allow_download:
                raise DataError(f"{cache_dir}: {spec.name} is not cached and downloading is turned off")
            download_verified([m + spec.name for m in MIRRORS], cache_dir / spec.name, spec.sha256, on_progress)
    except DataError:
        for folder in created:  # leave no empty folder behind that this call made
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return cache_dir


def load_mnist(folder: Path, splits: tuple[str, ...] = SPLITS) -> Mnist:
    """Read the files of `splits` in `folder` and check that they fit together (a split not asked for is empty)."""
    empty = {"x": np.zeros((0, *IMAGE_SHAPE), np.uint8), "y": np.zeros((0,), np.uint8)}
    arrays = {key: empty[key[0]] for key in MNIST_FILES}
    for key, spec in _files(splits).items():
        path = locate_file(folder, spec.name)
        if path is None:
            raise DataError(f"{folder / spec.name}: file not found")
        arrays[key] = read_idx(path, expected_ndim=spec.ndim)
        if spec.ndim == 3 and arrays[key].shape[1:] != IMAGE_SHAPE:
            raise DataError(f"{path}: images are {arrays[key].shape[1:]}, expected {MNIST_INPUT.size}x{MNIST_INPUT.size}")
        if spec.ndim == 1 and arrays[key].size and arrays[key].max() > 9:
            raise DataError(f"{path}: label {arrays[key].max()} is not a digit 0-9")
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if n_images != n_labels:
            raise DataError(f"{folder}: {split} set has {n_images} images but {n_labels} labels")
    return Mnist(**arrays)


def mnist_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of each MNIST file in `folder`, by name: the data a model card says it was made from."""
    found = {spec.name: locate_file(folder, spec.name) for spec in MNIST_FILES.values()}
    return {name: sha256_of(path) for name, path in found.items() if path is not None}


# The validation split `digits train` holds out unless told otherwise: every tool that chooses on validation data
# (compare_readers, calibrate_refusal) must hold out the same digits, or it would choose on digits a model learnt.
VALIDATION_FRACTION = 0.1
SPLIT_SEED = 42


def split_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a random `fraction` of the training data for validation: (x_fit, y_fit, x_val, y_val)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(round(len(x) * fraction)))
    val, fit = order[:n_val], order[n_val:]
    return x[fit], y[fit], x[val], y[val]


def summarize_mnist(data: Mnist) -> dict:
    """What practitioners look at first: shapes, dtypes, pixel range, count per class."""
    summary = {}
    for key in ("x_train", "y_train", "x_test", "y_test"):
        array = getattr(data, key)
        summary[key] = {
            "shape": list(array.shape),
            "dtype": str(array.dtype),
            "min": int(array.min()) if array.size else None,
            "max": int(array.max()) if array.size else None,
        }
    for split in ("train", "test"):
        labels = getattr(data, f"y_{split}")
        summary[f"{split}_class_counts"] = np.bincount(labels, minlength=10).tolist()
    return summary


def add_extra_training(data: Mnist, folder: Path, repeat: int = 10) -> Mnist:
    """MNIST with extra training digits (IDX files as `digits feedback export` writes them) appended.

    The extra digits are repeated so that a few dozen corrections still weigh in
    against 60,000 MNIST digits. The test set stays MNIST's own.
    """
    images_path = locate_file(folder, MNIST_FILES["x_train"].name)
    labels_path = locate_file(folder, MNIST_FILES["y_train"].name)
    if images_path is None or labels_path is None:
        raise DataError(f"{folder}: expected {MNIST_FILES['x_train'].name} and {MNIST_FILES['y_train'].name} (from `digits feedback export`)")
    images, labels = read_idx(images_path, expected_ndim=3), read_idx(labels_path, expected_ndim=1)
    if images.shape[1:] != IMAGE_SHAPE or len(images) != len(labels):
        raise DataError(f"{folder}: extra data must be {MNIST_INPUT.size}x{MNIST_INPUT.size} images with one label each")
    return Mnist(
        x_train=np.concatenate([data.x_train] + [images] * repeat),
        y_train=np.concatenate([data.y_train] + [labels] * repeat),
        x_test=data.x_test,
        y_test=data.y_test,
    )
