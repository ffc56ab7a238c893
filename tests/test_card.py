"""The model card: one schema, written and read everywhere; the two older schemas still load."""

import json
from pathlib import Path

import pytest

from digits.card import MNIST_INPUT, ModelCard, card_for_model, card_from_dict, read_card, write_card
from digits.errors import ModelError

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_card_survives_a_round_trip(tmp_path):
    card = card_from_dict(json.loads((FIXTURES / "legacy_default_card.json").read_text()))
    assert read_card(write_card(card, tmp_path / "card.json")) == card


def test_the_first_shipped_card_still_loads_with_its_facts():
    card = read_card(FIXTURES / "legacy_default_card.json")
    assert card.name == "cnn_deep" and card.parameters == 326_826
    assert card.metrics.test_errors == 31 and card.metrics.validation.startswith("10%")
    assert card.provenance.training["epochs"] == 45 and len(card.provenance.data) == 4
    assert card.input == MNIST_INPUT


def test_a_run_folder_from_before_cards_still_loads(tmp_path):
    legacy = {"config": {"model": "cnn_fast", "epochs": 3, "batch_size": 128, "learning_rate": 0.003, "seed": 42,
                         "validation_fraction": 0.1},
              "parameters": 225322, "train_seconds": 49.1, "keras_version": "3.15.1", "backend": "tensorflow",
              "input": "28x28 grey levels 0-255, white digit on black, centred by mass (MNIST convention)"}
    (tmp_path / "config.json").write_text(json.dumps(legacy))
    card = card_for_model(tmp_path / "model.onnx")
    assert card.name == "cnn_fast" and card.parameters == 225_322
    assert card.provenance.train_seconds == 49.1 and card.provenance.software == "Keras 3.15.1 (tensorflow)"


def test_a_bare_onnx_file_is_named_after_itself(tmp_path):
    assert card_for_model(tmp_path / "mine.onnx") == ModelCard(name="mine")


def test_unknown_keys_are_dropped_so_they_never_reach_the_api():
    card = card_from_dict({"name": "x", "card_version": 1, "api_key": "secret", "provenance": {"token": "t"}})
    assert "secret" not in json.dumps(card.to_dict()) and "token" not in json.dumps(card.to_dict())


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1, 2]", "must be a JSON object"),
        ('{"card_version": 1}', "invalid model card (name"),
        ('{"name": "x", "card_version": 1, "parameters": "many"}', "invalid model card (parameters"),
        ("{not json", "cannot read the model card"),
    ],
)
def test_a_bad_card_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "card.json"
    path.write_text(text)
    with pytest.raises(ModelError, match="card") as caught:
        read_card(path)
    assert message in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_the_input_convention_is_described_in_words():
    assert MNIST_INPUT.describe() == "28x28 grey levels 0-255, white digit on black, centred by mass (MNIST convention)"
