"""digits: handwritten-digit recognition trained on MNIST.

Importing the package is cheap: it loads no TensorFlow or Keras. Import the
submodules you need (`digits.data`, `digits.models`, `digits.train`, ...).
"""

from digits.errors import DataError, DigitsError, ModelError

__all__ = ["DataError", "DigitsError", "ModelError"]
__version__ = "0.1.0"
