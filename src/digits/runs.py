"""Run folders: naming new ones and finding the model inside an existing one."""

from __future__ import annotations

import time
from pathlib import Path

from digits.errors import ModelError
from digits.train import MODEL_FILE


def new_run_dir(root: Path, model: str) -> Path:
    """A fresh, not yet existing folder under `root` named after the model and the time."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{model}-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"{model}-{stamp}-{suffix}"
    return candidate


def find_model_file(path: Path) -> Path:
    """The .keras file that `path` names: the file itself, or the model inside a run folder."""
    if path.is_dir():
        inside = path / MODEL_FILE
        if inside.is_file():
            return inside
        raise ModelError(f"{path}: not a run folder (no {MODEL_FILE} inside)")
    if path.is_file():
        if path.suffix != ".keras":
            raise ModelError(f"{path}: not a Keras model file (expected a .keras file or a run folder)")
        return path
    raise ModelError(f"{path}: no such file or folder")


def load_keras_model(path: Path):
    """Load a saved .keras model, turning any failure into a one-line ModelError."""
    import keras

    try:
        return keras.saving.load_model(path)
    except Exception as exc:  # Keras raises many types for a damaged file; the user needs one line
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: cannot load model ({first_line})") from None
