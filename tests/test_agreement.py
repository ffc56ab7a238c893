"""The digit model's second opinion on the digits of a line (reading.agreement)."""

from pathlib import Path

import numpy as np
import pytest

from digits.card import LINE_LABELS
from digits.data.synth import encode, on_paper, place
from digits.data.synth_lines import Style, digit_bank, render_number
from digits.reading.agreement import agreed, matched
from digits.reading.lines import PAD, DecodedChar, normalize_line
from digits.reading.predictor import load_predictor
from digits.reading.recognize import prepare, recognize, score_prepared
from digits.reading.refusal import LoneMark

FIXTURES = Path(__file__).parent / "fixtures"


LINE = normalize_line(np.pad(np.ones((50, 300), np.float32), 10))  # 300 source pixels of text, at x 10-310


def _char(char: str, x: float = 0.0, digits=None) -> DecodedChar:
    """A character the reader marked at source x (one answer column of a reader with stride 4)."""
    column = int((x - LINE.x0) * LINE.scale + PAD) // 4 * 4
    return DecodedChar(char, 0.9, column, column + 3, digits)


def _marks(*ranges) -> list[LoneMark]:
    return [LoneMark(float(x0), float(x1), np.zeros((28, 28), np.float32)) for x0, x1 in ranges]


def test_digits_are_matched_to_lone_marks_in_order_only_when_as_many():
    chars = [_char("1", 40), _char(".", 100), _char("4", 150), _char("7", 260)]
    marks = _marks((20, 60), (130, 170), (240, 280))
    assert matched(LINE, chars, marks) == [(0, 0), (2, 1), (3, 2)]  # the point has no mark of its own
    assert matched(LINE, chars, marks[:2]) == []  # two digits in one mark, or one refused: left to the reader
    assert matched(LINE, [_char(".", 100)], []) == []


def test_as_many_marks_as_digits_but_not_the_same_ones_are_not_matched():
    # A symbol the reader skipped at the left, and two digits touching in one mark at the right.
    chars = [_char("4", 230), _char("1", 275)]
    assert matched(LINE, chars, _marks((20, 60), (210, 290))) == []


def test_the_likelier_digit_of_both_opinions_is_the_answer():
    unsure = np.zeros(10)
    unsure[[2, 3]] = 0.55, 0.45  # the reader leans to 2
    sure = np.full(10, 0.001)
    sure[3] = 0.991  # the digit model is sure of 3
    chars = [_char("2", 40, unsure), _char(",", 100), _char("5", 200, np.eye(10)[5])]
    marks = _marks((20, 60), (180, 220))
    out = agreed(LINE, chars, marks, np.stack([sure, np.eye(10)[5]]), np.zeros(2, bool))
    assert [c.char for c in out] == ["3", ",", "5"]
    assert out[0].confidence == pytest.approx(0.45 * 0.991 / (0.45 * 0.991 + 0.55 * 0.001))
    # a mark the digit model finds likely no digit at all gives no opinion
    assert agreed(LINE, chars, marks, np.stack([sure, np.eye(10)[5]]), np.array([True, False]))[0].char == "2"


def test_when_both_agree_the_digit_stays_and_grows_surer():
    reader = np.full(10, 0.01)
    reader[8] = 0.91
    out = agreed(LINE, [_char("8", 40, reader)], _marks((20, 60)), (np.eye(10)[8] * 0.9 + 0.01)[None, :], np.zeros(1, bool))
    assert out[0].char == "8" and out[0].confidence > 0.99


def test_a_one_stays_the_readers_even_where_the_digit_model_sees_a_seven():
    # A one written with a flag is a 7 to the digit model, which learnt MNIST's bare-stroke ones only.
    reader = np.zeros(10)
    reader[[1, 7]] = 0.6, 0.4
    seven = np.eye(10)[7][None, :] * 0.99 + 0.001
    assert agreed(LINE, [_char("1", 40, reader)], _marks((20, 60)), seven, np.zeros(1, bool))[0].char == "1"


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



def test_each_page_of_a_batch_gets_its_own_marks_opinions(bank):
    # The first page's two marks cannot be matched to three digits; the second page's three can. Read together,
    # the second page must still meet its own marks, not the first page's.
    pages = [prepare(_photo(text, bank, gap=0.4), row=True)[1] for text in ("85", "417")]
    answers = score_prepared([("a", pages[0]), ("b", pages[1])], load_predictor(), WaveringReader("417", "972"))
    assert [a["text"] for a in answers] == ["972", "417"]
