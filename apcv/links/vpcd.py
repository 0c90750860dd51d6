"""``vpcd://HOST:PORT`` — a simulated phone or card inside the real PC/SC stack.

vsmartcard's vpcd driver, loaded by ``pcscd``, listens on TCP 35963 (reader
``Virtual PCD 00 00``) and 35964 (``Virtual PCD 00 01``). The card side connects as a
client; each message is a 2-byte big-endian length then the payload. A 1-byte payload is
a control code (0 power off, 1 power on, 2 reset, 4 get ATR, answered with the ATR);
anything else is a command APDU to answer. Attaching a device opens the connection (the
card is inserted, the phone tapped), detaching closes it (removed). A thread serves the
attached device; every command is logged with NIRs masked (answers by length and status word
only: a NIR may span two answers), and injected faults
(:mod:`apcv.links.card_faults`, from the URL query) are noted in the trace.

vpcd also passes a reader's 1-byte *command* on as a 1-byte payload, and then waits for an
answer while holding the reader: left unanswered, the PC/SC stack hangs. A 1-byte payload
that is no control code vpcd sends (3, 5-255) is therefore answered as a command (the device
says 6700, wrong length). One that reads as power off/on/reset is acted on as such; vpcd
follows every real one within half a second (it asks for the ATR, and polls the card every
0.4 s), so when nothing follows for :data:`AMBIGUOUS_SILENCE_S`, vpcd is waiting for an
answer: the payload was a command, and it is answered as one.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import struct
import threading
import time

from apcv.links.base import CardResponder, CardSlot, LinkError, LinkUrl, check_params
from apcv.links.card_faults import FAULT_PARAMS, CardFaults, parse_card_faults, spoil_answer
from apcv.redact import redact_nirs

DEFAULT_PORT = 35963
CONNECT_TIMEOUT_S = 2.0
ATTACH_TIMEOUT_S = 3.0
"""vpcd polls its readers every ~0.4 s: a silent connection past this is someone else's."""
MUTE_LIMIT_S = 30.0
"""A ``mute`` fault holds the APDU at most this long, then the device leaves the field."""
JOIN_TIMEOUT_S = 2.0
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
AMBIGUOUS_SILENCE_S = 2.0
"""Silence after a power off/on/reset payload that shows it was a 1-byte command awaiting an answer."""
ERROR_ANSWER = b"\x6f\x00"
PARAMS = (*FAULT_PARAMS, "attach_timeout")

log = logging.getLogger(__name__)

FIX = ("is pcscd running with the vsmartcard-vpcd driver? (apcv-hil starts it: "
       "`apcv-hil simulate phone --start-pcscd`, or the pytest fixtures as root; "
       "install: apt-get install pcscd vsmartcard-vpcd, or make setup)")


def _address(url: LinkUrl) -> tuple[str, int]:
    host, _, port = url.target.rpartition(":") if ":" in url.target else (url.target, "", "")
    host = host or "127.0.0.1"
    if not port:
        return host, DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise LinkError(f"{url.raw}: port {port!r} is not a TCP port (vpcd uses 35963 and 35964)")
    return host, int(port)


def _receive(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data), socket.MSG_WAITALL)
        if not chunk:
            return None
        data += chunk
    return data


def receive_message(sock: socket.socket) -> bytes | None:
    """One vpcd message (None when the peer closed the connection)."""
    header = _receive(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _receive(sock, length) if length else b""


def send_message(sock: socket.socket, payload: bytes) -> None:
    """One vpcd message: 2-byte big-endian length, then ``payload``."""
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def _masked(data: bytes) -> str:
    return redact_nirs(data).hex().upper()


class _Attachment:
    """One device on one vpcd connection, served by a thread until either side closes."""

    def __init__(self, slot: VpcdCardSlot, sock: socket.socket, device: CardResponder) -> None:
        self.slot = slot
        self.sock = sock
        self.device = device
        self.greeted = threading.Event()
        self.closed = threading.Event()
        self.apdus = 0
        self.thread = threading.Thread(target=self._serve, daemon=True, name=f"vpcd-{slot.port}")

    def _serve(self) -> None:
        try:
            unanswered: bytes | None = None  # a power off/on/reset payload that may be a 1-byte command
            while not self.closed.is_set():
                if unanswered is not None and not self._readable_within(AMBIGUOUS_SILENCE_S):
                    log.warning("%s: vpcd waits for an answer to the 1-byte payload %s: it was a command, "
                                "answered as one", self.slot.url, unanswered.hex().upper())
                    answer = self._apdu(unanswered)
                    if answer is None:
                        break
                    send_message(self.sock, answer)
                unanswered = None
                message = receive_message(self.sock)
                self.greeted.set()
                if message is None:
                    if not self.closed.is_set():
                        log.info("%s: vpcd closed the connection", self.slot.url)
                    break
                if not message:
                    continue
                if len(message) == 1 and message[0] in (POWER_OFF, POWER_ON, RESET):
                    self.device.reset()
                    unanswered = message
                    continue
                if len(message) == 1 and message[0] == GET_ATR:
                    send_message(self.sock, self.device.atr)
                    continue
                answer = self._apdu(message)  # a command, 1-byte ones included
                if answer is None:
                    break
                send_message(self.sock, answer)
        except (OSError, ValueError) as exc:  # ValueError: the socket was closed under select()
            if not self.closed.is_set():
                log.info("%s: connection lost: %s", self.slot.url, exc)
        finally:
            self.close()

    def _readable_within(self, seconds: float) -> bool:
        """True when the next message starts arriving within ``seconds``."""
        ready, _, _ = select.select([self.sock], [], [], seconds)
        return bool(ready)

    def _apdu(self, apdu: bytes) -> bytes | None:
        self.apdus += 1
        fault = self.slot.faults.take(self.apdus, self.slot.fired)
        if log.isEnabledFor(logging.INFO):
            log.info("%s C-APDU %s", self.slot.url, _masked(apdu))
        if fault == "drop":
            self.slot.notify(f"fault: RF drop at APDU {self.apdus}: the device left the field")
            return None
        if fault == "mute":
            self.slot.notify(f"fault: the device stays mute at APDU {self.apdus}")
            self.closed.wait(MUTE_LIMIT_S)
            return None
        if fault == "reset":
            self.slot.notify(f"fault: the device reset before APDU {self.apdus}")
            self.device.reset()
        try:
            answer = self.device.process_apdu(apdu)
        except Exception:
            log.exception("%s: the simulated device failed on an APDU; answering 6F00", self.slot.url)
            answer = ERROR_ANSWER
        answer = spoil_answer(fault, answer, self.apdus, self.slot.notify)
        if self.slot.faults.latency_ms:
            time.sleep(self.slot.faults.latency_ms / 1000.0)
        if log.isEnabledFor(logging.INFO):  # lengths only: a NIR may span answers (the trace masks those)
            log.info("%s R-APDU %d data bytes, SW %s", self.slot.url, max(len(answer) - 2, 0),
                     answer[-2:].hex().upper() or "none")
        return answer

    def close(self) -> None:
        """Close the connection: vpcd sees the card removed."""
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class VpcdCardSlot(CardSlot):
    """Card end of a vpcd link: presents a simulated device to pcscd's virtual reader."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, PARAMS)
        self.url = url.raw
        self.host, self.port = _address(url)
        self.faults: CardFaults = parse_card_faults(url.params, url.raw)
        try:
            self.attach_timeout = float(url.params.get("attach_timeout", ATTACH_TIMEOUT_S))
        except ValueError:
            raise LinkError(f"{url.raw}: attach_timeout must be seconds") from None
        self._attachment: _Attachment | None = None
        self.fired: set[int] = set()
        """APDU numbers whose fault has fired: a device presented again is not faulted again."""
        self._lock = threading.Lock()

    @property
    def attached(self) -> bool:
        """True while a device is on the virtual reader (the connection is open)."""
        current = self._attachment
        return current is not None and not current.closed.is_set()

    def attach(self, device: CardResponder) -> None:
        with self._lock:
            current = self._attachment
            if current is not None and current.device is device and not current.closed.is_set():
                return
        self.detach()
        sock = self._connect()
        attachment = _Attachment(self, sock, device)
        attachment.thread.start()
        if not attachment.greeted.wait(self.attach_timeout):
            attachment.close()
            attachment.thread.join(JOIN_TIMEOUT_S)
            raise LinkError(
                f"vpcd on {self.host}:{self.port} accepted the connection but said nothing for "
                f"{self.attach_timeout:g} s: another virtual card probably holds that reader "
                f"(another `apcv-hil simulate`?); stop it or use the other port (35963/35964)"
            )
        if attachment.closed.is_set():
            raise LinkError(f"vpcd on {self.host}:{self.port} closed the connection at once: {FIX}")
        with self._lock:
            self._attachment = attachment
        log.info("%s: device attached (ATR %s)", self.url, device.atr.hex().upper())

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        except ConnectionRefusedError:
            raise LinkError(f"vpcd is not listening on {self.host}:{self.port}: {FIX}") from None
        except TimeoutError:
            raise LinkError(f"vpcd on {self.host}:{self.port} did not accept within "
                            f"{CONNECT_TIMEOUT_S:g} s: {FIX}") from None
        except OSError as exc:
            raise LinkError(f"cannot reach vpcd on {self.host}:{self.port}: {exc.strerror or exc}") from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def detach(self) -> None:
        with self._lock:
            attachment, self._attachment = self._attachment, None
        if attachment is None:
            return
        attachment.close()
        if attachment.thread is not threading.current_thread():
            attachment.thread.join(JOIN_TIMEOUT_S)
        log.info("%s: device detached", self.url)

    def close(self) -> None:
        self.detach()


def open_card_slot(url: LinkUrl) -> CardSlot:
    """Registry hook: the card end."""
    return VpcdCardSlot(url)
