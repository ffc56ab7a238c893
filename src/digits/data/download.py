"""Fetch a file over HTTP(S), verify its SHA-256 and move it into place atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from digits.errors import DataError

# (bytes so far, total bytes or None when the server does not say)
ProgressFn = Callable[[int, int | None], None]
CHUNK = 1 << 16


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download_verified(
    urls: Sequence[str],
    dest: Path,
    sha256: str,
    on_progress: ProgressFn | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the first URL that works to `dest`; never leave a partial or unverified file.

    Each mirror is tried in turn. The bytes go to a temporary file beside `dest`
    and are renamed into place only once their checksum matches.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    problems = []
    for url in urls:
        try:
            _fetch_to(url, dest, sha256, on_progress, timeout)
            return dest
        except (urllib.error.URLError, OSError, DataError) as exc:
            problems.append(f"{url}: {getattr(exc, 'reason', exc)}")
    raise DataError(f"could not download {dest.name}: " + "; ".join(problems))


def _fetch_to(url: str, dest: Path, sha256: str, on_progress: ProgressFn | None, timeout: float) -> None:
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                digest.update(block)
                done += len(block)
                if on_progress:
                    on_progress(done, total)
        if digest.hexdigest() != sha256:
            raise DataError(f"checksum mismatch (got {digest.hexdigest()[:12]}…, expected {sha256[:12]}…)")
        os.chmod(tmp_name, 0o644)  # mkstemp makes files private; a data file is not
        os.replace(tmp_name, dest)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
