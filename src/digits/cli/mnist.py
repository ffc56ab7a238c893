"""`digits data`, and finding MNIST for every command that needs it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from digits.cli.console import err, out

DataDirOption = Annotated[
    Optional[Path],
    typer.Option("--data-dir", envvar="DIGITS_DATA_DIR", help="Folder with the four MNIST files (default: per-user cache, downloaded on first use)."),
]


def find_mnist(data_dir: Optional[Path], splits: tuple[str, ...] = ("train", "test")) -> Path:
    """The folder holding MNIST: the given one, or the per-user cache (downloading with a progress bar)."""
    from platformdirs import user_cache_dir
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from digits.data.mnist import resolve_data_dir
    from digits.errors import DataError

    cache = Path(os.environ.get("DIGITS_CACHE_DIR") or user_cache_dir("digits")) / "mnist"
    with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("downloading MNIST", total=None, visible=False)

        def on_progress(done: int, total: Optional[int]) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        try:
            return resolve_data_dir(data_dir, cache, on_progress=on_progress, splits=splits)
        except DataError as exc:
            if data_dir is not None:
                raise
            raise DataError(f"{exc}. If you have the MNIST files, point --data-dir or DIGITS_DATA_DIR at their "
                            f"folder (or DIGITS_CACHE_DIR at a cache holding them)") from None


def load_data(data_dir: Optional[Path], splits: tuple[str, ...] = ("train", "test")):
    """MNIST, found as `find_mnist` finds it, loaded and checked (only the splits asked for)."""
    from digits.data.mnist import load_mnist

    return load_mnist(find_mnist(data_dir, splits), splits)


def data(
    data_dir: DataDirOption = None,
    samples: Annotated[Optional[Path], typer.Option(help="Where to write the PNG grid of sample digits (default: mnist_samples.png in the per-user data folder).", show_default=False)] = None,
) -> None:
    """Load MNIST and show shapes, dtypes, pixel range and class counts; save a grid of samples."""
    from digits.data.feedback import user_data_home
    from digits.data.mnist import summarize_mnist
    from digits.evaluation.plots import plot_digit_grid

    mnist = load_data(data_dir)
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
    samples = samples or user_data_home() / "mnist_samples.png"
    samples.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(samples, dpi=110, bbox_inches="tight")
    out.print(f"sample grid written to {samples.resolve()}", highlight=False)
