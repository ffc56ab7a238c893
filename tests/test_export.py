import numpy as np
import pytest

from digits.training.export import export_onnx
from digits.training.models import REGISTRY, build_model
from digits.reading.predictor import Predictor


@pytest.mark.parametrize("name", list(REGISTRY))
def test_onnx_export_agrees_with_keras(name, tmp_path, tiny_mnist):
    model = build_model(name)
    model.fit(tiny_mnist.x_train[:64].astype("float32"), tiny_mnist.y_train[:64], epochs=1, verbose=0)  # non-trivial BN stats
    path = export_onnx(model, tmp_path / f"{name}.onnx")
    images = tiny_mnist.x_test[:100].astype("float32")
    keras_scores = model.predict(images, verbose=0)
    onnx_scores = Predictor(path).session.run(None, {"image": images})[0]
    np.testing.assert_allclose(onnx_scores, keras_scores, atol=1e-5)
