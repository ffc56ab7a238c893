"""Training-time augmentation: what real images and real preprocessing leave behind.

Small shifts, rotations of about 10 degrees, scale changes and thinner or
thicker strokes. It runs only while training; saved models never contain it.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from digits.training.models import INPUT_SHAPE


class RandomStrokeWidth(layers.Layer):
    """Thicken (3x3 grey dilation) or thin (erosion) a random share of the images in a batch."""

    def __init__(self, rate: float = 0.3, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        thick = ops.max_pool(images, 3, strides=1, padding="same")
        thin = -ops.max_pool(-images, 3, strides=1, padding="same")
        batch = ops.shape(images)[0]
        draw = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator)
        out = ops.where(draw < self.rate / 2, thick, images)
        return ops.where(draw > 1 - self.rate / 2, thin, out)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


def build_augmenter(seed: int) -> keras.Sequential:
    """(B, 28, 28) images in 0-255 in, randomly transformed images of the same shape out."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Reshape((*INPUT_SHAPE, 1)),
            layers.RandomRotation(10 / 360, fill_mode="constant", seed=seed),
            layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1),
            layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed + 2),
            RandomStrokeWidth(0.2, seed=seed + 3),
            layers.Reshape(INPUT_SHAPE),
        ],
        name="augmenter",
    )
