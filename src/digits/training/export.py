"""Export a trained Keras model to ONNX, the form that inference and serving use."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import keras
import numpy as np

from digits.errors import ModelError, first_line


def export_onnx(model: keras.Model, path: Path) -> Path:
    """Write `model` as an ONNX file taking its input as float32 grey levels 0-255 (any width where the model allows); atomic."""
    shape = model.inputs[0].shape  # (None, 28, 28) for a digit model, (None, 32, None, 1) for a line model
    example = np.zeros((1, *(64 if side is None else side for side in shape[1:])), dtype="float32")
    model.predict(example, verbose=0)  # Keras exports only called models
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():  # the converter's own NumPy deprecation noise, not ours to fix
            warnings.simplefilter("ignore", FutureWarning)
            model.export(tmp, format="onnx", verbose=False)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; a model file is not
        os.replace(tmp, path)
    except Exception as exc:  # the converter raises many types; report one line
        raise ModelError(f"{path}: ONNX export failed ({first_line(exc)})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
