"""One line of a number: what the sequence model is given, and how its per-column answer becomes characters."""

import numpy as np

from digits.card import LINE_LABELS
from digits.reading.lines import (HEIGHT, MAX_STRIDE, PAD, TEXT, WIDTH_STEP, decode_greedy, decode_line, line_batches,
                                  normalize_line, pad_batch, padded_width)


def test_a_line_becomes_32_high_with_its_text_24_high_at_any_size():
    for scale in (1, 3, 7):
        ink = np.zeros((40 * scale, 200 * scale), np.float32)
        ink[10 * scale : 30 * scale, 20 * scale : 150 * scale] = 0.8  # text 20 high, 130 wide, at this scale
        line = normalize_line(ink, origin=(100, 50))
        assert line.image.shape[0] == HEIGHT and line.image.shape[1] % MAX_STRIDE == 0
        rows = np.flatnonzero(line.image.max(axis=1) > 0)
        assert rows[-1] - rows[0] + 1 == TEXT and line.image.max() == 255
        assert abs(line.image.shape[1] - (130 * TEXT / 20 + 2 * PAD)) <= MAX_STRIDE
        assert (line.x0, line.y0) == (100 + 20 * scale, 50 + 10 * scale)


def test_an_empty_line_is_none():
    assert normalize_line(np.zeros((30, 30), np.float32)) is None


def _columns(labels: list[int], sure: float = 0.9) -> np.ndarray:
    probs = np.full((len(labels), len(LINE_LABELS)), (1 - sure) / (len(LINE_LABELS) - 1))
    probs[np.arange(len(labels)), labels] = sure
    return probs


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    one, zero, point = LINE_LABELS.index("1"), LINE_LABELS.index("0"), LINE_LABELS.index(".")
    chars = decode_greedy(_columns([0, one, one, 0, 0, one, point, 0, zero, zero, 0]))
    assert "".join(c.char for c in chars) == "11.0"
    assert [(c.first, c.last) for c in chars] == [(1, 2), (5, 5), (6, 6), (8, 9)]  # the columns each one spans
    assert all(abs(c.confidence - 0.9) < 1e-9 for c in chars)


def test_a_line_decodes_in_input_columns_whatever_the_readers_stride():
    """A reader answering once per 2 columns and one answering once per 4 place the same characters alike, and
    neither reads the padding its batch added beyond the line."""
    seven, zero = LINE_LABELS.index("7"), LINE_LABELS.index("0")
    line = np.zeros((HEIGHT, 32), np.float32)  # a line 32 columns wide, read in a batch 64 wide
    fine = decode_line(_columns([0, 0, 0, 0, seven, seven, 0, 0, zero, zero, 0, 0, 0, 0, 0, 0] + [seven] * 16), line, 64)
    coarse = decode_line(_columns([0, 0, seven, 0, zero, 0, 0, 0] + [seven] * 8), line, 64)
    assert [(c.char, c.first, c.last) for c in fine] == [("7", 8, 11), ("0", 16, 19)]
    assert [(c.char, c.first, c.last) for c in coarse] == [("7", 8, 11), ("0", 16, 19)]


def test_a_line_model_that_sees_only_blank_reads_nothing():
    assert decode_greedy(_columns([0] * 20)) == []


def test_lines_of_different_widths_batch_together_padded_with_background():
    batch = pad_batch([np.ones((HEIGHT, 8), np.float32), np.ones((HEIGHT, 16), np.float32)])
    assert batch.shape == (2, HEIGHT, 16, 1) and batch[0, :, 8:].sum() == 0 and batch[1].min() == 1


def test_lines_are_batched_only_with_lines_of_the_same_padded_width():
    widths = [8, 70, 64, 130, 60, 128]
    seen = []
    for chunk, batch in line_batches([np.ones((HEIGHT, w), np.float32) for w in widths], size=2):
        assert batch.shape[2] % WIDTH_STEP == 0 and len(chunk) <= 2
        assert {padded_width(widths[i]) for i in chunk} == {batch.shape[2]}
        seen += chunk
    assert sorted(seen) == list(range(len(widths)))
