"""The package's rooms and sizes: the import rules hold (checked by import-linter), modules and functions stay small."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "digits"
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold():
    """Reading and serving never import Keras or TensorFlow; each room imports only the rooms below it."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(module):
    lines = module.read_text().splitlines()
    assert len(lines) <= 300, f"{module.name}: {len(lines)} lines; split it"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= 50, f"{module.name}:{node.lineno} {node.name} is {length} lines; split it"


def test_every_room_is_one_level_deep_and_says_what_it_holds():
    rooms = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert rooms == ["batch", "cli", "data", "evaluation", "reading", "serving", "training"]
    for room in rooms:
        assert not list((PACKAGE / room).glob("*/__init__.py")), f"{room} has a sub-room"
        assert ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text())), f"{room} has no docstring"
