import hashlib

import numpy as np
import pytest

from digits.data import mnist as data
from digits.data.mnist import MNIST_FILES, load_mnist, resolve_data_dir, split_validation, summarize_mnist
from digits.data.download import download_verified
from digits.errors import DataError
from digits.data.idx import write_idx


def test_load_tiny_mnist(tiny_mnist):
    assert tiny_mnist.x_train.shape == (600, 28, 28)
    assert tiny_mnist.x_train.dtype == np.uint8
    assert tiny_mnist.y_test.shape == (200,)
    assert tiny_mnist.x_train.max() == 255  # white ink on black, as in MNIST


def test_count_mismatch_between_images_and_labels_is_an_error(tiny_mnist_dir, tmp_path):
    for spec in MNIST_FILES.values():
        (tmp_path / spec.name).write_bytes((tiny_mnist_dir / spec.name).read_bytes())
    write_idx(tmp_path / MNIST_FILES["y_test"].name, np.zeros(7, dtype=np.uint8))
    with pytest.raises(DataError, match="200 images but 7 labels"):
        load_mnist(tmp_path)


def test_images_that_are_not_28x28_are_rejected(tiny_mnist_dir, tmp_path):
    for spec in MNIST_FILES.values():
        (tmp_path / spec.name).write_bytes((tiny_mnist_dir / spec.name).read_bytes())
    write_idx(tmp_path / MNIST_FILES["x_test"].name, np.zeros((200, 32, 32), dtype=np.uint8))
    with pytest.raises(DataError, match="expected 28x28"):
        load_mnist(tmp_path)


def test_given_folder_without_the_files_is_an_error_not_a_download(tmp_path):
    with pytest.raises(DataError, match="missing MNIST file"):
        resolve_data_dir(tmp_path, cache_dir=tmp_path / "cache")


def test_cached_files_are_used_without_download(tiny_mnist_dir):
    assert resolve_data_dir(None, cache_dir=tiny_mnist_dir, allow_download=False) == tiny_mnist_dir


def test_download_fills_the_cache_from_a_mirror_with_verified_files(tiny_mnist_dir, tmp_path, monkeypatch):
    # A local folder stands in for the public mirror; the checksums are those of its files.
    files = {k: data.MnistFile(s.name, hashlib.sha256((tiny_mnist_dir / s.name).read_bytes()).hexdigest(), s.ndim) for k, s in MNIST_FILES.items()}
    monkeypatch.setattr(data, "MNIST_FILES", files)
    monkeypatch.setattr(data, "MIRRORS", ("file:///nonexistent/mirror/", tiny_mnist_dir.as_uri() + "/"))
    seen = []
    folder = resolve_data_dir(None, cache_dir=tmp_path / "cache", on_progress=lambda done, total: seen.append(done))
    assert load_mnist(folder).x_train.shape == (600, 28, 28)
    assert seen, "download progress was reported"


def test_download_with_wrong_checksum_leaves_nothing_behind(tiny_mnist_dir, tmp_path):
    source = (tiny_mnist_dir / MNIST_FILES["y_test"].name).as_uri()
    with pytest.raises(DataError, match="checksum mismatch"):
        download_verified([source], tmp_path / "labels.gz", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_validation_split_is_disjoint_and_sized(tiny_mnist):
    x_fit, y_fit, x_val, y_val = split_validation(tiny_mnist.x_train, tiny_mnist.y_train, 0.1, seed=1)
    assert len(x_val) == 60 and len(x_fit) == 540
    assert len(y_fit) == len(x_fit) and len(y_val) == len(x_val)
    again = split_validation(tiny_mnist.x_train, tiny_mnist.y_train, 0.1, seed=1)
    np.testing.assert_array_equal(again[2], x_val)  # reproducible for a seed


def test_summary_counts_every_class(tiny_mnist):
    summary = summarize_mnist(tiny_mnist)
    assert sum(summary["train_class_counts"]) == 600
    assert summary["x_train"]["shape"] == [600, 28, 28]
    assert summary["x_train"]["dtype"] == "uint8"


def test_a_failed_download_leaves_no_empty_cache_folder(tmp_path, monkeypatch):
    from digits.data import mnist
    from digits.errors import DataError

    def unreachable(urls, dest, sha256, on_progress=None):
        raise DataError(f"could not download {dest.name}: no network")

    monkeypatch.setattr(mnist, "download_verified", unreachable)
    cache = tmp_path / "cache" / "mnist"
    with pytest.raises(DataError, match="no network"):
        mnist.resolve_data_dir(None, cache)
    assert not cache.exists() and not cache.parent.exists()


def test_only_the_test_split_can_be_loaded(tiny_mnist_dir, tmp_path):
    for spec in MNIST_FILES.values():
        if spec.name.startswith("t10k"):
            (tmp_path / spec.name).write_bytes((tiny_mnist_dir / spec.name).read_bytes())
    data = load_mnist(resolve_data_dir(tmp_path, tmp_path / "unused", splits=("test",)), splits=("test",))
    assert len(data.x_test) == 200 and len(data.x_train) == 0
