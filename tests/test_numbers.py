"""Reading written numbers with the shipped sequence reader: behaviour people rely on, in plain words.

The numbers are written with real handwritten digits (120 MNIST test digits
kept in tests/fixtures) and photographed onto paper as the benchmark does.
"""

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from digits.card import LINE_LABELS
from digits.data.synth import encode, on_paper, place
from digits.data.synth_lines import Style, digit_bank, render_number
from digits.data.synth_paper import compose, ruled, squared
from digits.reading.lines import PAD, normalize_line
from digits.reading.numbers import joined_ink, prepare_page, read_lines
from digits.reading.predictor import load_line_reader, load_predictor
from digits.reading.recognize import recognize

FIXTURES = Path(__file__).parent / "fixtures"
PLAIN = Style(height=50, gap=0.25, slant=0.0, stroke=0, baseline=0.03)


@pytest.fixture(scope="module")
def bank():
    digits = np.load(FIXTURES / "mnist_test_digits.npz")
    return digit_bank(digits["images"], digits["labels"])


@pytest.fixture(scope="module")
def read():
    predictor, reader = load_predictor(), load_line_reader()

    def read_image(image: bytes) -> dict:
        return recognize(predictor, image, row=True, reader=reader)

    return read_image


def photo(ink: np.ndarray, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    return encode(on_paper(place(ink, (ink.shape[0] + 80, ink.shape[1] + 120), rng), rng), "JPEG", 90)


def written(text: str, bank, style: Style = PLAIN, seed: int = 0) -> np.ndarray:
    return render_number(text, bank, np.random.default_rng(seed), style)


def test_digits_that_touch_read_as_separate_digits(bank, read):
    pairs = ["38", "00", "47", "3063", "91", "25"]
    touching = replace(PLAIN, gap=-0.12)
    answers = [read(photo(written(text, bank, touching, seed))) for seed, text in enumerate(pairs)]
    assert [len(a["text"]) for a in answers] == [len(t) for t in pairs]  # never merged into one
    assert sum(a["text"] == t for a, t in zip(answers, pairs)) >= len(pairs) - 1


def test_a_thin_one_between_two_digits_is_kept(bank, read):
    thin = np.zeros((5, 28, 28), np.uint8)
    for image in thin:
        cv2.line(image, (14, 3), (14, 25), 255, 1, cv2.LINE_AA)
    ink = written("415", {**bank, 1: thin}, replace(PLAIN, height=90, stroke=-1))
    assert read(photo(ink))["text"] == "415"


def test_a_one_between_digits_written_over_each_other_keeps_its_own_room():
    """However tight a writer's gap, the renderer that makes the reader's numbers never writes a digit over a
    narrow one (an image no one could read, with a truth that still holds the one)."""
    block, faint_one = np.full((2, 28, 28), 255, np.uint8), np.zeros((2, 28, 28), np.uint8)
    faint_one[:, :, 11:17] = 100  # a bar, fainter than its neighbours, so the columns where it still shows are known
    bank = {**{d: block for d in range(10)}, 1: faint_one}
    tight = Style(height=60, gap=-0.5, slant=0.0, stroke=0, baseline=0.0)

    def middle_row(text: str) -> np.ndarray:
        ink = render_number(text, bank, np.random.default_rng(0), tight)
        return ink[ink.shape[0] // 2]

    width = np.count_nonzero(middle_row("1") > 0.2)
    between = middle_row("818")
    showing = np.count_nonzero((between > 0.2) & (between < 0.6))
    assert showing >= 0.25 * width  # each neighbour covers at most 30 % of it


def test_a_pale_stroke_stays_with_the_mark_it_joins_and_a_pale_smudge_alone_does_not():
    ink = np.zeros((100, 400), np.float32)
    ink[5:20, 10:14] = 1.0  # the part of a digit that the binary threshold keeps
    ink[20:35, 10:14] = 0.2  # the same stroke, written with less pressure
    ink[60:65, 300:305] = 0.2  # a pale smudge touching no mark
    marks = (ink > 0.5).astype(np.uint8)
    keep = joined_ink(ink, marks)
    assert keep[20:35, 10:14].all() and not keep[60:65, 300:305].any()


def test_the_grain_of_a_dim_noisy_photo_does_not_join_a_line():
    ink = np.random.default_rng(0).uniform(0, 0.4, (60, 200)).astype(np.float32)  # grain well above FAINT
    ink[20:40, 50:60] = 1.0
    marks = (ink > 0.5).astype(np.uint8)
    keep = joined_ink(ink, marks)
    assert keep.sum() <= 2 * marks.sum()


@pytest.mark.parametrize("point", [(slice(47, 49), 0.7), (slice(46, 49), 0.55)])
def test_a_point_the_marks_miss_reaches_the_reader_and_a_speck_of_dust_does_not(point):
    """A point pressed lightly beside digits 30 pixels high leaves 2 pixels, or 1, in the binary ink that marks
    are cut from (dust below 3): it stays in the line the reader sees. A speck of dust between two digits does not."""
    ink = np.zeros((70, 150), np.float32)
    for x in (20, 60, 100):
        ink[20:50, x : x + 5] = 1.0  # three strokes, 30 high
    rows, strength = point
    ink[rows, 40:43] = strength  # the point, at the baseline between the first two
    ink[35, 81:84] = 1.0  # the dust, between the other two: 3 pixels, 1 once the marks' threshold blurs them
    (line,) = prepare_page(1.0 - ink).lines

    def seen(x: int) -> float:
        column = int(round(PAD + (x - line.x0) * line.scale))
        return float(line.image[:, column - 2 : column + 3].max())

    assert seen(41) > 100 and seen(82) == 0


def _two_lines_of_strokes() -> np.ndarray:
    """Ink of two lines of three strokes, 30 pixels high: rows 20-50 and 80-110."""
    ink = np.zeros((130, 150), np.float32)
    for x in (20, 60, 100):
        ink[20:50, x : x + 5] = 1.0
        ink[80:110, x : x + 5] = 1.0
    return ink


def test_a_commas_pale_tail_below_the_digits_stays_in_its_line():
    """The marks' threshold misses a comma's thin tail below the baseline; cut there, the comma reaches the reader
    as a point. The line grows over the rows of the pale ink that joins its marks."""
    ink = _two_lines_of_strokes()
    ink[44:50, 40:46] = 1.0  # the comma's point, on the baseline
    ink[50:58, 41:44] = 0.3  # its tail, pale: below the marks' threshold, above FAINT
    first, second = prepare_page(1.0 - ink).lines
    assert first.y0 + first.height >= 57 and (second.y0, second.height) == (80, 30)


def test_two_numbers_written_close_one_under_the_other_stay_two_lines():
    """Closer than the gap across which a point or a comma's tail joins its line, two bands each as tall as a
    line of digits are still two lines (squared paper invites numbers a square apart)."""
    ink = np.zeros((140, 150), np.float32)
    for x in (20, 60, 100):
        ink[20:60, x : x + 5] = 1.0
        ink[66:106, x : x + 5] = 1.0  # 6 rows below: less than a quarter of the lines' height
    assert [(line.y0, line.height) for line in prepare_page(1.0 - ink).lines] == [(20, 40), (66, 40)]


@pytest.mark.parametrize("pale, grows", [
    ((slice(8, 20), slice(21, 24)), (-12, 0)),  # a pale top above a stroke: the line grows up over it
    ((slice(50, 52), slice(20, 25)), (0, 1)),  # a soft edge two rows deep: only the row the marks' blur takes
    ((slice(50, 95), slice(21, 24)), (0, 30)),  # pale ink running down into the next line: it stops at its top
])
def test_a_line_grows_over_its_own_pale_ink_but_not_over_a_soft_edge_or_into_the_next_line(pale, grows):
    ink = _two_lines_of_strokes()
    plain = prepare_page(1.0 - ink).lines
    ink[pale] = 0.3
    first, second = prepare_page(1.0 - ink).lines
    assert (first.y0 - plain[0].y0, first.y0 + first.height - (plain[0].y0 + plain[0].height)) == grows
    assert (second.y0, second.height) == (plain[1].y0, plain[1].height)


def _sitting_on_a_line(text: str, bank, seed: int, paper: str, spacing: int, stroke: int, tall: float) -> bytes:
    """A number `tall` times the line spacing, sitting on a printed line of ruled or squared paper, as a JPEG."""
    rng = np.random.default_rng(seed)
    gap, dots = (0.15, "pen") if paper == "squared" else (0.0, "stroke")
    style = Style(height=int(tall * spacing), gap=gap, slant=0.0, stroke=stroke, baseline=0.03)
    ink = render_number(text, bank, rng, style, dots)
    if paper == "squared":
        shape, line = (spacing * 8, ink.shape[1] + 6 * spacing), 5
        layers, x = squared(shape, rng, spacing), 3 * spacing
    else:
        shape, line = (spacing * 7, ink.shape[1] + 4 * spacing), 2
        layers, x = ruled(shape, rng, spacing, margin=False), 2 * spacing
    rows = np.flatnonzero(layers[0][0].mean(axis=1) > 0.3)
    base = int(rows[np.abs(rows - line * spacing).argmin()])
    writing = np.zeros(shape, np.float32)
    writing[base - ink.shape[0] : base, x : x + ink.shape[1]] = ink
    return encode(compose([*layers, (writing, (0.1, 0.1, 0.2))], rng), "JPEG", 85)


@pytest.mark.parametrize("text, seed, spacing, stroke, squares", [("4178", 0, 22, 1, 1.6), ("2552", 2, 22, 0, 2.0),
                                                                  ("3816", 2, 16, 2, 1.6), ("70429", 1, 22, 0, 2.0)])
def test_a_number_written_on_squared_paper_keeps_the_strokes_that_lie_along_the_grid(bank, read, text, seed, spacing,
                                                                                   stroke, squares):
    """Where the digits' bars and bases lie along a grid line, the line's typical cross-section is the writing's;
    the band taken out with it is as thin as its thinnest stretch, the print's ("2552" read "7557", "4178" read "6178")."""
    assert read(_sitting_on_a_line(text, bank, seed, "squared", spacing, stroke, squares))["text"] == text


@pytest.mark.parametrize("text, seed, spacing", [("5990.7", 0, 48), ("28675.7", 2, 40)])
def test_a_bold_number_chained_to_a_rule_is_no_printed_line(bank, read, text, seed, spacing):
    """A bold number between two rules joins the rule below into one run; its rows, mostly inked too, are a line
    of their own only as far as the number reaches, not across the page ("28675.7" read "28615.7")."""
    assert read(_sitting_on_a_line(text, bank, seed, "ruled", spacing, 2, 0.8))["text"] == text


def test_a_decimal_point_is_kept_and_a_speck_of_dust_is_not(bank, read):
    assert read(photo(written("12.5", bank)))["text"] == "12.5"
    dusty = np.pad(written("125", bank, replace(PLAIN, gap=0.5)), 20)
    rows, cols = np.nonzero(dusty > 0.5)
    dusty[rows.min() - 12, (cols.min() + cols.max()) // 2] = 1.0  # one pixel of dust above the digits
    assert read(photo(dusty))["text"] == "125"


def test_the_same_number_reads_the_same_at_three_sizes_and_with_a_slant(bank, read):
    answers = {read(photo(written("2709", bank, replace(PLAIN, height=h))))["text"] for h in (30, 60, 120)}
    answers.add(read(photo(written("2709", bank, replace(PLAIN, slant=0.25))))["text"])
    assert answers == {"2709"}


def test_three_lines_read_top_to_bottom_each_with_its_box(bank, read):
    lines = [written(t, bank, seed=i) for i, t in enumerate(["41", "7.25", "983"])]
    width = max(line.shape[1] for line in lines) + 120
    page = np.zeros((sum(line.shape[0] + 50 for line in lines), width), np.float32)
    y = 25
    for line, x in zip(lines, (0, 100, 40)):  # not left-aligned
        page[y : y + line.shape[0], x : x + line.shape[1]] = line
        y += line.shape[0] + 50
    answer = read(photo(page))
    assert answer["text"] == "41\n7.25\n983"
    tops = [line["box"][1] for line in answer["lines"]]
    assert tops == sorted(tops) and len(answer["digits"]) == 2 + 4 + 3
    assert answer["confidence"] == pytest.approx(np.prod([line["confidence"] for line in answer["lines"]]), rel=1e-4)
    assert answer["digits"][3] == {**answer["digits"][3], "char": ".", "digit": None}


def test_a_blank_page_is_no_number_with_a_reason(read):
    answer = read(encode(np.full((200, 300), 235, np.uint8), "PNG"))
    assert answer["text"] == "" and answer["lines"] == [] and answer["reason"]


def test_predict_says_when_an_image_holds_several_digits(bank):
    answer = recognize(load_predictor(), photo(written("583", bank)))
    assert "digits read" in answer["note"]
    single = recognize(load_predictor(), photo(written("5", bank)))
    assert "note" not in single


class RecordingReader:
    """A line reader that answers blank everywhere and keeps every batch it was given."""

    def __init__(self):
        self.batches = []

    def run(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(batch.copy())
        out = np.zeros((len(batch), batch.shape[2] // 4, 14), np.float32)
        out[..., 0] = 1.0
        return out


def test_a_line_is_read_from_the_same_input_alone_and_batched_with_wider_lines(bank):
    # Padding changes what the convolutions see at a line's right end: a line padded to whatever wider line
    # shared its batch once read with a trailing "1" it did not have alone.
    short, wide = (normalize_line(written(t, bank, seed=4)) for t in ("974", "1234567890123"))
    alone, batched = RecordingReader(), RecordingReader()
    read_lines(alone, [short])
    read_lines(batched, [wide, short, wide])
    [seen_alone] = alone.batches
    seen_batched = next(b for b in batched.batches if len(b) == 1)
    assert np.array_equal(seen_alone, seen_batched)


class DoubtingReader:
    """Reads one character in the middle of a line: from the line as given, '7' and '1' with the probabilities
    `first`; from the line moved a pixel up or down, '1' at 0.9. Keeps every batch it was given."""

    def __init__(self, image: np.ndarray, first: tuple[float, float]):
        self.image, self.first, self.batches = image, first, []

    def run(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(batch.copy())
        out = np.zeros((len(batch), batch.shape[2] // 2, 14), np.float32)
        out[..., 0] = 1.0
        middle = out.shape[1] // 2
        as_given = np.array_equal(batch[0, :, : self.image.shape[1], 0], self.image)
        out[:, middle] = 0.0
        out[:, middle, LINE_LABELS.index("7")], out[:, middle, LINE_LABELS.index("1")] = self.first if as_given else (0.1, 0.9)
        return out


@pytest.mark.parametrize("first, text, calls", [((0.55, 0.45), "1", 3), ((0.99, 0.01), "7", 1)])
def test_a_doubtful_line_is_read_again_a_pixel_up_and_down_and_a_sure_one_once(bank, first, text, calls):
    line = normalize_line(written("7", bank, seed=2))
    reader = DoubtingReader(line.image, first)
    [chars] = read_lines(reader, [line])
    assert "".join(c.char for c in chars) == text and len(reader.batches) == calls
    if calls > 1:  # the same columns, the ink a row lower and a row higher
        given, lower, higher = (b[0, ..., 0] for b in reader.batches)
        assert np.array_equal(lower[1:], given[:-1]) and np.array_equal(higher[:-1], given[1:])
