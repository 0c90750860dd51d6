"""The test tiers (docs/testing.md): the ``slow`` marker is registered, and on pytest-xdist
workers the slow tests start first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]

TESTS = '''
import pytest


def test_fast_one():
    pass


@pytest.mark.slow
def test_slow_one():
    pass


def test_fast_two():
    pass
'''


def test_the_slow_marker_is_registered(pytestconfig: pytest.Config) -> None:
    assert any(line.startswith("slow:") for line in pytestconfig.getini("markers"))


@pytest.mark.slow  # runs pytest with a worker in a subprocess
def test_slow_tests_start_first_on_xdist_workers(pytester: pytest.Pytester) -> None:
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    pytester.makepyfile(test_order=TESTS)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "1", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    ran = [line.rsplit("::", 1)[1].strip() for line in result.outlines if "PASSED" in line and "::" in line]
    assert ran == ["test_slow_one", "test_fast_one", "test_fast_two"], result.outlines


@pytest.mark.slow  # runs pytest in a subprocess
def test_a_run_without_workers_keeps_the_written_order(pytester: pytest.Pytester) -> None:
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    pytester.makepyfile(test_order=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:xdist", "-v", "-p", "no:cacheprovider")
    ran = [line.split("::", 1)[1].split()[0] for line in result.outlines if "PASSED" in line and "::" in line]
    assert ran == ["test_fast_one", "test_slow_one", "test_fast_two"], result.outlines


def test_a_test_using_a_daemon_fixture_is_slow_unmarked(pytester: pytest.Pytester) -> None:
    """pcscd and postgres start a daemon: make check leaves out the tests asking for them."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    pytester.makepyfile(test_daemon='''
import pytest

@pytest.fixture
def pcscd():
    yield "daemon"

def test_reads_through_pcscd(pcscd):
    pass

def test_in_process():
    pass
''')
    result = pytester.runpytest("-m", "not slow", "-p", "no:cacheprovider", "-p", "no:randomly",
                                "-p", "no:asyncio", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    assert any("test_in_process PASSED" in line for line in result.outlines)
