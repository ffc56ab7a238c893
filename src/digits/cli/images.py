"""`digits predict` and `digits read`: find the image files, answer each, print the answers.

The recognition itself is the reading room's (`digits.reading.recognize`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import Progress
from rich.table import Table

from digits.cli.console import err, out
from digits.errors import DigitsError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif"}


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the image files directly inside it, sorted by name."""
    expanded = []
    for path in paths:
        if path.is_dir():
            expanded += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        else:
            expanded.append(path)
    return expanded


def print_answers(paths: list[Path], model: Path | None, as_json: bool, explain: Path | None, row: bool) -> int:
    """Answer every image in order, streamed to `out` (JSON lines or a table); return how many failed."""
    from digits.reading.predictor import load_predictor
    from digits.reading.recognize import PARALLEL_FROM, recognize_many

    files = expand_paths(paths)
    if not files:
        raise DigitsError("no image files found in the given paths")
    predictor = load_predictor(model, spin=len(files) < PARALLEL_FROM or explain is not None)
    answers = explained(predictor, files, row, explain) if explain else recognize_many(predictor, files, row=row)
    errors = 0
    table = Table() if not as_json else None
    if table is not None:
        for column in ("path", "text" if row else "digit", "confidence", "note"):
            table.add_column(column)
    show_bar = err.is_terminal and len(files) > 20
    with Progress(console=err, transient=True, disable=not show_bar) as bar:
        task = bar.add_task("reading images", total=len(files))
        for answer in answers:
            bar.advance(task)
            errors += "error" in answer
            if as_json:
                sys.stdout.write(json.dumps(answer) + "\n")
            else:
                table.add_row(*table_row(answer, row))
    if table is not None:
        out.print(table)
    if explain:
        err.print(f"explanations written to {explain}")
    if errors:
        err.print(f"[red]{errors} of {len(files)} file(s) could not be read[/]", highlight=False)
    return errors


def explained(predictor, files: list[Path], row: bool, explain: Path) -> Iterator[dict]:
    """Answers one file at a time, writing what the model saw for each into `explain`."""
    from digits.reading.explain import answer_labels, write_explanation
    from digits.reading.recognize import read_image

    for path in files:
        reading = read_image(predictor, path, row=row)
        if not reading.error:
            write_explanation(explain, path, reading.gray, reading.segmentation, answer_labels(reading.answer))
        yield reading.answer


def table_row(answer: dict, row: bool) -> tuple[str, str, str, str]:
    """One answer as the cells of the readable table."""
    if "error" in answer:
        return answer["path"], "-", "-", f"[red]{answer['error']}[/]"
    if row:
        confidence = min((d["confidence"] for d in answer["digits"]), default=None)
        return answer["path"], answer["text"] or "-", f"{confidence:.3f}" if confidence is not None else "-", answer.get("reason", "")
    if answer["digit"] is None:
        return answer["path"], "-", "-", answer["reason"]
    return answer["path"], str(answer["digit"]), f"{answer['confidence']:.3f}", ""


def _recognize(paths: list[Path], model: Optional[Path], as_json: bool, explain: Optional[Path], row: bool) -> None:
    """Shared body of `predict` and `read`; exit status 1 when any file could not be read."""
    if print_answers(paths, model, as_json, explain, row):
        raise typer.Exit(1)


PathsArgument = Annotated[list[Path], typer.Argument(help="Image files or folders of images.")]
ModelOption = Annotated[Optional[Path], typer.Option("--model", "-m", help="ONNX file or run folder (default: the shipped model).")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")]
ExplainOption = Annotated[Optional[Path], typer.Option("--explain", help="Write what the model saw and the boxes, per image, into this folder.")]


def predict(paths: PathsArgument, model: ModelOption = None, as_json: JsonOption = False, explain: ExplainOption = None) -> None:
    """Recognise the single digit in each image (photo, scan, canvas drawing)."""
    _recognize(paths, model, as_json, explain, row=False)


def read(paths: PathsArgument, model: ModelOption = None, as_json: JsonOption = False, explain: ExplainOption = None) -> None:
    """Read a number written as a row of digits in each image, left to right."""
    _recognize(paths, model, as_json, explain, row=True)
