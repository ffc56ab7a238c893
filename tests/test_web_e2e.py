"""The drawing page in a real headless Chromium, driven by Playwright, against a live server."""

import math
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import live_server
from digits.serving.app import create_app
from digits.serving.settings import ServeSettings
from digits.data.synth import digit_ink, encode

CHROMIUM = Path("/usr/bin/chromium")
# CI installs the browser and sets DIGITS_REQUIRE_BROWSER, so there a missing browser fails instead of skipping.
if not CHROMIUM.exists() and os.environ.get("DIGITS_REQUIRE_BROWSER"):
    raise RuntimeError(f"{CHROMIUM} is missing but DIGITS_REQUIRE_BROWSER is set: install Debian's chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn server on a free loopback port, in a thread."""
    db = tmp_path_factory.mktemp("web") / "feedback.sqlite3"
    with live_server(create_app(ServeSettings(feedback_db=db))) as base:
        yield base, db


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 420, "height": 900})  # a phone-sized screen
    page = context.new_page()
    page.goto(server[0] + "/")
    yield page
    context.close()


def stroke(page, points):
    """Drag the mouse through `points` given in canvas fractions (0-1)."""
    box = page.locator("#pad").bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=3)
    page.mouse.up()


def answer_is(page, text, timeout=10_000):
    page.wait_for_function(f"document.getElementById('answer').textContent === {text!r}", timeout=timeout)


def test_drawing_a_one_shows_1_with_bars_and_model_input(page):
    stroke(page, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])
    answer_is(page, "1")
    assert page.locator("#bars .bar").count() == 10
    assert page.locator("#inputs img").count() == 1


def test_drawing_a_zero_then_undo_and_clear(page):
    ring = [(0.5 + 0.22 * math.sin(t), 0.5 - 0.32 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 40)]
    stroke(page, ring)
    answer_is(page, "0")
    page.click("#undo")
    answer_is(page, "?")
    stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    answer_is(page, "1")
    page.click("#clear")
    answer_is(page, "?")


def test_number_mode_reads_two_digits(page):
    page.check("input[value=read]")
    stroke(page, [(0.3, 0.3), (0.3, 0.7)])
    ring = [(0.68 + 0.12 * math.sin(t), 0.5 - 0.2 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 40)]
    stroke(page, ring)
    answer_is(page, "10")


def test_uploading_a_file_gives_the_cli_answer(page, tmp_path, tiny_mnist):
    seven = tiny_mnist.x_test[np.flatnonzero(tiny_mnist.y_test == 7)[0]]
    path = tmp_path / "seven.png"
    path.write_bytes(encode((255 - np.pad(digit_ink(seven, 80), 20) * 255).astype(np.uint8), "PNG"))
    page.set_input_files("#file", str(path))
    answer_is(page, "7")


def test_a_correction_lands_in_the_database(page, server):
    stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    answer_is(page, "1")
    page.click("#labels button[data-label='7']")
    page.wait_for_function("document.getElementById('thanks').textContent.startsWith('Thanks')", timeout=10_000)
    with sqlite3.connect(server[1]) as db:
        assert db.execute("SELECT label, predicted FROM feedback ORDER BY id DESC LIMIT 1").fetchone() == (7, 1)


def test_a_corrected_number_is_stored_as_a_string_never_as_one_digit(page, server):
    page.check("input[value=read]")
    assert page.locator("#number-form").is_visible() and not page.locator("#labels").is_visible()
    stroke(page, [(0.3, 0.3), (0.3, 0.7)])
    stroke(page, [(0.55, 0.3), (0.55, 0.7)])
    page.wait_for_function("!['?', ''].includes(document.getElementById('answer').textContent)", timeout=10_000)
    page.fill("#number-text", "14")
    page.click("#number-form button")
    page.wait_for_function("document.getElementById('thanks').textContent.startsWith('Thanks')", timeout=10_000)
    with sqlite3.connect(server[1]) as db:
        text, line = db.execute("SELECT text, line_input FROM number_feedback ORDER BY id DESC LIMIT 1").fetchone()
        assert db.execute("SELECT count(*) FROM feedback WHERE label NOT BETWEEN 0 AND 9").fetchone()[0] == 0
    assert text == "14"
    import cv2

    image = cv2.imdecode(np.frombuffer(line, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image.shape[0] == 32 and image.shape[1] > image.shape[0]  # the whole line, not a 28x28 digit


def test_the_answer_updates_while_the_pen_is_still_down(page):
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for fy in np.linspace(0.2, 0.85, 14):
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + fy * box["height"], steps=2)
        page.wait_for_timeout(30)
    answer_is(page, "1")  # answered before the pen is lifted
    page.mouse.up()


def test_clear_removes_an_opened_images_preview(page, tmp_path, handwritten):
    path = tmp_path / "four.png"
    path.write_bytes(encode((255 - np.pad(digit_ink(handwritten[4], 80), 20) * 255).astype(np.uint8), "PNG"))
    page.set_input_files("#file", str(path))
    answer_is(page, "4")
    assert page.locator("#preview").is_visible()
    page.click("#clear")
    assert not page.locator("#preview").is_visible()
    assert page.request.get(page.url + "favicon.ico").status == 200
