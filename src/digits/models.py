"""Model registry: every model is built by name through one factory.

All models take a batch of (28, 28) images with grey levels 0-255 (white digit
on black, as in MNIST) and return ten class probabilities. Scaling to [0, 1]
is the model's first layer, so a saved model carries its own preprocessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers

from digits.errors import ModelError

INPUT_SHAPE = (28, 28)
NUM_CLASSES = 10


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: how to build it and the training defaults that suit it."""

    name: str
    description: str
    build: Callable[[], keras.Model]
    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    augment: bool = False


def _inputs() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The shared input: raw grey levels, rescaled to [0, 1] inside the model."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="scale_0_1")(inputs)


def build_dense() -> keras.Model:
    """The tutorials' initial model: one dense layer on the 784 pixels."""
    inputs, x = _inputs()
    x = layers.Flatten()(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="dense")


def build_mlp(output_activation: str = "softmax") -> keras.Model:
    """784-50-50-10. The tutorials used a sigmoid output; softmax gives probabilities that sum to 1."""
    inputs, x = _inputs()
    x = layers.Flatten()(x)
    x = layers.Dense(50, activation="relu")(x)
    x = layers.Dense(50, activation="relu")(x)
    outputs = layers.Dense(NUM_CLASSES, activation=output_activation)(x)
    name = "mlp" if output_activation == "softmax" else "mlp_tutorial"
    return keras.Model(inputs, outputs, name=name)


def build_cnn() -> keras.Model:
    """The Keras "Simple MNIST convnet": two conv/pool blocks, dropout, a softmax layer."""
    inputs, x = _inputs()
    x = layers.Reshape((28, 28, 1))(x)  # (B, 28, 28, 1): conv layers want a channel axis
    x = layers.Conv2D(32, 3, activation="relu")(x)  # (B, 26, 26, 32)
    x = layers.MaxPooling2D(2)(x)  # (B, 13, 13, 32)
    x = layers.Conv2D(64, 3, activation="relu")(x)  # (B, 11, 11, 64)
    x = layers.MaxPooling2D(2)(x)  # (B, 5, 5, 64)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cnn")


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("dense", "Flatten -> Dense(10): the tutorials' initial model", build_dense, epochs=10, batch_size=32),
        ModelSpec("mlp", "784-50-50-10 MLP, softmax output", build_mlp, epochs=10, batch_size=32),
        ModelSpec(
            "mlp_tutorial",
            "784-50-50-10 MLP with the tutorials' sigmoid output, reproduced exactly",
            lambda: build_mlp("sigmoid"),
            epochs=10,
            batch_size=32,
        ),
        ModelSpec("cnn", "Keras 'Simple MNIST convnet': 2 conv/pool blocks + dropout", build_cnn, epochs=15, batch_size=128),
    )
}


def get_spec(name: str) -> ModelSpec:
    """The registered spec for `name`, or a ModelError listing the valid names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; registered models: {', '.join(REGISTRY)}") from None


def build_model(name: str, learning_rate: float | None = None) -> keras.Model:
    """Build and compile a registered model: Adam, sparse categorical cross-entropy, accuracy."""
    spec = get_spec(name)
    model = spec.build()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate if learning_rate is not None else spec.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
