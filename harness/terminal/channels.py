"""The output channels a reader terminal under test reports on (the rig's ``dut.output``).

Each channel has an ``address`` (what the ``read`` command's ``{output}`` says: ``-``, a serial
port, a URL), is made ready before a read (:meth:`expect`) and hands over the one report of that
read (:meth:`collect`), or None when the terminal said nothing within the timeout.

- ``command``: the read command's standard output (the runner passes it in);
- ``serial``: one line on a serial port, a pseudo-terminal the harness makes, or the rig's port;
- ``http``: the body of one POST to a server the harness runs on the loopback;
- ``prompt``: what a person at the bench types from the terminal's screen.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
import time
import tty
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

import serial

from apcv.errors import ApcvError
from harness.terminal.contract import MAX_REPORT_BYTES, REFUSAL_REASONS

POLL_S = 0.05


class ChannelError(ApcvError):
    """The output channel could not be opened (the message says which and why)."""


class OutputChannel(Protocol):
    """Where the terminal's reports arrive."""

    address: str

    def expect(self) -> None:
        """Forget what came before: the next report is the next read's."""

    def collect(self, timeout: float, stdout: str = "") -> str | None:
        """The next report (its text), or None when none came within ``timeout`` s."""

    def close(self) -> None:
        """Release the port, the server."""


class CommandOutput:
    """The report is the read command's standard output."""

    address = "-"

    def expect(self) -> None:
        return None

    def collect(self, timeout: float, stdout: str = "") -> str | None:
        return stdout if stdout.strip() else None

    def close(self) -> None:
        return None


class _Lines:
    """Bytes read in a thread, cut into lines (``\\n``, ``\\r\\n`` or ``\\r``), each bounded."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self._partial = bytearray()

    def feed(self, chunk: bytes) -> None:
        for byte in chunk:
            if byte in b"\r\n":
                if self._partial.strip():
                    self.lines.put(self._partial.decode("utf-8", errors="replace"))
                self._partial.clear()
            elif len(self._partial) <= MAX_REPORT_BYTES:
                self._partial.append(byte)
            else:  # an endless line: hand over what fits, the parser names it too long
                self.lines.put(self._partial.decode("utf-8", errors="replace"))
                self._partial.clear()

    def drain(self) -> None:
        self._partial.clear()
        with contextlib.suppress(queue.Empty):
            while True:
                self.lines.get_nowait()

    def next(self, timeout: float) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None


class SerialOutput:
    """One report per line on a serial port: the rig's ``port`` (a real terminal's link) or a
    pseudo-terminal the harness makes (its path is ``{output}``)."""

    def __init__(self, port: str = "") -> None:
        self._lines = _Lines()
        self._stop = threading.Event()
        self._master: int | None = None
        self._held: int | None = None
        self._serial: serial.Serial | None = None
        if port:
            try:
                self._serial = serial.Serial(port, timeout=POLL_S)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ChannelError(f"dut.output: cannot open serial port {port}: {exc}") from None
            self.address = port
        else:
            master, slave = os.openpty()
            tty.setraw(slave)
            self.address = os.ttyname(slave)
            self._master, self._held = master, slave  # the slave stays open here: no hang-up between runs
        self._reader = threading.Thread(target=self._read, name="terminal-serial", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                if self._serial is not None:
                    chunk = self._serial.read(4096)
                else:
                    import select

                    assert self._master is not None
                    ready, _, _ = select.select([self._master], [], [], POLL_S)
                    chunk = os.read(self._master, 4096) if ready else b""
            except (OSError, serial.SerialException):
                return
            if chunk:
                self._lines.feed(chunk)

    def expect(self) -> None:
        self._lines.drain()

    def collect(self, timeout: float, stdout: str = "") -> str | None:
        return self._lines.next(timeout)

    def close(self) -> None:
        # The reader stops before its descriptors close: a number closed under it could be reused
        # at once by another open() in this process, and the reader would read that file.
        self._stop.set()
        self._reader.join()
        if self._serial is not None:
            self._serial.close()
        for fd in (self._master, self._held):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._held = None  # a second close must not close numbers reused since


class HttpOutput:
    """One report per POST to ``http://127.0.0.1:PORT/report``, served by the harness."""

    def __init__(self) -> None:
        reports: queue.Queue[bytes] = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = self.headers.get("content-length", "")
                if not length.isdigit() or int(length) > MAX_REPORT_BYTES:
                    self.send_error(413 if length.isdigit() else 411, "one JSON object of at most 64 KiB")
                    return
                reports.put(self.rfile.read(int(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        except OSError as exc:
            raise ChannelError(f"dut.output: cannot serve the HTTP callback: {exc.strerror or exc}") from None
        self._reports = reports
        self.address = f"http://127.0.0.1:{self._server.server_address[1]}/report"
        threading.Thread(target=self._server.serve_forever, args=(POLL_S,), name="terminal-http",
                         daemon=True).start()

    def expect(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self._reports.get_nowait()

    def collect(self, timeout: float, stdout: str = "") -> str | None:
        try:
            return self._reports.get(timeout=timeout).decode("utf-8", errors="replace")
        except queue.Empty:
            return None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Asker(Protocol):
    """Asks a person one question and returns the line typed (OperatorAbsent when nobody is there)."""

    def __call__(self, question: str) -> str: ...


class PromptOutput:
    """A person types what the terminal's screen shows: ``refused REASON`` or the patient's name."""

    address = ""

    def __init__(self, ask: Asker) -> None:
        self._ask = ask

    def expect(self) -> None:
        return None

    def collect(self, timeout: float, stdout: str = "") -> str | None:
        started = time.monotonic()
        line = self._ask("What does the reader terminal show? Type the patient's name as shown, or "
                         f"'refused' and the reason ({', '.join(REFUSAL_REASONS)})").strip()
        if time.monotonic() - started > timeout or not line:
            return None
        import json

        words = line.split(maxsplit=1)
        if words[0].lower() == "refused":
            reason = re.match(r"[a-z_]*", words[1].lower()).group() if len(words) > 1 else ""  # type: ignore[union-attr]
            return json.dumps({"outcome": "refused", "reason": reason, "message": line})
        return json.dumps({"outcome": "read", "patient": {"name": line}})

    def close(self) -> None:
        return None
