import keras
import numpy as np
import pytest

from digits.errors import ModelError
from digits.training.models import REGISTRY, build_model, get_spec


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_model_maps_raw_grey_levels_to_ten_scores(name):
    model = build_model(name)
    assert isinstance(model.layers[1], keras.layers.Rescaling), "pixel scaling lives inside the model"
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28)).astype("float32")
    scores = model.predict(images, verbose=0)
    assert scores.shape == (4, 10)
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
