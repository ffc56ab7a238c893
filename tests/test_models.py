import keras
import numpy as np
import pytest

from digits.errors import ModelError
from digits.training.models import build_model, build_network
from digits.training.registry import REGISTRY, get_spec


DIGIT_MODELS = [name for name, spec in REGISTRY.items() if spec.task == "digit"]
LINE_MODELS = [name for name, spec in REGISTRY.items() if spec.task == "line"]


@pytest.mark.parametrize("name", DIGIT_MODELS)
def test_every_digit_model_maps_raw_grey_levels_to_ten_scores_or_eleven_with_not_a_digit(name):
    model = build_model(name)
    assert isinstance(model.layers[1], keras.layers.Rescaling), "pixel scaling lives inside the model"
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28)).astype("float32")
    scores = model.predict(images, verbose=0)
    assert scores.shape == (4, 11 if get_spec(name).non_digits else 10)
    if name != "mlp_tutorial":
        np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-5)


def test_classic_models_have_the_tutorial_sizes():
    assert build_model("dense").count_params() == 784 * 10 + 10
    assert build_model("mlp").count_params() == (784 * 50 + 50) + (50 * 50 + 50) + (50 * 10 + 10)


def test_tutorial_mlp_keeps_its_sigmoid_output():
    assert build_model("mlp_tutorial").layers[-1].activation.__name__ == "sigmoid"
    assert build_model("mlp").layers[-1].activation.__name__ == "softmax"


def test_unknown_model_lists_the_registered_names():
    with pytest.raises(ModelError, match="registered models: dense, mlp"):
        get_spec("resnet9000")


@pytest.mark.parametrize("name", LINE_MODELS)
def test_line_models_read_any_width_one_column_of_answers_per_two_pixels(name):
    model = build_model(name)
    assert isinstance(model.layers[1], keras.layers.Rescaling), "pixel scaling lives inside the model"
    for width in (32, 100, 400):
        scores = model.predict(np.zeros((2, 32, width, 1), "float32"), verbose=0)
        assert scores.shape == (2, width // 2, 14)
        np.testing.assert_allclose(scores.sum(axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_registry_states_each_models_true_size(name):
    assert build_network(name).count_params() == REGISTRY[name].parameters


def test_listing_the_models_needs_no_tensorflow():
    import subprocess
    import sys

    code = ("import sys\nfrom digits.cli.training import models\nmodels()\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "cnn_deep" in result.stdout and "326,826" in result.stdout
