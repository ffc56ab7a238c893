"""`digits batch` on Ray Data: the same answers as `predict`/`read`, bad files as rows, resume, a killed worker."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
from PIL import Image
from ray import cloudpickle

from digits.batch.job import run_batch
from digits.batch.rows import SCHEMAS
from digits.batch.sources import gather_sources
from digits.batch.stages import Scorer, prepare_rows
from digits.errors import DigitsError

BAD_FILES = {"empty.png": b"", "garbage.png": b"not an image at all", "truncated.png": None}
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray workers cannot import this test module


@pytest.fixture(scope="module")
def ray_here():
    """One local Ray for the in-process jobs of this module (starting Ray costs seconds)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """300 files: 297 handwritten digits (PNG and JPEG, dark on light and light on dark, several sizes) and 3 bad ones."""
    digits = np.load(Path(__file__).parent / "fixtures" / "mnist_test_digits.npz")["images"]
    folder = tmp_path_factory.mktemp("batch_images")
    (folder / "more").mkdir()
    for i in range(297):
        digit = digits[i % len(digits)]
        image = Image.fromarray(255 - digit if i % 2 else digit).resize((28 + 8 * (i % 5),) * 2)
        target = folder / "more" if i % 7 == 0 else folder  # sub-folders are read too
        image.save(target / (f"{i:03d}.jpg" if i % 3 == 0 else f"{i:03d}.png"))
    good = (folder / "001.png").read_bytes()
    for name, content in BAD_FILES.items():
        (folder / name).write_bytes(good[: len(good) // 2] if content is None else content)
    return folder


def answers_in(out: Path) -> pa.Table:
    return pq.read_table(out)


def test_sources_from_folders_globs_lists_and_uris(images, tmp_path):
    listed = tmp_path / "some.txt"
    listed.write_text(f"# a list of paths\n{images / '001.png'}\n\n{images / 'nope.png'}\n")
    assert len(gather_sources([str(images)]).images) == 300  # sub-folders included, bad files kept
    assert gather_sources([str(images / "00*.png")]).images == [str(images / f"00{i}.png") for i in (1, 2, 4, 5, 8)]
    assert gather_sources([str(listed)]).images == [str(images / "001.png"), str(images / "nope.png")]  # kept: an error row
    in_more = sorted(f"file://{p}" for p in (images / "more").iterdir())
    assert gather_sources([f"file://{images / 'more'}"]).images == in_more and len(in_more) == 43
    assert gather_sources([str(tmp_path / "*.none")]).notes == [f"{tmp_path / '*.none'}: matched no file"]


def test_stages_without_ray_give_predicts_answers(images):
    """The two stages called directly: same dicts as the reading room's own batch path."""
    from digits.reading.predictor import load_predictor
    from digits.reading.recognize import recognize_many

    paths = sorted(str(p) for p in images.iterdir() if p.is_file())[:40]
    table = Scorer("digit")(prepare_rows(pa.table({"path": paths}), mode="digit"))
    assert table.schema == SCHEMAS["digit"]
    expected = list(recognize_many(load_predictor(), [Path(p) for p in paths], workers=1))
    assert [json.loads(a) for a in table.column("answer").to_pylist()] == expected
    assert table.column("model").to_pylist()[0] == load_predictor().card.name == "cnn_reject"


def test_cli_batch_matches_predict_and_keeps_bad_files_as_rows(images, tmp_path):
    out = tmp_path / "answers"
    batch = subprocess.run([sys.executable, "-m", "digits", "batch", str(images), "--out", str(out), "--cpus", "2"],
                           capture_output=True, text=True, timeout=120)
    assert batch.returncode == 0, batch.stderr
    assert "300 inputs; 300 answered now (3 could not be read" in batch.stdout
    predict = subprocess.run([sys.executable, "-m", "digits", "predict", str(images), "--recursive", "--json"],
                             capture_output=True, text=True, timeout=120)
    expected = {a["path"]: a for a in map(json.loads, predict.stdout.splitlines())}
    table = answers_in(out)
    got = {row["path"]: json.loads(row["answer"]) for row in table.select(["path", "answer"]).to_pylist()}
    assert got == expected and len(got) == table.num_rows == 300
    errors = {Path(p).name: e for p, e in zip(table.column("path").to_pylist(), table.column("error").to_pylist()) if e}
    assert set(errors) == set(BAD_FILES) and "empty file" in errors["empty.png"]


def test_an_existing_answer_folder_needs_resume(ray_here, images, tmp_path):
    pq.write_table(pa.table({"path": ["x"], "error": [None]}), tmp_path / "old.parquet")
    with pytest.raises(DigitsError, match="--resume"):
        run_batch([str(images)], str(tmp_path), progress=False)


def test_resume_answers_only_what_is_left_and_each_input_once(ray_here, images, tmp_path):
    out = tmp_path / "answers"
    first = sorted(str(p) for p in images.glob("*.png"))[:120]
    listed = tmp_path / "first.txt"
    listed.write_text("\n".join(first))
    assert run_batch([str(listed)], str(out), progress=False).answered == 120  # a job stopped after 120 inputs
    (out / "cut-short.parquet").write_bytes(b"PAR1 a file a killed job never finished")
    result = run_batch([str(images)], str(out), resume=True, progress=False)
    assert (result.skipped, result.answered) == (120, 180)
    assert any("_broken-cut-short.parquet" in note for note in result.notes)
    paths = answers_in(out).column("path").to_pylist()
    assert len(paths) == len(set(paths)) == 300


def test_answers_kept_inside_the_input_folder_are_not_read_as_inputs(ray_here, images, tmp_path):
    import shutil

    for path in sorted(images.glob("*.png"))[:20]:
        shutil.copy(path, tmp_path)
    out = tmp_path / "answers"
    assert run_batch([str(tmp_path)], str(out), progress=False).answered == 20
    again = run_batch([str(tmp_path)], str(out), resume=True, progress=False)
    assert (again.inputs, again.skipped, again.answered) == (20, 20, 0)


def test_an_unforeseen_failure_is_one_error_row(images, monkeypatch):
    import digits.batch.stages as stages

    real = stages.prepare
    def flaky(source, row=False, name=None):
        if name.endswith("002.png"):
            raise RuntimeError("cv2.error: something deep inside OpenCV")
        return real(source, row=row, name=name)
    monkeypatch.setattr(stages, "prepare", flaky)
    paths = [str(images / "001.png"), str(images / "002.png")]
    table = prepare_rows(pa.table({"path": paths}), mode="digit")
    assert table.column("error").to_pylist() == [None, f"{paths[1]}: could not be read (cv2.error: something deep inside OpenCV)"]


KILL_MARKER = ""


class DiesOnceScorer(Scorer):
    """A scorer whose worker process is killed (SIGKILL) on its first batch, once per job."""

    def __call__(self, batch):
        if not os.path.exists(KILL_MARKER):
            Path(KILL_MARKER).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__call__(batch)


def test_a_killed_worker_costs_a_retry_not_the_job(ray_here, images, tmp_path):
    global KILL_MARKER
    KILL_MARKER = str(tmp_path / "killed")
    out = tmp_path / "answers"
    result = run_batch([str(images)], str(out), scorer=DiesOnceScorer, batch_size=64, progress=False)
    assert Path(KILL_MARKER).exists()  # the worker really died
    paths = answers_in(out).column("path").to_pylist()
    assert result.answered == len(paths) == len(set(paths)) == 300


def test_number_mode_and_parquet_inputs(ray_here, tmp_path):
    """Rows of digits stored as bytes in Parquet (no path column) read as numbers, with the number schema."""
    import io

    digits = np.load(Path(__file__).parent / "fixtures" / "mnist_test_digits.npz")
    by_class = {d: digits["images"][np.flatnonzero(digits["labels"] == d)[0]] for d in range(10)}
    blobs = []
    for text in ("305", "71", "4268"):
        row = np.hstack([np.pad(by_class[int(c)], 6) for c in text])
        buffer = io.BytesIO()
        Image.fromarray(255 - row).save(buffer, format="PNG")
        blobs.append(buffer.getvalue())
    pq.write_table(pa.table({"png": blobs + [b"broken"]}), tmp_path / "rows.parquet")
    out = tmp_path / "answers"
    result = run_batch([str(tmp_path / "rows.parquet")], str(out), mode="number", column="png", progress=False)
    table = answers_in(out)
    assert (result.inputs, result.answered, result.errors) == (4, 4, 1)
    assert table.schema == SCHEMAS["number"]
    assert sorted(t for t in table.column("text").to_pylist() if t) == ["305", "4268", "71"]
    assert all("rows.parquet#" in p for p in table.column("path").to_pylist())
    with pytest.raises(DigitsError, match="no column 'image'"):
        run_batch([str(tmp_path / "rows.parquet")], str(tmp_path / "other"), mode="number", progress=False)


def test_without_ray_the_command_says_how_to_install_it(tmp_path):
    code = "import sys; sys.modules['ray'] = None; from digits.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, "batch", str(tmp_path), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and 'pip install -e ".[cluster]"' in result.stderr
