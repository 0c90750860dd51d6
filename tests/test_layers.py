"""The layer contract (import-linter, in pyproject.toml) holds, and fails on a wrong-way import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("apcv", "simulators", "harness", "scenarios")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the four layered packages and the contract, importable from ``tmp_path``."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_are_kept(tree: Path) -> None:
    done = _lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("simulators/phone/planted.py", "import harness.rig\n", "Layers import one way"),
    ("apcv/planted.py", "from simulators.population import generator\n", "Layers import one way"),
    ("harness/cli/planted.py", "import scenarios.models.mmc\n", "Layers import one way"),
    ("apcv/links/planted.py", "import simulators.phone.phone\n", "they import no simulator"),
    ("apcv/profile/planted.py", "from apcv.links import open_reader\n", "The kernel stays under links"),
    ("apcv/imaging/planted.py", "from apcv.trace import TraceRecorder\n", "The kernel stays under links"),
    ("simulators/practice/planted.py", "from harness.practice import runner\n", "Layers import one way"),
    ("simulators/backend/planted.py", "from simulators.phone import wallet\n", "stand alone"),
])
def test_a_wrong_way_import_breaks_the_contract(tree: Path, module: str, planted: str, contract: str) -> None:
    (tree / module).write_text(f'"""Planted."""\n\n{planted}')
    done = _lint(tree)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert module.removesuffix(".py").replace("/", ".") in broken
