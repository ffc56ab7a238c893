"""Train every registered model with its default settings on full MNIST and print a comparison table.

    python benchmarks/train_models.py --data-dir ../shared/mnist [--models dense mlp ...]

`--models` with no names trains nothing and re-renders the table and chart from
results.json (for instance after shipping a new default model).

Writes, under --out (default benchmarks/out): one run folder per model, results.json,
results.md (the table) and accuracy.png (a bar chart of test accuracy; --chart moves it).
The table also scores the model shipped inside the package, and lists the
tutorials' published MLP figure as the reference row.
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
from rich.console import Console  # noqa: E402

from _common import add_data_arguments, resolve_data_dir, smoke_out  # noqa: E402
from digits.data.mnist import load_mnist, mnist_checksums  # noqa: E402
from digits.evaluation.metrics import evaluate_probabilities  # noqa: E402
from digits.evaluation.plots import plot_bars  # noqa: E402
from digits.training.registry import REGISTRY  # noqa: E402
from digits.training.progress import RichEpochProgress, make_progress  # noqa: E402
from digits.training.train import TrainConfig, predict_probabilities, save_run, train_model  # noqa: E402

# The models scored on MNIST's test digits; line models are measured by real_images.py on written numbers.
DIGIT_MODELS = [name for name, spec in REGISTRY.items() if spec.task == "digit"]
# The tutorial projects this one grows from report this for their 784-50-50-10 MLP (sigmoid output, 10 epochs).
TUTORIAL_REFERENCE = {"model": "tutorials' MLP (as published)", "test_accuracy": 0.966}


def benchmark_model(name: str, mnist, out: Path, seed: int, validation_fraction: float, console: Console,
                    epochs: int | None = None, checksums: dict[str, str] | None = None) -> dict:
    """Train `name` with its defaults, save its run folder and score it once on the test set."""
    config = TrainConfig(model=name, epochs=epochs, seed=seed, validation_fraction=validation_fraction).resolved()
    console.print(f"[bold]{name}[/]: {config.epochs} epochs, batch {config.batch_size}")
    with make_progress(console) as progress:
        result = train_model(config, mnist, callbacks=[RichEpochProgress(progress, config.epochs)])
    save_run(result, out / name, checksums)
    evaluation = evaluate_probabilities(predict_probabilities(result.model, mnist.x_test), mnist.y_test)
    return {
        "model": name,
        "parameters": int(result.model.count_params()),
        "epochs": config.epochs,
        "train_seconds": round(result.seconds, 1),
        "val_accuracy": result.history["val_accuracy"][-1] if "val_accuracy" in result.history else None,
        "test_accuracy": evaluation.accuracy,
        "test_loss": evaluation.loss,
        "errors": evaluation.errors,
    }


def shipped_row(mnist) -> dict:
    """The model inside the package, scored here on the test set; its training facts come from its card."""
    from digits.reading.predictor import load_predictor

    predictor = load_predictor()
    card = predictor.card
    evaluation = evaluate_probabilities(predictor.predict_proba(mnist.x_test), mnist.y_test)
    training = card.provenance.training
    how = "refit on all 60,000" if training.get("validation_fraction") == 0 else "as trained"
    return {
        "model": f"shipped default ({card.name}, {how})",
        "parameters": card.parameters or 0,
        "epochs": training.get("epochs", 0),
        "train_seconds": card.provenance.train_seconds or 0.0,
        "test_accuracy": evaluation.accuracy,
        "test_loss": evaluation.loss,
        "errors": evaluation.errors,
    }


def render_table(rows: list[dict]) -> str:
    """The Markdown table that goes into the README."""
    lines = [
        "| model | parameters | epochs | training time (s) | test accuracy | errors / 10,000 | test loss |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "parameters" not in r:
            lines.append(f"| {r['model']} | 42,310 | 10 | | {r['test_accuracy']:.2%} | | |")
            continue
        lines.append(
            f"| {r['model']} | {r['parameters']:,} | {r['epochs']} | {r['train_seconds']:.0f} | "
            f"{r['test_accuracy']:.2%} | {r['errors']} | {r['test_loss']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(parser)
    parser.add_argument("--models", nargs="*", default=DIGIT_MODELS, choices=DIGIT_MODELS)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chart", type=Path, help="where to write the bar chart (default: OUT/accuracy.png)")
    parser.add_argument("--validation-fraction", type=float, default=0.1,
                        help="share of the training set held out for validation; 0 refits on all of it")
    args = parser.parse_args()

    console = Console()
    data_dir = resolve_data_dir(parser, args)
    args.out = smoke_out(args, args.out)
    epochs = 1 if args.smoke else None  # --smoke: every model, one epoch on tiny data
    mnist, checksums = load_mnist(data_dir), mnist_checksums(data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    # Results accumulate by model name, so re-running a few models keeps the others' rows.
    results_file = args.out / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    for name in args.models:
        results[name] = benchmark_model(name, mnist, args.out, args.seed, args.validation_fraction, console, epochs, checksums)
        results_file.write_text(json.dumps(results, indent=2) + "\n")  # keep what is done so far
    rows = [results[name] for name in DIGIT_MODELS if name in results] + [shipped_row(mnist), TUTORIAL_REFERENCE]

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, Keras {keras.__version__} ({keras.backend.backend()})"
    table = render_table(rows)
    stamp = time.strftime("%Y-%m-%d")
    (args.out / "results.md").write_text(f"{table}\n\nMeasured {stamp} on {machine}.\n")
    figure = plot_bars([r["model"] for r in rows], [100 * r["test_accuracy"] for r in rows], "test accuracy (%)", "MNIST test accuracy")
    figure.axes[0].set_xlim(90, 100)  # the differences that matter are near the top; every model here passes 90 %
    chart = args.chart or args.out / "accuracy.png"
    chart.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(chart, dpi=110, bbox_inches="tight")
    print(table)
    print(f"\nMeasured {stamp} on {machine}.")


if __name__ == "__main__":
    main()
