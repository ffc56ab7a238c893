"""digits: handwritten-digit recognition trained on MNIST.

The reading API is available from the top level:

    from digits import load_predictor, recognize, recognize_many, segment

Importing the package loads NumPy, OpenCV and Pillow, never TensorFlow or
Keras. Training and evaluation live in the submodules (`digits.data`,
`digits.models`, `digits.train`, `digits.evaluate`, ...).
"""

from digits.errors import DataError, DigitsError, ModelError
from digits.imagefile import ImageError, read_gray
from digits.predictor import Predictor, load_predictor
from digits.preprocess import segment
from digits.recognize import recognize, recognize_many

__all__ = [
    "DataError", "DigitsError", "ModelError", "ImageError",
    "Predictor", "load_predictor", "read_gray", "recognize", "recognize_many", "segment",
]
__version__ = "0.1.0"
