"""Make a trained run the package's default model: ONNX file plus model card.

    python benchmarks/ship_model.py benchmarks/out/cnn_deep --data-dir ../shared/mnist
    python benchmarks/ship_model.py benchmarks/out_full/cnn_deep --selection-run benchmarks/out/cnn_deep

A run refit on the whole training set (--validation-fraction 0) has no
validation score of its own; --selection-run names the run of the same recipe
with a held-out split that chose it, and the card reports that run's score.

Scores the run once on the MNIST test set, exports it to
src/digits/assets/default.onnx, checks that the ONNX file agrees with Keras on
all 10,000 test digits, writes src/digits/assets/default.json (the card) and
prints the card as the Markdown section that goes into the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from digits.data import MNIST_FILES, load_mnist, locate_file  # noqa: E402
from digits.download import sha256_of  # noqa: E402
from digits.evaluate import evaluate_probabilities  # noqa: E402
from digits.export import export_onnx  # noqa: E402
from digits.models import get_spec  # noqa: E402
from digits.predictor import Predictor  # noqa: E402
from digits.runs import find_model_file, load_keras_model  # noqa: E402
from digits.train import predict_probabilities  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent / "src" / "digits" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("DIGITS_DATA_DIR"), required=not os.environ.get("DIGITS_DATA_DIR"))
    parser.add_argument("--selection-run", type=Path, help="the same recipe trained with a validation split (for a refit run)")
    args = parser.parse_args()

    run_config = json.loads((args.run / "config.json").read_text())
    validation = validation_of(args.run, args.selection_run)
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
        "description": get_spec(name).description,
        "architecture": describe_layers(model),
        "parameters": int(model.count_params()),
        "input": run_config["input"],
        "output": "10 probabilities, digits 0-9",
        "training_data": {
            spec.name: sha256_of(locate_file(args.data_dir, spec.name)) for spec in MNIST_FILES.values()
        },
        "training": run_config["config"],
        "reproduce": reproduce_command(name, refit=args.selection_run is not None),
        "train_seconds": run_config["train_seconds"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU, Keras {run_config['keras_version']} ({run_config['backend']})",
        "validation_accuracy": validation["accuracy"],
        "validation": validation["how"],
        "test_accuracy": evaluation.accuracy,
        "test_errors": evaluation.errors,
        "test_loss": evaluation.loss,
        "onnx_max_abs_diff_vs_keras": max_diff,
        "onnx_bytes": onnx_path.stat().st_size,
        "date": time.strftime("%Y-%m-%d"),
    }
    (ASSETS / "default.json").write_text(json.dumps(card, indent=2) + "\n")
    print(card_markdown(card))


def describe_layers(model) -> str:
    """The layers that learn or drop, compactly: conv3x3x32, conv5x5x32/2, dropout 0.4, dense 10."""
    parts = []
    for layer in model.layers:
        kind = layer.__class__.__name__
        if kind == "Conv2D":
            k, stride = layer.kernel_size[0], layer.strides[0]
            parts.append(f"conv{k}x{k}x{layer.filters}" + (f"/{stride}" if stride > 1 else "") + ("+BN+ReLU" if not layer.use_bias else ""))
        elif kind == "Dense":
            parts.append(f"dense {layer.units} ({layer.activation.__name__})")
        elif kind == "Dropout":
            parts.append(f"dropout {layer.rate}")
        elif kind in ("MaxPooling2D", "Flatten"):
            parts.append(kind.lower())
    return " -> ".join(parts)


def validation_of(run: Path, selection_run: Path | None) -> dict:
    """The final validation accuracy of `run`, or of the selection run when `run` held nothing out."""
    for source in (run, selection_run):
        if source is None:
            continue
        history = json.loads((source / "history.json").read_text())
        if "val_accuracy" in history:
            fraction = json.loads((source / "config.json").read_text())["config"]["validation_fraction"]
            how = f"{fraction:.0%} of the training set held out" + ("" if source == run else
                  ", in the run of the same recipe that chose it; the shipped model was then refit on every training image")
            return {"accuracy": history["val_accuracy"][-1], "how": how}
    raise SystemExit(f"{run}: no validation score; pass --selection-run with the run that held out a validation split")


def reproduce_command(name: str, refit: bool) -> str:
    """The commands that retrain and ship this model from scratch (with the refit step when there was one)."""
    data = "--data-dir ../shared/mnist"
    steps = [f"python benchmarks/train_models.py {data} --models {name}"]
    ship = f"python benchmarks/ship_model.py benchmarks/out/{name} {data}"
    if refit:
        steps.append(f"python benchmarks/train_models.py {data} --models {name} --validation-fraction 0 --out benchmarks/out_full")
        ship = f"python benchmarks/ship_model.py benchmarks/out_full/{name} --selection-run benchmarks/out/{name} {data}"
    return " && ".join([*steps, ship])


def card_markdown(card: dict) -> str:
    """The model card as a README section."""
    training = card["training"]
    sums = "\n".join(f"  - `{name}`: `{digest}`" for name, digest in card["training_data"].items())
    return f"""### The shipped model: `{card['name']}`

- **What**: {card['description']}; {card['parameters']:,} parameters; input {card['input']}; output {card['output']}.
- **Layers**: {card['architecture']}.
- **Training**: {training['epochs']} epochs, batch {training['batch_size']}, peak learning rate {training['learning_rate']}, seed {training['seed']}, {training['validation_fraction']:.0%} of the training set held out; {card['train_seconds'] / 60:.1f} minutes on {card['machine']}.
- **Accuracy**: validation {card['validation_accuracy']:.2%} ({card['validation']}); MNIST test set {card['test_accuracy']:.2%} ({card['test_errors']} errors of 10,000), test loss {card['test_loss']:.4f}.
- **File**: `src/digits/assets/default.onnx`, {card['onnx_bytes'] / 1e6:.2f} MB; agrees with the Keras model to {card['onnx_max_abs_diff_vs_keras']:.1e} on all 10,000 test digits.
- **Data** (SHA-256 of the MNIST files it was trained and tested on):
{sums}
- **Reproduce**: `{card['reproduce']}`
- **Date**: {card['date']}; the full card is `src/digits/assets/default.json` and `GET /api/model`.
"""


if __name__ == "__main__":
    main()
