"""Plans forked from a server that imported their modules once (scenarios.conformance.forked):
each child runs pytest as a process of its own would, apart from the others."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from harness.pcsc.private import private_stack_problem
from scenarios.conformance.forked import run_forked

pytestmark = pytest.mark.slow  # starts the fork server (a Python importing the plugin and simulators)

TESTS = '''
import os
import harness.pcsc.private as private


def test_passes():
    assert not hasattr(private, "touched_by_a_plan")  # a fresh copy of the server in every child
    private.touched_by_a_plan = True


def test_writes_its_namespace():
    with open(PROBE, "a") as probe:
        probe.write(os.readlink("/proc/self/ns/net") + " " + str(os.getpgid(0) == SERVER_GROUP) + "\\n")


def test_fails():
    assert 1 + 1 == 3
'''


def _args(folder: Path, *more: str) -> list[str]:
    return [str(folder / "test_probe.py"), "-q", "-p", "no:cacheprovider", "-o", "addopts=",
            "--rootdir", str(folder), *more]


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    """A folder with the tests above, writing into probe.txt there."""
    (tmp_path / "test_probe.py").write_text(f"PROBE = {str(tmp_path / 'probe.txt')!r}\n"
                                            f"SERVER_GROUP = {os.getpgid(0)}\n{TESTS}")
    return tmp_path


def test_each_child_runs_pytest_in_the_callers_process_group_and_gives_its_exit_code(probe: Path) -> None:
    """In the caller's process group, a Ctrl-C at the terminal reaches the plans too."""
    out = probe / "probe.txt"
    for _ in range(2):
        code, output = run_forked(_args(probe, "-k", "passes or writes"), private_pcsc=False, timeout_s=120)
        assert code == 0 and "2 passed" in output, output
    namespaces = out.read_text().splitlines()
    assert namespaces == [f"{os.readlink('/proc/self/ns/net')} True"] * 2
    code, output = run_forked(_args(probe, "-k", "fails"), private_pcsc=False, timeout_s=120)
    assert code == 1 and "assert (1 + 1) == 3" in output  # the test module's asserts are rewritten


@pytest.mark.skipif(private_stack_problem() is not None, reason=f"{private_stack_problem()}")
def test_a_child_with_a_private_stack_has_its_own_network_namespace(probe: Path) -> None:
    out = probe / "probe.txt"
    code, output = run_forked(_args(probe, "-k", "writes"), private_pcsc=True, timeout_s=120)
    assert code == 0, output
    assert out.read_text().split()[0] != os.readlink("/proc/self/ns/net")


def test_a_plan_running_too_long_is_killed(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text("import time\n\ndef test_sleeps():\n    time.sleep(300)\n")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="longer than 3 s"):
        run_forked(_args(tmp_path), private_pcsc=False, timeout_s=3)
    assert time.monotonic() - started < 60


def test_a_record_only_plan_writes_its_record_alone_with_the_same_verdicts(tmp_path: Path) -> None:
    """The variant matrix reads each plan's record and throws the folder away: no HTML (with its
    matplotlib charts), JUnit, CSV nor traces are written for it, and the verdicts are the same."""
    from scenarios.conformance.runner import PlanRequest, run_plan

    runs = {name: run_plan(PlanRequest("software", tmp_path / name, "card", record_only=name == "alone"),
                           separate_process=True, forked=True) for name in ("full", "alone")}
    assert sorted(p.name for p in (tmp_path / "alone").iterdir()) == ["results.json"]
    assert {"index.html", "junit.xml", "traces"} <= {p.name for p in (tmp_path / "full").iterdir()}
    assert runs["alone"].verdicts == runs["full"].verdicts and runs["alone"].exit_code == 0
