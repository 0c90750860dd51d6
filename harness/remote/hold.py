"""One run on a place: acquire it, resolve the rig against its resources, release it at the end.

The run sees an ordinary rig: :func:`held_rig` writes the rig again with each ``{place.NAME}``
replaced by that resource's HOST:PORT and without ``place``/``coordinator``, and, when a role goes
through PC/SC, points ``$PCSCLITE_CSOCK_NAME`` (read by pcsc-lite's client library, so by pyscard
and any PC/SC program the run starts) at a local socket carried to the bench's pcscd. The place is
released when the block ends, however it ends: a failure, Ctrl-C, and SIGTERM or SIGHUP, which are
turned into Ctrl-C while the place is held (a SIGKILL cannot be caught: ``labgrid-client -p NAME
release`` frees the place then).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from apcv.input_files import load_yaml, read_text
from harness.remote.coordinator import PlaceError, PlaceHold, acquired_place
from harness.remote.pcsc_bridge import BridgeError, pcscd_bridge
from harness.rig import MAX_RIG_BYTES, PCSCD_RESOURCE, PLACE_RESOURCE, RigConfig, RigError, load_rig

PCSC_SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
RUNTIME_FOLDERS = ("XDG_RUNTIME_DIR", "/dev/shm")
"""Where the place's folder (its resolved rig, the PC/SC socket) goes: not under /tmp, which a
program under test gets privately (harness/dut/sandbox.py), so a terminal run per read still finds
the socket."""
CAUGHT = (signal.SIGTERM, signal.SIGHUP)


def _substitute(value: Any, addresses: dict[str, str]) -> Any:
    if isinstance(value, str):
        return PLACE_RESOURCE.sub(lambda m: addresses[m.group(1)], value)
    if isinstance(value, dict):
        return {key: _substitute(item, addresses) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, addresses) for item in value]
    return value


def resolved_rig(config: RigConfig, addresses: dict[str, str], folder: Path) -> Path:
    """The rig file of ``config`` with every ``{place.NAME}`` made ``addresses[NAME]``, in ``folder``."""
    data = load_yaml(read_text(config.path, limit=MAX_RIG_BYTES, what="rig file", error=RigError),
                     config.path, RigError)
    data = _substitute({k: v for k, v in data.items() if k not in ("place", "coordinator")}, addresses)
    target = folder / Path(config.path).name
    target.write_text(f"# {config.path} on place {config.place}, its resources resolved\n"
                      + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    load_rig(target)  # an address that breaks a link URL is named now, not in the first test
    return target


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP end the run as Ctrl-C does while the place is held (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _interrupt) for number in CAUGHT}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _pcsc_socket(path: Path) -> Iterator[None]:
    saved = os.environ.get(PCSC_SOCKET_ENV)
    os.environ[PCSC_SOCKET_ENV] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(PCSC_SOCKET_ENV, None)
        else:
            os.environ[PCSC_SOCKET_ENV] = saved


def _runtime_folder() -> str | None:
    for candidate in RUNTIME_FOLDERS:
        folder = os.environ.get(candidate, "") if not candidate.startswith("/") else candidate
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


def _addresses(hold: PlaceHold, names: set[str]) -> dict[str, tuple[str, int]]:
    return {name: hold.address_of(name) for name in sorted(names)}


@contextlib.contextmanager
def held_rig(config: RigConfig, *, wait_s: float = 0.0) -> Iterator[Path]:
    """The rig file to run: ``config``'s own when it names no place; else the place is acquired
    (waiting up to ``wait_s`` while someone else holds it) and released when the block ends."""
    if config.place is None:
        yield Path(config.path)
        return
    needed = config.place_resources()
    with _signals_interrupt(), acquired_place(config.place, config.coordinator, wait_s=wait_s) as hold, \
            tempfile.TemporaryDirectory(prefix=f"apcv-place-{config.place}-",
                                        dir=_runtime_folder()) as folder, \
            contextlib.ExitStack() as stack:
        found = _addresses(hold, needed)
        text = {name: f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                for name, (host, port) in found.items()}
        rig = resolved_rig(config, text, Path(folder))
        if PCSCD_RESOURCE in found:
            host, port = found[PCSCD_RESOURCE]
            try:
                socket_path = stack.enter_context(
                    pcscd_bridge(host, port, Path(folder), f"pcscd of place {config.place}"))
            except BridgeError as exc:
                raise PlaceError(str(exc)) from None
            stack.enter_context(_pcsc_socket(socket_path))
        yield rig
