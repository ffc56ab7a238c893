"""`digits batch`: read many images on Ray Data, on this machine or a cluster, into Parquet."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from digits.cli.console import err, out


class Mode(str, Enum):
    digit = "digit"
    number = "number"


def batch(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", show_default=False,
                                                help="Folders (sub-folders included), globs, lists of paths (.txt, .lst), "
                                                     "Parquet files with image bytes, or URIs (s3://, gs://, file://) to any of these.")],
    out_dir: Annotated[str, typer.Option("--out", "-o", metavar="DIR", show_default=False,
                                         help="Folder (or URI) for the Parquet answers; on a cluster, one that every node can write.")],
    mode: Annotated[Mode, typer.Option(help="digit: one digit per image, as `predict`; number: written numbers, as `read`.")] = Mode.digit,
    address: Annotated[Optional[str], typer.Option(metavar="ADDR", help="Ray cluster to run on: auto, or ray://HOST:10001 (default: start Ray here).")] = None,
    cpus: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="CPUs Ray may use on this machine (default: all; not with --address).")] = None,
    resume: Annotated[bool, typer.Option(help="Skip the inputs already answered in DIR, and go on where a stopped job stopped.")] = False,
    column: Annotated[str, typer.Option(metavar="NAME", help="The image-bytes column of Parquet inputs.")] = "image",
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="ONNX file or run folder (default: the shipped model or reader).")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Number mode: mark answers less sure than this for review.")] = 0.0,
    stats: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Write Ray Data's execution statistics (time per stage, tasks per node) here.")] = None,
) -> None:
    """Read many images on Ray Data into Parquet, one row per input: the same answers as `predict`/`read`."""
    from digits.batch.engine import import_ray

    import_ray()  # without Ray: one line on how to install it
    from digits.batch.job import run_batch

    if address and cpus:
        raise typer.BadParameter("--cpus is for a Ray started here; a cluster has its own", param_hint="--cpus")
    result = run_batch(inputs, out_dir, mode=mode.value, address=address, cpus=cpus, resume=resume, column=column,
                       model=str(model) if model else None, min_confidence=min_confidence, progress=err.is_terminal)
    if stats is not None:
        stats.write_text(result.stats + "\n", encoding="utf-8")
    for note in result.notes:
        err.print(escape(note), highlight=False, soft_wrap=True)
    before = f", {result.skipped} answered before" if result.skipped else ""
    failed = f" ({result.errors} could not be read: see the error column)" if result.errors else ""
    out.print(f"{result.inputs} inputs{before}; {result.answered} answered now{failed}; "
              f"{result.images_per_second:,.{0 if result.images_per_second >= 100 else 1}f} images/s; answers in {escape(out_dir)}", highlight=False, soft_wrap=True)
