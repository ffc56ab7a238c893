"""Release step: make a trained run the package's default model (ONNX file plus model card).

    python scripts/ship_model.py benchmarks/out/cnn_deep --data-dir ../shared/mnist
    python scripts/ship_model.py benchmarks/out_full/cnn_deep --selection-run benchmarks/out/cnn_deep

A run refit on the whole training set (--validation-fraction 0) has no
validation score of its own; --selection-run names the run of the same recipe
with a held-out split that chose it, and the card reports that run's score.

Scores the run once on the MNIST test set, exports it to
src/digits/assets/default.onnx (--assets moves it), checks that the ONNX file
agrees with Keras on every test digit, writes the card default.json beside it
and prints the card as the Markdown section that goes into the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from digits import runfolder  # noqa: E402
from digits.card import ModelCard, card_for_model, write_card  # noqa: E402
from digits.data.mnist import load_mnist, mnist_checksums  # noqa: E402
from digits.evaluation.metrics import evaluate_probabilities  # noqa: E402
from digits.reading.predictor import DEFAULT_MODEL, Predictor  # noqa: E402
from digits.training.export import export_onnx  # noqa: E402
from digits.training.keras_files import find_model_file, load_keras_model  # noqa: E402
from digits.training.models import describe_layers, get_spec  # noqa: E402
from digits.training.train import predict_probabilities  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent / "src" / "digits" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("DIGITS_DATA_DIR"), required=not os.environ.get("DIGITS_DATA_DIR"))
    parser.add_argument("--selection-run", type=Path, help="the same recipe trained with a validation split (for a refit run)")
    parser.add_argument("--assets", type=Path, default=ASSETS, help="where the shipped model and its card go")
    args = parser.parse_args()

    run_card = card_for_model(args.run / runfolder.ONNX_MODEL)
    model = load_keras_model(find_model_file(args.run))
    mnist = load_mnist(args.data_dir)
    keras_probs = predict_probabilities(model, mnist.x_test)
    evaluation = evaluate_probabilities(keras_probs, mnist.y_test)

    onnx_path = export_onnx(model, args.assets / DEFAULT_MODEL)
    shipped = ModelCard(name=run_card.name)  # the predictor must not check the card being replaced
    max_diff = float(np.abs(Predictor(onnx_path, card=shipped).predict_proba(mnist.x_test) - keras_probs).max())

    validation_accuracy, validation = validation_of(args.run, args.selection_run)
    name = run_card.name
    card = dataclasses.replace(
        run_card,
        description=get_spec(name).description,
        architecture=describe_layers(model),
        parameters=int(model.count_params()),
        metrics=dataclasses.replace(
            run_card.metrics, validation_accuracy=validation_accuracy, validation=validation,
            test_accuracy=evaluation.accuracy, test_errors=evaluation.errors, test_loss=evaluation.loss,
            onnx_max_abs_diff_vs_keras=max_diff,
        ),
        provenance=dataclasses.replace(
            run_card.provenance, data=mnist_checksums(args.data_dir),
            reproduce=reproduce_command(name, refit=args.selection_run is not None), onnx_bytes=onnx_path.stat().st_size,
        ),
    )
    write_card(card, onnx_path.with_suffix(".json"))
    print(card_markdown(card))


def validation_of(run: Path, selection_run: Path | None) -> tuple[float, str]:
    """(final validation accuracy, how it was held out) of `run`, or of the selection run when `run` held nothing out."""
    for source in (run, selection_run):
        if source is None:
            continue
        history = json.loads((source / runfolder.HISTORY).read_text())
        if "val_accuracy" in history:
            fraction = card_for_model(source / runfolder.ONNX_MODEL).provenance.training["validation_fraction"]
            how = f"{fraction:.0%} of the training set held out" + ("" if source == run else
                  ", in the run of the same recipe that chose it; the shipped model was then refit on every training image")
            return history["val_accuracy"][-1], how
    raise SystemExit(f"{run}: no validation score; pass --selection-run with the run that held out a validation split")


def reproduce_command(name: str, refit: bool) -> str:
    """The commands that retrain and ship this model from scratch (with the refit step when there was one)."""
    data = "--data-dir ../shared/mnist"
    steps = [f"python benchmarks/train_models.py {data} --models {name}"]
    ship = f"python scripts/ship_model.py benchmarks/out/{name} {data}"
    if refit:
        steps.append(f"python benchmarks/train_models.py {data} --models {name} --validation-fraction 0 --out benchmarks/out_full")
        ship = f"python scripts/ship_model.py benchmarks/out_full/{name} --selection-run benchmarks/out/{name} {data}"
    return " && ".join([*steps, ship])


def card_markdown(card: ModelCard) -> str:
    """The model card as a README section."""
    training, metrics, made = card.provenance.training, card.metrics, card.provenance
    sums = "\n".join(f"  - `{name}`: `{digest}`" for name, digest in made.data.items())
    return f"""### The shipped model: `{card.name}`

- **What**: {card.description}; {card.parameters:,} parameters; input {card.input.describe()}; output {card.output}.
- **Layers**: {card.architecture}.
- **Training**: {training['epochs']} epochs, batch {training['batch_size']}, peak learning rate {training['learning_rate']}, seed {training['seed']}, {training['validation_fraction']:.0%} of the training set held out; {made.train_seconds / 60:.1f} minutes on {made.machine}, {made.software}.
- **Accuracy**: validation {metrics.validation_accuracy:.2%} ({metrics.validation}); MNIST test set {metrics.test_accuracy:.2%} ({metrics.test_errors} errors of 10,000), test loss {metrics.test_loss:.4f}.
- **File**: `src/digits/assets/default.onnx`, {made.onnx_bytes / 1e6:.2f} MB; agrees with the Keras model to {metrics.onnx_max_abs_diff_vs_keras:.1e} on all 10,000 test digits.
- **Data** (SHA-256 of the MNIST files it was trained and tested on):
{sums}
- **Reproduce**: `{made.reproduce}`
- **Date**: {made.date}; the full card is `src/digits/assets/default.json` and `GET /api/model`.
"""


if __name__ == "__main__":
    main()
