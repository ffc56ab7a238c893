"""Reading digits from image files with the shipped model, through the library API and the CLI."""

import json
import subprocess
import sys

import numpy as np
import pytest

from digits.reading.predictor import load_predictor
from digits.reading.recognize import recognize, recognize_many
from digits.data.synth import canvas_rgba, digit_ink, encode, on_paper, place, row_ink, typeset_ink


@pytest.fixture(scope="module")
def predictor():
    return load_predictor()


@pytest.fixture(scope="module")
def samples(tiny_mnist):
    """One rendered example of each digit 0-9."""
    return {d: tiny_mnist.x_test[np.flatnonzero(tiny_mnist.y_test == d)[0]] for d in range(10)}


def _dark_on_white(ink):
    return (255 - ink * 255).astype(np.uint8)


@pytest.mark.parametrize("digit", [2, 4, 7])
def test_same_answer_however_the_digit_is_presented(predictor, samples, digit):
    rng = np.random.default_rng(digit)
    plain = encode(_dark_on_white(place(digit_ink(samples[digit], 80), (110, 110), rng)), "PNG")
    variants = {
        "shifted": encode(_dark_on_white(place(digit_ink(samples[digit], 80), (400, 500), rng)), "PNG"),
        "scaled": encode(_dark_on_white(place(digit_ink(samples[digit], 300), (360, 360), rng)), "PNG"),
        "thickened": encode(_dark_on_white(place(digit_ink(samples[digit], 80, stroke=3), (110, 110), rng)), "PNG"),
        "inverted": encode((place(digit_ink(samples[digit], 80), (110, 110), rng) * 255).astype(np.uint8), "PNG"),
        "jpeg photo": encode(on_paper(place(digit_ink(samples[digit], 80), (300, 400), rng), rng), "JPEG", 75),
        "canvas": encode(canvas_rgba(digit_ink(samples[digit], 80, stroke=2)), "PNG"),
    }
    expected = recognize(predictor, plain, name="plain")["digit"]
    assert expected == digit
    answers = {name: recognize(predictor, data, name=name)["digit"] for name, data in variants.items()}
    assert answers == {name: expected for name in variants}


def test_answer_has_the_documented_fields(predictor, samples):
    answer = recognize(predictor, encode(_dark_on_white(np.pad(digit_ink(samples[3], 60), 20)), "PNG"), name="three.png")
    assert answer["path"] == "three.png"
    assert len(answer["probabilities"]) == 10 and sum(answer["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert answer["confidence"] == max(answer["probabilities"])


def test_blank_image_has_no_digit(predictor):
    answer = recognize(predictor, encode(np.full((200, 300), 230, np.uint8), "PNG"), name="blank.png")
    assert answer["digit"] is None and answer["reason"]
    number = recognize(predictor, encode(np.full((200, 300), 230, np.uint8), "PNG"), row=True, name="blank.png")
    assert number["text"] == "" and number["digits"] == [] and number["lines"] == [] and number["reason"]


def test_row_of_three_digits_reads_as_three_left_to_right(predictor, handwritten):
    rng = np.random.default_rng(3)
    ink = row_ink([handwritten[4], handwritten[0], handwritten[7]], 80, rng)
    answer = recognize(predictor, encode(on_paper(np.pad(ink, 40), rng), "JPEG", 85), row=True, name="row.jpg")
    assert len(answer["digits"]) == 3
    xs = [d["box"][0] for d in answer["digits"]]
    assert xs == sorted(xs)
    assert answer["text"] == "407"


def test_many_files_keep_order_and_errors_do_not_stop_the_rest(predictor, samples, tmp_path):
    paths = []
    for i, digit in enumerate([3, 5, 8]):
        path = tmp_path / f"{i}.png"
        path.write_bytes(encode(_dark_on_white(np.pad(digit_ink(samples[digit], 60), 20)), "PNG"))
        paths.append(path)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    paths.insert(1, tmp_path / "bad.png")
    answers = list(recognize_many(predictor, paths, batch=2))
    assert [a["path"] for a in answers] == [str(p) for p in paths]
    assert "not an image" in answers[1]["error"]
    assert [a.get("digit") for a in answers] == [3, None, 5, 8]


def _cli(*args):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run([sys.executable, "-m", "digits", *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def test_cli_predict_json_on_a_folder_with_a_bad_file(samples, tmp_path):
    for digit in (0, 6):
        (tmp_path / f"digit{digit}.png").write_bytes(encode(_dark_on_white(np.pad(digit_ink(samples[digit], 60), 20)), "PNG"))
    (tmp_path / "empty.png").write_bytes(b"")
    result = _cli("predict", tmp_path, "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {line["path"].rsplit("/", 1)[-1]: line for line in lines}
    assert by_name["digit0.png"]["digit"] == 0 and by_name["digit6.png"]["digit"] == 6
    assert "empty file" in by_name["empty.png"]["error"]


def test_cli_read_with_explain_writes_what_the_model_saw(handwritten, tmp_path):
    rng = np.random.default_rng(4)
    image = tmp_path / "number.png"
    image.write_bytes(encode(on_paper(np.pad(row_ink([handwritten[4], handwritten[2]], 70, rng), 30), rng), "PNG"))
    result = _cli("read", image, "--explain", tmp_path / "explain")
    assert result.returncode == 0, result.stderr
    assert "42" in result.stdout
    assert (tmp_path / "explain" / "number.png.boxes.png").stat().st_size > 0
    assert (tmp_path / "explain" / "number.png.input.png").stat().st_size > 0


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSerif-Italic.ttf"])
def test_typeset_digits_on_a_paper_photo_read_right(predictor, font):
    rng = np.random.default_rng(5)
    answers = []
    for digit in range(10):
        photo = on_paper(place(typeset_ink(digit, 90, font), (260, 320), rng), rng)
        answers.append(recognize(predictor, encode(photo, "JPEG", 85), name=f"{digit}.jpg")["digit"])
    assert answers == list(range(10))


def test_boxes_are_in_the_files_pixels_even_for_a_photo_reduced_while_decoding(predictor, handwritten):
    page = np.full((3000, 4500), 235, np.uint8)
    ink = digit_ink(handwritten[6], 600)
    page[1000 : 1000 + ink.shape[0], 3000 : 3000 + ink.shape[1]] = (235 - ink * 200).astype(np.uint8)
    answer = recognize(predictor, encode(page, "JPEG", 90), name="big.jpg")
    assert answer["digit"] == 6
    x, y, w, h = answer["box"]
    assert abs(x - 3000) < 40 and abs(y - 1000) < 40 and abs(h - 600) < 60


def test_bytes_without_a_name_are_called_image_not_their_repr(predictor):
    answer = recognize(predictor, encode(np.full((60, 60), 240, np.uint8), "PNG"))
    assert answer["path"] == "image"
