"""The registered models: names, what they are, their size and the training defaults that suit them.

Keras-free on purpose, so `digits models` lists them in a blink; `models.py` builds
each from the builder it names (and a test checks every parameter count).
"""

from __future__ import annotations

from dataclasses import dataclass

from digits.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: how to build it and the training defaults that suit it."""

    name: str
    description: str
    builder: str  # the function in digits.training.models that builds it
    parameters: int  # trainable and non-trainable weights, as Keras counts them
    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    augment: bool = False  # random shifts, rotations, zoom and stroke width while training
    schedule: str = "constant"  # or "one_cycle": warm up, then cosine decay to ~0
    task: str = "digit"  # "digit": 28x28 in, 10 probabilities out; "line": a line in, characters out (CTC)
    lines: int = 0  # line models: how many written numbers to render for training
    non_digits: float = 0.0  # > 0: an 11th class, "not a digit", trained on this many generated marks per digit


_ONE_CYCLE = {"schedule": "one_cycle"}
_LINE = {"task": "line", "schedule": "one_cycle", "batch_size": 32}

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("dense", "Flatten -> Dense(10): the tutorials' initial model", "build_dense", 7_850, epochs=10, batch_size=32),
        ModelSpec("mlp", "784-50-50-10 MLP, softmax output, one-cycle schedule", "build_mlp", 42_310,
                  epochs=10, batch_size=64, learning_rate=2e-3, **_ONE_CYCLE),
        ModelSpec("mlp_tutorial", "784-50-50-10 MLP with the tutorials' sigmoid output, reproduced exactly",
                  "build_mlp_tutorial", 42_310, epochs=10, batch_size=32),
        ModelSpec("cnn", "Keras 'Simple MNIST convnet': 2 conv/pool blocks + dropout", "build_cnn", 34_826, epochs=15, batch_size=128),
        ModelSpec("cnn_fast", "Fast recipe: 2 conv/BN/pool blocks + dense head, one-cycle schedule, 3 epochs",
                  "build_fast", 225_322, epochs=3, batch_size=128, learning_rate=3e-3, **_ONE_CYCLE),
        ModelSpec("cnn_deep", "Best single model: 7 conv/BN layers, augmentation, one-cycle schedule",
                  "build_deep", 326_826, epochs=45, batch_size=128, learning_rate=3e-3, augment=True, **_ONE_CYCLE),
        ModelSpec("cnn_reject", "cnn_deep's recipe with an 11th class, 'not a digit', learnt from generated letters, "
                  "symbols, scribbles and smudges", "build_deep_reject", 326_955, epochs=45, batch_size=128, learning_rate=3e-3,
                  augment=True, non_digits=0.15, **_ONE_CYCLE),
        ModelSpec("cnn_fast_reject", "cnn_fast's recipe with the 'not a digit' class, for tests", "build_fast_reject", 225_451,
                  epochs=3, batch_size=128, learning_rate=3e-3, non_digits=0.15, **_ONE_CYCLE),
        ModelSpec("crnn", "Number reader: 5 conv/BN layers and 2 temporal convs with a CTC head; reads a line of 0-9 . , -",
                  "build_crnn", 261_854, epochs=4, learning_rate=2e-3, lines=180_000, **_LINE),
        ModelSpec("crnn_fast", "The number reader's recipe in miniature, for tests: a few thousand lines, two epochs",
                  "build_crnn_fast", 261_854, epochs=2, learning_rate=3e-3, lines=1_500, **_LINE),
    )
}


def get_spec(name: str) -> ModelSpec:
    """The registered spec for `name`, or a ModelError listing the valid names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; registered models: {', '.join(REGISTRY)}") from None
