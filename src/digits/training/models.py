"""Model registry: every model is built by name through one factory.

Digit models take a batch of (28, 28) images with grey levels 0-255 (white digit
on black, as in MNIST) and return ten class probabilities; line models (task
"line", see `sequence.py`) read a whole line of a number. Scaling to [0, 1]
is the model's first layer, so a saved model carries its own preprocessing.
"""

from __future__ import annotations

import keras
from keras import layers

from digits.card import DIGIT_LABELS, MNIST_INPUT, OPEN_LABELS
from digits.errors import ModelError
from digits.training.registry import ModelSpec, get_spec
from digits.training.sequence import build_crnn, ctc_on_probabilities

INPUT_SHAPE = (MNIST_INPUT.size, MNIST_INPUT.size)
NUM_CLASSES = len(DIGIT_LABELS)


def _inputs() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The shared input: raw grey levels, rescaled to [0, 1] inside the model."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    return inputs, layers.Rescaling(1.0 / MNIST_INPUT.high, name="scale_0_1")(inputs)


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
    x = layers.Reshape((*INPUT_SHAPE, 1))(x)  # (B, 28, 28, 1): conv layers want a channel axis
    x = layers.Conv2D(32, 3, activation="relu")(x)  # (B, 26, 26, 32)
    x = layers.MaxPooling2D(2)(x)  # (B, 13, 13, 32)
    x = layers.Conv2D(64, 3, activation="relu")(x)  # (B, 11, 11, 64)
    x = layers.MaxPooling2D(2)(x)  # (B, 5, 5, 64)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cnn")


def _conv_bn(x, filters: int, kernel: int, strides: int = 1, padding: str = "valid"):
    """Conv -> BatchNorm -> ReLU; the conv has no bias since BatchNorm adds one."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_fast(classes: int = NUM_CLASSES, name: str = "cnn_fast") -> keras.Model:
    """A small batch-normalised convnet that passes 99 % in about a minute of CPU training."""
    inputs, x = _inputs()
    x = layers.Reshape((*INPUT_SHAPE, 1))(x)
    x = _conv_bn(x, 32, 3)  # (B, 26, 26, 32)
    x = layers.MaxPooling2D(2)(x)  # (B, 13, 13, 32)
    x = _conv_bn(x, 64, 3)  # (B, 11, 11, 64)
    x = layers.MaxPooling2D(2)(x)  # (B, 5, 5, 64)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=name)


def build_deep(classes: int = NUM_CLASSES, name: str = "cnn_deep") -> keras.Model:
    """Seven batch-normalised conv layers; strided 5x5 convs replace pooling (learned downsampling)."""
    inputs, x = _inputs()
    x = layers.Reshape((*INPUT_SHAPE, 1))(x)
    x = _conv_bn(x, 32, 3)  # (B, 26, 26, 32)
    x = _conv_bn(x, 32, 3)  # (B, 24, 24, 32)
    x = _conv_bn(x, 32, 5, strides=2, padding="same")  # (B, 12, 12, 32)
    x = layers.Dropout(0.4)(x)
    x = _conv_bn(x, 64, 3)  # (B, 10, 10, 64)
    x = _conv_bn(x, 64, 3)  # (B, 8, 8, 64)
    x = _conv_bn(x, 64, 5, strides=2, padding="same")  # (B, 4, 4, 64)
    x = layers.Dropout(0.4)(x)
    x = _conv_bn(x, 128, 4)  # (B, 1, 1, 128)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=name)


def build_deep_reject() -> keras.Model:
    """cnn_deep with an 11th output: "not a digit"."""
    return build_deep(len(OPEN_LABELS), "cnn_reject")


def build_fast_reject() -> keras.Model:
    """cnn_fast with an 11th output: "not a digit"."""
    return build_fast(len(OPEN_LABELS), "cnn_fast_reject")


def build_mlp_tutorial() -> keras.Model:
    """The MLP exactly as the tutorials built it: a sigmoid output."""
    return build_mlp("sigmoid")


def build_crnn_fast() -> keras.Model:
    """The number reader's architecture, under the name of its quick recipe."""
    return build_crnn(name="crnn_fast")


def build_network(name: str) -> keras.Model:
    """A fresh, uncompiled registered model, built by the function its spec names."""
    return globals()[get_spec(name).builder]()


def make_optimizer(spec: ModelSpec, learning_rate: float, total_steps: int) -> keras.optimizers.Optimizer:
    """Adam with the spec's schedule: constant, or one-cycle (linear warm-up for 20 %, then cosine to ~0)."""
    if spec.schedule == "constant":
        return keras.optimizers.Adam(learning_rate)
    if spec.schedule == "one_cycle":
        warmup = max(1, int(0.2 * total_steps))
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=learning_rate / 25,
            warmup_target=learning_rate,
            warmup_steps=warmup,
            decay_steps=max(1, total_steps - warmup),
            alpha=1e-3,
        )
        return keras.optimizers.Adam(schedule)
    raise ModelError(f"{spec.name}: unknown schedule {spec.schedule!r}")


def compile_model(model: keras.Model, optimizer: keras.optimizers.Optimizer, task: str = "digit") -> keras.Model:
    """Compile with the task's loss: sparse categorical cross-entropy and accuracy, or CTC for line models."""
    if task == "line":
        model.compile(optimizer=optimizer, loss=ctc_on_probabilities)
    else:
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_model(name: str, learning_rate: float | None = None, total_steps: int = 1) -> keras.Model:
    """Build and compile a registered model with Adam and the model's learning-rate schedule."""
    spec = get_spec(name)
    rate = learning_rate if learning_rate is not None else spec.learning_rate
    return compile_model(build_network(name), make_optimizer(spec, rate, total_steps), spec.task)


def describe_layers(model: keras.Model) -> str:
    """The layers that learn or drop, compactly: conv3x3x32+BN+ReLU -> conv5x5x32/2 -> dropout 0.4 -> dense 10."""
    parts = []
    for layer in model.layers:
        kind = layer.__class__.__name__
        if kind == "Conv2D":
            k, stride = layer.kernel_size[0], layer.strides[0]
            parts.append(f"conv{k}x{k}x{layer.filters}" + (f"/{stride}" if stride > 1 else "") + ("+BN+ReLU" if not layer.use_bias else ""))
        elif kind == "Conv1D":
            parts.append(f"temporal conv{layer.kernel_size[0]}x{layer.filters}")
        elif kind == "Dense":
            parts.append(f"dense {layer.units} ({layer.activation.__name__})")
        elif kind == "Dropout":
            parts.append(f"dropout {layer.rate}")
        elif kind in ("MaxPooling2D", "Flatten"):
            parts.append(kind.lower())
    return " -> ".join(parts)
