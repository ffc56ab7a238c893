"""A batch job on Ray Data: inputs -> preparation in CPU tasks -> scoring in an actor pool -> Parquet.

Streaming throughout: Ray holds only the blocks in flight, never every decoded
image. Without an address Ray starts on this machine (its cores, or `cpus`);
with one (`auto`, `ray://host:port`) the same job runs on that cluster.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from digits.batch.engine import import_ray
from digits.batch.output import set_aside, tally
from digits.batch.rows import MODES
from digits.batch.sources import filesystem_for, gather_sources
from digits.batch.stages import Scorer, prepare_rows
from digits.errors import DigitsError, first_line

BATCH_SIZE = 1024  # images per task and per scoring call: Ray's per-task cost hidden (at 256, 391 tasks per 100,000
# small files cost about 3 % more time on 2 CPUs), while a block stays a few MB
ROWS_PER_FILE = 20_000  # answers gathered per Parquet file: few files, and little to redo when a job stops
# Ray's CPU slots: half a CPU each for a preparation task and a scorer. One CPU then runs a whole job, and with
# equal slots Ray Data fuses the two stages into the actors: no trip through the object store for each prepared
# image (a 100,000-file job on 2 CPUs ran about 20 % faster fused than with 0.75/0.25 slots, which keep them apart).
PREPARE_CPUS = 0.5
SCORER_CPUS = 0.5


@dataclass
class BatchResult:
    """What a job did: inputs found, already answered (resume), answered now, of which errors; time; notes."""

    inputs: int
    skipped: int
    answered: int
    errors: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    stats: str = ""  # Ray Data's execution statistics (time per stage, tasks per node)

    @property
    def images_per_second(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0


def run_batch(inputs: list[str], out: str, mode: str = "digit", address: str | None = None, cpus: int | None = None,
              resume: bool = False, column: str = "image", model: str | None = None, min_confidence: float = 0.0,
              batch_size: int = BATCH_SIZE, scorer: type = Scorer, progress: bool = True) -> BatchResult:
    """Answer every input once into Parquet files in `out`; with `resume`, only those not answered there yet.

    `scorer` is the actor class (tests give one whose process dies); `cpus` limits a Ray started here."""
    if mode not in MODES:
        raise DigitsError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    ray = import_ray()
    before = tally(out, keep_paths=resume)
    if before.rows and not resume:
        raise DigitsError(f"{out} already holds {before.rows} answers: add --resume to go on where it stopped, "
                          "or choose another folder")
    started = time.perf_counter()
    own_ray = not ray.is_initialized()
    # The inputs are listed (and Ray Data imported) while Ray starts: each takes a second or more at 100,000
    # files, and Ray's start is mostly waiting for its own processes.
    with ThreadPoolExecutor(max_workers=1) as background:
        listing = background.submit(gather_sources, inputs, exclude=out)
        background.submit(importlib.import_module, "ray.data")
        try:
            if own_ray:
                # Ray's C++ core logs at "error" level a warning about Ray Data's own actors (ray#53727); failures
                # that matter reach us as exceptions.
                os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
                _start_ray(ray, address, cpus)
            sources = listing.result()
            notes = list(sources.notes)
            if before.broken:
                moved = set_aside(out, before.broken)
                notes.append(f"{len(moved)} unreadable file(s) in {out}, cut short when a job stopped, set aside as "
                             f"{', '.join(name.rpartition('/')[2] for name in moved)}; their inputs are read again")
            images = [path for path in sources.images if path not in before.paths]
            _configure(ray, progress)
            prepared = [_prepare_images(ray, images, mode, batch_size),
                        _prepare_parquet(ray, sources.parquet, column, mode, batch_size, before.paths)]
            stats = _score_and_write(ray, [p for p in prepared if p is not None], out, scorer, batch_size,
                                     {"mode": mode, "model": model, "min_confidence": min_confidence})
        finally:
            if own_ray and ray.is_initialized():
                ray.shutdown()
    after = tally(out)
    return BatchResult(inputs=len(sources.images) + _parquet_rows(sources.parquet), skipped=before.rows,
                       answered=after.rows - before.rows, errors=after.errors - before.errors,
                       seconds=time.perf_counter() - started, notes=notes, stats=stats)


def _start_ray(ray, address: str | None, cpus: int | None) -> None:
    """Ray on this machine (address None) or a connection to a running cluster; a DigitsError if it cannot."""
    try:
        ray.init(address=address, num_cpus=cpus if address is None else None, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as exc:
        where = f"the Ray cluster at {address}" if address else "Ray on this machine"
        raise DigitsError(f"cannot start or reach {where} ({first_line(exc)})") from None


def _configure(ray, progress: bool) -> None:
    """Ray Data's settings for this job; a dataset copies them when it is made, so this comes first."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = progress
    context.execution_options.preserve_order = False  # rows land in whatever order they finish
    # Ray Data otherwise reserves a share of the CPUs for each stage; on 2 CPUs that left the workers waiting
    # (measured: 1,366 against 2,465 images/s). One straight pipeline needs no reservation.
    context.op_resource_reservation_enabled = False
    logging.getLogger("ray.data").setLevel(logging.WARNING if progress else logging.ERROR)


def _score_and_write(ray, prepared: list, out: str, scorer: type, batch_size: int, settings: dict) -> str:
    """Score the prepared rows in an actor pool and stream them into Parquet; Ray Data's statistics."""
    if not prepared:
        return ""
    dataset = prepared[0].union(*prepared[1:]) if len(prepared) > 1 else prepared[0]
    # Every actor from the start: a pool that grows from one waits for a queue to build before it adds the next.
    actors = max(1, int(ray.cluster_resources().get("CPU", 1)))
    pool = ray.data.ActorPoolStrategy(min_size=1, max_size=actors, initial_size=actors)
    answered = dataset.map_batches(scorer, batch_format="pyarrow", batch_size=batch_size, compute=pool,
                                   fn_constructor_kwargs=settings, num_cpus=SCORER_CPUS)
    answered.write_parquet(out, min_rows_per_file=ROWS_PER_FILE)
    return answered.stats()


def _blocks(images: list[str], rows: int) -> list[pa.Table]:
    """The paths as several small tables, so that Ray spreads them over many tasks from the start."""
    return [pa.table({"path": images[i : i + rows]}) for i in range(0, len(images), rows)]


def _prepare_images(ray, images: list[str], mode: str, batch_size: int):
    if not images:
        return None
    dataset = ray.data.from_arrow(_blocks(images, batch_size))
    return dataset.map_batches(prepare_rows, batch_format="pyarrow", batch_size=batch_size,
                               fn_kwargs={"mode": mode}, num_cpus=PREPARE_CPUS)


def _prepare_parquet(ray, files: list[str], column: str, mode: str, batch_size: int, skip: frozenset[str]):
    """Images as bytes in the Parquet files' `column` (the files share one schema); each labelled by its
    `path` column, or else by its file and a hash of its bytes."""
    if not files:
        return None
    filesystem, name = filesystem_for(files[0])
    schema = pq.read_schema(name, filesystem=filesystem)
    if column not in schema.names:
        raise DigitsError(f"{files[0]}: no column {column!r} (columns: {', '.join(schema.names)}); name it with --column")
    has_path = "path" in schema.names
    dataset = ray.data.read_parquet(files, include_paths=not has_path).select_columns([column, "path"])
    return dataset.map_batches(prepare_rows, batch_format="pyarrow", batch_size=batch_size, num_cpus=PREPARE_CPUS,
                               fn_kwargs={"mode": mode, "column": column, "hash_labels": not has_path, "skip": skip})


def _parquet_rows(files: list[str]) -> int:
    total = 0
    for path in files:
        filesystem, name = filesystem_for(path)
        total += pq.read_metadata(name, filesystem=filesystem).num_rows
    return total
