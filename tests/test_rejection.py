"""'Not a digit': a digit model with an 11th class, its calibrated threshold, and how reading uses it."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digits import runfolder
from digits.card import OPEN_LABELS, read_card, write_card
from digits.data.non_digits import NON_DIGIT_CHARS, render_non_digits
from digits.data.synth import digit_ink, encode, place, row_ink
from digits.reading.predictor import load_predictor
from digits.reading.recognize import NOT_A_DIGIT, recognize
from digits.training.rejection import NARROW_FLOOR


@pytest.fixture(scope="module")
def reject_run(tiny_mnist, tmp_path_factory):
    """A tiny model with the 'not a digit' class, trained for one epoch, saved as a run folder."""
    from digits.training.train import TrainConfig, save_run, train_model

    result = train_model(TrainConfig(model="cnn_fast_reject", epochs=1), tiny_mnist)
    run = tmp_path_factory.mktemp("runs") / "reject"
    save_run(result, run)
    return run, result


def _with_threshold(run, tmp_path, threshold: float):
    """A copy of the run whose card refuses marks at `threshold`."""
    copy = tmp_path / f"t{threshold}"
    shutil.copytree(run, copy)
    card = read_card(copy / runfolder.CARD)
    write_card(dataclasses.replace(card, reject_threshold=threshold), copy / runfolder.CARD)
    return load_predictor(copy)


def _digit_image(digit_image: np.ndarray) -> bytes:
    ink = place(digit_ink(digit_image, 80), (120, 120), np.random.default_rng(0))
    return encode((255 - ink * 255).astype(np.uint8), "PNG")


def test_training_writes_the_class_and_a_threshold_chosen_on_validation(reject_run):
    run, result = reject_run
    card = read_card(run / runfolder.CARD)
    assert card.labels == OPEN_LABELS and card.reject_threshold == result.rejection["threshold"]
    assert 0.05 <= card.reject_threshold <= 0.95
    assert card.reject_narrow_threshold == result.rejection["narrow_threshold"] and NARROW_FLOOR <= card.reject_narrow_threshold <= 1
    assert card.metrics.validation_digits_rejected is not None and card.metrics.validation_non_digits_accepted is not None
    predictor = load_predictor(run)
    probabilities, not_digit = predictor.scores(np.zeros((2, 28, 28), np.float32))
    assert predictor.rejects and probabilities.shape == (2, 10) and not_digit.shape == (2,)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_a_refused_mark_answers_no_digit_with_the_reason(reject_run, handwritten, tmp_path):
    run, _ = reject_run
    image = _digit_image(handwritten[4])
    refusing = recognize(_with_threshold(run, tmp_path, 0.0), image)  # everything is refused
    assert refusing["digit"] is None and refusing["reason"] == NOT_A_DIGIT and refusing["box"]
    accepting = recognize(_with_threshold(run, tmp_path, 1.01), image)  # nothing is
    assert accepting["digit"] is not None and "reason" not in accepting and 0 <= accepting["not_digit"] <= 1


def test_read_mode_leaves_refused_marks_out_of_the_number(reject_run, handwritten, tmp_path, monkeypatch):
    run, _ = reject_run
    monkeypatch.setattr("digits.reading.recognize.IN_A_LINE", 0.0)  # refuse at the card's threshold alone
    ink = np.pad(row_ink([handwritten[d] for d in (3, 5, 8)], 80, np.random.default_rng(2)), 30)
    image = encode((255 - ink * 255).astype(np.uint8), "PNG")
    assert recognize(_with_threshold(run, tmp_path, 1.01), image, row=True)["text"] == "358"
    assert recognize(_with_threshold(run, tmp_path, 0.0), image, row=True)["text"] == ""


def test_a_model_without_the_class_never_refuses(tiny_run):
    predictor = load_predictor(tiny_run[0])  # a 10-class mlp
    probabilities, not_digit = predictor.scores(np.zeros((3, 28, 28), np.float32))
    assert not predictor.rejects and probabilities.shape == (3, 10)
    assert not predictor.refuses(not_digit).any() and not_digit.tolist() == [0.0, 0.0, 0.0]


def test_generated_non_digits_are_reproducible_and_never_digit_lookalikes():
    first, again = render_non_digits(20, seed=3), render_non_digits(20, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not set("0123456789OolIiSsZzBbgqT") & set(NON_DIGIT_CHARS)
    assert all(mark.ndim == 2 and mark.max() > 0.5 for mark in first)


@pytest.mark.parametrize("letter", ["A", "K", "X", "#"])
def test_the_shipped_model_refuses_a_letter_and_still_reads_a_digit(handwritten, letter):
    from digits.data.synth_letters import hand_letter

    predictor = load_predictor()
    rng = np.random.default_rng(ord(letter))
    alone = (255 - place(hand_letter(letter, 90, rng), (200, 200), rng) * 255).astype(np.uint8)
    refused = recognize(predictor, encode(alone, "PNG"))
    assert refused["digit"] is None and refused["reason"] == NOT_A_DIGIT
    assert recognize(predictor, _digit_image(handwritten[3]))["digit"] == 3


def test_the_second_threshold_spends_only_what_the_first_left_of_the_budget():
    from digits.training.rejection import MAX_REJECTED_BOTH, second_threshold

    narrow = np.linspace(0.0, 0.999, 10_000)  # the narrowed digits' scores, one per validation digit
    allowed = int(MAX_REJECTED_BOTH * len(narrow))
    none_yet = np.zeros(len(narrow), bool)
    threshold = second_threshold(none_yet, narrow)
    assert (narrow >= threshold).sum() == allowed  # exactly the budget, from the top
    spent = none_yet.copy()
    spent[: allowed] = True  # the first look already refused as many as allowed
    assert second_threshold(spent, narrow) == 1.0
    assert second_threshold(none_yet, np.zeros(len(narrow))) == NARROW_FLOOR  # never below the floor


def test_a_mark_made_narrower_keeps_mnists_box_and_centring():
    from digits.reading.second_look import narrowed

    box = np.zeros((28, 28), np.float32)
    cv2.rectangle(box, (4, 4), (23, 23), 255.0, 2)  # an outline as wide as it is tall
    thinner = narrowed(box, 0.5)
    ys, xs = np.nonzero(thinner > 0.3 * 255)
    assert ys.max() - ys.min() + 1 >= 18 and (xs.max() - xs.min() + 1) <= 0.65 * (ys.max() - ys.min() + 1)
    assert abs(float(np.average(np.arange(28), weights=thinner.sum(axis=0))) - 13.5) < 1.0  # centred by mass
    assert np.array_equal(narrowed(np.zeros((28, 28), np.float32)), np.zeros((28, 28), np.float32))


def test_the_second_look_refuses_only_by_its_own_threshold(reject_run, handwritten, tmp_path):
    run, _ = reject_run
    card_file = tmp_path / "card"
    shutil.copytree(run, card_file)
    card = read_card(card_file / runfolder.CARD)
    image = _digit_image(handwritten[4])
    for second, refused in ((None, False), (1.01, False), (0.0, True)):
        write_card(dataclasses.replace(card, reject_threshold=1.01, reject_narrow_threshold=second), card_file / runfolder.CARD)
        answer = recognize(load_predictor(card_file), image)
        assert (answer["digit"] is None) == refused and (answer.get("reason") == NOT_A_DIGIT) == refused


def test_the_second_look_refuses_hand_drawn_hs_that_the_first_took_for_a_digit():
    """Fonts write an H narrow; a hand writes it square, where the first look can take it for a 4."""
    from digits.data.synth_letters import hand_letter

    shipped = load_predictor()
    first_only = load_predictor()
    first_only.card = dataclasses.replace(first_only.card, reject_narrow_threshold=None)
    rng = np.random.default_rng(8)
    images = [encode((255 - place(hand_letter("H", 90, rng), (200, 200), rng) * 255).astype(np.uint8), "PNG") for _ in range(40)]
    refused = [sum(recognize(p, image)["digit"] is None for image in images) for p in (first_only, shipped)]
    assert refused[1] >= 28 and refused[1] >= refused[0] + 10, refused


def test_calibrate_refusal_writes_both_thresholds_into_a_runs_card(reject_run, tiny_mnist_dir, tmp_path):
    run, _ = reject_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    card = read_card(copy / runfolder.CARD)
    write_card(dataclasses.replace(card, reject_threshold=None, reject_narrow_threshold=None), copy / runfolder.CARD)
    script = Path(__file__).resolve().parent.parent / "scripts" / "calibrate_refusal.py"
    result = subprocess.run([sys.executable, str(script), str(copy), "--data-dir", str(tiny_mnist_dir)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    again = read_card(copy / runfolder.CARD)
    assert 0.05 <= again.reject_threshold <= 0.95 and NARROW_FLOOR <= again.reject_narrow_threshold <= 1.0
    assert again.metrics.validation_digits_rejected is not None and "thresholds" in result.stdout


def test_calibrate_refusal_refuses_a_model_that_held_no_digits_out(reject_run, tiny_mnist_dir, tmp_path):
    """A refit on every training digit has no validation split: thresholds chosen on its own training digits
    would refuse too few, so the script says so instead of picking a split the model trained on."""
    run, _ = reject_run
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    card = read_card(copy / runfolder.CARD)
    training = {**card.provenance.training, "validation_fraction": 0.0}
    write_card(dataclasses.replace(card, provenance=dataclasses.replace(card.provenance, training=training)), copy / runfolder.CARD)
    written = (copy / runfolder.CARD).read_bytes()
    script = Path(__file__).resolve().parent.parent / "scripts" / "calibrate_refusal.py"
    result = subprocess.run([sys.executable, str(script), str(copy), "--data-dir", str(tiny_mnist_dir)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "validation fraction 0" in result.stderr, result.stderr[-2000:]
    assert (copy / runfolder.CARD).read_bytes() == written  # the card is left as it was


def test_only_marks_drawn_with_a_pen_take_the_second_look():
    """A heavy stroke made narrower closes its loops into a blot: such marks keep their first look alone."""
    from digits.reading.second_look import drawn_with_a_pen, second_look

    pen, marker = np.zeros((28, 28), np.float32), np.zeros((28, 28), np.float32)
    cv2.rectangle(pen, (5, 4), (22, 23), 255.0, 2)
    cv2.rectangle(marker, (5, 4), (22, 23), 255.0, 6)
    assert drawn_with_a_pen(pen) and not drawn_with_a_pen(marker)
    seen = []

    def not_digit(marks):
        seen.append(len(marks))
        return np.full(len(marks), 0.97)

    assert list(second_look(np.stack([pen, marker]), not_digit)) == [0.97, -np.inf]  # below any threshold
    assert seen == [1]  # the heavy mark was not even shown made narrower
    assert len(second_look(np.zeros((0, 28, 28), np.float32), not_digit)) == 0
