"""The `digits` command as a user runs it: a real subprocess, real exit codes, real files."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


def run_cli(*args, env_data_dir=None, cwd=None):
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": str(cwd or "/tmp")}
    if env_data_dir:
        env["DIGITS_DATA_DIR"] = str(env_data_dir)
    return subprocess.run([sys.executable, "-m", "digits", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_data_shows_arrays_and_counts_and_writes_samples(tiny_mnist_dir, tmp_path):
    result = run_cli("data", "--data-dir", tiny_mnist_dir, "--samples", tmp_path / "grid.png")
    assert result.returncode == 0, result.stderr
    assert "(600, 28, 28)" in result.stdout and "uint8" in result.stdout
    assert "Images per class" in result.stdout
    assert (tmp_path / "grid.png").stat().st_size > 1000


def test_models_lists_every_registered_model():
    result = run_cli("models")
    assert result.returncode == 0, result.stderr
    for name, params in (("dense", "7,850"), ("mlp", "42,310"), ("cnn", "34,826")):
        assert name in result.stdout and params in result.stdout


def test_train_then_evaluate_writes_the_run_and_report(tiny_mnist_dir, tmp_path):
    run_dir = tmp_path / "run"
    trained = run_cli("train", "--model", "dense", "--epochs", "1", "--out", run_dir, env_data_dir=tiny_mnist_dir)
    assert trained.returncode == 0, trained.stderr
    assert {"model.keras", "model.onnx", "card.json", "history.json", "history.png"} <= {p.name for p in run_dir.iterdir()}
    evaluated = run_cli("evaluate", run_dir, env_data_dir=tiny_mnist_dir)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "test accuracy" in evaluated.stdout and "Per-class scores" in evaluated.stdout
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["samples"] == 200 and 0 <= metrics["test_accuracy"] <= 1
    assert (run_dir / "confusion.png").exists() and (run_dir / "misclassified.png").exists() and (run_dir / "report.md").exists()


def test_train_refuses_to_overwrite_a_run(tiny_mnist_dir, tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = run_cli("train", "--model", "dense", "--out", tmp_path, env_data_dir=tiny_mnist_dir)
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize(
    "args, message",
    [
        (("train", "--model", "nope"), "unknown model 'nope'"),
        (("evaluate", "/no/such/run"), "no such file or folder"),
    ],
)
def test_user_errors_are_one_line_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_data_file_gives_one_line_naming_it(tiny_mnist_dir, tmp_path):
    for f in tiny_mnist_dir.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    broken = tmp_path / "t10k-labels-idx1-ubyte.gz"
    broken.write_bytes(broken.read_bytes()[:20])
    result = run_cli("data", "--data-dir", tmp_path, "--samples", tmp_path / "g.png")
    assert result.returncode == 1
    assert "t10k-labels-idx1-ubyte.gz" in result.stderr and "Traceback" not in result.stderr


def test_damaged_model_file_is_reported(tiny_mnist_dir, tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip file")
    result = run_cli("evaluate", bad, env_data_dir=tiny_mnist_dir)
    assert result.returncode == 1
    assert "cannot load model" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_the_shipped_model_without_tensorflow(tiny_mnist_dir, tmp_path):
    result = run_cli("evaluate", "default", "--out", tmp_path / "eval", env_data_dir=tiny_mnist_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["samples"] == 200


def test_feedback_export_feeds_training_with_extra_data(tiny_mnist, tiny_mnist_dir, tmp_path):
    from digits.data.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    for image, label in zip(tiny_mnist.x_test[:5], tiny_mnist.y_test[:5]):
        store.add(b"original bytes", image.astype("float32"), int(label), None)
    exported = run_cli("feedback", "export", tmp_path / "mine", "--feedback-db", store.path)
    assert exported.returncode == 0, exported.stderr
    assert "5 correction(s)" in exported.stdout
    pngs = run_cli("feedback", "export", tmp_path / "pngs", "--format", "png", "--feedback-db", store.path)
    assert pngs.returncode == 0 and len(list((tmp_path / "pngs").rglob("*.png"))) == 5
    trained = run_cli("train", "--model", "dense", "--epochs", "1", "--extra-data", tmp_path / "mine", "--out", tmp_path / "run", env_data_dir=tiny_mnist_dir)
    assert trained.returncode == 0, trained.stderr


def test_serve_with_a_missing_model_fails_in_one_line(tmp_path):
    result = run_cli("serve", "--model", tmp_path / "nope.onnx")
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr


def _write_digit(path, handwritten, digit):
    from digits.data.synth import digit_ink, encode

    path.write_bytes(encode((255 - np.pad(digit_ink(handwritten[digit], 60), 20) * 255).astype(np.uint8), "PNG"))


def test_explain_on_a_blank_image_is_an_answer_not_a_crash(tmp_path):
    from digits.data.synth import encode

    (tmp_path / "blank.png").write_bytes(encode(np.full((80, 80), 240, np.uint8), "PNG"))
    result = run_cli("predict", tmp_path / "blank.png", "--explain", tmp_path / "out")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "blank.png.boxes.png").exists()


def test_read_reads_a_phone_photo_saved_as_heic_in_a_folder(tmp_path):
    photo = Path(__file__).parent / "fixtures" / "number_4071_turned.heic"  # stored sideways, its turn recorded
    (tmp_path / "IMG_0001.HEIC").write_bytes(photo.read_bytes())
    result = run_cli("read", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "4071"


def test_explain_into_a_file_is_one_line_and_nothing_claimed_when_nothing_was_read(tmp_path):
    (tmp_path / "taken").write_text("a file")
    (tmp_path / "x.png").write_bytes(b"not an image")
    into_file = run_cli("predict", tmp_path / "x.png", "--explain", tmp_path / "taken")
    assert into_file.returncode == 1 and "needs a folder" in into_file.stderr and "Traceback" not in into_file.stderr
    all_failed = run_cli("predict", tmp_path / "x.png", "--explain", tmp_path / "out")
    assert all_failed.returncode == 1 and "what the model saw" not in all_failed.stderr


def test_folders_skip_hidden_files_and_say_what_recursive_would_add(tmp_path, handwritten):
    _write_digit(tmp_path / "a.png", handwritten, 3)
    _write_digit(tmp_path / ".hidden.png", handwritten, 5)
    (tmp_path / "sub").mkdir()
    _write_digit(tmp_path / "sub" / "b.png", handwritten, 8)
    flat = run_cli("predict", tmp_path, "--json")
    assert [json.loads(line)["digit"] for line in flat.stdout.splitlines()] == [3]
    assert "1 sub-folder(s) not searched" in flat.stderr
    deep = run_cli("predict", tmp_path, "--json", "--recursive")
    assert [json.loads(line)["digit"] for line in deep.stdout.splitlines()] == [3, 8]


def test_evaluating_the_shipped_model_needs_only_the_test_files(tiny_mnist_dir, tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes((tiny_mnist_dir / name).read_bytes())
    result = run_cli("evaluate", "default", env_data_dir=tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "default-evaluation").exists()  # the report goes to the per-user data folder
    assert "report:" in result.stdout and ".local/share/digits/evaluations/default" in result.stdout.replace("\n", "")


def test_listing_models_shows_both_kinds():
    result = run_cli("models")
    assert result.returncode == 0 and "crnn" in result.stdout and "a number" in result.stdout


def test_help_is_plain_and_whole_at_80_columns():
    for command in (("--help",), ("train", "--help"), ("predict", "--help"), ("read", "--help")):
        result = run_cli(*command)
        assert result.returncode == 0
        assert "<bool>" not in result.stdout and "…" not in result.stdout, command
    assert "--validation-fraction" in run_cli("train", "--help").stdout


def test_an_unreadable_file_argument_is_not_a_usage_error(tmp_path, handwritten):
    """The argument parser must not reject a file it thinks unreadable: it becomes one error row, the rest are read."""
    _write_digit(tmp_path / "locked.png", handwritten, 1)
    _write_digit(tmp_path / "open.png", handwritten, 0)
    code = (
        "import os, sys\n"
        "real = os.access\n"
        "os.access = lambda p, mode, *a, **k: False if str(p).endswith('locked.png') else real(p, mode, *a, **k)\n"
        f"sys.argv = ['digits', 'predict', {str(tmp_path / 'locked.png')!r}, {str(tmp_path / 'open.png')!r}, '--json']\n"
        "from digits.cli import main\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 2 and "Usage" not in result.stderr
    assert [json.loads(line)["path"].rsplit("/", 1)[-1] for line in result.stdout.splitlines()] == ["locked.png", "open.png"]


def test_a_folder_that_cannot_be_listed_is_a_skipped_line(tmp_path, monkeypatch):
    from digits.reading import files as listing

    def refuse(folder):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(listing.os, "scandir", refuse)
    expand_paths = listing.expand_paths
    files, skipped = expand_paths([tmp_path])
    assert files == [] and "cannot list this folder (Permission denied)" in skipped[0]


def test_a_folder_lists_its_images_in_path_order_without_hidden_ones(tmp_path):
    from digits.reading.files import expand_paths

    for name in ["b.png", "a/z.PNG", "a/sub/c.jpg", "a/sub/d.txt", "a/b.png", ".hid/e.png", "a/.f.png", "c.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    files, skipped = expand_paths([tmp_path], recursive=True)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a/b.png", "a/sub/c.jpg", "a/z.PNG", "b.png", "c.png"]
    assert skipped == [f"{tmp_path}: 1 file(s) without an image suffix left out"]
    flat, skipped = expand_paths([tmp_path])
    assert [p.name for p in flat] == ["b.png", "c.png"] and "1 sub-folder(s) not searched" in skipped[0]
