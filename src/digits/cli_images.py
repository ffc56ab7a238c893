"""The body of `digits predict` and `digits read`: find the image files, answer each, print the answers.

Part of the command line (it prints); the recognition itself is `digits.recognize`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

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


def print_answers(paths: list[Path], model: Path | None, as_json: bool, explain: Path | None, row: bool,
                  out: Console, err: Console) -> int:
    """Answer every image in order, streamed to `out` (JSON lines or a table); return how many failed."""
    from digits.predictor import load_predictor
    from digits.recognize import PARALLEL_FROM, prepare, recognize_many, score_prepared

    files = expand_paths(paths)
    if not files:
        raise DigitsError("no image files found in the given paths")
    predictor = load_predictor(model, spin=len(files) < PARALLEL_FROM or explain is not None)

    def explained():
        from digits.explain import write_explanation
        from digits.imagefile import ImageError

        for path in files:
            try:
                gray, segmentation = prepare(path, row=row)
            except ImageError as exc:
                yield {"path": str(path), "error": str(exc)}
                continue
            answer = score_prepared([(str(path), segmentation)], predictor, row)[0]
            labels = [str(d["digit"]) for d in answer["digits"]] if row else [f"{answer['digit']} ({answer['confidence']:.2f})"] * len(segmentation.crops)
            write_explanation(explain, path, gray, segmentation, labels)
            yield answer

    answers = explained() if explain else recognize_many(predictor, files, row=row)
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
