"""The output folder of a batch job: what it already holds (for --resume) and what it adds up to.

The folder may be local or a URI (`s3://...`): on a cluster every node writes
into it, so it must be a shared file system or an object store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.parquet as pq
from pyarrow import fs

from digits.batch.sources import filesystem_for
from digits.errors import DigitsError


@dataclass(frozen=True)
class Tally:
    """What the Parquet files in an output folder hold."""

    rows: int
    errors: int
    paths: frozenset[str]  # the inputs answered (kept only when asked for)
    broken: tuple[str, ...]  # files that could not be read back: cut short by a stopped job


def parquet_files(filesystem: fs.FileSystem, folder: str) -> list[str]:
    """The Parquet files directly in the folder (none when it does not exist yet)."""
    info = filesystem.get_file_info(folder)
    if info.type == fs.FileType.NotFound:
        return []
    if info.type != fs.FileType.Directory:
        raise DigitsError(f"{folder}: the output must be a folder, and this is a file")
    found = filesystem.get_file_info(fs.FileSelector(folder))
    return sorted(i.path for i in found if i.type == fs.FileType.File and i.path.endswith(".parquet")
                  and not i.base_name.startswith(("_", ".")))


def tally(out: str, keep_paths: bool = False) -> Tally:
    """Count the rows and errors in the output folder, one file at a time (bounded memory)."""
    filesystem, folder = filesystem_for(out)
    files = parquet_files(filesystem, folder)
    rows = errors = 0
    paths: set[str] = set()
    broken = []
    for name in files:
        try:
            table = pq.read_table(name, columns=["path", "error"], filesystem=filesystem)
        except Exception:  # a file cut short when its job was killed; its rows are simply read again
            broken.append(name)
            continue
        rows += table.num_rows
        errors += table.num_rows - table.column("error").null_count
        if keep_paths:
            paths.update(table.column("path").to_pylist())
    return Tally(rows, errors, frozenset(paths), tuple(broken))


BROKEN_PREFIX = "_broken-"  # Parquet readers (pyarrow, Ray, pandas) skip files whose names start with "_"


def set_aside(out: str, broken: tuple[str, ...]) -> list[str]:
    """Rename unreadable files to _broken-NAME, so that the folder reads back as one table again; the new names."""
    filesystem, _ = filesystem_for(out)
    moved = []
    for name in broken:
        folder, _, base = name.rpartition("/")
        moved.append(f"{folder}/{BROKEN_PREFIX}{base}")
        filesystem.move(name, moved[-1])
    return moved
