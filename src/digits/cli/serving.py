"""`digits serve` and `digits feedback export`: the web page and API, and what users taught it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digits.cli.console import out
from digits.cli.images import ModelOption
from digits.errors import DigitsError

FeedbackDbOption = Annotated[Path, typer.Option(envvar="DIGITS_FEEDBACK_DB", help="SQLite file of corrections (created on first use).")]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    feedback_db: FeedbackDbOption = Path("feedback.sqlite3"),
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest accepted upload, in MB.")] = 10,
) -> None:
    """Serve the drawing page at / and the HTTP API under /api (docs at /docs)."""
    import uvicorn

    from digits.reading.predictor import load_predictor
    from digits.serving.app import create_app
    from digits.serving.settings import ServeSettings

    load_predictor(model)  # a bad --model fails here, with one line, before the server starts
    settings = ServeSettings(model=model, feedback_db=feedback_db, max_upload_bytes=max_upload_mb * 2**20)
    out.print(f"serving on http://{host}:{port}  (API docs: /docs, corrections: {feedback_db})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def feedback_export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    feedback_db: FeedbackDbOption = Path("feedback.sqlite3"),
    format: Annotated[str, typer.Option("--format", help="'idx' (MNIST-style files, usable with train --extra-data) or 'png' (a folder per digit).")] = "idx",
) -> None:
    """Write the collected corrections as a dataset."""
    from digits.data.feedback import FeedbackStore, export_feedback

    if format not in ("idx", "png"):
        raise DigitsError(f"unsupported format {format!r}; supported: idx, png")
    if not feedback_db.is_file():
        raise DigitsError(f"{feedback_db}: no feedback database here (start `digits serve` and send corrections first)")
    count = export_feedback(FeedbackStore(feedback_db), out_dir, format)
    out.print(f"{count} correction(s) written to {out_dir} as {format}")
