"""``relay://HOST:PORT`` — a phone's host card emulation relays a real reader to us.

vsmartcard's Android Smart Card Emulator, set to "Remote Virtual Smart Card" with its
"VICC Hostname" and "VICC Port" pointing here, forwards every command a contactless reader
sends to the phone (once the reader SELECTs an AID the app registers: add the apCV AID
``F04150435601`` to its AID list) over the vpcd protocol, and returns our answers. So any
Android phone carries our simulated phone to a real reader under test. Like ``vicc
--reversed``, this card end listens; each connection is served with the attached device
by the same code as ``vpcd://``, and a connection while nothing is attached is closed.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from apcv.links.base import CardResponder, CardSlot, LinkError, LinkUrl
from apcv.links.card_faults import CardFaults
from apcv.links.vpcd import DEFAULT_PORT, _Attachment

ACCEPT_POLL_S = 0.2


class RelayCardSlot(CardSlot):
    """Listens for a relaying phone and serves it the attached device."""

    def __init__(self, url: LinkUrl) -> None:
        if url.params:
            raise LinkError(f"{url.raw}: relay takes no parameters")
        self.url = url.raw
        self.host, self.port = _listen_address(url)
        self.faults = CardFaults()
        self.fired: set[int] = set()
        self._device: CardResponder | None = None
        self._current: _Attachment | None = None
        self._stop = threading.Event()
        try:
            self._server = socket.create_server((self.host, self.port))
        except OSError as exc:
            reason = exc.strerror or exc
            raise LinkError(f"{url.raw}: cannot listen on {self.host}:{self.port}: {reason}") from None
        self._server.settimeout(ACCEPT_POLL_S)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name=f"relay-{self.port}", daemon=True)
        self._thread.start()

    def notify(self, text: str) -> None:
        """Notes from the connection (faults are not injected on this link)."""

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            device = self._device
            if device is None:
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            attachment = _Attachment(self, sock, device)  # type: ignore[arg-type]
            self._current = attachment
            attachment.thread.start()

    def attach(self, device: CardResponder) -> None:
        self._device = device

    def detach(self) -> None:
        self._device = None
        current, self._current = self._current, None
        if current is not None:
            current.close()

    def close(self) -> None:
        self.detach()
        self._stop.set()
        with contextlib.suppress(OSError):
            self._server.close()
        self._thread.join(2.0)


def _listen_address(url: LinkUrl) -> tuple[str, int]:
    """HOST:PORT to listen on (port 0: any free port; default 35963, as vicc)."""
    host, _, port = url.target.rpartition(":") if ":" in url.target else (url.target, "", "")
    if not port:
        return host or "127.0.0.1", DEFAULT_PORT
    if not port.isdigit() or int(port) > 65535:
        raise LinkError(f"{url.raw}: port {port!r} is not a TCP port")
    return host or "127.0.0.1", int(port)


def open_card_slot(url: LinkUrl) -> CardSlot:
    """Registry hook: the card end."""
    return RelayCardSlot(url)
