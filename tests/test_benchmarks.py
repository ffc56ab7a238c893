"""Every benchmark and the release script run end to end on tiny data, so none of them can rot."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digits.card import read_card

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))


def run_script(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_every_benchmark_is_covered():
    assert BENCHMARKS == ["batch_scaling.py", "hostile.py", "latency.py", "load_test.py", "real_images.py", "train_models.py"]


@pytest.mark.parametrize("script", BENCHMARKS)
def test_benchmark_runs_in_smoke_mode_and_prints_its_table(script):
    result = run_script(f"benchmarks/{script}", "--smoke")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "|---" in result.stdout, result.stdout[-2000:]  # the Markdown table the README quotes
    assert "Traceback" not in result.stderr


def test_ship_model_writes_a_model_and_a_card_that_load(tiny_run, tiny_mnist_dir, tmp_path):
    run_dir, _ = tiny_run
    result = run_script("scripts/ship_model.py", str(run_dir), "--data-dir", str(tiny_mnist_dir), "--assets", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "### The shipped model: `mlp`" in result.stdout
    card = read_card(tmp_path / "default.json")
    assert card.name == "mlp" and card.metrics.test_errors is not None and card.provenance.onnx_bytes > 0
    assert card.metrics.onnx_max_abs_diff_vs_keras < 1e-4
    assert (tmp_path / "default.onnx").stat().st_size == card.provenance.onnx_bytes


def test_compare_readers_scores_each_reader_on_validation_numbers(tiny_mnist_dir):
    shipped = ROOT / "src" / "digits" / "assets" / "reader.onnx"
    result = run_script("scripts/compare_readers.py", str(shipped), str(shipped), "--data-dir", str(tiny_mnist_dir),
                        "--per-kind", "2", "--seeds", "11", "31")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| multi-line page |")]
    assert len(rows) == 1 and rows[0].count("%") == 6  # per reader: both seeds together, then each
    first, second = rows[0].split("|")[2:4]
    assert first == second  # the same reader on the same images scores the same


def test_every_number_on_a_squared_page_lies_wholly_on_the_page(monkeypatch):
    """The benchmark must not ask for ink that the page's edge cut off: a number about two squares tall, with a
    comma's tail, can be taller than the three squares above the first grid line it sits on."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import _numbers

    from digits.data.synth_lines import digit_bank

    fixture = np.load(ROOT / "tests" / "fixtures" / "mnist_test_digits.npz")
    bank = digit_bank(fixture["images"], fixture["labels"])
    drawn, written = [], []
    render = _numbers.render_number
    monkeypatch.setattr(_numbers, "render_number", lambda *args: drawn.append(render(*args)) or drawn[-1])
    blank = np.zeros((8, 8, 3), np.uint8)
    monkeypatch.setattr(_numbers, "compose", lambda layers, rng: written.append(layers[-1][0]) or blank)
    rng = np.random.default_rng(5)
    for _ in range(60):
        drawn.clear()
        _numbers.on_exercise_book("numbers on squared paper", bank, rng)
        # Numbers never overlap, so the page holds all their ink unless an edge cut some off.
        assert written[-1].sum() == pytest.approx(sum(ink.sum() for ink in drawn), rel=1e-6)
