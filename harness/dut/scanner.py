"""The scanner under test as the scanner plan sees it: a display to show it codes on, the bytes
it sends (timed, :class:`ScannerStream`) and the terminator the rig configured.

A real scanner: the rig's display (``roles.display``, ``screen:``) and the link its reads
arrive on (``roles.scanner``, ``serial:`` or ``wedge:``) are opened as they are. A rig whose
scanner is simulated in-process (``sim:``, ``image:``: the software rig) has no scanner device,
so the scanner under test is our simulated scanner, started as a process of its own
(``python -m harness.cli.simulate_scanner``, with the rig's ``dut.variant``) and reached the
way a USB scanner is: it films the rig's display (a ``frames:`` display's picture file, or the X
display of a ``screen:`` one) and writes each code, then CR, into a pseudo-terminal that the
harness reads through ``serial://``.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from apcv.links.display_base import DisplayLink, Shown
from apcv.links.registry import open_display, open_scanner
from apcv.links.scanner_base import ScannerLink
from harness.dut.launch import LaunchedDut
from harness.rig import RigConfig, RigError
from harness.scanner_stream import ScannerStream

SIMULATED_TERMINATOR = "cr"
"""The suffix our simulated scanner is set to, and the one the harness expects of it."""


def simulated_scanner_command(display: DisplayLink, display_url: str, port: Path,
                              variant: str | None) -> list[str]:
    """The command that runs our simulated scanner filming ``display``, its port at ``port``."""
    frames = getattr(display, "path", None)
    look_at = f"frames:{frames}" if frames is not None else display_url
    command = [sys.executable, "-m", "harness.cli.simulate_scanner", "--look-at", look_at,
               "--port", str(port), "--terminator", SIMULATED_TERMINATOR]
    return command + (["--variant", variant] if variant else [])


class ScannerUnderTest:
    """The rig's display and the stream of what the scanner sends, open until :meth:`close`.

    Raises RigError when the rig cannot show codes or read a scanner, LinkError or LaunchError
    when the display, the scanner or the simulated scanner cannot be opened or started."""

    def __init__(self, config: RigConfig) -> None:
        roles = config.roles
        if roles.display is None or roles.scanner is None:
            raise RigError(f"rig '{config.name}' needs roles.display and roles.scanner "
                           "for a scanner under test")
        self.config = config
        self._stack = ExitStack()
        try:
            self.display = open_display(roles.display.link)
            self._stack.callback(self.display.close)
            scanner_url = roles.scanner.link
            if config.simulated_scanner():
                scanner_url = self._start_simulated_scanner(roles.display.link)
            self.link: ScannerLink = open_scanner(scanner_url)
            self._stack.callback(self.link.close)
            self.stream = ScannerStream(self.link)
            self._stack.callback(self.stream.close)
        except BaseException:
            self._stack.close()
            raise
        self.timeout = roles.scanner.timeout or self.link.default_timeout

    def _start_simulated_scanner(self, display_url: str) -> str:
        folder = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="apcv-scanner-")))
        port = folder / "scanner"
        process = LaunchedDut(tuple(simulated_scanner_command(
            self.display, display_url, port, self.config.dut_variant("scanner"))))
        self._stack.callback(process.stop)
        return f"serial://{port}?suffix={SIMULATED_TERMINATOR}"

    @property
    def terminator(self) -> bytes:
        """What must end each code: the scanner link's terminator (its ``suffix``; Enter on a wedge)."""
        return self.link.terminator or b""

    def shown_at(self, payload: str) -> Shown | None:
        """When ``payload`` first appeared on the display (None: it never did)."""
        return next((shown for shown in self.display.history if shown.payload == payload), None)

    def close(self) -> None:
        """Stop reading, stop the simulated scanner, release the display."""
        self._stack.close()

    def __enter__(self) -> ScannerUnderTest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
