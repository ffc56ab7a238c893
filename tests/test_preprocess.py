"""Behavioural tests of the one image -> 28x28 path, stated as invariances."""

import numpy as np
import pytest

from digits.reading.preprocess import segment, to_mnist
from digits.data.synth import canvas_rgba, digit_ink, encode, on_paper, place
from digits.reading.decode import read_gray


def _model_input(data: bytes) -> np.ndarray:
    crops = segment(read_gray(data)).crops
    assert len(crops) == 1
    return crops[0].image


def _similar(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of two 28x28 inputs: 1 = identical up to brightness."""
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.fixture(scope="module")
def seven(tiny_mnist):
    return tiny_mnist.x_train[np.flatnonzero(tiny_mnist.y_train == 7)[0]]


@pytest.fixture(scope="module")
def reference(seven):
    """The digit as a plain, centred, dark-on-white PNG."""
    ink = place(digit_ink(seven, 100), (140, 140), np.random.default_rng(0))
    return _model_input(encode((255 - ink * 255).astype(np.uint8), "PNG"))


def test_output_follows_the_mnist_convention(reference):
    assert reference.shape == (28, 28) and reference.dtype == np.float32
    assert reference.max() == pytest.approx(255, abs=1) and reference[:2].max() < 1  # white ink, black margin
    ys, xs = np.nonzero(reference > 20)
    assert ys.max() - ys.min() <= 21 and xs.max() - xs.min() <= 21  # fits the 20x20 box (+ blur)
    rows, cols = np.indices(reference.shape)
    centre = ((rows * reference).sum() / reference.sum(), (cols * reference).sum() / reference.sum())
    assert centre == pytest.approx((13.5, 13.5), abs=0.6)


@pytest.mark.parametrize(
    "variant",
    ["shifted far into a corner", "four times larger", "thicker strokes", "light on dark (chalkboard)", "photo on tinted paper as JPEG", "transparent canvas"],
)
def test_the_model_sees_the_same_digit(seven, reference, variant):
    rng = np.random.default_rng(1)
    if variant == "shifted far into a corner":
        ink = np.zeros((500, 500), np.float32)
        small = digit_ink(seven, 100)
        ink[380 : 380 + small.shape[0], 400 : 400 + small.shape[1]] = small
        data = encode((255 - ink * 255).astype(np.uint8), "PNG")
    elif variant == "four times larger":
        data = encode((255 - place(digit_ink(seven, 400), (520, 520), rng) * 255).astype(np.uint8), "PNG")
    elif variant == "thicker strokes":
        data = encode((255 - place(digit_ink(seven, 100, stroke=4), (140, 140), rng) * 255).astype(np.uint8), "PNG")
    elif variant == "light on dark (chalkboard)":
        data = encode(on_paper(place(digit_ink(seven, 100), (300, 300), rng), rng, dark_ink=False), "PNG")
    elif variant == "photo on tinted paper as JPEG":
        data = encode(on_paper(place(digit_ink(seven, 100), (400, 600), rng), rng), "JPEG", 70)
    else:
        data = encode(canvas_rgba(digit_ink(seven, 100, stroke=3)), "PNG")
    assert _similar(_model_input(data), reference) > 0.8


def test_blank_and_speck_only_images_have_no_digit():
    rng = np.random.default_rng(2)
    blank = segment(read_gray(encode(on_paper(np.zeros((300, 400), np.float32), rng), "JPEG", 80)))
    assert blank.crops == [] and "no ink" in blank.reason
    specks = np.zeros((300, 400), np.float32)
    specks[50:52, 60:62] = specks[200:203, 300:302] = 1.0
    speck_result = segment(read_gray(encode(on_paper(specks, rng), "PNG")))
    assert speck_result.crops == []


def test_specks_far_from_the_digit_do_not_move_it(seven, reference):
    ink = place(digit_ink(seven, 100), (300, 300), np.random.default_rng(0))
    ink[5:9, 280:284] = 1.0  # a fleck of dust in the corner
    assert _similar(_model_input(encode((255 - ink * 255).astype(np.uint8), "PNG")), reference) > 0.8


def test_broken_strokes_stay_one_digit(seven):
    ink = digit_ink(seven, 120)
    ink[:, ink.shape[1] // 2 - 2 : ink.shape[1] // 2 + 2] = 0  # a vertical gap through the digit
    page = np.pad(ink, 40)
    row = segment(read_gray(encode((255 - page * 255).astype(np.uint8), "PNG")), row=True)
    assert len(row.crops) == 1


def test_to_mnist_centres_by_mass():
    bar = np.zeros((40, 10), np.float32)
    bar[:, 3:7] = 1.0
    image = to_mnist(bar)
    cols = np.indices(image.shape)[1]
    assert (cols * image).sum() / image.sum() == pytest.approx(13.5, abs=0.5)


def _dots(step: int, size: int, stroke: bool) -> np.ndarray:
    page = np.full((1024, 1024), 1.0, np.float32)
    on = (np.arange(1024) % step) < size
    page[np.ix_(on, on)] = 0.0
    if stroke:
        page[100:900, 500:506] = 0.0
    return page


def test_thousands_of_dots_are_read_or_refused_in_well_under_a_second():
    """29,000 dots beside a stroke (specks: the stroke is read), and 16,000 equal marks (too many: refused)."""
    import time

    from digits.reading.numbers import prepare_page

    start = time.perf_counter()
    assert segment(_dots(6, 3, stroke=True)).crops  # the dots are dust beside the stroke
    assert prepare_page(_dots(6, 3, stroke=True)).lines
    for answer in (segment(_dots(8, 4, stroke=False)), segment(_dots(8, 4, stroke=False), row=True),
                   prepare_page(_dots(8, 4, stroke=False))):
        assert "too many marks" in answer.reason
    assert time.perf_counter() - start < 3.0  # generous: well under a second here
