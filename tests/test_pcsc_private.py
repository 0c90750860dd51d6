"""A PC/SC stack of a process's own (harness.pcsc.private): its own loopback and /run/pcscd, so
two plans going through pcscd run side by side (the variant matrix's PC/SC plans)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.pcsc.private import private_stack_argv, private_stack_problem

PROBLEM = private_stack_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=f"no private PC/SC stack here: {PROBLEM}")

INSIDE = ('readlink /proc/self/ns/net; ip -o link show lo; ls -A /run/pcscd; '
          'touch /run/pcscd/from-inside')


def test_the_command_gets_its_own_loopback_and_an_empty_run_pcscd() -> None:
    done = subprocess.run(private_stack_argv(["sh", "-c", INSIDE]), capture_output=True, text=True,
                          timeout=30, check=True)
    namespace, loopback, *listing = done.stdout.splitlines()
    assert namespace != os.readlink("/proc/self/ns/net")
    assert "UP" in loopback.split("<", 1)[1].split(">", 1)[0]
    assert listing == []
    assert not Path("/run/pcscd/from-inside").exists()


def test_the_command_status_and_arguments_pass_through() -> None:
    done = subprocess.run(private_stack_argv(["sh", "-c", 'echo "$1"; exit 3', "sh", "two words"]),
                          capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stdout) == (3, "two words\n")


START_PCSCD = """
import sys, time
from pathlib import Path
from harness.pcsc import ensure_pcscd
from harness.pcsc.daemon import tcp_listening
folder, me = Path(sys.argv[1]), sys.argv[2]
with ensure_pcscd() as daemon:
    (folder / me).write_text(f"{daemon.executor is not None} {tcp_listening(35963)}")
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    print(len(list(folder.iterdir())), flush=True)
"""


@pytest.mark.slow  # starts two pcscd
def test_two_private_stacks_each_start_their_own_pcscd_at_once(tmp_path: Path) -> None:
    """Both started a pcscd with vpcd's port, and each saw the other's running while its own ran."""
    both = [subprocess.Popen(private_stack_argv([sys.executable, "-c", START_PCSCD, str(tmp_path), name]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "ab"]
    outputs = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert [out for out, _ in outputs] == ["2\n", "2\n"], outputs
    assert [(tmp_path / name).read_text() for name in "ab"] == ["True True", "True True"]
