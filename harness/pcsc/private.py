"""A PC/SC stack of a process's own: run a command in a private network and mount namespace.

pcscd answers on one UNIX socket (``/run/pcscd/pcscd.comm``) and vpcd listens on one TCP port
(35963) per machine, so two plans going through PC/SC at once would share one virtual reader. A
command started through :func:`private_stack_argv` gets its own network namespace (only loopback,
brought up: its own ports) and its own mount namespace with an empty ``/run/pcscd`` (a tmpfs), so
it starts its own pcscd beside any other. Making the namespaces needs root (``unshare``, ``ip``);
:func:`private_stack_problem` says why they cannot be made here, and callers then share the one
stack (one plan at a time)."""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess

_SET_UP = "ip link set lo up; mkdir -p /run/pcscd; mount -t tmpfs tmpfs /run/pcscd"
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000


def private_stack_argv(argv: list[str]) -> list[str]:
    """``argv`` run with its own loopback and its own ``/run/pcscd`` (see the module)."""
    return ["unshare", "--net", "--mount", "--propagation", "private",
            "sh", "-c", f'set -e; {_SET_UP}; exec "$@"', "pcsc-private", *argv]


def enter_private_stack() -> None:
    """Move this process into a private stack of its own, as :func:`private_stack_argv` does for a
    command (a process just forked, with one thread: ``unshare(2)`` moves the calling thread)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET | _CLONE_NEWNS) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare: {os.strerror(errno)}")
    subprocess.run(["sh", "-c", f"set -e; mount --make-rprivate /; {_SET_UP}"], check=True, timeout=30)


@functools.cache
def private_stack_problem() -> str | None:
    """Why no private PC/SC stack can be made here, or None when it can (tried once a process)."""
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing:
        return f"no {' or '.join(missing)} command (util-linux, iproute2)"
    try:
        done = subprocess.run(private_stack_argv(["true"]), capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if done.returncode != 0:
        return f"network and mount namespaces are not allowed here: {done.stderr.strip()[:200]}"
    return None
