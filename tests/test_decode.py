import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digits.errors import ImageError
from digits.reading.decode import read_gray


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _square(mode="L", fg=0, bg=255, size=40):
    image = Image.new(mode, (size, size), bg)
    image.paste(fg, (10, 10, 30, 30))
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "TIFF", "WEBP", "GIF", "AVIF"])
def test_common_formats_decode_to_the_same_grey_picture(fmt):
    gray = read_gray(_save(_square(), fmt))
    assert gray.shape == (40, 40) and gray.dtype == np.float32
    assert gray[20, 20] < 0.1 and gray[2, 2] > 0.9


HEIC_PHOTO = Path(__file__).parent / "fixtures" / "number_4071_turned.heic"  # stored sideways, its turn recorded


def test_an_iphone_style_heic_photo_decodes_upright():
    """HEIC, an iPhone's default: a written number on paper, stored sideways with the turn that sets it upright."""
    gray = read_gray(HEIC_PHOTO)
    assert gray.shape == (144, 315)  # upright: wider than tall, as it was written (test_cli reads the number)


def test_a_heic_photo_cut_short_is_called_corrupt_not_a_non_image():
    data = HEIC_PHOTO.read_bytes()
    with pytest.raises(ImageError, match="truncated or corrupt image"):
        read_gray(data[: len(data) // 2])


def test_other_images_never_load_the_heic_decoder():
    code = ("import sys\nfrom digits.reading.decode import read_gray\nfrom PIL import Image\nimport io\n"
            "buffer = io.BytesIO(); Image.new('L', (8, 8), 255).save(buffer, format='PNG')\n"
            "read_gray(buffer.getvalue())\nassert 'pi_heif' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_first_frame_of_an_animated_gif():
    frames = [_square(fg=0), _square(fg=255)]
    data = _save(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert read_gray(data)[20, 20] < 0.1


@pytest.mark.parametrize("mode, fg, bg", [("RGB", (0, 0, 0), (255, 255, 255)), ("CMYK", (0, 0, 0, 255), (0, 0, 0, 0)), ("P", 0, 255)])
def test_colour_palette_and_cmyk_modes(mode, fg, bg):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = _square().convert("P") if mode == "P" else _square(mode, fg, bg)
    assert image.mode == mode
    gray = read_gray(_save(image, fmt))
    assert gray[20, 20] < 0.15 and gray[2, 2] > 0.85


def test_sixteen_bit_png_keeps_its_range():
    values = np.full((40, 40), 60000, np.uint16)
    values[10:30, 10:30] = 1000
    gray = read_gray(_save(Image.fromarray(values), "PNG"))
    assert gray[20, 20] < 0.05 and gray[2, 2] > 0.85


def test_canvas_ink_only_in_alpha_lands_on_white_paper():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30, 3] = 255  # black strokes, transparent background
    gray = read_gray(_save(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert gray[20, 20] < 0.05 and gray[2, 2] > 0.95


def test_white_ink_on_transparent_lands_on_black():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = 255
    gray = read_gray(_save(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert gray[20, 20] > 0.95 and gray[2, 2] < 0.05


def test_exif_orientation_is_applied():
    image = Image.new("L", (60, 30), 255)
    image.paste(0, (0, 0, 10, 30))  # dark band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    gray = read_gray(_save(image, "JPEG", exif=exif.tobytes()))
    assert gray.shape == (60, 30)
    assert gray[:10].mean() < 0.2  # the band is now on top


def _png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size (its data is a tiny stub)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"hello, I am a text file\n", "not an image"),
        (_save(_square(), "PDF"), "not an image"),  # PDFs are not read: refused, never drawn
        (_save(_square(), "PNG")[:60], "truncated or corrupt"),
        (_png_with_size(100_000, 100_000), "too large"),  # Pillow's own bomb guard, before ours
        (_png_with_size(9_000, 9_000), "out of range"),  # 81 MP: past our pixel budget
    ],
)
def test_bad_inputs_raise_one_line_errors(data, message):
    with pytest.raises(ImageError, match=message) as info:
        read_gray(data, name="upload.png")
    assert str(info.value).startswith("upload.png: ")
    assert "\n" not in str(info.value)


def test_unreadable_paths(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_gray(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="is a folder"):
        read_gray(tmp_path)


def test_devices_and_fifos_are_refused_without_reading_them(tmp_path):
    import os

    fifo = tmp_path / "p.png"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(ImageError, match="not a regular file"):
            read_gray(path)


def test_only_the_allowed_formats_are_decoded():
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, format="TGA")  # a format Pillow reads, but not one of ours
    with pytest.raises(ImageError, match="not an image"):
        read_gray(buffer.getvalue())


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_large_image_is_reduced_while_decoding_and_says_by_how_much(fmt):
    from digits.reading.decode import DECODE_SIDE, decode_image

    buffer = io.BytesIO()
    Image.new("RGB", (6000, 3000), (250, 250, 250)).save(buffer, format=fmt)
    decoded = decode_image(buffer.getvalue())
    assert max(decoded.gray.shape) <= DECODE_SIDE
    assert decoded.scale == pytest.approx(max(decoded.gray.shape) / 6000)
