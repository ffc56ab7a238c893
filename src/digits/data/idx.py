"""Read and write the IDX format that MNIST ships in (optionally gzipped).

IDX layout: two zero bytes, a type code (0x08 = unsigned byte), the number of
dimensions, then one big-endian uint32 per dimension, then the raw values.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from digits.errors import DataError

UBYTE = 0x08
# Largest file we agree to read: the MNIST training images are 47 MB unpacked.
MAX_BYTES = 512 * 1024 * 1024


def read_idx(path: Path, expected_ndim: int | None = None) -> np.ndarray:
    """Return the uint8 array stored in an IDX file, validating every header field."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number 0x{raw[:4].hex()})")
    if dtype_code != UBYTE:
        raise DataError(f"{path}: unsupported IDX value type 0x{dtype_code:02x} (expected unsigned byte)")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataError(f"{path}: expected {expected_ndim} dimensions, header says {ndim}")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", raw[4:header_len])
    expected = int(np.prod(shape, dtype=np.int64)) if ndim else 0
    actual = len(raw) - header_len
    if actual != expected:
        problem = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(f"{path}: {problem}: header {shape} needs {expected} bytes of data, found {actual}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as IDX; gzip it when the name ends in .gz."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6)
    path.write_bytes(data)


def _read_bytes(path: Path) -> bytes:
    """File contents, gunzipped when gzipped; every failure becomes a DataError."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=handle) as unzipped:
                    data = unzipped.read(MAX_BYTES + 1)
            else:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise DataError(f"{path}: larger than {MAX_BYTES // 2**20} MB, not an MNIST file")
    return data
