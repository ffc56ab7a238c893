"""Which files a list of paths stands for: files as named, folders as the image files in them."""

from __future__ import annotations

from pathlib import Path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif"}


def expand_paths(paths: list[Path], recursive: bool = False) -> tuple[list[Path], list[str]]:
    """(files to read, what was skipped and why). Files given by name are read whatever their name;
    a folder stands for the image files in it (and in its sub-folders with `recursive`), sorted,
    hidden files and folders left out."""
    files, skipped = [], []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        try:
            found = path.rglob("*") if recursive else path.iterdir()
            inside = sorted(p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts))
        except OSError as exc:
            skipped.append(f"{path}: cannot list this folder ({exc.strerror or exc})")
            continue
        files += [p for p in inside if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        folders = [p for p in inside if p.is_dir()]
        others = [p for p in inside if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES]
        if folders and not recursive:
            skipped.append(f"{path}: {len(folders)} sub-folder(s) not searched (add --recursive)")
        if others:
            skipped.append(f"{path}: {len(others)} file(s) without an image suffix left out")
    return files, skipped
