import subprocess
import sys

import numpy as np
import pytest

from digits.errors import ModelError
from digits.reading.predictor import default_model_path, load_predictor, resolve_onnx_path


def test_prediction_never_imports_tensorflow_or_keras(tmp_path):
    image = tmp_path / "digit.png"
    from PIL import Image

    canvas = np.zeros((28, 28), np.uint8)
    canvas[6:22, 12:16] = 255
    Image.fromarray(canvas).save(image)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from digits.reading.predictor import load_predictor\n"
        "from digits.reading.recognize import recognize\n"
        f"answer = recognize(load_predictor(), Path({str(image)!r}))\n"
        "assert answer['digit'] is not None, answer\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf2onnx')]\n"
        "assert not loaded, loaded[:5]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_shipped_model_loads_from_the_package():
    assert default_model_path().is_file()
    probabilities = load_predictor().predict_proba(np.zeros((3, 28, 28), np.float32))
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_bad_model_paths_are_reported(tmp_path):
    with pytest.raises(ModelError, match="no such file"):
        resolve_onnx_path(tmp_path / "missing.onnx")
    with pytest.raises(ModelError, match="no model.onnx"):
        resolve_onnx_path(tmp_path)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="cannot load ONNX model"):
        load_predictor(broken)


def test_a_predictor_that_does_not_spin_gives_the_same_answers():
    images = np.random.default_rng(0).uniform(0, 255, (8, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(load_predictor(spin=False).predict_proba(images), load_predictor().predict_proba(images), atol=1e-6)


def test_the_reading_api_is_importable_from_the_package():
    code = (
        "import sys\n"
        "import digits.reading.recognize\n"  # the submodule of the same name must not shadow the function
        "from digits import load_predictor, recognize, recognize_many, segment, read_gray, ImageError\n"
        "import numpy as np\n"
        "assert 'not an image' in recognize(load_predictor(), b'not an image', name='x')['error']\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
