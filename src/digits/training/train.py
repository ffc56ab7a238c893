"""Train one registered model and save a run folder that says everything about it."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np

from digits import runfolder
from digits.card import LINE_INPUT, LINE_LABELS, OPEN_LABELS, Metrics, ModelCard, Provenance, write_card
from digits.data.mnist import SPLIT_SEED, VALIDATION_FRACTION, Mnist, split_validation
from digits.data.synth_lines import digit_bank
from digits.training.augment import build_augmenter
from digits.training.models import INPUT_SHAPE, build_model, compile_model, describe_layers
from digits.training.registry import get_spec
from digits.training.rejection import NON_DIGIT, calibrate, with_non_digits
from digits.training.sequence import ExactMatch, LineBatches, line_stride, make_lines


REJECT_OUTPUT = "11 probabilities: digits 0-9, then 'not a digit'"
LINE_OUTPUT = "per {stride} input columns: probabilities of blank, 0-9, '.', ',', '-' (greedy CTC decoding)"


def line_output(model) -> str:
    """The card's words for a line model's output, with the stride it was built with."""
    return LINE_OUTPUT.format(stride=line_stride(model))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; None means "the model's default"."""

    model: str
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    seed: int = 42  # initialisation, training data and shuffling
    # The held-out split has its own seed, so that models trained with different seeds are validated on the same
    # digits (and compare_readers' validation numbers, made from that split, stay unseen by every one of them).
    split_seed: int = SPLIT_SEED
    validation_fraction: float = VALIDATION_FRACTION  # 0: no hold-out, for refitting a recipe chosen on validation
    lines: int | None = None  # line models: how many written numbers to render for training

    def resolved(self) -> TrainConfig:
        """This config with the model's defaults filled in."""
        spec = get_spec(self.model)
        return replace(
            self,
            epochs=self.epochs if self.epochs is not None else spec.epochs,
            batch_size=self.batch_size if self.batch_size is not None else spec.batch_size,
            learning_rate=self.learning_rate if self.learning_rate is not None else spec.learning_rate,
            lines=(self.lines if self.lines is not None else spec.lines) if spec.task == "line" else None,
        )


@dataclass
class TrainResult:
    """A trained model, its per-epoch history and how long fitting took."""

    model: keras.Model
    config: TrainConfig
    history: dict[str, list[float]]
    seconds: float
    rejection: dict[str, float] | None = None  # models with a "not a digit" class: their calibrated threshold


def _split(config: TrainConfig, data: Mnist) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(x_fit, y_fit, x_val, y_val) from the training set; no validation part when the fraction is 0."""
    if config.validation_fraction > 0:
        return split_validation(data.x_train, data.y_train, config.validation_fraction, config.split_seed)
    # The final refit of a recipe already chosen on a validation split: every training image counts.
    return data.x_train, data.y_train, None, None


def train_model(config: TrainConfig, data: Mnist, callbacks: list | None = None) -> TrainResult:
    """Fit the model on the training split, validating on a held-out part of it (never the test set)."""
    config = config.resolved()
    keras.utils.set_random_seed(config.seed)
    if get_spec(config.model).task == "line":
        return train_line_model(config, data, callbacks)
    x_fit, y_fit, x_val, y_val = _split(config, data)
    share = get_spec(config.model).non_digits
    if share:  # the 11th class: generated non-digits, with other seeds for validation
        x_fit, y_fit = with_non_digits(x_fit, y_fit, share, config.seed)
    validation = None
    if x_val is not None:
        validation = with_non_digits(x_val, y_val, share, config.seed + 1) if share else (x_val.astype("float32"), y_val)
    total_steps = math.ceil(len(x_fit) / config.batch_size) * config.epochs
    model = build_model(config.model, config.learning_rate, total_steps)
    trainer = model
    if get_spec(config.model).augment:
        # Augment in a wrapper so the saved model stays free of training-only layers.
        trainer = keras.Sequential([keras.Input(shape=INPUT_SHAPE), build_augmenter(config.seed), model], name="trainer")
        compile_model(trainer, model.optimizer)
    result = _fit(trainer, model, config, x_fit.astype("float32"), y_fit, validation, callbacks)
    if share:
        # Without a validation split (a refit) the threshold falls back to "more likely not a digit than any digit".
        refuse = lambda images: _raw_probabilities(model, images)[:, NON_DIGIT]  # noqa: E731
        result.rejection = calibrate(refuse, x_val, config.seed + 2) if x_val is not None else {"threshold": 0.5}
    return result


def train_line_model(config: TrainConfig, data: Mnist, callbacks: list | None = None) -> TrainResult:
    """Fit a sequence reader on written numbers made from training digits; validate on numbers made from held-out ones."""
    x_fit, y_fit, x_val, y_val = _split(config, data)
    images, texts = make_lines(digit_bank(x_fit, y_fit), config.lines, config.seed)
    batches = LineBatches(images, texts, config.batch_size, config.seed, augment=True)
    validation, extra = None, []
    if x_val is not None:
        val_images, val_texts = make_lines(digit_bank(x_val, y_val), max(200, config.lines // 30), config.seed + 1)
        validation = LineBatches(val_images, val_texts, config.batch_size, config.seed + 1, augment=False)
        extra = [ExactMatch(val_images, val_texts)]
    model = build_model(config.model, config.learning_rate, len(batches) * config.epochs)
    return _fit(model, model, config, batches, None, validation, extra + list(callbacks or []))


def _fit(trainer: keras.Model, model: keras.Model, config: TrainConfig, x, y, validation, callbacks: list | None) -> TrainResult:
    """Run Keras `fit` on `trainer` (the model, or a wrapper around it) and time it."""
    start = time.perf_counter()
    fitted = trainer.fit(
        x,
        y,
        validation_data=validation,
        epochs=config.epochs,
        batch_size=None if y is None else config.batch_size,
        callbacks=callbacks or [],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    return TrainResult(model=model, config=config, history=history, seconds=seconds)


def card_for_run(result: TrainResult, data_checksums: dict[str, str] | None = None) -> ModelCard:
    """The model card of a fresh run: what it is, its validation score and how it was made (no test score yet)."""
    config = result.config
    held_out = config.validation_fraction > 0
    line = get_spec(config.model).task == "line"
    score = "val_exact" if line else "val_accuracy"  # a line counts only when read exactly
    extra = {"input": LINE_INPUT, "labels": LINE_LABELS, "output": line_output(result.model)} if line else {}
    rejection = result.rejection or {}
    if rejection:
        extra = {"labels": OPEN_LABELS, "output": REJECT_OUTPUT, "reject_threshold": rejection["threshold"],
                 "reject_narrow_threshold": rejection.get("narrow_threshold")}
    return ModelCard(
        name=config.model,
        description=get_spec(config.model).description,
        architecture=describe_layers(result.model),
        parameters=int(result.model.count_params()),
        **extra,
        metrics=Metrics(
            validation_accuracy=result.history[score][-1] if score in result.history else None,
            validation=f"{config.validation_fraction:.0%} of the training set held out" if held_out else "none: refit on every training image",
            validation_digits_rejected=rejection.get("digits_rejected"),
            validation_non_digits_accepted=rejection.get("non_digits_accepted"),
        ),
        provenance=Provenance(
            training=asdict(config),
            data=dict(data_checksums or {}),
            train_seconds=round(result.seconds, 2),
            machine=f"{platform.machine()}, {os.cpu_count()} CPU cores",
            software=f"Keras {keras.__version__} ({keras.backend.backend()})",
            date=time.strftime("%Y-%m-%d"),
        ),
    )


def save_run(result: TrainResult, run_dir: Path, data_checksums: dict[str, str] | None = None) -> dict[str, Path]:
    """Write the model (Keras and ONNX), its card, the history (JSON) and its plot; return their paths."""
    from digits.evaluation.plots import plot_history
    from digits.training.export import export_onnx

    run_dir.mkdir(parents=True, exist_ok=True)
    names = (runfolder.KERAS_MODEL, runfolder.ONNX_MODEL, runfolder.CARD, runfolder.HISTORY, runfolder.HISTORY_PLOT)
    paths = {name: run_dir / name for name in names}
    result.model.save(paths[runfolder.KERAS_MODEL])
    export_onnx(result.model, paths[runfolder.ONNX_MODEL])
    write_card(card_for_run(result, data_checksums), paths[runfolder.CARD])
    paths[runfolder.HISTORY].write_text(json.dumps(result.history, indent=2) + "\n")
    figure = plot_history(result.history, title=result.config.model)
    figure.savefig(paths[runfolder.HISTORY_PLOT], dpi=120, bbox_inches="tight")
    return paths


def _raw_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    return np.asarray(model.predict(images.astype("float32"), batch_size=batch_size, verbose=0), dtype=np.float64)


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """(N, 10) digit probabilities for (N, 28, 28) images in 0-255, normalised to sum to 1.

    Normalising matches how Keras scores a sigmoid-output model with
    sparse categorical cross-entropy, so the tutorials' MLP is scored fairly; a
    model with a "not a digit" class is scored on its ten digits, as ONNX serving does.
    """
    probs = _raw_probabilities(model, images, batch_size)[:, :NON_DIGIT]
    return probs / np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
