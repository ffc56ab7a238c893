"""The walkthrough notebook runs top to bottom, as the tutorials' readers will run it."""

import os
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "walkthrough.ipynb"


@pytest.mark.integration
def test_the_walkthrough_runs_top_to_bottom_without_an_error(real_mnist_dir, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["DIGITS_DATA_DIR"] = str(real_mnist_dir.resolve())  # the kernel inherits the environment
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    seconds = time.perf_counter() - start
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if any(kind.startswith("image/") for kind in o.get("data", {}))]
    assert len(images) >= 7  # samples, curves, confusion, mistakes, the photo, what the model saw, the number
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "test accuracy" in text and "read:" in text
    assert seconds < 600  # generous; the README quotes the measured time
