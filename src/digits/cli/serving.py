"""`digits serve` and `digits feedback export`: the web page and API, and what users taught it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from digits.cli.console import err, out
from digits.cli.images import ModelOption
from digits.data.feedback import default_feedback_db
from digits.errors import DigitsError

FeedbackDbOption = Annotated[Optional[Path], typer.Option(envvar="DIGITS_FEEDBACK_DB", show_default=False,
                                                           help="SQLite file of corrections (created on first use; default: feedback.sqlite3 in the per-user data folder).")]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    reader: Annotated[Optional[Path], typer.Option(help="Line model for reading numbers: ONNX file or run folder (default: the shipped reader).")] = None,
    feedback_db: FeedbackDbOption = None,
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest accepted upload, in MB.")] = 10,
    allow_host: Annotated[Optional[list[str]], typer.Option(help="Another host name the server may be reached by (repeatable); localhost and --host are always allowed.")] = None,
) -> None:
    """Serve the drawing page at / and the HTTP API under /api (docs at /docs)."""
    import uvicorn

    from digits.reading.predictor import load_line_reader, load_predictor
    from digits.serving.app import create_app
    from digits.serving.protocol import HeaderTimeoutProtocol
    from digits.serving.settings import ServeSettings

    predictor = load_predictor(model)  # a bad --model or --reader fails here, with one line, before the server starts
    line_reader = load_line_reader(reader)
    feedback_db = feedback_db or default_feedback_db()
    hosts = ["localhost", "127.0.0.1", "[::1]", *([] if host in ("0.0.0.0", "::") else [host]), *(allow_host or [])]
    settings = ServeSettings(model=model, reader=reader, feedback_db=feedback_db, max_upload_bytes=max_upload_mb * 2**20,
                             allowed_hosts=list(dict.fromkeys(hosts)))
    out.print(f"serving on http://{host}:{port}  (API docs: /docs, corrections: {feedback_db})")
    # Bounded connections (past them, an immediate 503), short keep-alives and a deadline for headers:
    # stalled clients cannot take every file descriptor; headers are capped at 16 KB.
    uvicorn.run(create_app(settings, predictor, line_reader), host=host, port=port, log_level="warning", limit_concurrency=256,
                timeout_keep_alive=5, http=HeaderTimeoutProtocol)


def feedback_export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    feedback_db: FeedbackDbOption = None,
    format: Annotated[str, typer.Option("--format", help="'idx' (MNIST-style files, usable with train --extra-data) or 'png' (a folder per digit).")] = "idx",
) -> None:
    """Write the collected corrections as a dataset."""
    from digits.data.feedback import FeedbackStore, export_feedback

    feedback_db = feedback_db or default_feedback_db()
    if format not in ("idx", "png"):
        raise DigitsError(f"unsupported format {format!r}; supported: idx, png")
    if not feedback_db.is_file():
        raise DigitsError(f"{feedback_db}: no feedback database here (start `digits serve` and send corrections first)")
    digits, numbers, skipped = export_feedback(FeedbackStore(feedback_db), out_dir, format)
    for problem in skipped:
        err.print(f"skipped {problem}", highlight=False, markup=False)
    out.print(f"{digits} correction(s) written to {out_dir} as {format}"
              + (f"; {numbers} corrected number line(s) in {out_dir / 'numbers'}" if numbers else ""))
