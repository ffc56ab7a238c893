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

A line model (the number reader) ships as reader.onnx and reader.json; its test
score is the share of TEST_LINES written numbers, made from MNIST test digits
with a fixed seed, that it reads exactly.
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
from digits.card import LINE_INPUT, ModelCard, card_for_model, write_card  # noqa: E402
from digits.data.mnist import load_mnist, mnist_checksums  # noqa: E402
from digits.data.synth_lines import digit_bank  # noqa: E402
from digits.evaluation.metrics import evaluate_probabilities  # noqa: E402
from digits.reading.lines import pad_batch  # noqa: E402
from digits.reading.predictor import DEFAULT_MODEL, DEFAULT_READER, Predictor  # noqa: E402
from digits.training.export import export_onnx  # noqa: E402
from digits.training.keras_files import find_model_file, load_keras_model  # noqa: E402
from digits.training.models import describe_layers  # noqa: E402
from digits.training.registry import get_spec  # noqa: E402
from digits.training.sequence import exact_match_rate, make_lines  # noqa: E402
from digits.training.train import line_output, predict_probabilities  # noqa: E402

TEST_LINES, TEST_SEED = 2000, 2026

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
    line = run_card.input == LINE_INPUT
    onnx_path = export_onnx(model, args.assets / (DEFAULT_READER if line else DEFAULT_MODEL))
    onnx_model = Predictor(onnx_path, card=run_card, expects=run_card.input)
    test_metrics = (score_lines if line else score_digits)(model, onnx_model, mnist)

    validation_accuracy, validation = validation_of(args.run, args.selection_run, "val_exact" if line else "val_accuracy")
    name = run_card.name
    card = dataclasses.replace(
        run_card,
        description=get_spec(name).description,
        architecture=describe_layers(model),
        parameters=int(model.count_params()),
        output=line_output(model) if line else run_card.output,
        metrics=dataclasses.replace(run_card.metrics, validation_accuracy=validation_accuracy, validation=validation, **test_metrics),
        provenance=dataclasses.replace(
            run_card.provenance, data=mnist_checksums(args.data_dir),
            reproduce=reproduce_command(name, refit=args.selection_run is not None), onnx_bytes=onnx_path.stat().st_size,
        ),
    )
    write_card(card, onnx_path.with_suffix(".json"))
    print(card_markdown(card))


def score_digits(model, onnx_model: Predictor, mnist) -> dict:
    """The test-set scores of a digit model, and how far its ONNX twin strays from it."""
    keras_probs = predict_probabilities(model, mnist.x_test)
    evaluation = evaluate_probabilities(keras_probs, mnist.y_test)
    max_diff = float(np.abs(onnx_model.predict_proba(mnist.x_test) - keras_probs).max())
    return {"test_accuracy": evaluation.accuracy, "test_errors": evaluation.errors, "test_loss": evaluation.loss,
            "onnx_max_abs_diff_vs_keras": max_diff}


def score_lines(model, onnx_model: Predictor, mnist) -> dict:
    """A line model's share of written numbers (from test digits) read exactly, and its ONNX twin's agreement."""
    images, texts = make_lines(digit_bank(mnist.x_test, mnist.y_test), TEST_LINES, TEST_SEED)
    rate = exact_match_rate(model, images, texts)
    sample = pad_batch([image.astype(np.float32) for image in images[:64]])
    max_diff = float(np.abs(onnx_model.run(sample) - np.asarray(model.predict(sample, verbose=0))).max())
    return {"test_accuracy": rate, "test_errors": int(round((1 - rate) * len(texts))), "onnx_max_abs_diff_vs_keras": max_diff}


def validation_of(run: Path, selection_run: Path | None, key: str) -> tuple[float, str]:
    """(final validation score, how it was held out) of `run`, or of the selection run when `run` held nothing out."""
    for source in (run, selection_run):
        if source is None:
            continue
        history = json.loads((source / runfolder.HISTORY).read_text())
        if key in history:
            fraction = card_for_model(source / runfolder.ONNX_MODEL).provenance.training["validation_fraction"]
            how = f"{fraction:.0%} of the training set held out" + ("" if source == run else
                  ", in the run of the same recipe that chose it; the shipped model was then refit on every training image")
            return history[key][-1], how
    raise SystemExit(f"{run}: no validation score; pass --selection-run with the run that held out a validation split")


def reproduce_command(name: str, refit: bool) -> str:
    """The commands that retrain and ship this model from scratch (with the refit step when there was one)."""
    data = "--data-dir ../shared/mnist"
    steps = [f"python benchmarks/train_models.py {data} --models {name}"]
    if get_spec(name).task == "line":
        steps = [f"digits train --model {name} --out benchmarks/out/{name} {data}"]
    ship = f"python scripts/ship_model.py benchmarks/out/{name} {data}"
    if refit:
        steps.append(f"python benchmarks/train_models.py {data} --models {name} --validation-fraction 0 --out benchmarks/out_full")
        ship = f"python scripts/ship_model.py benchmarks/out_full/{name} --selection-run benchmarks/out/{name} {data}"
    return " && ".join([*steps, ship])


def card_markdown(card: ModelCard) -> str:
    """The model card as a README section."""
    training, metrics, made = card.provenance.training, card.metrics, card.provenance
    sums = "\n".join(f"  - `{name}`: `{digest}`" for name, digest in made.data.items())
    if card.input == LINE_INPUT:
        title, file = "The shipped number reader", DEFAULT_READER
        accuracy = (f"validation lines read exactly {metrics.validation_accuracy:.2%} ({metrics.validation}); written numbers "
                    f"made from MNIST test digits read exactly {metrics.test_accuracy:.2%} ({metrics.test_errors} of {TEST_LINES:,} wrong)")
        agreement = "64 test lines"
    else:
        title, file = "The shipped model", DEFAULT_MODEL
        accuracy = (f"validation {metrics.validation_accuracy:.2%} ({metrics.validation}); MNIST test set {metrics.test_accuracy:.2%} "
                    f"({metrics.test_errors} errors of 10,000), test loss {metrics.test_loss:.4f}")
        agreement = "all 10,000 test digits"
    return f"""### {title}: `{card.name}`

- **What**: {card.description}; {card.parameters:,} parameters; input {card.input.describe()}; output {card.output}.
- **Layers**: {card.architecture}.
- **Training**: {training['epochs']} epochs, batch {training['batch_size']}, peak learning rate {training['learning_rate']}, seed {training['seed']}, {training['validation_fraction']:.0%} of the training set held out; {made.train_seconds / 60:.1f} minutes on {made.machine}, {made.software}.
- **Accuracy**: {accuracy}.{refusal(card)}
- **File**: `src/digits/assets/{file}`, {made.onnx_bytes / 1e6:.2f} MB; agrees with the Keras model to {metrics.onnx_max_abs_diff_vs_keras:.1e} on {agreement}.
- **Data** (SHA-256 of the MNIST files it was trained and tested on):
{sums}
- **Reproduce**: `{made.reproduce}`
- **Date**: {made.date}; the full card is `src/digits/assets/{file.replace('.onnx', '.json')}`{' and `GET /api/model`' if file == DEFAULT_MODEL else ''}.
"""


def refusal(card: ModelCard) -> str:
    """The card's "not a digit" line, for a model with that class (else nothing)."""
    if card.reject_threshold is None:
        return ""
    m = card.metrics
    second = (f", or {card.reject_narrow_threshold:.3f} when the mark is shown again made narrower"
              if card.reject_narrow_threshold is not None else "")
    return (f"\n- **Not a digit**: a mark is refused when its probability of 'not a digit' reaches {card.reject_threshold:.3f}"
            f"{second}, thresholds chosen on validation data: {m.validation_digits_rejected:.2%} of held-out digits (read "
            f"through the whole pipeline) refused, {m.validation_non_digits_accepted:.1%} of held-out generated non-digits accepted.")


if __name__ == "__main__":
    main()
