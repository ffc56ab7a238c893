"""The model card: one machine-readable description of a model.

Training writes it into the run folder, shipping writes it beside the packaged
model, and the predictor, the API and the README generator read it. The input
convention that every model here shares (MNIST's) is spelled here once.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from digits import runfolder
from digits.errors import ModelError, first_line

CARD_VERSION = 1


@dataclass(frozen=True)
class InputSpec:
    """What a model takes, and so what the reading room's preprocessing must produce."""

    size: int = 28  # square images, size x size pixels (a line: its height; any width)
    box: int = 20  # the digit is scaled to fit a box x box square, aspect kept (a line: the text's height) ...
    centring: str = "mass"  # ... and moved so its centre of mass is the image centre (a line: "line", centred vertically)
    polarity: str = "white on black"
    low: int = 0  # grey level of the background
    high: int = 255  # grey level of the strongest ink
    preprocessing: int = 1  # version of the image-to-input steps; bumps when what a model sees changes

    def describe(self) -> str:
        """One line for people, as the README and the card show it."""
        ink, background = self.polarity.split(" on ")
        if self.centring == "line":
            return (f"a line {self.size} pixels high, any width, grey levels {self.low}-{self.high}, {ink} text "
                    f"{self.box} pixels high on {background}")
        return (f"{self.size}x{self.size} grey levels {self.low}-{self.high}, {ink} digit on {background}, "
                f"centred by {self.centring} (MNIST convention)")


MNIST_INPUT = InputSpec()
DIGIT_LABELS = tuple("0123456789")
REJECT_LABEL = "not a digit"  # the 11th class of a digit model that can refuse a mark
OPEN_LABELS = (*DIGIT_LABELS, REJECT_LABEL)
LINE_INPUT = InputSpec(size=32, box=24, centring="line")  # what the sequence reader takes: one line of a number
LINE_LABELS = ("", *DIGIT_LABELS, ".", ",", "-")  # index 0 is CTC's blank: no character at this column


@dataclass(frozen=True)
class Metrics:
    """Scores, each None until measured. The test set is scored once, never used to choose."""

    validation_accuracy: float | None = None
    validation: str = ""  # how the validation data was held out
    test_accuracy: float | None = None
    test_errors: int | None = None
    test_loss: float | None = None
    onnx_max_abs_diff_vs_keras: float | None = None
    # Models with a "not a digit" class, at their reject_threshold, on validation data:
    validation_digits_rejected: float | None = None  # share of held-out digits (read through the pipeline) refused
    validation_non_digits_accepted: float | None = None  # share of held-out generated non-digits taken for digits


@dataclass(frozen=True)
class Provenance:
    """How the model was made: its training settings, data, machine, time and the command to redo it."""

    training: dict[str, float | int | str | None] = field(default_factory=dict)  # the TrainConfig
    data: dict[str, str] = field(default_factory=dict)  # MNIST file name -> SHA-256
    train_seconds: float | None = None
    machine: str = ""
    software: str = ""
    date: str = ""
    reproduce: str = ""
    onnx_bytes: int | None = None


@dataclass(frozen=True)
class ModelCard:
    """Everything a caller needs to serve a model and to trust its numbers."""

    name: str
    description: str = ""
    architecture: str = ""
    parameters: int | None = None
    input: InputSpec = MNIST_INPUT
    labels: tuple[str, ...] = DIGIT_LABELS
    output: str = "10 probabilities, digits 0-9"
    # With OPEN_LABELS: a mark whose "not a digit" probability reaches this is refused (chosen on validation data).
    reject_threshold: float | None = None
    # ...or whose probability reaches this one when the mark, if drawn with a pen (strokes no heavier than the median
    # digit's), is shown again made narrower (`reading.second_look`): fonts taught the class narrow letters, and people
    # also write them wide. None: no second look.
    reject_narrow_threshold: float | None = None
    metrics: Metrics = Metrics()
    provenance: Provenance = Provenance()
    card_version: int = CARD_VERSION

    def to_dict(self) -> dict:
        """JSON-ready: tuples become lists."""
        return json.loads(json.dumps(asdict(self)))


_ADAPTER = TypeAdapter(ModelCard)


def card_from_dict(raw: object, source: str = "model card") -> ModelCard:
    """A card from parsed JSON: today's schema, or the two older ones (a run's config.json, the first shipped card).

    Unknown keys are dropped, so a card can never carry extra data out through the API.
    """
    if not isinstance(raw, dict):
        raise ModelError(f"{source}: a model card must be a JSON object, not {type(raw).__name__}")
    if "card_version" not in raw:
        raw = _from_run_config(raw) if "config" in raw else _from_first_shipped_card(raw)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "card"
        raise ModelError(f"{source}: invalid model card ({where}: {problem['msg']})") from None


def _from_run_config(raw: dict) -> dict:
    """The config.json that run folders held before cards: {"config": TrainConfig, "parameters", ...}."""
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    software = f"Keras {raw['keras_version']} ({raw.get('backend', '?')})" if "keras_version" in raw else ""
    return {
        "name": config.get("model", "custom"),
        "parameters": raw.get("parameters"),
        "provenance": {"training": config, "train_seconds": raw.get("train_seconds"), "software": software},
        "card_version": CARD_VERSION,
    }


def _from_first_shipped_card(raw: dict) -> dict:
    """The flat card that the first shipped model came with (every key at the top level)."""
    metric_keys = ("validation_accuracy", "validation", "test_accuracy", "test_errors", "test_loss", "onnx_max_abs_diff_vs_keras")
    return {
        "name": raw.get("name", "custom"),
        "description": raw.get("description", ""),
        "architecture": raw.get("architecture", ""),
        "parameters": raw.get("parameters"),
        "metrics": {key: raw[key] for key in metric_keys if key in raw},
        "provenance": {
            "training": raw.get("training", {}),
            "data": raw.get("training_data", {}),
            "train_seconds": raw.get("train_seconds"),
            "machine": raw.get("machine", ""),
            "date": raw.get("date", ""),
            "reproduce": raw.get("reproduce", ""),
            "onnx_bytes": raw.get("onnx_bytes"),
        },
        "card_version": CARD_VERSION,
    }


def read_card(path: Path) -> ModelCard:
    """The card in a JSON file; a missing, unreadable or invalid file is a one-line ModelError."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model card ({first_line(exc)})") from None
    return card_from_dict(raw, source=str(path))


def card_for_model(onnx_path: Path) -> ModelCard:
    """The card that belongs to an ONNX file: NAME.json beside it, or the run folder's card or old config.

    A bare ONNX file with none of these gets a card with only its name.
    """
    folder = onnx_path.parent
    for candidate in (onnx_path.with_suffix(".json"), folder / runfolder.CARD, folder / runfolder.LEGACY_CONFIG):
        if candidate.is_file():
            return read_card(candidate)
    return ModelCard(name=onnx_path.stem)


def write_card(card: ModelCard, path: Path) -> Path:
    """Write the card as JSON, atomically: a reader never sees half a card."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(card.to_dict(), indent=2) + "\n")
    os.chmod(tmp, 0o644)  # mkstemp makes files private; a card is not
    os.replace(tmp, path)
    return path
