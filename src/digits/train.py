"""Train one registered model and save a run folder that says everything about it."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np

from digits.augment import build_augmenter
from digits.data import Mnist, split_validation
from digits.models import compile_model, get_spec, make_optimizer

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.json"
HISTORY_PLOT = "history.png"
ONNX_FILE = "model.onnx"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; None means "the model's default"."""

    model: str
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    seed: int = 42
    validation_fraction: float = 0.1  # 0: no hold-out, for refitting a recipe chosen on validation

    def resolved(self) -> TrainConfig:
        """This config with the model's defaults filled in."""
        spec = get_spec(self.model)
        return replace(
            self,
            epochs=self.epochs if self.epochs is not None else spec.epochs,
            batch_size=self.batch_size if self.batch_size is not None else spec.batch_size,
            learning_rate=self.learning_rate if self.learning_rate is not None else spec.learning_rate,
        )


@dataclass
class TrainResult:
    """A trained model, its per-epoch history and how long fitting took."""

    model: keras.Model
    config: TrainConfig
    history: dict[str, list[float]]
    seconds: float


def train_model(config: TrainConfig, data: Mnist, callbacks: list | None = None) -> TrainResult:
    """Fit the model on the training split, validating on a held-out part of it (never the test set)."""
    config = config.resolved()
    keras.utils.set_random_seed(config.seed)
    if config.validation_fraction > 0:
        x_fit, y_fit, x_val, y_val = split_validation(data.x_train, data.y_train, config.validation_fraction, config.seed)
        validation = (x_val.astype("float32"), y_val)
    else:  # the final refit of a recipe already chosen on a validation split: every training image counts
        x_fit, y_fit, validation = data.x_train, data.y_train, None
    spec = get_spec(config.model)
    model = spec.build()
    total_steps = math.ceil(len(x_fit) / config.batch_size) * config.epochs
    trainer = model
    if spec.augment:
        # Augment in a wrapper so the saved model stays free of training-only layers.
        trainer = keras.Sequential([keras.Input(shape=(28, 28)), build_augmenter(config.seed), model], name="trainer")
    compile_model(trainer, make_optimizer(spec, config.learning_rate, total_steps))
    start = time.perf_counter()
    fitted = trainer.fit(
        x_fit.astype("float32"),
        y_fit,
        validation_data=validation,
        epochs=config.epochs,
        batch_size=config.batch_size,
        callbacks=callbacks or [],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    return TrainResult(model=model, config=config, history=history, seconds=seconds)


def save_run(result: TrainResult, run_dir: Path) -> dict[str, Path]:
    """Write the model (Keras and ONNX), its config, the history (JSON) and its plot; return their paths."""
    from digits.export import export_onnx
    from digits.plots import plot_history

    run_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: run_dir / name for name in (MODEL_FILE, ONNX_FILE, CONFIG_FILE, HISTORY_FILE, HISTORY_PLOT)}
    result.model.save(paths[MODEL_FILE])
    export_onnx(result.model, paths[ONNX_FILE])
    meta = {
        "config": asdict(result.config),
        "parameters": int(result.model.count_params()),
        "train_seconds": round(result.seconds, 2),
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "input": "28x28 grey levels 0-255, white digit on black, centred by mass (MNIST convention)",
    }
    paths[CONFIG_FILE].write_text(json.dumps(meta, indent=2) + "\n")
    paths[HISTORY_FILE].write_text(json.dumps(result.history, indent=2) + "\n")
    figure = plot_history(result.history)
    figure.savefig(paths[HISTORY_PLOT], dpi=120, bbox_inches="tight")
    return paths


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """(N, 10) class probabilities for (N, 28, 28) images in 0-255, normalised to sum to 1.

    Normalising matches how Keras scores a sigmoid-output model with
    sparse categorical cross-entropy, so the tutorials' MLP is scored fairly.
    """
    probs = np.asarray(model.predict(images.astype("float32"), batch_size=batch_size, verbose=0), dtype=np.float64)
    return probs / np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
