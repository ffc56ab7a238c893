"""ONNX Runtime inference. Imports neither TensorFlow nor Keras, so it starts fast and answers fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from digits import runfolder
from digits.card import DIGIT_LABELS, LINE_INPUT, MNIST_INPUT, OPEN_LABELS, InputSpec, ModelCard, card_for_model
from digits.errors import ModelError, first_line
from digits.reading.second_look import second_look

DEFAULT_MODEL = "default.onnx"  # the digit model; its card is default.json beside it
DEFAULT_READER = "reader.onnx"  # the sequence reader for written numbers; card reader.json


def default_model_path(name: str = DEFAULT_MODEL) -> Path:
    """A model shipped inside the package: the digit model, or the number reader (DEFAULT_READER)."""
    return Path(str(resources.files("digits") / "assets" / name))


def resolve_onnx_path(model: Path | None, default: str = DEFAULT_MODEL) -> Path:
    """The ONNX file to use: the shipped default, a given .onnx file, or the model.onnx in a run folder."""
    if model is None:
        path = default_model_path(default)
        if not path.is_file():
            raise ModelError(f"{path}: the shipped default model is missing from this installation")
        return path
    if model.is_dir():
        if (model / runfolder.ONNX_MODEL).is_file():
            return model / runfolder.ONNX_MODEL
        raise ModelError(f"{model}: no {runfolder.ONNX_MODEL} in this folder (run `digits export` on the run first)")
    if not model.is_file():
        raise ModelError(f"{model}: no such file or folder")
    if model.suffix != ".onnx":
        raise ModelError(f"{model}: not an ONNX file (export a Keras model with `digits export`)")
    return model


@dataclass
class Predictor:
    """An ONNX model and its card. Digit models: class probabilities for (28, 28) grey-level images,
    white digit on black, 0-255 (`predict_proba`); line models: per-column probabilities (`run`)."""

    path: Path
    threads: int = 0  # 0 lets ONNX Runtime choose
    # Idle threads spin for the next call: fastest when model calls follow each other (a digit at a time),
    # but the spinning steals the cores from whatever runs next: worker processes that prepare images beside
    # it (see recognize_many), or the rest of a read, which calls a second model and finds the next ink.
    spin: bool = True
    card: ModelCard | None = None  # None: read the card that belongs to `path`
    expects: InputSpec = MNIST_INPUT  # the input this caller prepares; a model that wants another is refused
    session: object = field(init=False, repr=False)
    input_name: str = field(init=False)

    def __post_init__(self):
        import onnxruntime as ort

        if self.card is None:
            self.card = card_for_model(self.path)
        if self.card.input != self.expects:
            raise ModelError(f"{self.path}: the model {self.card.name!r} takes {self.card.input.describe()}, "
                             f"but this needs one that takes {self.expects.describe()}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if not self.spin:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for bad files
            raise ModelError(f"{self.path}: cannot load ONNX model ({first_line(exc)})") from None
        self.input_name = self.session.get_inputs()[0].name

    def run(self, batch: np.ndarray) -> np.ndarray:
        """The model's raw output for a batch shaped as its input."""
        return self.session.run(None, {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)})[0]

    @property
    def rejects(self) -> bool:
        """Whether the model has a "not a digit" class (and so can refuse a mark)."""
        return self.card.labels == OPEN_LABELS

    def scores(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 28, 28) images -> ((N, 10) digit probabilities that sum to 1, (N,) probability of "not a digit").

        A model without that class gives 0 for it: it always answers a digit.
        """
        side = self.card.input.size
        raw = self.run(np.reshape(images, (-1, side, side))).astype(np.float64)
        digits = raw[:, : len(DIGIT_LABELS)]
        not_digit = raw[:, len(DIGIT_LABELS)] if self.rejects else np.zeros(len(raw))
        return digits / np.clip(digits.sum(axis=1, keepdims=True), 1e-12, None), not_digit

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) images -> (N, 10) digit probabilities that sum to 1."""
        return self.scores(images)[0]

    def refuses(self, not_digit: np.ndarray) -> np.ndarray:
        """Which marks to answer "not a digit", from their probability of it and the card's calibrated threshold."""
        threshold = self.card.reject_threshold if self.card.reject_threshold is not None else 0.5
        return (not_digit >= threshold) & self.rejects

    def refusals(self, images: np.ndarray, not_digit: np.ndarray) -> np.ndarray:
        """Which of these (N, 28, 28) marks, whose probabilities of "not a digit" are `not_digit`, to refuse: by
        the card's threshold, or where the card has one, by its second threshold for the marks made narrower
        (those drawn with a pen, no heavier than the median digit's stroke: see `reading.second_look`)."""
        refused = self.refuses(not_digit)
        second = self.card.reject_narrow_threshold
        if second is None or not self.rejects or len(images) == 0:
            return refused
        return refused | (second_look(images, lambda marks: self.scores(marks)[1]) >= second)


def load_predictor(model: Path | None = None, threads: int = 0, spin: bool = True) -> Predictor:
    """A Predictor for the shipped digit model or the given ONNX file / run folder, with its card."""
    return Predictor(resolve_onnx_path(model), threads=threads, spin=spin)


def load_line_reader(model: Path | None = None, threads: int = 0, spin: bool = False) -> Predictor:
    """A Predictor for the shipped number reader or the given line model (ONNX file / run folder).

    It does not spin by default: a line's read goes on with the digit model's second opinion and the answer's
    boxes, which its idle threads would slow down (a 6-digit row read 0.3 ms slower with them spinning).
    """
    return Predictor(resolve_onnx_path(model, DEFAULT_READER), threads=threads, spin=spin, expects=LINE_INPUT)
