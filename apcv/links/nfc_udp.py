"""nfcpy's UDP driver, kept on one loopback address and stoppable from another thread.

nfcpy's ``udp`` driver simulates the RF link as UDP datagrams (``"106A <hex frame>"``,
``"RFOFF"``) but its listening side binds ``0.0.0.0``, and the reading side sends from a
wildcard socket. :class:`LoopbackUdpDevice` binds both ends to the URL's loopback address
instead, keeps the listening socket bound between activations (so a reader never finds the
port closed between two taps) and can be woken up when the card side is stopped.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import select
import socket
import time

import nfc.clf
import nfc.clf.udp

from apcv.links.base import LinkError

DATAGRAM_MAX = 4096


class EmulationStopped(Exception):
    """Raised inside the driver when the card side was asked to stop."""


def loopback_endpoint(target: str, url: str) -> tuple[str, int]:
    """``udp:HOST:PORT`` -> (host, port); the host must be a loopback address."""
    _, host, port = ([*target.split(":"), "", ""])[:3]
    host = host or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise LinkError(f"{url}: expected nfc://udp:127.0.0.1:PORT with a UDP port 1..65535, got {target!r}")
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        raise LinkError(f"{url}: unknown host {host!r}") from None
    if not address.is_loopback:
        raise LinkError(f"{url}: nfc udp links stay on loopback (127.0.0.1), not {host}")
    return str(address), int(port)


class LoopbackUdpDevice(nfc.clf.udp.Device):
    """nfcpy's UDP device bound to ``host`` only; ``listener`` is the card-emulation side."""

    def __init__(self, host: str, port: int, *, listener: bool) -> None:
        super().__init__(host, port)
        self.listener = listener
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._vendor_name, self._device_name, self._chipset_name = "apcv-hil", "loopback", "UDP"

    def bind(self) -> None:
        """Bind the listening socket now; LinkError when another process holds the port."""
        self._create_socket()
        if self.socket.getsockname()[1] == self.addr[1]:
            return
        try:
            self.socket.bind(self.addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise LinkError(f"UDP port {self.addr[0]}:{self.addr[1]} is already used by another "
                                "card side (another bench or `apcv-hil simulate`?); pick another port"
                                ) from None
            raise LinkError(f"cannot bind {self.addr[0]}:{self.addr[1]}: {exc.strerror or exc}") from None

    def wake(self) -> None:
        """Make a blocked receive raise :class:`EmulationStopped`."""
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"!")

    def _bind_socket(self, time_to_return: float) -> bool:
        self.bind()
        return True

    def sense_tta(self, target):
        """nfcpy's poll for type A, sent from ``host`` rather than the wildcard address."""
        self._create_socket()
        if self.socket.getsockname()[1] == 0:
            self.socket.bind((self.addr[0], 0))
        return super().sense_tta(target)

    def mute(self) -> None:
        """Field off. The listening side keeps its socket bound until :meth:`close`."""
        if not self.listener:
            super().mute()

    def close(self) -> None:
        if self.socket is not None and self.listener:
            self.socket.close()
            self.socket = None
        super().close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _recv_data(self, timeout, *brty_list):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = select.select([self.socket, self._wake_reader], [], [], wait)[0]
            if self._wake_reader in ready:
                self._wake_reader.recv(64)
                raise EmulationStopped("card emulation stopped")
            if not ready:
                raise nfc.clf.TimeoutError("no data received")
            datagram, addr = self.socket.recvfrom(DATAGRAM_MAX)
            if datagram.startswith(b"RFOFF"):
                raise nfc.clf.BrokenLinkError("RFOFF")
            try:
                brty, payload = datagram.decode("ascii").split()
                frame = bytearray.fromhex(payload)
            except ValueError:
                raise nfc.clf.TransmissionError("malformed datagram") from None
            self.rcvd_data += len(frame)
            if brty in brty_list:
                return brty, frame, addr


def udp_frontend(host: str, port: int, *, listener: bool) -> nfc.clf.ContactlessFrontend:
    """An nfcpy ContactlessFrontend on a :class:`LoopbackUdpDevice`."""
    clf = nfc.clf.ContactlessFrontend()
    clf.device = LoopbackUdpDevice(host, port, listener=listener)
    return clf
