"""``apcv-hil rigs``: list the rig files, check one, probe attached devices."""

from __future__ import annotations

import contextlib
import glob
import importlib
import time
from collections.abc import Iterator
from pathlib import Path

import click
from rich.table import Table

from apcv.errors import ApcvError
from apcv.links.registry import open_display
from apcv.nir import mask_nir
from harness.bench import Bench
from harness.bundle.identity import UNREACHABLE, dut_identity
from harness.cli import FAILED_EXIT, OneLineError
from harness.cli.output import print_table
from harness.dut.launch import LaunchedDut
from harness.pcsc import ensure_pcscd
from harness.rig import RIGS_DIR, RigConfig, RigError, load_rig
from harness.roles.checks import check_dut


@click.group()
def rigs() -> None:
    """Rig files: list, check, probe."""


@rigs.command("list")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=RIGS_DIR,
              show_default=True, help="Folder holding rig files.")
def list_rigs(directory: Path) -> None:
    """Show every rig file with its roles, links and features (invalid ones say why)."""
    table = Table("file", "name", "roles -> links", "features", title=f"rigs in {directory}")
    for path in sorted(directory.glob("*.yaml")):
        try:
            rig = load_rig(path)
        except RigError as exc:
            table.add_row(path.name, "[red]invalid[/]", str(exc), "")
            continue
        roles = [f"{name} -> {getattr(rig.roles, name).link}"
                 for name in ("phone", "card", "reader", "scanner", "display")
                 if getattr(rig.roles, name) is not None]
        table.add_row(path.name, rig.name, "\n".join(roles), ", ".join(sorted(rig.all_features())))
    print_table(table)


@rigs.command("check")
@click.argument("rig_file")
def check(rig_file: str) -> None:
    """Validate a rig file and do what ``run`` would before its first test: start pcscd if the rig
    needs it, launch and probe its DUT, open its links, read each simulated device once, scan its
    QR and open its display."""
    rig = load_rig(rig_file)
    check_dut(rig)
    dut = f", device under test: {rig.dut.role}" if rig.dut is not None else ""
    click.echo(f"{rig.path}: valid (rig '{rig.name}', profile {rig.profile}{dut})")
    with ensure_pcscd() if rig.uses_pcsc() else contextlib.nullcontext(), _launched(rig):
        _check_devices(rig)
    click.echo("ok")


@contextlib.contextmanager
def _launched(rig: RigConfig) -> Iterator[None]:
    """The rig's DUT launched as ``run`` launches it, and probed through its role, as ``run`` does
    before its first test; stopped afterwards."""
    if rig.dut is None:
        yield
        return
    launched = None
    if rig.dut.launch:
        launched = LaunchedDut(rig.dut.launch, rig.dut.ready_timeout, ready_line=rig.dut.ready_line,
                               ready_port=rig.dut.ready_port)
        click.echo(f"dut.launch: ready ({' '.join(rig.dut.launch)})")
    try:
        identity = dut_identity(rig, rig.dut.role)
        if UNREACHABLE in identity:
            raise OneLineError(identity[UNREACHABLE], FAILED_EXIT)
        found = ", ".join(f"{key.removeprefix('link.')} {value}" for key, value in identity.items()
                          if key.startswith("link."))
        click.echo(f"{rig.dut.role} under test: reached ({found or 'nothing to probe'})")
        yield
    finally:
        if launched is not None:
            launched.stop()


def _check_devices(rig: RigConfig) -> None:
    """Read each simulated device once, scan the QR, open the display."""
    with Bench(rig) as bench:
        devices = [r for r in ("phone", "card") if getattr(bench, r) is not None]
        if not devices:
            atr = bench.reader_link.connect()
            bench.reader_link.disconnect()
            click.echo(f"reader {rig.roles.reader.link}: device present, ATR {atr.hex(' ').upper()}")
        for role in devices:
            bench.present(role)
            result = bench.reader.read()
            click.echo(f"{role} via {getattr(rig.roles, role).link} -> reader {rig.roles.reader.link}: "
                       f"read {result.kind} {mask_nir(result.holder.nir)} in "
                       f"{result.timings_ms['total']:.1f} ms")
        if rig.roles.scanner is not None:
            _check_scanner(bench)
    if rig.roles.display is not None:
        _check_display(rig.roles.display.link)


def _check_display(url: str) -> None:
    display = open_display(url)
    try:
        size = getattr(display, "size", None)
        click.echo(f"display {url}: opened" + (f" ({size[0]}×{size[1]})" if size else ""))
    finally:
        display.close()


def _check_scanner(bench: Bench) -> None:
    scanner = bench.scanner
    if not scanner.takes_screens:
        click.echo(f"scanner {scanner.url}: opened (scan a QR code in a scenario to read it)")
        return
    started = time.perf_counter()
    payload = scanner.read()
    click.echo(f"scanner {scanner.url}: scanned {payload[:6]}... ({len(payload)} characters) in "
               f"{(time.perf_counter() - started) * 1000:.1f} ms")


@rigs.command("probe")
def probe() -> None:
    """Find attached PC/SC readers, nfcpy devices, serial QR scanners and cameras."""
    table = Table("kind", "device", "status", title="attached devices")
    for kind, device, status in [*_pcsc_readers(), *_nfc_devices(), *_serial_scanners(), *_cameras()]:
        table.add_row(kind, device, status)
    print_table(table)


def _pcsc_readers() -> list[tuple[str, str, str]]:
    try:
        system = importlib.import_module("smartcard.System")
    except ImportError:
        return [("pc/sc", "-", "pyscard is not installed (run make setup)")]
    try:
        readers = system.readers()
    except Exception as exc:  # pyscard raises its own types when pcscd is absent
        return [("pc/sc", "-", f"no PC/SC service: {exc} (is pcscd running?)")]
    return [("pc/sc", str(r), f"pcsc://{r}") for r in readers] or [("pc/sc", "-", "no reader")]


def _nfc_devices() -> list[tuple[str, str, str]]:
    try:
        nfc = importlib.import_module("nfc")
    except ImportError:
        return [("nfc", "-", "nfcpy is not installed")]
    found = []
    for path in ("usb", "tty"):
        try:
            with nfc.ContactlessFrontend(path) as clf:
                found.append(("nfc", str(clf.device), f"nfc://{path}"))
        except (OSError, ImportError, ValueError, ApcvError):
            continue
    return found or [("nfc", "-", "no nfcpy device on usb or tty")]


def _serial_scanners() -> list[tuple[str, str, str]]:
    from apcv.links.serial_ports import usb_serial_ports

    return [("serial", f"{p.device}: {p.description}",
             p.link + ("  (looks like a QR scanner)" if p.scanner_like else "")) for p in usb_serial_ports()
            ] or [("serial", "-", "no USB serial port (a QR scanner in USB COM / CDC mode shows up here)")]


def _cameras() -> list[tuple[str, str, str]]:
    devices = sorted(glob.glob("/dev/video*"))
    return [("camera", d, f"camera://{d.removeprefix('/dev/video')}") for d in devices] or [
        ("camera", "-", "no /dev/video* device")
    ]
