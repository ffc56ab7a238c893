import gzip
import struct

import numpy as np
import pytest

from digits.errors import DataError
from digits.data.idx import read_idx, write_idx


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_round_trip_keeps_shape_and_values(tmp_path, name):
    array = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / name, array)
    np.testing.assert_array_equal(read_idx(tmp_path / name, expected_ndim=3), array)


def _header(ndim_shape, dtype=0x08, zero=0):
    return struct.pack(">HBB", zero, dtype, len(ndim_shape)) + struct.pack(f">{len(ndim_shape)}I", *ndim_shape)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "too short"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "bad magic"),
        (_header((3,), dtype=0x0D) + b"\0" * 12, "unsupported IDX value type"),
        (_header((2, 28, 28)) + b"\0" * 100, "truncated"),
        (_header((1,)) + b"\0\0", "trailing bytes"),
        (_header((5, 28, 28))[:9], "truncated header"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_wrong_number_of_dimensions_is_reported(tmp_path):
    path = tmp_path / "labels"
    write_idx(path, np.zeros(5, dtype=np.uint8))
    with pytest.raises(DataError, match="expected 3 dimensions"):
        read_idx(path, expected_ndim=3)


def test_truncated_gzip_is_reported(tmp_path):
    path = tmp_path / "x.gz"
    data = gzip.compress(_header((10, 28, 28)) + bytes(10 * 28 * 28))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        read_idx(path)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_idx(tmp_path / "nope.gz")
