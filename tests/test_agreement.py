"""The digit model's second opinion on the digits of a line (reading.agreement)."""

from pathlib import Path

import numpy as np
import pytest

from digits.card import LINE_LABELS
from digits.data.synth import encode, on_paper, place
from digits.data.synth_lines import Style, digit_bank, render_number
from digits.reading.agreement import agreed, matched
from digits.reading.lines import DecodedChar
from digits.reading.predictor import load_predictor
from digits.reading.recognize import recognize

FIXTURES = Path(__file__).parent / "fixtures"


def _char(char: str, digits=None) -> DecodedChar:
    return DecodedChar(char, 0.9, 0, 0, digits)


def test_digits_are_matched_to_lone_marks_in_order_only_when_as_many():
    chars = [_char("1"), _char("."), _char("4"), _char("7")]
    assert matched(chars, 3) == [(0, 0), (2, 1), (3, 2)]  # the point is no digit: it has no mark to match
    assert matched(chars, 2) == []  # two digits touch (one mark) or one was refused: left to the reader
    assert matched(chars, 4) == []
    assert matched([_char(".")], 0) == []


def test_the_likelier_digit_of_both_opinions_is_the_answer():
    unsure = np.zeros(10)
    unsure[[2, 3]] = 0.55, 0.45  # the reader leans to 2
    sure = np.full(10, 0.001)
    sure[3] = 0.991  # the digit model is sure of 3
    chars = [_char("2", unsure), _char(","), _char("5", np.eye(10)[5])]
    out = agreed(chars, np.stack([sure, np.eye(10)[5]]))
    assert [c.char for c in out] == ["3", ",", "5"]
    assert out[0].confidence == pytest.approx(0.45 * 0.991 / (0.45 * 0.991 + 0.55 * 0.001))


def test_when_both_agree_the_digit_stays_and_grows_surer():
    reader = np.full(10, 0.01)
    reader[8] = 0.91
    out = agreed([_char("8", reader)], (np.eye(10)[8] * 0.9 + 0.01)[None, :])
    assert out[0].char == "8" and out[0].confidence > 0.99


class WaveringReader:
    """A line reader that finds the right number of characters but leans, at 55 %, to the wrong digit each time."""

    def __init__(self, truth: str, wrong: str):
        self.truth, self.wrong = truth, wrong

    def run(self, batch: np.ndarray) -> np.ndarray:
        out = np.zeros((len(batch), batch.shape[2] // 4, len(LINE_LABELS)), np.float32)
        out[:, :, 0] = 1.0  # blank
        for line, answer in zip(batch, out):
            inked = np.flatnonzero(line.max(axis=(0, 2)) > 0) // 4  # the text's columns (the batch is padded)
            for k, (right, wrong) in enumerate(zip(self.truth, self.wrong)):
                column = int(inked[0] + (k + 0.5) * (inked[-1] + 1 - inked[0]) / len(self.truth))
                answer[column] = 0.0
                answer[column, LINE_LABELS.index(wrong)] = 0.55
                answer[column, LINE_LABELS.index(right)] = 0.45
        return out


@pytest.fixture(scope="module")
def bank():
    digits = np.load(FIXTURES / "mnist_test_digits.npz")
    return digit_bank(digits["images"], digits["labels"])


def _photo(text: str, bank, gap: float) -> bytes:
    rng = np.random.default_rng(3)
    ink = render_number(text, bank, rng, Style(height=60, gap=gap, slant=0.0, stroke=0, baseline=0.02))
    return encode(on_paper(place(ink, (ink.shape[0] + 80, ink.shape[1] + 120), rng), rng), "JPEG", 90)


def test_where_the_line_reader_wavers_the_digit_model_decides(bank):
    answer = recognize(load_predictor(), _photo("417", bank, gap=0.4), row=True, reader=WaveringReader("417", "972"))
    assert answer["text"] == "417"


def test_digits_that_touch_stay_the_line_readers(bank):
    answer = recognize(load_predictor(), _photo("417", bank, gap=-0.15), row=True, reader=WaveringReader("417", "972"))
    assert answer["text"] == "972"  # one mark for several digits: nothing to match, the reader's answer stands


def test_a_one_stays_the_readers_even_where_the_digit_model_sees_a_seven():
    # A one written with a flag is a 7 to the digit model, which learnt MNIST's bare-stroke ones only.
    reader = np.zeros(10)
    reader[[1, 7]] = 0.6, 0.4
    assert agreed([_char("1", reader)], np.eye(10)[7][None, :] * 0.99 + 0.001)[0].char == "1"
