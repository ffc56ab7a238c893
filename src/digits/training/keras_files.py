"""Saved Keras models: finding the .keras file a path names, and loading it."""

from __future__ import annotations

from pathlib import Path

import keras

from digits.errors import ModelError, first_line
from digits.runfolder import KERAS_MODEL


def find_model_file(path: Path) -> Path:
    """The .keras file that `path` names: the file itself, or the model inside a run folder."""
    if path.is_dir():
        inside = path / KERAS_MODEL
        if inside.is_file():
            return inside
        raise ModelError(f"{path}: not a run folder (no {KERAS_MODEL} inside)")
    if path.is_file():
        if path.suffix != ".keras":
            raise ModelError(f"{path}: not a Keras model file (expected a .keras file or a run folder)")
        return path
    raise ModelError(f"{path}: no such file or folder")


def load_keras_model(path: Path) -> keras.Model:
    """Load a saved .keras model, turning any failure into a one-line ModelError."""
    try:
        return keras.saving.load_model(path)
    except Exception as exc:  # Keras raises many types for a damaged file; the user needs one line
        raise ModelError(f"{path}: cannot load model ({first_line(exc)})") from None
