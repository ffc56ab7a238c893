"""The `digits` command line. The only module that reads flags and the environment, and prints."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from digits.errors import DigitsError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Train, evaluate and use handwritten-digit models on MNIST.")
out = Console()
err = Console(stderr=True)

DataDirOption = Annotated[
    Optional[Path],
    typer.Option("--data-dir", envvar="DIGITS_DATA_DIR", help="Folder with the four MNIST files (default: per-user cache, downloaded on first use)."),
]


def _quiet_tensorflow() -> None:
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


def _load_data(data_dir: Optional[Path]):
    """Find MNIST (given folder, cache or download with a progress bar) and load it."""
    from platformdirs import user_cache_dir
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from digits.data import load_mnist, resolve_data_dir

    cache = Path(os.environ.get("DIGITS_CACHE_DIR") or user_cache_dir("digits")) / "mnist"
    with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("downloading MNIST", total=None, visible=False)

        def on_progress(done: int, total: Optional[int]) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        folder = resolve_data_dir(data_dir, cache, on_progress=on_progress)
    return load_mnist(folder)


@app.command()
def data(
    data_dir: DataDirOption = None,
    samples: Annotated[Path, typer.Option(help="Where to write the PNG grid of sample digits.")] = Path("mnist_samples.png"),
) -> None:
    """Load MNIST and show shapes, dtypes, pixel range and class counts; save a grid of samples."""
    from digits.data import summarize_mnist
    from digits.plots import plot_digit_grid

    mnist = _load_data(data_dir)
    summary = summarize_mnist(mnist)
    arrays = Table(title="MNIST arrays")
    for column in ("array", "shape", "dtype", "min", "max"):
        arrays.add_column(column)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        s = summary[key]
        arrays.add_row(key, str(tuple(s["shape"])), s["dtype"], str(s["min"]), str(s["max"]))
    out.print(arrays)
    counts = Table(title="Images per class")
    counts.add_column("digit")
    counts.add_column("train", justify="right")
    counts.add_column("test", justify="right")
    for digit in range(10):
        counts.add_row(str(digit), f"{summary['train_class_counts'][digit]:,}", f"{summary['test_class_counts'][digit]:,}")
    out.print(counts)
    shown = min(40, len(mnist.x_train))
    figure = plot_digit_grid(mnist.x_train[:shown], [f"label {y}" for y in mnist.y_train[:shown]], title="MNIST training samples")
    samples.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(samples, dpi=110, bbox_inches="tight")
    out.print(f"sample grid written to {samples}")


@app.command()
def models() -> None:
    """List the registered models with their parameter counts and training defaults."""
    _quiet_tensorflow()
    from digits.models import REGISTRY

    table = Table(title="Registered models")
    for column in ("name", "parameters", "epochs", "batch", "description"):
        table.add_column(column, justify="right" if column in ("parameters", "epochs", "batch") else "left")
    for spec in REGISTRY.values():
        table.add_row(spec.name, f"{spec.build().count_params():,}", str(spec.epochs), str(spec.batch_size), spec.description)
    out.print(table)


@app.command()
def train(
    model: Annotated[str, typer.Option("--model", "-m", help="Registered model name (see `digits models`).")],
    epochs: Annotated[Optional[int], typer.Option(min=1, help="Epochs (default: the model's).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(min=1, help="Batch size (default: the model's).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for the split, initialisation and shuffling.")] = 42,
    validation_fraction: Annotated[float, typer.Option(min=0.0, max=0.5, help="Share of the training set held out for validation; 0 refits on all of it (once a recipe is chosen).")] = 0.1,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Run folder (default: runs/MODEL-TIMESTAMP).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into an existing, non-empty --out folder.")] = False,
    extra_data: Annotated[Optional[Path], typer.Option(help="Extra training digits (IDX files from `digits feedback export`), e.g. your own handwriting.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train one model and write a run folder: model, config, history JSON and loss/accuracy plot."""
    _quiet_tensorflow()
    from digits.models import get_spec
    from digits.progress import RichEpochProgress, make_progress
    from digits.runs import new_run_dir
    from digits.train import TrainConfig, save_run, train_model

    get_spec(model)  # fail on a bad name before loading anything
    run_dir = out_dir or new_run_dir(Path("runs"), model)
    if run_dir.exists() and any(run_dir.iterdir()) and not overwrite:
        raise DigitsError(f"{run_dir}: folder exists and is not empty; pass --overwrite or choose another --out")
    mnist = _load_data(data_dir)
    if extra_data is not None:
        from digits.data import add_extra_training

        mnist = add_extra_training(mnist, extra_data)
    config = TrainConfig(model=model, epochs=epochs, batch_size=batch_size, seed=seed, validation_fraction=validation_fraction).resolved()
    out.print(f"training [bold]{model}[/] for {config.epochs} epochs (batch {config.batch_size}, seed {seed})")
    with make_progress(err) as progress:
        result = train_model(config, mnist, callbacks=[RichEpochProgress(progress, config.epochs)])
    paths = save_run(result, run_dir)
    last = {k: v[-1] for k, v in result.history.items()}
    validation = f"validation accuracy {last['val_accuracy']:.4f}" if "val_accuracy" in last else "no validation split"
    out.print(f"done in {result.seconds:.1f} s: train accuracy {last.get('accuracy', 0):.4f}, {validation}")
    out.print(f"run folder: {run_dir}  ({', '.join(p.name for p in paths.values())})")


@app.command()
def evaluate(
    run_or_model: Annotated[Path, typer.Argument(help="A run folder, a .keras or .onnx model file, or 'default' (the shipped model).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Where to write the report (default: the run folder, else MODEL-evaluation/).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Score a model on the MNIST test set: accuracy, per-class scores, confusions, report."""
    from digits.evaluate import evaluate_probabilities
    from digits.report import write_evaluation

    if str(run_or_model) == "default" or run_or_model.suffix == ".onnx":
        from digits.predictor import load_predictor

        predictor = load_predictor(None if str(run_or_model) == "default" else run_or_model)
        predict = predictor.predict_proba
        target = out_dir or Path(f"{run_or_model.stem}-evaluation")
    else:
        _quiet_tensorflow()
        from digits.runs import find_model_file, load_keras_model
        from digits.train import predict_probabilities

        model_file = find_model_file(run_or_model)
        keras_model = load_keras_model(model_file)
        predict = lambda images: predict_probabilities(keras_model, images)  # noqa: E731
        target = out_dir or (model_file.parent if model_file.name == "model.keras" else model_file.with_name(model_file.stem + "-evaluation"))
    mnist = _load_data(data_dir)
    probabilities = predict(mnist.x_test)
    evaluation = evaluate_probabilities(probabilities, mnist.y_test)
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
    out.print(f"report: {paths['report.md']}  (figures: {paths['confusion.png'].name}, {paths['misclassified.png'].name})")


@app.command()
def export(
    model: Annotated[Path, typer.Argument(help="A run folder or a .keras model file.")],
    format: Annotated[str, typer.Option("--format", help="Export format; only 'onnx' is supported.")] = "onnx",
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Output file (default: model.onnx beside the model).")] = None,
) -> None:
    """Export a trained model to ONNX for fast inference without TensorFlow."""
    if format != "onnx":
        raise DigitsError(f"unsupported format {format!r}; supported: onnx")
    _quiet_tensorflow()
    from digits.export import export_onnx
    from digits.runs import find_model_file, load_keras_model

    model_file = find_model_file(model)
    target = out_file or model_file.with_suffix(".onnx")
    export_onnx(load_keras_model(model_file), target)
    out.print(f"exported {model_file} -> {target}")


def _recognize(paths: list[Path], model: Optional[Path], as_json: bool, explain: Optional[Path], row: bool) -> None:
    """Shared body of `predict` and `read`; exit status 1 when any file could not be read."""
    from digits.cli_images import print_answers

    if print_answers(paths, model, as_json, explain, row, out, err):
        raise typer.Exit(1)


ModelOption = Annotated[Optional[Path], typer.Option("--model", "-m", help="ONNX file or run folder (default: the shipped model).")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")]
ExplainOption = Annotated[Optional[Path], typer.Option("--explain", help="Write what the model saw and the boxes, per image, into this folder.")]


@app.command()
def predict(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders of images.")],
    model: ModelOption = None,
    as_json: JsonOption = False,
    explain: ExplainOption = None,
) -> None:
    """Recognise the single digit in each image (photo, scan, canvas drawing)."""
    _recognize(paths, model, as_json, explain, row=False)


@app.command()
def read(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders of images.")],
    model: ModelOption = None,
    as_json: JsonOption = False,
    explain: ExplainOption = None,
) -> None:
    """Read a number written as a row of digits in each image, left to right."""
    _recognize(paths, model, as_json, explain, row=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    feedback_db: Annotated[Path, typer.Option(envvar="DIGITS_FEEDBACK_DB", help="SQLite file for corrections (created on first use).")] = Path("feedback.sqlite3"),
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest accepted upload, in MB.")] = 10,
) -> None:
    """Serve the drawing page at / and the HTTP API under /api (docs at /docs)."""
    import uvicorn

    from digits.predictor import load_predictor
    from digits.serve import ServeSettings, create_app

    load_predictor(model)  # a bad --model fails here, with one line, before the server starts
    settings = ServeSettings(model=model, feedback_db=feedback_db, max_upload_bytes=max_upload_mb * 2**20)
    out.print(f"serving on http://{host}:{port}  (API docs: /docs, corrections: {feedback_db})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


feedback_app = typer.Typer(help="Corrections collected by the web page.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    feedback_db: Annotated[Path, typer.Option(envvar="DIGITS_FEEDBACK_DB", help="SQLite file of corrections.")] = Path("feedback.sqlite3"),
    format: Annotated[str, typer.Option("--format", help="'idx' (MNIST-style files, usable with train --extra-data) or 'png' (a folder per digit).")] = "idx",
) -> None:
    """Write the collected corrections as a dataset."""
    from digits.feedback import FeedbackStore, export_feedback

    if format not in ("idx", "png"):
        raise DigitsError(f"unsupported format {format!r}; supported: idx, png")
    if not feedback_db.is_file():
        raise DigitsError(f"{feedback_db}: no feedback database here (start `digits serve` and send corrections first)")
    count = export_feedback(FeedbackStore(feedback_db), out_dir, format)
    out.print(f"{count} correction(s) written to {out_dir} as {format}")


def main() -> None:
    """Entry point: run the app, turning known errors into one line on stderr and exit code 1."""
    try:
        app()
    except DigitsError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
