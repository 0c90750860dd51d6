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

pytestmark = pytest.mark.slow  # builds and installs the wheel, runs its programs in subprocesses
# the tests sharing one built and installed wheel stay on one pytest-xdist worker (--dist loadgroup):
# a worker that got one of them would build and install it again
ONE_WHEEL = pytest.mark.xdist_group("installed-wheel")
ONE_BASE_WHEEL = pytest.mark.xdist_group("installed-wheel-base")
REPO = Path(__file__).resolve().parents[1]

FIXTURE_TEST = '''
import pytest

pytestmark = pytest.mark.slow  # runs pytest or a program in a subprocess


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


@ONE_WHEEL
def test_read_json_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "read", "--json"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kind"] == "phone"


@ONE_WHEEL
def test_run_writes_a_report_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "run", "--rig", "software", "--report", "out"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (elsewhere / "out" / "index.html").read_text()
    assert "APCV-NFC-001" in html
    assert json.loads((elsewhere / "out" / "results.json").read_text())["results"]


@ONE_WHEEL
def test_waiting_room_from_another_folder(installed: Path, elsewhere: Path) -> None:
    done = _run([str(installed / "apcv-hil"), "waiting-room", "--json", "--days", "1", "--replications", "2",
                 "--workers", "1"], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "GP practice"


@ONE_WHEEL
def test_pytest_file_using_the_fixtures(installed: Path, elsewhere: Path) -> None:
    (elsewhere / "test_vendor.py").write_text(FIXTURE_TEST)
    done = _run([str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider",
                 "--apcv-rig", "rigs/software.yaml", "test_vendor.py"], cwd=elsewhere)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
    assert "apcv-hil rig: software" in done.stdout


@ONE_WHEEL
def test_unrelated_pytest_session_is_untouched(installed: Path, elsewhere: Path) -> None:
    (elsewhere / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    done = _run([str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider", "test_plain.py"],
                cwd=elsewhere, env_rig="no-such-rig.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "apcv-hil rig" not in done.stdout  # no header, and the bad APCV_RIG is never read


@ONE_WHEEL
def test_the_installed_package_is_the_wheel(installed: Path, elsewhere: Path) -> None:
    code = "import harness, rigs; print(harness.__file__, rigs.__file__)"
    done = _run([str(installed / "python"), "-c", code], cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert str(REPO) not in done.stdout and "site-packages" in done.stdout


# --- The base group alone -------------------------------------------------------------------------
# A QA install of the plans is `pip install apcv-hil`, without [hardware], [load] or [models]. The
# fresh environment borrows, through its .pth line, a folder holding only the distributions the
# base group needs (its requirements and theirs, read from this environment's metadata), so a
# module of an optional group that the plans imported would be missing there, as after a real
# base install.

def _base_closure() -> set[str]:
    """Names of the distributions ``apcv-hil`` needs without any extra, its own excluded."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def needed(requirement: str, extras: set[str]) -> Requirement | None:
        parsed = Requirement(requirement)
        if parsed.marker is None:
            return parsed
        return parsed if any(parsed.marker.evaluate({"extra": e}) for e in extras | {""}) else None

    todo = [r for r in map(lambda x: needed(x, set()), metadata.requires("apcv-hil") or []) if r]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            if (nested := needed(line, set(requirement.extras))) is not None:
                todo.append(nested)
    return seen


def _base_site(target: Path) -> Path:
    """A folder of links to the files of the base closure's distributions only."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for name in sorted(_base_closure()):
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            link = target / top
            if not link.exists() and (site / top).exists():
                link.symlink_to(site / top)
        assert canonicalize_name(dist.metadata["Name"]) == name
    return target


@pytest.fixture(scope="module")
def installed_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding the wheel and only the base group's dependencies."""
    root = tmp_path_factory.mktemp("wheel-base")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", ".hypothesis", "reports"))
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                  "-w", str(root / "dist"), str(source)], cwd=root)
    assert built.returncode == 0, built.stderr[-2000:]
    venv = root / "venv"
    assert _run(["/usr/bin/python3", "-m", "venv", str(venv)], cwd=root).returncode == 0
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                str(next((root / "dist").glob("apcv_hil-*.whl")))], cwd=root, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    site = next((venv / "lib").glob("python3.*/site-packages"))
    (site / "base-group.pth").write_text(str(_base_site(root / "base-site")) + "\n")
    return venv / "bin"


@ONE_BASE_WHEEL
def test_the_base_group_leaves_the_optional_groups_out(installed_base: Path, elsewhere: Path) -> None:
    for module in ("locust", "simpy", "dask", "matplotlib", "nfc", "smartcard"):
        done = _run([str(installed_base / "python"), "-c", f"import {module}"], cwd=elsewhere)
        assert done.returncode != 0, f"{module} is importable with the base group alone"
    assert "locust" not in _base_closure() and "cryptography" in _base_closure()


@ONE_BASE_WHEEL
def test_plan_run_and_read_work_with_the_base_group(installed_base: Path, elsewhere: Path) -> None:
    tool = str(installed_base / "apcv-hil")
    plan = _run([tool, "plan", "phone", "--json"], cwd=elsewhere)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["requirements"]
    read = _run([tool, "read", "--json"], cwd=elsewhere)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["kind"] == "phone"
    run = _run([tool, "run", "--rig", "software", "--report", "out"], cwd=elsewhere)
    said = run.stdout + run.stderr
    assert run.returncode in (0, 1) and "ModuleNotFoundError" not in said, said[-3000:]
    results = json.loads((elsewhere / "out" / "results.json").read_text())
    # every test ran or was skipped for its rig (the billing program's plan), none errored for a
    # missing module: the verdict is the same as with every group installed
    assert {r["outcome"] for r in results["results"]} <= {"passed", "skipped"}, said[-3000:]
    assert "p50" in (elsewhere / "out" / "index.html").read_text()  # distributions in words, no chart


@ONE_BASE_WHEEL
def test_the_recipes_find_their_files_in_the_installed_package(installed_base: Path, elsewhere: Path) -> None:
    for name in ("dissector", "locust", "slo"):
        done = _run([str(installed_base / "apcv-hil"), "path", name], cwd=elsewhere)
        assert done.returncode == 0, done.stderr
        paths = [Path(part) for part in done.stdout.strip().split(",")]
        assert all(p.is_file() and "site-packages" in str(p) and REPO not in p.parents for p in paths)


@ONE_BASE_WHEEL
def test_a_command_of_an_optional_group_names_it(installed_base: Path, elsewhere: Path) -> None:
    done = _run([str(installed_base / "apcv-hil"), "waiting-room", "--days", "1"], cwd=elsewhere)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("of the optional group [models]: pip install 'apcv-hil[models]'")
