"""Make a trained run the package's default model: ONNX file plus model card.

    python benchmarks/ship_model.py benchmarks/out/cnn_deep --data-dir ../shared/mnist

Scores the run once on the MNIST test set, exports it to
src/digits/assets/default.onnx, checks that the ONNX file agrees with Keras on
all 10,000 test digits, and writes src/digits/assets/default.json (the card).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from digits.data import MNIST_FILES, load_mnist, locate_file  # noqa: E402
from digits.download import sha256_of  # noqa: E402
from digits.evaluate import evaluate_probabilities  # noqa: E402
from digits.export import export_onnx  # noqa: E402
from digits.predictor import Predictor  # noqa: E402
from digits.runs import find_model_file, load_keras_model  # noqa: E402
from digits.train import predict_probabilities  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent / "src" / "digits" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("DIGITS_DATA_DIR"), required=not os.environ.get("DIGITS_DATA_DIR"))
    args = parser.parse_args()

    run_config = json.loads((args.run / "config.json").read_text())
    history = json.loads((args.run / "history.json").read_text())
    model = load_keras_model(find_model_file(args.run))
    mnist = load_mnist(args.data_dir)
    keras_probs = predict_probabilities(model, mnist.x_test)
    evaluation = evaluate_probabilities(keras_probs, mnist.y_test)

    onnx_path = export_onnx(model, ASSETS / "default.onnx")
    onnx_probs = Predictor(onnx_path).predict_proba(mnist.x_test)
    max_diff = float(np.abs(onnx_probs - keras_probs).max())

    name = run_config["config"]["model"]
    card = {
        "name": name,
        "architecture": " -> ".join(layer.__class__.__name__ for layer in model.layers),
        "parameters": int(model.count_params()),
        "input": run_config["input"],
        "output": "10 probabilities, digits 0-9",
        "training_data": {
            spec.name: sha256_of(locate_file(args.data_dir, spec.name)) for spec in MNIST_FILES.values()
        },
        "training": run_config["config"],
        "reproduce": f"python benchmarks/train_models.py --models {name} && python benchmarks/ship_model.py benchmarks/out/{name}",
        "train_seconds": run_config["train_seconds"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU, Keras {keras.__version__} ({run_config['backend']})",
        "validation_accuracy": history["val_accuracy"][-1],
        "test_accuracy": evaluation.accuracy,
        "test_errors": evaluation.errors,
        "test_loss": evaluation.loss,
        "onnx_max_abs_diff_vs_keras": max_diff,
        "onnx_bytes": onnx_path.stat().st_size,
        "date": time.strftime("%Y-%m-%d"),
    }
    (ASSETS / "default.json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
