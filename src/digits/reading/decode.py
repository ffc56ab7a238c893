"""Decode a user's image file into one grey-level array, safely.

Handles PNG, JPEG, BMP, TIFF, WebP, GIF (first frame), AVIF and HEIC/HEIF (the
photos iPhones take, through pi-heif's decoder); EXIF orientation;
alpha (composited onto the background that keeps the ink visible); 8/16-bit,
grey, RGB, palette and CMYK. Refuses non-images, truncated files, decompression
bombs and absurd sizes with a one-line ImageError.
"""

from __future__ import annotations

import functools
import io
import math
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digits.errors import ImageError, first_line

FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "GIF", "AVIF")  # the decoders that may run; no EPS, DDS, BLP, ...
ISO_MEDIA = b"ftyp"  # bytes 4-8 of an ISO base media file (HEIC, HEIF, AVIF, but also MP4 and MOV videos)
# Bytes 8-12 of such a file when it is a still image: HEIC/HEIF (an iPhone's photos) and AVIF.
IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
                b"avif", b"avis"}
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about a 48-megapixel photo; more is a bomb or a mistake
MAX_SIDE = 20_000
# Larger images are reduced while decoding (JPEG: by the decoder's own DCT scaling): reading works at
# 1,024 pixels anyway, and it bounds what one image costs in memory to about its decoded bytes.
DECODE_SIDE = 2048
ORIENTATION = 0x0112  # the EXIF tag that says how the camera was held


@dataclass(frozen=True)
class Decoded:
    """An image as grey levels, and its size relative to the file's (1.0 unless reduced while decoding)."""

    gray: np.ndarray  # (H, W) float32 in [0, 1], 1 = white
    scale: float


def source_label(source: Path | bytes, name: str | None) -> str:
    """How errors and answers name an image: the given name, the path, or "image" for bytes."""
    return name or (str(source) if isinstance(source, Path) else "image")


def read_gray(source: Path | bytes, name: str | None = None) -> np.ndarray:
    """(H, W) float32 in [0, 1], 1 = white, from a file path or the file's bytes (see `decode_image`)."""
    return decode_image(source, name).gray


def decode_image(source: Path | bytes, name: str | None = None) -> Decoded:
    """The image in a file or its bytes as grey levels, at most DECODE_SIDE on its longer side."""
    label = source_label(source, name)
    data = _read_bytes(source, label)
    if not data:
        raise ImageError(f"{label}: empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_formats_for(data, label)) as image:
                _check_size(image, label)
                image.seek(0)  # first frame of an animation
                full = max(image.size)
                if image.format == "JPEG" and full > DECODE_SIDE:
                    # The decoder's DCT scaling by 1/2, 1/4 or 1/8, to the smallest size whose longer side is
                    # still at least half DECODE_SIDE (what reading works at): a 12-MP photo decodes 4x faster.
                    # Colour JPEGs decode straight to grey (the luma channel alone): reading needs no more.
                    fraction = DECODE_SIDE / 2 / full
                    mode = "L" if image.mode in ("RGB", "L") else image.mode
                    image.draft(mode, (math.ceil(image.size[0] * fraction), math.ceil(image.size[1] * fraction)))
                # Turning copies the image: only when the camera says so. (A HEIC's own turn, its irot box, is
                # applied by libheif, which then says 1 here.)
                if image.getexif().get(ORIENTATION, 1) != 1:
                    image = ImageOps.exif_transpose(image)
                image.load()
                image = _reduced(image)
                return Decoded(_to_gray(image), max(image.size) / full)
    except ImageError:
        raise
    except UnidentifiedImageError:
        if data[4:8] == ISO_MEDIA and data[8:12] in IMAGE_BRANDS:  # its decoder gave up on it: a photo cut short
            raise ImageError(f"{label}: truncated or corrupt image (HEIC/HEIF/AVIF)") from None
        raise ImageError(f"{label}: not an image (unrecognised format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{label}: image dimensions too large (possible decompression bomb)") from None
    except Exception as exc:  # decoders raise many types for a damaged file; the user needs one line
        raise ImageError(f"{label}: truncated or corrupt image ({first_line(exc)})") from None


def _formats_for(data: bytes, label: str) -> tuple[str, ...]:
    """The decoders that may try `data`: FORMATS, and HEIF for an ISO media file (its decoder loaded then)."""
    if data[4:8] != ISO_MEDIA:
        return FORMATS
    try:
        _register_heif()
    except ImportError:
        raise ImageError(f"{label}: HEIC/HEIF needs the pi-heif package (pip install pi-heif)") from None
    return (*FORMATS, "HEIF")


@functools.cache
def _register_heif() -> None:
    """Teach Pillow HEIC/HEIF the first time such a file arrives: other images never pay the decoder's import
    (about 13 ms, where a whole cold `digits predict` takes about 300)."""
    from pi_heif import register_heif_opener

    register_heif_opener()


def _read_bytes(source: Path | bytes, label: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_FILE_BYTES:
            raise ImageError(f"{label}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return bytes(source)
    try:
        info = source.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImageError(f"{label}: is a folder, not an image")
        if not stat.S_ISREG(info.st_mode):  # a device, FIFO or socket would never end, or never start
            raise ImageError(f"{label}: not a regular file")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise ImageError(f"{label}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return source.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{label}: no such file") from None
    except PermissionError:
        raise ImageError(f"{label}: permission denied") from None
    except OSError as exc:
        raise ImageError(f"{label}: cannot read ({exc.strerror or exc})") from None


def _reduced(image: Image.Image) -> Image.Image:
    """The image shrunk by a whole factor to at most DECODE_SIDE (box filter), or as it is."""
    factor = math.ceil(max(image.size) / DECODE_SIDE)
    if factor <= 1:
        return image
    try:
        return image.reduce(factor)
    except (ValueError, NotImplementedError):  # modes Pillow cannot reduce directly (palette, 16-bit)
        alpha = "A" in image.getbands() or "transparency" in image.info
        return image.convert("RGBA" if alpha else "I" if image.mode.startswith("I") else "RGB").reduce(factor)


def _check_size(image: Image.Image, label: str) -> None:
    width, height = image.size
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageError(f"{label}: image dimensions {width}x{height} are out of range")


def _to_gray(image: Image.Image) -> np.ndarray:
    """Grey levels in [0, 1]; alpha composited onto the background that contrasts with the ink."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float32)
        top = 65535.0 if values.max() > 255 else 255.0
        return np.clip(values / top, 0, 1)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBa", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA"):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3]
        color = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        if alpha.min() > 0.99:
            return color
        # Where the ink is (opaque pixels), is it light or dark? Put it on the opposite background.
        weight = alpha.sum()
        ink_level = float((color * alpha).sum() / weight) if weight > 0 else 0.0
        background = 0.0 if ink_level > 0.5 else 1.0
        return color * alpha + background * (1.0 - alpha)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
