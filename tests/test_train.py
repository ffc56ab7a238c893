import json

import keras
import numpy as np

from digits.card import read_card
from digits.reading.predictor import load_predictor
from digits.training.augment import build_augmenter
from digits.training.keras_files import find_model_file, load_keras_model
from digits.training.train import predict_probabilities


def test_training_learns_the_tiny_digits(tiny_run, tiny_mnist):
    _, result = tiny_run
    assert set(result.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(result.history["loss"]) == 5
    assert result.history["loss"][-1] < result.history["loss"][0]
    accuracy = np.mean(predict_probabilities(result.model, tiny_mnist.x_test).argmax(1) == tiny_mnist.y_test)
    assert accuracy > 0.5  # chance is 0.1


def test_run_folder_holds_model_config_history_and_plot(tiny_run, tiny_mnist):
    run_dir, result = tiny_run
    assert {p.name for p in run_dir.iterdir()} >= {"model.keras", "model.onnx", "card.json", "history.json", "history.png"}
    card = read_card(run_dir / "card.json")
    assert card.name == "mlp" and card.provenance.training["epochs"] == 5 and card.parameters == 42_310
    assert card.metrics.validation_accuracy == result.history["val_accuracy"][-1] and card.metrics.test_accuracy is None
    assert load_predictor(run_dir).card == card  # the predictor reads the card training wrote
    assert json.loads((run_dir / "history.json").read_text())["val_accuracy"] == result.history["val_accuracy"]
    reloaded = load_keras_model(find_model_file(run_dir))
    np.testing.assert_allclose(
        predict_probabilities(reloaded, tiny_mnist.x_test[:20]), predict_probabilities(result.model, tiny_mnist.x_test[:20]), atol=1e-6
    )


def test_augmenter_changes_images_only_while_training(tiny_mnist):
    augmenter = build_augmenter(seed=0)
    images = tiny_mnist.x_train[:16].astype("float32")
    np.testing.assert_array_equal(np.asarray(augmenter(images, training=False)), images)
    changed = np.asarray(augmenter(images, training=True))
    assert changed.shape == images.shape
    assert not np.allclose(changed, images)


def test_validation_fraction_zero_trains_on_every_training_image(tiny_mnist):
    from digits.training.train import TrainConfig, train_model

    seen = []

    class CountSteps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.params["steps"])

    result = train_model(TrainConfig(model="dense", epochs=1, batch_size=100, validation_fraction=0), tiny_mnist, callbacks=[CountSteps()])
    assert set(result.history) == {"loss", "accuracy"}  # nothing held out, nothing validated
    assert seen == [len(tiny_mnist.x_train) // 100]  # every one of the 600 tiny training images


def test_the_validation_split_stays_put_when_only_the_seed_changes(tiny_mnist):
    """Two models trained with different seeds are validated on the same held-out digits."""
    from digits.training.train import TrainConfig, _split

    first, second = _split(TrainConfig(model="dense", seed=42), tiny_mnist), _split(TrainConfig(model="dense", seed=43), tiny_mnist)
    assert np.array_equal(first[2], second[2]) and np.array_equal(first[0], second[0])
    other = _split(TrainConfig(model="dense", split_seed=7), tiny_mnist)
    assert not np.array_equal(first[2], other[2])
