"""Tiny generated data and a tiny trained model, built once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from digits.data.tiny import write_tiny_mnist  # noqa: E402


@pytest.fixture(scope="session")
def tiny_mnist_dir(tmp_path_factory) -> Path:
    return write_tiny_mnist(tmp_path_factory.mktemp("tiny_mnist"))


@pytest.fixture(scope="session")
def tiny_mnist(tiny_mnist_dir):
    from digits.data.mnist import load_mnist

    return load_mnist(tiny_mnist_dir)


@pytest.fixture(scope="session")
def tiny_run(tiny_mnist, tmp_path_factory):
    """An `mlp` trained for a few epochs on the tiny data, saved as a run folder."""
    from digits.training.train import TrainConfig, save_run, train_model

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


@pytest.fixture(scope="session")
def handwritten() -> dict[int, np.ndarray]:
    """One real handwritten digit of each class (from 120 MNIST test digits kept in tests/fixtures)."""
    digits = np.load(Path(__file__).parent / "fixtures" / "mnist_test_digits.npz")
    return {d: digits["images"][np.flatnonzero(digits["labels"] == d)[0]] for d in range(10)}


@contextmanager
def live_server(app, **config) -> Iterator[str]:
    """A real uvicorn server for `app` on a free loopback port, in a thread: yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the test server did not start within 30 s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
