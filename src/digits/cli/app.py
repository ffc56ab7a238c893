"""The `digits` command: every subcommand registered on one Typer app, and the entry point.

The command line is the only part of the package that reads flags and the
environment, and prints. Each command imports what it needs when it runs, so
`digits --help` and the reading commands never load TensorFlow.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from digits.cli import batch, images, mnist, serving, training
from digits.cli.console import err
from digits.errors import DigitsError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Train, evaluate and use handwritten-digit models on MNIST.")
app.command()(mnist.data)
app.command()(training.models)
app.command()(training.train)
app.command()(training.evaluate)
app.command()(training.export)
app.command()(images.predict)
app.command()(images.read)
app.command()(serving.serve)
app.command()(batch.batch)

feedback_app = typer.Typer(help="Corrections collected by the web page.", no_args_is_help=True)
feedback_app.command("export")(serving.feedback_export)
app.add_typer(feedback_app, name="feedback")


def main() -> None:
    """Entry point: run the app, turning known errors into one line on stderr and exit code 1."""
    try:
        app()
    except DigitsError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)  # "[cluster]" is text, not markup
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
