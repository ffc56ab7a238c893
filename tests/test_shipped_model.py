"""The model shipped inside the package: its card, and that the card tells the truth."""

import json

import pytest

from digits.data import MNIST_FILES, load_mnist, locate_file
from digits.download import sha256_of
from digits.evaluate import evaluate_probabilities
from digits.predictor import default_model_path, load_model_card, load_predictor

CARD_FIELDS = {
    "name", "description", "architecture", "parameters", "training_data", "training", "reproduce",
    "train_seconds", "machine", "validation_accuracy", "test_accuracy", "test_errors", "date",
}


def test_the_card_ships_beside_the_model_and_says_what_the_issue_asks():
    card_path = default_model_path().with_suffix(".json")
    assert card_path.is_file()
    card = json.loads(card_path.read_text())
    assert CARD_FIELDS <= card.keys()
    assert load_model_card() == card
    assert set(card["training_data"]) == {spec.name for spec in MNIST_FILES.values()}
    assert default_model_path().stat().st_size < 5_000_000  # "a few MB at most"


@pytest.mark.integration
def test_the_shipped_model_scores_what_its_card_says(real_mnist_dir):
    card = load_model_card()
    mnist = load_mnist(real_mnist_dir)
    evaluation = evaluate_probabilities(load_predictor().predict_proba(mnist.x_test), mnist.y_test)
    assert evaluation.errors == card["test_errors"]
    assert evaluation.accuracy >= 0.995  # a generous floor; the benchmark reports the real figure
    test_files = {spec.name for key, spec in MNIST_FILES.items() if key.endswith("_test")}
    for name in test_files:  # the card's test figure is on these exact files
        assert card["training_data"][name] == sha256_of(locate_file(real_mnist_dir, name))
