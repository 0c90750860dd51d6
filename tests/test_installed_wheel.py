"""The wheel, installed into a fresh virtual environment outside the repository, works from
any folder: rigs, templates, the catalogue and model parameters are package data.

The wheel is installed without its dependencies, which the fresh environment borrows from
this one through a ``.pth`` line (this environment's own apcv-hil is an editable install,
which a ``.pth`` path does not activate), so the test needs no package index and runs offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FIXTURE_TEST = '''
import pytest


@pytest.mark.apcv_requirement("APCV-RDR-001")
def test_reads_the_phone(rig, bench, phone, reader):
    assert rig.name == "software"
    result = reader.read()
    assert result.kind == "phone"
'''


def _run(args: list[str], cwd: Path, timeout: float = 300,
         env_rig: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "APCV_RIG"}
    if env_rig is not None:
        env["APCV_RIG"] = env_rig
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                          env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv (outside the repository) holding the built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    assert REPO not in root.parents
    source = root / "source"  # a copy: building writes egg-info and build/ beside the sources
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", ".hypothesis", "reports"))
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                  "-w", str(root / "dist"), str(source)], cwd=root)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((root / "dist").glob("apcv_hil-*.whl"))
    venv = root / "venv"
    made = _run(["/usr/bin/python3", "-m", "venv", str(venv)], cwd=root)
    assert made.returncode == 0, made.stderr
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                str(wheel)], cwd=root, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    site = next((venv / "lib").glob("python3.*/site-packages"))
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder with nothing of the repository in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_read_json_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "read", "--json"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "phone"


def test_run_writes_a_report_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "run", "--rig", "software", "--report", "out"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (elsewhere / "out" / "index.html").read_text()
    assert "APCV-NFC-001" in html
    assert json.loads((elsewhere / "out" / "results.json").read_text())["results"]


def test_waiting_room_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "waiting-room", "--json", "--days", "1", "--replications", "2",
                 "--workers", "1"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "GP practice"


def test_pytest_file_using_the_fixtures(installed: Path, elsewhere: Path) -> None:
    (elsewhere / "test_vendor.py").write_text(FIXTURE_TEST)
    done = _run([str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider",
                 "--apcv-rig", "rigs/software.yaml", "test_vendor.py"], cwd=elsewhere)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
    assert "apcv-hil rig: software" in done.stdout


def test_unrelated_pytest_session_is_untouched(installed: Path, elsewhere: Path) -> None:
    (elsewhere / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    done = _run([str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider", "test_plain.py"],
                cwd=elsewhere, env_rig="no-such-rig.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "apcv-hil rig" not in done.stdout  # no header, and the bad APCV_RIG is never read


def test_the_installed_package_is_the_wheel(installed: Path, elsewhere: Path) -> None:
    code = "import harness, rigs; print(harness.__file__, rigs.__file__)"
    done = _run([str(installed / "python"), "-c", code], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert str(REPO) not in done.stdout and "site-packages" in done.stdout
