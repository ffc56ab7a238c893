"""Inference latency and throughput, Keras beside ONNX Runtime, in one run.

    python benchmarks/latency.py --data-dir ../shared/mnist --keras benchmarks/out/cnn_deep/model.keras

Prints one table: (a) Keras model.predict on one image, (b) the ONNX predictor on
one image (model only), (c) file to digit end to end, (d) batch throughput on the
10,000 test digits, (e) a cold `digits predict one.png` process, (f) `digits
predict FOLDER --json` over 10,000 PNG files, process start included.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import add_data_arguments, resolve_data_dir
from digits.data.mnist import load_mnist
from digits.reading.predictor import load_predictor
from digits.reading.recognize import recognize


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    ms = np.array(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def time_calls(fn, repeat: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def keras_single(keras_path: Path, image: np.ndarray, repeat: int) -> tuple[float, float]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.saving.load_model(keras_path)
    batch = image[None].astype("float32")
    return percentiles(time_calls(lambda: model.predict(batch, verbose=0), repeat, warmup=5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--keras", type=Path, help="the .keras twin of the ONNX model, for row (a)")
    parser.add_argument("--model", type=Path, default=None, help="ONNX file or run folder (default: the shipped model)")
    parser.add_argument("--files", type=int, default=10_000, help="PNG files for row (f)")
    args = parser.parse_args()
    # --smoke: every row, with counts small enough to finish in seconds
    scale, cold_runs = (0.01, 2) if args.smoke else (1.0, 7)
    files = 50 if args.smoke else args.files

    mnist = load_mnist(resolve_data_dir(parser, args))
    rows = []
    image = mnist.x_test[0]
    if args.keras:
        p50, p99 = keras_single(args.keras, image, repeat=max(5, int(200 * scale)))
        rows.append(("(a) Keras model.predict, 1 image", f"{p50:.2f} ms", f"{p99:.2f} ms"))

    # The predictor as the CLI and the API make it: ONNX Runtime picks the threads (both cores here).
    predictor = load_predictor(args.model)
    one = image[None].astype(np.float32)
    p50, p99 = percentiles(time_calls(lambda: predictor.predict_proba(one), repeat=max(5, int(5000 * scale))))
    rows.append(("(b) ONNX predictor, 1 image, model only", f"{p50:.3f} ms", f"{p99:.3f} ms"))

    workdir = Path(tempfile.mkdtemp(prefix="digits-latency-"))
    try:
        png = workdir / "one.png"
        Image.fromarray(255 - image).save(png)  # dark on white, as a user would draw it
        p50, p99 = percentiles(time_calls(lambda: recognize(predictor, png), repeat=max(5, int(2000 * scale))))
        rows.append(("(c) file to digit, 28x28 PNG, end to end", f"{p50:.2f} ms", f"{p99:.2f} ms"))

        images = mnist.x_test.astype(np.float32)
        predictor.predict_proba(images[:1000])
        start = time.perf_counter()
        for i in range(0, len(images), 1000):
            predictor.predict_proba(images[i : i + 1000])
        rate = len(images) / (time.perf_counter() - start)
        rows.append(("(d) batch throughput, 10,000 test digits", f"{rate:,.0f} images/s", ""))

        digits_cli = [sys.executable, "-m", "digits"]
        model_args = ["--model", str(args.model)] if args.model else []
        walls = []
        for _ in range(cold_runs):
            start = time.perf_counter()
            subprocess.run([*digits_cli, "predict", str(png), *model_args], check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        rows.append(("(e) cold `digits predict one.png` process", f"{1000 * np.median(walls):.0f} ms", f"max {1000 * max(walls):.0f} ms"))

        folder = workdir / "many"
        folder.mkdir()
        for i in range(files):
            Image.fromarray(255 - mnist.x_test[i % len(mnist.x_test)]).save(folder / f"{i:05d}.png")
        start = time.perf_counter()
        result = subprocess.run([*digits_cli, "predict", str(folder), "--json", *model_args], check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        answered = result.stdout.count("\n")
        labels = np.array([mnist.y_test[i % len(mnist.y_test)] for i in range(files)])
        import json

        got = np.array([json.loads(line)["digit"] if json.loads(line)["digit"] is not None else -1 for line in result.stdout.splitlines()])
        rows.append((f"(f) `digits predict FOLDER --json`, {answered:,} PNGs", f"{answered / seconds:,.0f} files/s", f"accuracy {np.mean(got == labels):.2%}"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("| measurement | p50 / rate | p99 / note |")
    print("|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nMeasured on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.")


if __name__ == "__main__":
    main()
