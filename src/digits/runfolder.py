"""A training run's folder: the names of the files inside it, and naming new folders.

Training writes these files, reading finds the model in them, the CLI prints
them: the names are spelled here only.
"""

from __future__ import annotations

import time
from pathlib import Path

KERAS_MODEL = "model.keras"
ONNX_MODEL = "model.onnx"
CARD = "card.json"  # the model card (digits.card.ModelCard)
LEGACY_CONFIG = "config.json"  # what runs wrote before the card existed; still read
HISTORY = "history.json"
HISTORY_PLOT = "history.png"


def new_run_dir(root: Path, model: str) -> Path:
    """A fresh, not yet existing folder under `root` named after the model and the time."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{model}-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = root / f"{model}-{stamp}-{suffix}"
    return candidate
