"""``apcv-hil simulate scanner``: our simulated 2D scanner as a device of its own, on a port.

It films a display of the harness (``--look-at frames:PATH``, the picture file of a ``frames:``
display, or ``--look-at screen::N``, an X display a ``screen:`` window is on) through the camera
model, decodes each frame, and writes each new code then its terminator into a pseudo-terminal
reachable at ``--port``, which the harness (or practice software) opens as it opens a real
scanner: ``serial://PORT`` or ``wedge://PORT``. It prints ``ready: ...`` once the port is
there, a line per code sent, and stops on SIGINT or SIGTERM.

``python -m harness.cli.simulate_scanner`` runs the same command without loading the other
commands (a second less to start; the harness launches it so).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click

from apcv.errors import ApcvError
from apcv.links.base import LinkError
from apcv.links.pty_port import PtyPort
from apcv.links.registry import view_display
from apcv.links.scanner_base import FrameScreen
from harness.cli import ERROR_PREFIX, USAGE_EXIT, _usage
from simulators.scanner.device import FRAME_RATE, TERMINATORS, SimulatedScanner
from simulators.variants import find_variant


def screen_for(display_url: str) -> FrameScreen:
    """What the scanner films for the display at ``display_url`` (frames:PATH or screen:DISPLAY)."""
    try:
        return view_display(display_url)
    except LinkError as exc:
        raise LinkError(f"--look-at: {exc}") from None


def _run(scanner: SimulatedScanner, port: PtyPort, frame_rate: float, stop: threading.Event) -> None:
    period = 1 / frame_rate
    codes = 0
    while not stop.is_set():
        started = time.monotonic()
        message = scanner.next_message(max_frames=1)
        if message is not None:
            sent = port.send(message)
            codes += 1
            click.echo(f"code {codes}: sent {sent} of {len(message)} bytes")
        stop.wait(max(0.0, period - (time.monotonic() - started)))


@click.command("scanner")
@click.option("--look-at", "display_url", required=True,
              help="The display it films: frames:PATH (a frames: display's file) or screen::N "
                   "(an X display).")
@click.option("--port", "port_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where its port appears (a link to its pseudo-terminal): read it with serial://PORT "
                   "or wedge://PORT.")
@click.option("--terminator", type=click.Choice(list(TERMINATORS)), default="cr", show_default=True,
              help="What it sends after each code (its suffix setting).")
@click.option("--condition", default="nominal", show_default=True,
              help="Camera condition it films under (see apcv-hil qr-bench), e.g. glare-mild.")
@click.option("--decoder", default="ensemble", show_default=True,
              help="Its decoder: zbar, zxing, opencv, ensemble.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Seed of the camera's random parts.")
@click.option("--variant", default=None, help="Run a named faulty variant (see apcv-hil plan scanner).")
@click.option("--frame-rate", type=click.FloatRange(1, 240), default=FRAME_RATE, show_default=True,
              help="Frames per second it films at most.")
def simulate_scanner(display_url: str, port_path: Path, terminator: str, condition: str, decoder: str,
                     seed: int, variant: str | None, frame_rate: float) -> None:
    """A 2D QR scanner filming a display and sending each new code on a port, until interrupted."""
    make = find_variant("scanner", variant).build if variant is not None else SimulatedScanner.under
    scanner = make(condition, decoder, seed=seed, terminator=terminator)
    scanner.look_at(screen_for(display_url))
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    port = PtyPort(port_path)
    try:
        what = f"{variant or 'reference'} scanner ({condition}, {decoder}, {terminator.upper()})"
        click.echo(f"ready: {what} on {port.path} ({port.terminal_name}), looking at {display_url}")
        _run(scanner, port, frame_rate, stop)
        click.echo(f"stopped: {what}")
    finally:
        port.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> None:
    """The command alone, with the one-line errors of ``apcv-hil``."""
    try:
        simulate_scanner.main(prog_name="apcv-hil simulate scanner", standalone_mode=False)
    except click.ClickException as exc:
        _usage(exc).show()
        sys.exit(exc.exit_code)
    except ApcvError as exc:
        click.echo(ERROR_PREFIX + str(exc), err=True)
        sys.exit(USAGE_EXIT)


if __name__ == "__main__":
    main()
