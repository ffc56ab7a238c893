"""Rich progress bars for long work: training epochs and downloads."""

from __future__ import annotations

import keras
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def make_progress(console: Console) -> Progress:
    """A progress display with a bar, counts and time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[metrics]}"),
        console=console,
        transient=False,
    )


class RichEpochProgress(keras.callbacks.Callback):
    """Shows a bar per epoch with running loss/accuracy and prints the epoch's metrics when done."""

    def __init__(self, progress: Progress, epochs: int):
        super().__init__()
        self.progress = progress
        self.epochs = epochs
        self.task = None

    def on_epoch_begin(self, epoch, logs=None):
        steps = self.params.get("steps") or 0
        self.task = self.progress.add_task(f"epoch {epoch + 1}/{self.epochs}", total=steps, metrics="")

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        text = f"loss {logs.get('loss', 0):.4f}" + (f" acc {logs['accuracy']:.4f}" if "accuracy" in logs else "")
        self.progress.update(self.task, completed=batch + 1, metrics=text)

    def on_epoch_end(self, epoch, logs=None):
        # One permanent line per epoch; the live bar is only for the epoch under way.
        logs = logs or {}
        text = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if isinstance(v, (int, float)))
        self.progress.remove_task(self.task)
        self.progress.console.print(f"epoch {epoch + 1}/{self.epochs}  {text}", highlight=False)
