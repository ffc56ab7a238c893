"""digits: handwritten-digit recognition trained on MNIST.

The reading API is available from the top level:

    from digits import load_predictor, read_image, recognize, recognize_many, segment

Importing the package loads NumPy, OpenCV and Pillow, never TensorFlow or
Keras. The rooms: `digits.data`, `digits.training` (the only one with Keras),
`digits.evaluation`, `digits.reading`, `digits.serving` and `digits.cli`.
"""

from digits.errors import DataError, DigitsError, ImageError, ModelError
from digits.reading.decode import read_gray
from digits.reading.predictor import Predictor, load_line_reader, load_predictor
from digits.reading.preprocess import segment
from digits.reading.recognize import Reading, read_image, recognize, recognize_many

__all__ = [
    "DataError", "DigitsError", "ModelError", "ImageError",
    "Predictor", "Reading", "load_line_reader", "load_predictor", "read_gray", "read_image", "recognize", "recognize_many", "segment",
]
__version__ = "0.1.0"
