"""What `digits batch` reads: its INPUT arguments turned into image paths and Parquet files.

An argument is a folder (its image files, sub-folders included), a glob, a
text file (`.txt`/`.lst`: one path per line), a Parquet file (`.parquet`:
images as bytes in a column; give Parquet files by name or glob, a folder
stands for images), an image file, or a URI (`s3://`, `gs://`, `file://`...)
to a folder or file, listed through pyarrow's file systems.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from digits.errors import DigitsError, first_line
from digits.reading.files import IMAGE_SUFFIXES, expand_paths

LIST_SUFFIXES = {".txt", ".lst"}
PARQUET_SUFFIX = ".parquet"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")


def is_uri(path: str) -> bool:
    """True for `s3://...`, `gs://...`, `file://...`: read through pyarrow's file systems, not the local one."""
    return bool(_URI.match(path))


def filesystem_for(path: str):
    """(pyarrow file system, path in it) for a local path or a URI. Raises DigitsError."""
    from pyarrow import fs

    try:
        return fs.FileSystem.from_uri(path) if is_uri(path) else (fs.LocalFileSystem(), os.path.abspath(path))
    except Exception as exc:  # each file system raises its own types (credentials, network, unknown scheme)
        raise DigitsError(f"{path}: cannot open ({first_line(exc)})") from None


@dataclass
class Sources:
    """The inputs of a job: image paths (local or URIs), Parquet files, and notes on what was left out."""

    images: list[str] = field(default_factory=list)
    parquet: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def gather_sources(arguments: list[str], exclude: str | None = None) -> Sources:
    """Every image path and Parquet file that the arguments stand for, in order. Raises DigitsError on an
    unreadable list file; a path that does not exist is kept (it becomes an error row, as in `predict`).

    Files under `exclude` (the job's output folder, when it sits inside an input folder) are left out."""
    sources = _gather(arguments)
    if exclude and not is_uri(exclude):
        inside = os.path.abspath(exclude) + os.sep
        sources.images = [p for p in sources.images if not os.path.abspath(p).startswith(inside)]
        sources.parquet = [p for p in sources.parquet if not os.path.abspath(p).startswith(inside)]
    return sources


def _gather(arguments: list[str]) -> Sources:
    sources = Sources()
    for argument in arguments:
        if is_uri(argument):
            _add_uri(sources, argument)
        elif _GLOB.search(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                sources.notes.append(f"{argument}: matched no file")
            for match in matches:
                _add_local(sources, Path(match))
        else:
            _add_local(sources, Path(argument))
    return sources


def _add_local(sources: Sources, path: Path) -> None:
    suffix = path.suffix.lower()
    if path.is_dir():
        files, skipped = expand_paths([path], recursive=True)
        sources.images += [str(p) for p in files]
        sources.notes += skipped
    elif suffix == PARQUET_SUFFIX:
        sources.parquet.append(str(path))
    elif suffix in LIST_SUFFIXES and path.is_file():
        sources.images += read_list_file(path)
    else:
        sources.images.append(str(path))


def read_list_file(path: Path) -> list[str]:
    """The paths in a text file, one per line; blank lines and lines starting with # are left out."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DigitsError(f"{path}: cannot read this list of paths ({exc})") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _add_uri(sources: Sources, uri: str) -> None:
    """A file behind a URI (Parquet by its suffix, else an image), or a folder's image files, listed with
    pyarrow's file system for its scheme."""
    from pyarrow import fs

    filesystem, root = filesystem_for(uri)
    try:
        if filesystem.get_file_info(root).type != fs.FileType.Directory:
            (sources.parquet if uri.lower().endswith(PARQUET_SUFFIX) else sources.images).append(uri)
            return
        found = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
    except Exception as exc:  # each file system raises its own types (credentials, network, unknown scheme)
        raise DigitsError(f"{uri}: cannot list ({first_line(exc)})") from None
    scheme = uri.split("://", 1)[0]
    sources.images += sorted(f"{scheme}://{i.path}" for i in found  # file:///a/b lists as /a/b, s3://b/k as b/k
                             if i.type == fs.FileType.File and Path(i.path).suffix.lower() in IMAGE_SUFFIXES
                             and not any(part.startswith(".") for part in Path(i.path).relative_to(root).parts))
