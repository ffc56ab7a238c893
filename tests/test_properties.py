"""Properties that hold for any input at all: an answer or a clear image error, never a crash, never slow."""

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digits.errors import ImageError
from digits.reading.decode import read_gray
from digits.reading.numbers import prepare_page
from digits.reading.preprocess import segment

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=4096), st.binary(max_size=4096).map(lambda tail: PNG_HEAD + tail)))
def test_any_bytes_decode_to_an_image_or_an_image_error(data):
    try:
        gray = read_gray(data, name="fuzz")
    except ImageError as exc:
        assert str(exc).startswith("fuzz: ") and "\n" not in str(exc)
        return
    assert gray.ndim == 2 and gray.dtype == np.float32 and 0 <= gray.min() <= gray.max() <= 1


images = st.tuples(st.integers(1, 300), st.integers(1, 300)).flatmap(
    lambda shape: arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))


@settings(max_examples=80, deadline=None)
@given(images)
def test_any_grey_image_gives_digits_or_a_reason_quickly(gray):
    start = time.perf_counter()
    for row in (False, True):
        found = segment(gray, row=row)
        assert found.crops or found.reason
        assert all(crop.image.shape == (28, 28) for crop in found.crops)
    page = prepare_page(gray)
    assert page.lines or page.reason
    assert all(line.image.shape[0] == 32 for line in page.lines)
    assert time.perf_counter() - start < 2.0
