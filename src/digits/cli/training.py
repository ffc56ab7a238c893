"""`digits models`, `train`, `evaluate` and `export`: the commands that build and score models."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Callable, Optional

import numpy as np
import typer
from rich.table import Table

from digits.cli.console import err, out
from digits.cli.mnist import DataDirOption, find_mnist, load_data
from digits.data.mnist import SPLIT_SEED, VALIDATION_FRACTION
from digits.errors import DigitsError


def quiet_tensorflow() -> None:
    """Import Keras with TensorFlow's start-up chatter hidden; the user asked about digits, not oneDNN.

    TensorFlow's C++ logging writes to file descriptor 2 before any setting can
    silence it, so stderr is pointed at /dev/null for the import only.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401  (imports the backend, TensorFlow by default)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def models() -> None:
    """List the registered models with their parameter counts and training defaults."""
    from digits.training.registry import REGISTRY  # Keras-free: listing needs no TensorFlow

    table = Table(title="Registered models")
    for column in ("name", "reads", "parameters", "epochs", "batch", "description"):
        table.add_column(column, justify="right" if column in ("parameters", "epochs", "batch") else "left")
    for spec in REGISTRY.values():
        reads = "a digit" if spec.task == "digit" else "a number"
        table.add_row(spec.name, reads, f"{spec.parameters:,}", str(spec.epochs), str(spec.batch_size), spec.description)
    out.print(table)


def train(
    model: Annotated[str, typer.Option("--model", "-m", help="Registered model name (see `digits models`).")],
    epochs: Annotated[Optional[int], typer.Option(min=1, help="Epochs (default: the model's).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(min=1, help="Batch size (default: the model's).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for initialisation, training data and shuffling.")] = 42,
    split_seed: Annotated[int, typer.Option(help="Random seed of the held-out validation split: keep it to compare models trained with different --seed.")] = SPLIT_SEED,
    validation_fraction: Annotated[float, typer.Option(min=0.0, max=0.5, help="Share of the training set held out for validation; 0 refits on all of it (once a recipe is chosen).")] = VALIDATION_FRACTION,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Run folder (default: runs/MODEL-TIMESTAMP).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into an existing, non-empty --out folder.")] = False,
    extra_data: Annotated[Optional[Path], typer.Option(help="Extra training digits (IDX files from `digits feedback export`), e.g. your own handwriting.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train one model and write a run folder: model, card, history JSON and loss/accuracy plot."""
    from digits.training.registry import get_spec

    get_spec(model)  # fail on a bad name before loading anything
    quiet_tensorflow()
    from digits.data.mnist import add_extra_training, load_mnist, mnist_checksums
    from digits.runfolder import new_run_dir
    from digits.training.progress import RichEpochProgress, make_progress
    from digits.training.train import TrainConfig, save_run, train_model

    run_dir = out_dir or new_run_dir(Path("runs"), model)
    if run_dir.exists() and any(run_dir.iterdir()) and not overwrite:
        raise DigitsError(f"{run_dir}: folder exists and is not empty; pass --overwrite or choose another --out")
    folder = find_mnist(data_dir)
    mnist = load_mnist(folder)
    if extra_data is not None:
        mnist = add_extra_training(mnist, extra_data)
    config = TrainConfig(model=model, epochs=epochs, batch_size=batch_size, seed=seed, split_seed=split_seed,
                         validation_fraction=validation_fraction).resolved()
    out.print(f"training [bold]{model}[/] for {config.epochs} epochs (batch {config.batch_size}, seed {seed})")
    with make_progress(err) as progress:
        result = train_model(config, mnist, callbacks=[RichEpochProgress(progress, config.epochs)])
    paths = save_run(result, run_dir, mnist_checksums(folder))
    last = {k: v[-1] for k, v in result.history.items()}
    if "val_exact" in last:
        summary = f"validation lines read exactly {last['val_exact']:.2%}"
    elif "val_accuracy" in last:
        summary = f"train accuracy {last['accuracy']:.4f}, validation accuracy {last['val_accuracy']:.4f}"
    else:
        summary = f"train loss {last['loss']:.4f}, no validation split"
    out.print(f"done in {result.seconds:.1f} s: {summary}")
    out.print(f"run folder: {run_dir}  ({', '.join(p.name for p in paths.values())})")


def _scorer(run_or_model: Path, out_dir: Optional[Path]) -> tuple[Callable[[np.ndarray], np.ndarray], Path]:
    """(images -> probabilities, report folder) for a run, a .keras or .onnx file, or 'default'."""
    if str(run_or_model) == "default" or run_or_model.suffix == ".onnx":
        from digits.reading.predictor import load_predictor

        from digits.data.feedback import user_data_home

        predictor = load_predictor(None if str(run_or_model) == "default" else run_or_model)
        return predictor.predict_proba, out_dir or user_data_home() / "evaluations" / run_or_model.stem
    quiet_tensorflow()
    from digits.runfolder import KERAS_MODEL
    from digits.training.keras_files import find_model_file, load_keras_model
    from digits.training.train import predict_probabilities

    model_file = find_model_file(run_or_model)
    keras_model = load_keras_model(model_file)
    if len(keras_model.inputs[0].shape) != 3:  # (None, 28, 28): a digit model; a line model reads numbers
        raise DigitsError(f"{model_file}: a line model reads numbers, not MNIST digits; measure it with "
                          f"`python benchmarks/real_images.py --reader {model_file.parent}`")
    target = out_dir or (model_file.parent if model_file.name == KERAS_MODEL else model_file.with_name(model_file.stem + "-evaluation"))
    return (lambda images: predict_probabilities(keras_model, images)), target


def evaluate(
    run_or_model: Annotated[Path, typer.Argument(help="A run folder, a .keras or .onnx model file, or 'default' (the shipped model).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where to write the report (default: the run folder; for an .onnx file or 'default', evaluations/NAME in the per-user data folder).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Score a model on the MNIST test set: accuracy, per-class scores, confusions, report."""
    from digits.evaluation.metrics import evaluate_probabilities
    from digits.evaluation.report import REPORT_FILE, write_evaluation

    predict, target = _scorer(run_or_model, out_dir)
    mnist = load_data(data_dir, splits=("test",))  # scoring needs the test set only
    evaluation = evaluate_probabilities(predict(mnist.x_test), mnist.y_test)
    paths = write_evaluation(evaluation, mnist.x_test, mnist.y_test, target, title=str(run_or_model))

    out.print(f"test accuracy [bold]{evaluation.accuracy:.2%}[/] ({evaluation.errors} errors of {len(mnist.y_test):,}), test loss {evaluation.loss:.4f}")
    table = Table(title="Per-class scores")
    for column in ("digit", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="right")
    for c in evaluation.per_class:
        table.add_row(str(c["digit"]), f"{c['precision']:.4f}", f"{c['recall']:.4f}", f"{c['f1']:.4f}", str(c["support"]))
    out.print(table)
    pairs = ", ".join(f"{t}->{p} ({c})" for t, p, c in evaluation.confused_pairs[:5])
    out.print(f"most confused (true->predicted): {pairs or 'none'}")
    figures = ", ".join(p.name for p in paths.values() if p.suffix == ".png")
    out.print(f"report: {paths[REPORT_FILE].resolve()}  (figures: {figures})", highlight=False)


def export(
    model: Annotated[Path, typer.Argument(help="A run folder or a .keras model file.")],
    format: Annotated[str, typer.Option("--format", help="Export format; only 'onnx' is supported.")] = "onnx",
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Output file (default: model.onnx beside the model).")] = None,
) -> None:
    """Export a trained model to ONNX for fast inference without TensorFlow."""
    if format != "onnx":
        raise DigitsError(f"unsupported format {format!r}; supported: onnx")
    quiet_tensorflow()
    from digits.training.export import export_onnx
    from digits.training.keras_files import find_model_file, load_keras_model

    model_file = find_model_file(model)
    target = out_file or model_file.with_suffix(".onnx")
    export_onnx(load_keras_model(model_file), target)
    out.print(f"exported {model_file} -> {target}")
