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
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from digits.cli.console import err, out
from digits.errors import DigitsError
from digits.reading.files import expand_paths

def answer_stream(files: list[Path], model: Path | None, row: bool, explain: Path | None, reader_model: Path | None,
                  min_confidence: float) -> Iterator[dict]:
    """The answers in file order: streamed through worker processes, or one by one when explaining."""
    from digits.reading.predictor import load_line_reader, load_predictor
    from digits.reading.recognize import PARALLEL_FROM, read_image, recognize_many

    spin = len(files) < PARALLEL_FROM or explain is not None
    predictor = None if row else load_predictor(model, spin=spin)  # numbers: the line reader and the shipped digit model
    reader = load_line_reader(reader_model) if row else None  # never spins: see load_line_reader
    if not explain:
        return recognize_many(predictor, files, row=row, reader=reader, min_confidence=min_confidence)
    readings = (read_image(predictor, path, row=row, reader=reader, min_confidence=min_confidence) for path in files)
    return explained(readings, explain)


def print_answers(paths: list[Path], model: Path | None, as_json: bool, explain: Path | None, row: bool,
                  reader_model: Path | None = None, min_confidence: float = 0.0, recursive: bool = False) -> int:
    """Answer every image in order, streamed to `out` (JSON lines or a table); return how many failed."""
    files, skipped = expand_paths(paths, recursive)
    for line in skipped:
        err.print(escape(line), highlight=False, soft_wrap=True)
    if not files:
        raise DigitsError("no image files found in the given paths")
    if explain is not None and explain.exists() and not explain.is_dir():
        raise DigitsError(f"{explain}: --explain needs a folder, and this is a file")
    answers = answer_stream(files, model, row, explain, reader_model, min_confidence)
    errors = 0
    table = None if as_json else new_table(row)
    with Progress(console=err, transient=True, disable=not (err.is_terminal and len(files) > 20)) as bar:
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
    if explain and errors < len(files):
        err.print(f"what the model saw, per image: {escape(str(explain))}", highlight=False, soft_wrap=True)
    if errors:
        err.print(f"[red]{errors} of {len(files)} file(s) could not be read[/]", highlight=False)
    return errors


def new_table(row: bool) -> Table:
    """The readable answer table; paths fold rather than being cut at narrow terminals."""
    table = Table()
    table.add_column("path", overflow="fold", ratio=3)
    table.add_column("number" if row else "digit", overflow="fold", ratio=1)
    table.add_column("confidence", no_wrap=True)
    table.add_column("note", overflow="fold", ratio=3)
    return table


def explained(readings: Iterator, explain: Path) -> Iterator[dict]:
    """The answers, writing what the model saw for each readable image into `explain`."""
    from digits.reading.explain import write_explanation

    for reading in readings:
        if not reading.error:
            write_explanation(explain, reading.answer["path"], reading)
        yield reading.answer


def table_row(answer: dict, row: bool) -> tuple[str, str, str, str]:
    """One answer as the cells of the readable table (an error without the path it starts with).

    Paths and messages are escaped: a file name like `[x]` is text, not Rich markup."""
    path = escape(answer["path"])
    if "error" in answer:
        return path, "-", "-", f"[red]{escape(answer['error'].removeprefix(answer['path'] + ': '))}[/]"
    if row:
        confidence = answer.get("confidence")
        note = answer.get("reason") or ("check: low confidence" if answer.get("review") else "")
        text = answer["text"].replace("\n", " / ") or "-"
        return path, text, f"{confidence:.3f}" if confidence is not None else "-", note
    if answer["digit"] is None:
        return path, "-", "-", answer["reason"]
    return path, str(answer["digit"]), f"{answer['confidence']:.3f}", answer.get("note", "")


PathsArgument = Annotated[list[Path], typer.Argument(help="Image files or folders of images.", metavar="PATH",
                                                     readable=False)]  # an unreadable file is an error row of its own, not a usage error
ModelOption = Annotated[Optional[Path], typer.Option("--model", "-m", help="ONNX file or run folder (default: the shipped model).")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")]
ExplainOption = Annotated[Optional[Path], typer.Option("--explain", metavar="DIR", help="Write what the model saw and the boxes, per image, into this folder.")]
RecursiveOption = Annotated[bool, typer.Option("--recursive", "-r", help="Also read the images in sub-folders of a folder.")]


def predict(paths: PathsArgument, model: ModelOption = None, as_json: JsonOption = False, explain: ExplainOption = None,
            recursive: RecursiveOption = False) -> None:
    """Recognise the single digit in each image (photo, scan, canvas drawing)."""
    if print_answers(paths, model, as_json, explain, row=False, recursive=recursive):
        raise typer.Exit(1)


def read(
    paths: PathsArgument,
    reader: Annotated[Optional[Path], typer.Option("--model", "-m", help="Line model: ONNX file or run folder (default: the shipped reader).")] = None,
    as_json: JsonOption = False,
    explain: ExplainOption = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Mark answers less sure than this for review.")] = 0.0,
    recursive: RecursiveOption = False,
) -> None:
    """Read the numbers written in each image: every line, top to bottom, each read whole (touching digits, decimals)."""
    if print_answers(paths, None, as_json, explain, True, reader, min_confidence, recursive):
        raise typer.Exit(1)
