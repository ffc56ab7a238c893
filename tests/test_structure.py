"""Reading through the page: ruled and squared paper, form fields, shadows, and what a printed line is not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digits.data.synth import digit_ink, encode, place, row_ink
from digits.data.synth_paper import comb_field, compose, phone_photo, ruled, squared
from digits.reading.comb import comb_boxes
from digits.reading.predictor import load_predictor
from digits.reading.recognize import recognize
from digits.reading.erase_lines import remove_structure
from digits.reading.rules import find_structure

INK = (0.1, 0.1, 0.15)


@pytest.fixture(scope="module")
def predictor():
    return load_predictor()


def _on(paper: str, digit: np.ndarray, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    shape = (360, 420)
    ink = place(digit_ink(digit, 90, stroke=1), shape, rng)
    layers = {"blank": [], "ruled": ruled(shape, rng, 30, margin=True), "squared": squared(shape, rng, 24)}[paper]
    return encode(compose([*layers, (ink, INK)], rng), "JPEG", 90)


@pytest.mark.parametrize("digit", [1, 4, 7, 8])
def test_the_same_digit_reads_the_same_on_blank_ruled_and_squared_paper(predictor, handwritten, digit):
    answers = {paper: recognize(predictor, _on(paper, handwritten[digit], seed=digit))["digit"] for paper in ("blank", "ruled", "squared")}
    assert answers == {"blank": digit, "ruled": digit, "squared": digit}


def test_a_blank_ruled_page_holds_no_digit(predictor):
    rng = np.random.default_rng(3)
    page = compose(ruled((400, 500), rng, 28, margin=True), rng)
    answer = recognize(predictor, encode(page, "JPEG", 90))
    assert answer["digit"] is None and answer["reason"]


def test_a_comb_field_with_an_empty_box_gives_the_digits_and_a_gap(handwritten):
    rng = np.random.default_rng(5)
    field = comb_field([handwritten[3], handwritten[1], None, handwritten[4], handwritten[9]], rng, 70)
    answer = recognize(None, encode(field, "JPEG", 90), row=True)
    assert answer["text"] == "31 49"
    assert [d and d["digit"] for d in answer["digits"]] == [3, 1, None, 4, 9]
    assert len(answer["lines"]) == 1 and answer["lines"][0]["digits"][2] is None


def test_a_written_one_that_fills_the_image_is_not_taken_for_a_printed_line(predictor, handwritten):
    image = np.full((200, 120), 255, np.uint8)
    image[5:195, 55:65] = 0  # a "1" from top to bottom, alone
    assert recognize(predictor, encode(image, "PNG"))["digit"] == 1
    ones = row_ink([handwritten[1], handwritten[1], handwritten[7]], 190, np.random.default_rng(0))
    tight = (255 - ones[2:-2] * 255).astype(np.uint8)  # "117", cropped to the ink
    assert recognize(None, encode(tight, "PNG"), row=True)["text"] == "117"


def test_a_stroke_that_crosses_a_printed_line_is_joined_again():
    ink = np.zeros((300, 400), np.float32)
    ink[150:153, :] = 0.5  # a printed line across the page
    ink[100:200, 200:208] = 1.0  # a stroke crossing it
    structure = find_structure(ink)
    clean = remove_structure(ink, structure)
    assert structure.removed[151, 20] and not clean[151, 20]  # the line is gone ...
    assert (clean[100:200, 200:208] > 0).all()  # ... the stroke is whole


def test_a_pen_stroke_lying_along_a_printed_line_as_dark_as_it_is_kept():
    ink = np.zeros((300, 400), np.float32)
    ink[100:103, :] = 1.0  # a box's top edge, printed as dark as the pen
    ink[99:105, 150:210] = 1.0  # a 7's bar drawn along it, a little thicker than the print
    ink[105:200, 200:206] = 1.0  # and its stem
    clean = remove_structure(ink, find_structure(ink))
    assert not clean[101, 20] and not clean[101, 300]  # the line is gone beside the bar ...
    assert (clean[99:105, 155:205] > 0).all()  # ... the bar is whole


def test_a_printed_line_is_removed_on_the_image_edge_and_where_its_print_is_heavier():
    ink = np.zeros((300, 600), np.float32)
    ink[0:4, :] = 1.0  # a box's edge, cropped tight
    ink[150:153, :] = 1.0  # a line ...
    ink[149:154, 100:110] = 1.0  # ... printed a little heavier for a stretch
    ink[60:140, 300:308] = 1.0  # something written, so that the lines are lines
    structure = find_structure(ink)
    clean = remove_structure(ink, structure)
    assert structure.removed[1, 50] and structure.removed[151, 50]
    assert not clean[0:4, 20:580].any() and not clean[148:155, 20:580].any()


def test_a_pale_margin_line_leaves_nothing_where_faint_rules_cross_it():
    """Where a faint rule crosses a pale margin line, the margin's blurred edges pass the floor: the line opens
    as wide as a pen stroke there, and was kept as one (read as a point before a number written beside it)."""
    ink = np.zeros((300, 400), np.float32)
    ink[:, 48:53] = [0.10, 0.45, 0.55, 0.45, 0.10]  # the margin; its edges just under the floor
    for y in range(30, 300, 40):
        ink[y - 3 : y + 4, :] = np.maximum(ink[y - 3 : y + 4, :], 0.06)  # a rule too faint to count as ink ...
        ink[y - 3 : y + 4, 48:53] += 0.06  # ... adding to the margin where they cross
    ink[100:180, 200:206] = ink[100:106, 170:206] = 1.0  # a 7 written on the page
    structure = find_structure(ink)
    clean = remove_structure(ink, structure)
    assert structure.removed[:, 50].all()
    assert not (clean[:, 40:60] > structure.floor).any()
    assert (clean[100:180, 200:206] == 1.0).all()


def test_a_heavy_printed_line_pinched_thin_in_one_column_is_still_removed_whole():
    """A line's band is as thin as its thinnest stretch (writing along a grid line only thickens it), but one
    or two columns of print pinched thin (a press's skip, a crease) are no stretch."""
    ink = np.zeros((300, 400), np.float32)
    for y in (60, 150, 240):
        ink[y : y + 7, :] = 0.8  # three heavy printed lines ...
    ink[150:153, 200] = ink[154:157, 200] = 0.0  # ... one pinched to a pixel in one column
    ink[90:130, 100:106] = ink[90:96, 80:106] = 1.0  # a 7 written between them
    clean = remove_structure(ink, find_structure(ink))
    assert not (clean[55:70, :] > 0.12).any() and not (clean[145:160, :] > 0.12).any()
    assert (clean[90:130, 100:106] == 1.0).all()


def _digits_whose_tops_line_up() -> np.ndarray:
    """A tightly cropped number whose middle digits' tops close into one bar (a 5's top, a 7's, a 4's bar
    touching the next digit), with a digit beyond the bar on each side."""
    ink = np.zeros((200, 400), np.float32)
    ink[60:66, 70:300] = 1.0  # the tops, one bar inside the number
    for x in (70, 140, 210, 294):
        ink[60:130, x : x + 6] = 1.0  # the middle digits' stems hang from it
    ink[60:130, 20:26] = ink[60:130, 350:356] = 1.0  # the first and the last digit stand apart
    return ink


def test_the_tops_of_digits_at_one_height_are_no_printed_line():
    assert not find_structure(_digits_whose_tops_line_up()).removed.any()


def test_the_bold_strokes_of_a_tightly_cropped_number_are_no_printed_line():
    """Each digit's bar a digit wide, the bars side by side across the picture: they chain into one run, and
    set aside they leave only short strokes, beside which the run looks long."""
    ink = np.zeros((150, 320), np.float32)
    for i, x in enumerate(range(20, 300, 46)):
        y = 60 + 5 * (i % 2)  # written by hand: the bars do not sit on one row
        ink[y : y + 14, x : x + 40] = 1.0
        ink[y - 12 : y, x + 4 : x + 12] = ink[y + 14 : y + 26, x + 28 : x + 36] = 1.0  # short strokes above and below
    assert not find_structure(ink).removed.any()


def test_a_printed_line_that_runs_past_the_writing_on_one_side_is_removed():
    ink = _digits_whose_tops_line_up()
    ink[150:153, 60:395] = 1.0  # an underline from under the second digit to past the last
    removed = find_structure(ink).removed
    assert removed[151, 100] and removed[151, 390]
    assert not removed[60:66].any()  # the tops stay writing


def test_a_ruled_line_faded_at_both_ends_is_removed_where_the_page_has_other_lines():
    ink = np.zeros((300, 400), np.float32)
    for y in (20, 250, 280):
        ink[y : y + 3, :] = 0.5  # the page's rules, edge to edge
    ink[200:203, 30:370] = 0.5  # one that the photo's light faded at both ends
    ink[60:130, 5:11] = ink[60:130, 200:206] = ink[60:130, 389:395] = 1.0  # writing from edge to edge
    assert find_structure(ink).removed[201, 100]


@pytest.mark.parametrize("seed", [6, 8, 11, 24])
def test_a_small_digit_on_squared_paper_keeps_the_strokes_that_run_beside_the_grid(predictor, handwritten, seed):
    # Digits three squares tall: their strokes run beside grid lines and once merged with them (these
    # seeds lost a stroke, or the whole digit, to the grid before the line's thickness was checked).
    rng = np.random.default_rng(seed)
    shape, digit = (400, 640), seed % 10
    ink = place(digit_ink(handwritten[digit], 45, stroke=0), shape, rng)
    image = encode(compose([*squared(shape, rng, 16), (ink, INK)], rng), "JPEG", 90)
    assert recognize(predictor, image)["digit"] == digit


def test_two_lines_of_squared_paper_are_no_comb_field_though_digits_stand_evenly_between_them():
    """Digits' stems reaching both lines, evenly spaced, look like a field's walls; a grid's vertical line that
    runs on past both lines says it is paper, while a field's own wall, stopping at its lines, does not."""
    binary = np.zeros((200, 400), np.uint8)
    binary[50:53, 20:380] = binary[110:113, 20:380] = 1
    for x in range(40, 380, 60):
        binary[50:113, x : x + 4] = 1
    binary[:, 219:222] = 1
    rows = [{"centre": y + 1.0, "thickness": 3.0, "box": (20, y, 360, 3)} for y in (50, 110)]
    assert len(comb_boxes(rows, binary)[0]) == 5
    assert comb_boxes(rows, binary, [{"box": (219, 0, 3, 200)}])[0] == []
    assert len(comb_boxes(rows, binary, [{"box": (219, 49, 3, 65)}])[0]) == 5


def test_bold_stems_standing_evenly_between_two_rules_are_no_comb_field():
    """Digits as tall as a ruled line's spacing, written with a broad pen, reach both rules with stems evenly
    spaced; walls four times as thick as the lines are a pen's, while walls as thin as the lines make a field."""
    binary = np.zeros((200, 400), np.uint8)
    binary[50:53, 0:400] = binary[110:113, 0:400] = 1
    rows = [{"centre": y + 1.0, "thickness": 3.0, "box": (0, y, 400, 3)} for y in (50, 110)]
    for wall in (3, 12):
        stems = binary.copy()
        for x in range(40, 380, 60):
            stems[50:113, x : x + wall] = 1
        assert len(comb_boxes(rows, stems)[0]) == (5 if wall == 3 else 0)


def test_a_comb_field_whose_digits_spill_over_its_walls_is_still_read_box_by_box(handwritten):
    field = comb_field([handwritten[4], handwritten[2], handwritten[5], handwritten[6]], np.random.default_rng(0), 70)
    # The 5's bar drawn on into the 2's box, across the wall between them (the pen's colour taken from the 4):
    # the two boxes' writing is one wide mark, beside which the field's lines look no longer than writing.
    four = field[45:95, 45:95].reshape(-1, 3)
    field[62:68, 145:195] = four[four.astype(int).sum(axis=1).argmin()]
    answer = recognize(None, encode(field, "PNG"), row=True)
    assert answer["text"] == "4256"


def test_a_shadow_across_the_page_is_not_a_digit(predictor, handwritten):
    rng = np.random.default_rng(11)
    blank = phone_photo(np.zeros((40, 30), np.float32), rng, (900, 1200), 0.2)
    assert recognize(predictor, encode(blank, "JPEG", 85))["digit"] is None
    for seed in range(3):
        photo = phone_photo(digit_ink(handwritten[2], 200, stroke=2), np.random.default_rng(seed), (900, 1200), 0.3)
        assert recognize(predictor, encode(photo, "JPEG", 85))["digit"] == 2


def test_a_12_megapixel_photo_is_read_within_bounded_memory(tmp_path, handwritten):
    import subprocess
    import sys

    photo = phone_photo(digit_ink(handwritten[5], 200, stroke=3), np.random.default_rng(1), (3000, 4000), 0.3)
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(photo, "JPEG", 85))
    del photo
    # A fresh process reads it and reports its own peak resident memory (VmHWM, which exec starts afresh).
    script = ("import sys; from pathlib import Path; from digits import load_predictor, recognize; "
              "print(recognize(load_predictor(), Path(sys.argv[1]))['digit']); "
              "print([line for line in open('/proc/self/status') if line.startswith('VmHWM')][0].split()[1])")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    digit, peak_kb = result.stdout.split()
    assert digit == "5"
    assert int(peak_kb) / 1024 < 400, f"peak {int(peak_kb) / 1024:.0f} MB"  # the photo alone is 36 MB as RGB


def test_squared_paper_with_nothing_written_holds_no_digit(predictor):
    rng = np.random.default_rng(4)
    page = compose(squared((500, 600), rng, 20), rng)
    answer = recognize(predictor, encode(page, "JPEG", 90))
    assert answer["digit"] is None and answer["reason"]


def test_a_form_field_keeps_its_empty_boxes_through_the_api_and_batch_rows(handwritten, tmp_path):
    from fastapi.testclient import TestClient

    from digits.batch.rows import answers_table
    from digits.serving.app import create_app
    from digits.serving.settings import ServeSettings

    field = encode(comb_field([handwritten[6], None, handwritten[2], handwritten[8]], np.random.default_rng(8), 64), "PNG")
    with TestClient(create_app(ServeSettings(feedback_db=tmp_path / "f.sqlite3", allowed_hosts=["testserver"]))) as client:
        answer = client.post("/api/read", files={"file": ("form.png", field, "image/png")}).json()
    assert answer["text"] == "6 28" and answer["digits"][1] is None
    row = answers_table([answer], "number", "crnn").to_pylist()[0]
    assert row["text"] == "6 28" and row["digits"][1] is None and row["digits"][0]["char"] == "6"


def test_a_shadows_corner_cut_by_the_frame_is_not_taken_for_the_digit(predictor, handwritten):
    # A thin wedge of shadow in a phone photo's corner: too thin for the paper's estimate to keep, darker than
    # the paper beside it, and bigger than the small digit written on the page.
    shape = (768, 1024)
    light = np.ones(shape, np.float32)
    cv2.fillPoly(light, [np.array([[0, 0], [400, 0], [0, 120]], np.int32)], 0.5)
    light = cv2.GaussianBlur(light, (0, 0), 3)
    for digit in (0, 3, 6):
        rng = np.random.default_rng(5 + digit)
        ink = place(digit_ink(handwritten[digit], 90, stroke=1), shape, rng)
        photo = compose([(ink, INK)], rng, paper=(0.92, 0.9, 0.85)) * light[..., None]
        answer = recognize(predictor, encode(photo.astype(np.uint8), "JPEG", 85))
        assert answer["digit"] == digit, answer
        x, y, w, h = answer["box"]
        assert w < 200 and h < 200  # the digit's box, not the wedge's


def test_only_a_photo_loses_a_dark_region_cut_by_the_frame():
    # A drawing or a scan has no shadows: a solid mark along its edge (a heavy brush stroke) stays; in a photo
    # the same region is a shadow's corner or the desk beyond the page.
    from digits.reading.ink import drop_shadow_corners, find_marks

    darkness = np.zeros((200, 300), np.float32)
    cv2.fillPoly(darkness, [np.array([[0, 0], [200, 0], [0, 60]], np.int32)], 0.9)  # a wedge along the top
    cv2.circle(darkness, (200, 130), 30, 0.9, 8)  # a digit-like ring in the middle
    marks = find_marks((darkness > 0.5).astype(np.uint8))
    assert len(marks) == 2
    assert len(drop_shadow_corners(marks, darkness, photo=False)) == 2
    kept = drop_shadow_corners(marks, darkness, photo=True)
    assert len(kept) == 1 and kept[0]["box"][1] > 0  # the ring, not the wedge
