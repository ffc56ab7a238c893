"""The sequence reader: a small convolutional recogniser with a CTC head that reads one line of a number.

It takes a line LINE_INPUT.size pixels high and any width (the output of
`digits.reading.lines.normalize_line`) and answers, for every 2 columns, the
probabilities of blank, 0-9 and . , - ; greedy CTC decoding turns that into
characters. No segmentation: touching and overlapping digits need none.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import keras
import numpy as np
from keras import layers, ops

from digits.card import LINE_INPUT, LINE_LABELS
from digits.data.synth_lines import random_number_text, random_style, render_number, stroke_ones
from digits.reading.lines import HEIGHT, STRIDES, WIDTH_STEP, decode_line, line_batches, normalize_line, pad_batch, padded_width

STROKE_ONES = 0.25  # share of training numbers whose ones are single pen strokes rather than MNIST's


def _conv_bn(x, filters: int, kernel=3):
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_crnn(widths: tuple[int, ...] = (16, 32, 64, 64, 96), context: int = 128, stride: int = 2,
               name: str = "crnn") -> keras.Model:
    """(B, 32, W, 1) grey levels 0-255 -> (B, W/stride, 14) probabilities of blank, 0-9, '.', ',', '-' per
    `stride` (2 or 4) input columns. A finer stride gives CTC room between close characters: 2 reads touching
    and thin digits better than 4 at the same cost in weights."""
    if stride not in STRIDES:
        raise ValueError(f"stride {stride}: a line model answers once per {' or '.join(map(str, STRIDES))} columns")
    inputs = keras.Input(shape=(HEIGHT, None, 1), name="line")
    x = layers.Rescaling(1.0 / LINE_INPUT.high, name="scale_0_1")(inputs)
    x = _conv_bn(x, widths[0])
    x = layers.MaxPooling2D(2)(x)  # (B, 16, W/2, c)
    x = _conv_bn(x, widths[1])
    x = layers.MaxPooling2D((2, stride // 2))(x)  # (B, 8, W/stride, c)
    x = _conv_bn(x, widths[2])
    x = _conv_bn(x, widths[3])
    x = layers.MaxPooling2D((2, 1))(x)  # (B, 4, W/stride, c): height shrinks, columns stay
    x = _conv_bn(x, widths[4])
    x = layers.MaxPooling2D((4, 1))(x)  # (B, 1, W/stride, c): one feature vector per `stride` input columns
    x = layers.Reshape((-1, widths[4]))(x)  # (B, T, c)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(context, 5, padding="same", activation="relu")(x)  # context: about a third of a digit either side
    x = layers.Conv1D(context, 5, padding="same", activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(len(LINE_LABELS), activation="softmax", name="characters")(x)
    return keras.Model(inputs, outputs, name=name)


def line_stride(model: keras.Model) -> int:
    """How many input columns a line model answers once for (its output's length divides its input's width)."""
    width = 16 * WIDTH_STEP
    return width // int(model.compute_output_shape((1, HEIGHT, width, 1))[1])


@keras.saving.register_keras_serializable(package="digits")
def ctc_on_probabilities(y_true, y_pred):
    """CTC loss for a softmax output: the log of a softmax is its own log-softmax, so it serves as the logits."""
    return keras.losses.ctc(y_true, ops.log(ops.clip(y_pred, 1e-7, 1.0)))


def encode_text(texts: list[str], length: int | None = None) -> np.ndarray:
    """Strings -> (N, length or the longest) class indices, padded with 0 (the blank, which targets never use)."""
    index = {label: i for i, label in enumerate(LINE_LABELS)}
    longest = length or max(1, max(len(t) for t in texts))
    targets = np.zeros((len(texts), longest), np.int32)
    for row, text in enumerate(texts):
        targets[row, : len(text)] = [index[c] for c in text]
    return targets


def make_lines(bank: dict[int, np.ndarray], count: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """`count` written numbers from the digits in `bank`, normalised as the reader normalises them
    (kept as 8-bit images to save memory: a rounding the model does not notice)."""
    rng = np.random.default_rng(seed)
    with_stroke_ones = {**bank, 1: stroke_ones(rng)}
    images, texts = [], []
    while len(images) < count:
        text = random_number_text(rng)
        style, pool = random_style(rng), bank
        if rng.random() < STROKE_ONES:
            # A one drawn as a bare stroke; not thinned further, which would erase it.
            style, pool = replace(style, stroke=max(0, style.stroke)), with_stroke_ones
        # Points as small as the pen or pressed as wide as the strokes, as people make them.
        dots = "stroke" if rng.random() < 0.5 else "pen"
        line = normalize_line(render_number(text, pool, rng, style, dots))
        if line is not None:
            images.append(line.image.astype(np.uint8))
            texts.append(text)
    return images, texts


def roughen(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What real images leave in the ink map: soft edges, faint ink, background noise."""
    out = batch.copy()
    for i in range(len(out)):
        if rng.random() < 0.5:
            out[i, ..., 0] = cv2.GaussianBlur(out[i, ..., 0], (0, 0), float(rng.uniform(0.3, 1.0)))
        out[i] *= rng.uniform(0.7, 1.0)
        out[i] += rng.normal(0, rng.uniform(0, 10), out[i].shape).astype(np.float32)
    return np.clip(out, 0, LINE_INPUT.high)


class LineBatches(keras.utils.PyDataset):
    """Batches of pre-rendered lines grouped by width (few distinct shapes, few retraces), reshuffled every epoch."""

    def __init__(self, images: list[np.ndarray], texts: list[str], batch_size: int, seed: int, augment: bool):
        super().__init__()
        self.images, self.texts, self.batch_size, self.augment = images, texts, batch_size, augment
        self.rng = np.random.default_rng(seed)
        self.batches: list[np.ndarray] = []
        self.on_epoch_end()

    def on_epoch_end(self):
        widths = np.array([image.shape[1] for image in self.images]) // WIDTH_STEP  # similar widths batch together
        order = self.rng.permutation(len(self.images))
        order = order[np.argsort(widths[order], kind="stable")]
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        self.batches = [batches[i] for i in self.rng.permutation(len(batches))]

    def __len__(self):
        return len(self.batches)

    def _shape(self, picks: np.ndarray) -> tuple[int, int]:
        """(padded width, longest text) of a batch."""
        width = max(self.images[i].shape[1] for i in picks)
        return padded_width(width), max(1, max(len(self.texts[i]) for i in picks))

    def __getitem__(self, index):
        picks = self.batches[index]
        width, longest = self._shape(picks)
        if index == 1:
            # Keras infers the dataset's shapes from batches 0 and 1 and fixes every dimension on which they
            # agree; make width and text length differ so both stay variable.
            width0, longest0 = self._shape(self.batches[0])
            width, longest = max(width, width0) + WIDTH_STEP, max(longest, longest0) + 1
        batch = pad_batch([self.images[i].astype(np.float32) for i in picks])
        batch = np.pad(batch, ((0, 0), (0, 0), (0, width - batch.shape[2]), (0, 0)))
        if self.augment:
            batch = roughen(batch, self.rng)
        return batch, encode_text([self.texts[i] for i in picks], longest)


def exact_match_rate(model: keras.Model, images: list[np.ndarray], texts: list[str], batch_size: int = 128) -> float:
    """Share of lines read exactly, batched and decoded as the reader does."""
    right = 0
    for chunk, batch in line_batches(images, batch_size):  # 8-bit lines: pad_batch makes each batch float
        probabilities = np.asarray(model.predict(batch, verbose=0))
        for i, probs in zip(chunk, probabilities):
            right += "".join(c.char for c in decode_line(probs, images[i], batch.shape[2])) == texts[i]
    return right / max(1, len(images))


class ExactMatch(keras.callbacks.Callback):
    """Adds `val_exact` (validation lines read exactly) to each epoch's logs."""

    def __init__(self, images: list[np.ndarray], texts: list[str]):
        super().__init__()
        self.images, self.texts = images, texts

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["val_exact"] = exact_match_rate(self.model, self.images, self.texts)
