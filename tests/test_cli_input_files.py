"""Every CLI option or argument that names a file to read refuses ``/dev/zero`` and a FIFO in one line.

The options are found by walking the command tree: each one that takes a path (or a FILE, PEM or
PUBKEY) must be listed below, as a file read (with a command line that reaches the read) or as
something else (an output, a folder, a device) with the reason, so a new file option cannot
slip past. Each read must go through :mod:`apcv.input_files`: ``qr verify --trust`` and
``practice bill --key/--trust`` read ``/dev/zero`` until memory ran out and hung on a FIFO.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from harness.cli import cli

READS = {
    ("practice bill", "--key"): ["practice", "bill", "--reader", "none", "--backend", "http://127.0.0.1:9",
                                 "--rpps", "10000000001", "--trust", "{ok}", "--key", "{file}"],
    ("practice bill", "--trust"): ["practice", "bill", "--reader", "none", "--backend", "http://127.0.0.1:9",
                                   "--rpps", "10000000001", "--key", "{ok}", "--trust", "{file}"],
    ("qr verify", "--trust"): ["qr", "verify", "--trust", "{file}", "APCV1:0"],
    ("qr decode", "--trust"): ["qr", "decode", "--trust", "{file}", "{ok}"],
    ("qr decode", "images"): ["qr", "decode", "{file}"],
    ("certify", "--key"): ["certify", "--rig", "software", "--role", "phone", "--key", "{file}"],
    ("load", "--slo"): ["load", "--target", "embedded", "--slo", "{file}"],
    ("rollout", "--params"): ["rollout", "--params", "{file}"],
    ("simulate devices", "spec"): ["simulate", "devices", "{file}", "--control", "tcp://127.0.0.1:9"],
    ("waiting-room", "--timings"): ["waiting-room", "--timings", "{file}", "--replications", "1"],
    ("national-day", "--timings"): ["national-day", "--timings", "{file}", "--replications", "1"],
    ("rollout", "--timings"): ["rollout", "--timings", "{file}"],
    ("waiting-room", "--rig"): ["waiting-room", "--rig", "{file}", "--realtime", "100"],
    ("verify-bundle", "--trust"): ["verify-bundle", "{ok_dir}", "--trust", "{file}"],
}
"""File reads: the command line reaching each (``{file}`` the odd file, ``{ok}`` a small regular file)."""
NOT_READ = {
    ("backend keys export", "--keys"): "a key folder (its secret file is read through apcv.input_files)",
    ("backend serve", "--keys"): "a key folder (its secret file is read through apcv.input_files)",
    ("backend keys export", "--out"): "output folder",
    ("certify", "--out"): "output folder",
    ("load", "--report"): "output folder",
    ("load", "--people-file"): "read by the Locust users after the target answers; tested in tests/load",
    ("population", "--output"): "output file",
    ("qr encode", "--out"): "output image",
    ("qr-bench", "--plot"): "output image",
    ("qr-bench", "--report"): "output folder",
    ("read", "--plot"): "output image",
    ("read", "--trace"): "output trace files",
    ("rigs list", "--dir"): "a folder of rigs, each read through load_rig",
    ("rollout", "--plot"): "output folder",
    ("rollout", "--export"): "output folder",
    ("run", "--report"): "output folder",
    ("simulate scanner", "--port"): "a serial port device, opened as one (O_NONBLOCK)",
    ("variants", "--markdown"): "output file",
    ("waiting-room", "--plot"): "output folder",
    ("variants", "--report"): "output folder",
    ("verify-bundle", "directory"): "the bundle folder (tests/test_bundle.py)",
}


def _file_params() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name])
            return
        for param in command.params:
            takes_path = isinstance(param.type, click.Path | click.File)
            if takes_path or (param.metavar or "").upper() in ("FILE", "PEM", "PUBKEY", "DIR"):
                found.add((" ".join(path), param.opts[0] if param.opts[0].startswith("-") else param.name))

    walk(cli, [])
    return found


def test_every_file_option_is_listed() -> None:
    assert _file_params() == set(READS) | set(NOT_READ)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    ok = tmp_path / "small.pem"
    ok.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    (tmp_path / "bundle").mkdir()
    return {"fifo": str(fifo), "ok": str(ok), "ok_dir": str(tmp_path / "bundle")}


@pytest.mark.parametrize("odd", ["/dev/zero", "fifo"])
@pytest.mark.parametrize("where", sorted(READS), ids=[" ".join(k) for k in sorted(READS)])
def test_each_file_read_refuses_dev_zero_and_a_fifo_in_one_line(files, where, odd) -> None:
    path = files["fifo"] if odd == "fifo" else odd
    args = [a.format(file=path, ok=files["ok"], ok_dir=files["ok_dir"]) for a in READS[where]]
    unblocked = threading.Event()

    def unblock() -> None:  # a reader stuck opening the FIFO gets a writer, then EOF: the test fails
        if not unblocked.wait(10) and odd == "fifo":
            with open(path, "wb"):
                pass

    watchdog = threading.Thread(target=unblock, daemon=True)
    watchdog.start()
    started = time.monotonic()
    result = CliRunner().invoke(cli, args)
    elapsed = time.monotonic() - started
    unblocked.set()
    assert elapsed < 10, f"{where} blocked on {odd}"
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error:"), result.stderr
    assert ("character device" if odd == "/dev/zero" else "FIFO") in lines[0], lines[0]
