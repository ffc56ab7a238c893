import numpy as np
import pytest

from digits.training.export import export_onnx
from digits.training.models import build_model
from digits.training.registry import REGISTRY
from digits.card import LINE_INPUT, ModelCard
from digits.reading.predictor import Predictor


@pytest.mark.parametrize("name", [name for name, spec in REGISTRY.items() if spec.task == "digit"])
def test_onnx_export_agrees_with_keras(name, tmp_path, tiny_mnist):
    model = build_model(name)
    model.fit(tiny_mnist.x_train[:64].astype("float32"), tiny_mnist.y_train[:64], epochs=1, verbose=0)  # non-trivial BN stats
    path = export_onnx(model, tmp_path / f"{name}.onnx")
    images = tiny_mnist.x_test[:100].astype("float32")
    keras_scores = model.predict(images, verbose=0)
    onnx_scores = Predictor(path).session.run(None, {"image": images})[0]
    np.testing.assert_allclose(onnx_scores, keras_scores, atol=1e-5)


def test_a_line_model_exports_with_a_free_width(tmp_path):
    model = build_model("crnn_fast")
    path = export_onnx(model, tmp_path / "line.onnx")
    session = Predictor(path, card=ModelCard(name="line", input=LINE_INPUT), expects=LINE_INPUT)
    for width in (48, 256):
        lines = np.random.default_rng(width).uniform(0, 255, (3, 32, width, 1)).astype("float32")
        np.testing.assert_allclose(session.run(lines), model.predict(lines, verbose=0), atol=1e-5)
