"""The model shipped inside the package: its card, and that the card tells the truth."""

import pytest

from digits.card import MNIST_INPUT, OPEN_LABELS, card_for_model
from digits.data.download import sha256_of
from digits.data.mnist import MNIST_FILES, load_mnist, locate_file
from digits.evaluation.metrics import evaluate_probabilities
from digits.reading.predictor import default_model_path, load_predictor


def test_the_card_ships_beside_the_model_and_says_what_the_issue_asks():
    assert default_model_path().with_suffix(".json").is_file()
    card = load_predictor().card
    assert card == card_for_model(default_model_path())
    assert card.name == "cnn_reject" and card.input == MNIST_INPUT and card.labels == OPEN_LABELS
    assert 0 < card.reject_threshold < 1 and card.metrics.validation_digits_rejected <= 0.005
    assert card.architecture and card.parameters > 0 and card.provenance.reproduce and card.provenance.date
    assert card.metrics.validation_accuracy > 0.98 and card.metrics.test_errors is not None  # validation holds non-digits too
    assert set(card.provenance.data) == {spec.name for spec in MNIST_FILES.values()}
    assert default_model_path().stat().st_size < 5_000_000  # "a few MB at most"


@pytest.mark.integration
def test_the_shipped_model_scores_what_its_card_says(real_mnist_dir):
    card = load_predictor().card
    mnist = load_mnist(real_mnist_dir)
    evaluation = evaluate_probabilities(load_predictor().predict_proba(mnist.x_test), mnist.y_test)
    assert evaluation.errors == card.metrics.test_errors
    assert evaluation.accuracy >= 0.995  # a generous floor; the benchmark reports the real figure
    test_files = {spec.name for key, spec in MNIST_FILES.items() if key.endswith("_test")}
    for name in test_files:  # the card's test figure is on these exact files
        assert card.provenance.data[name] == sha256_of(locate_file(real_mnist_dir, name))
