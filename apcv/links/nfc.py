"""``nfc://udp:127.0.0.1:PORT`` and ``nfc://usb:VID:PID`` — links through nfcpy.

Reader end: nfcpy polls for a type A target, sends RATS, reads the ATS and exchanges APDUs
through nfcpy's ISO-DEP initiator (:class:`nfc.tag.tt4.IsoDepInitiator`, what
``Type4ATag.transceive`` uses). ``connect()`` returns the ATR a PC/SC reader would build
from the ATS historical bytes (``3B 8n 80 01 <historical> TCK``).

Card end: a thread runs the device in ISO-DEP card emulation on its own frontend
(:mod:`apcv.links.nfc_emulation`). With ``udp`` both ends talk nfcpy's UDP datagrams on
loopback only (:mod:`apcv.links.nfc_udp`); with ``usb`` they drive a PN53x / ACR122U.
The card URL may carry faults (``?fault=drop@3,corrupt@5&latency=20``, see
:mod:`apcv.links.card_faults`).
"""

from __future__ import annotations

import logging
import time

import nfc.clf
import nfc.tag
from nfc.tag.tt4 import IsoDepInitiator

from apcv.links.base import (
    CardResponder,
    CardSlot,
    LinkError,
    LinkUrl,
    NoCardPresent,
    ReaderLink,
    check_params,
)
from apcv.links.card_faults import FAULT_PARAMS, parse_card_faults
from apcv.links.nfc_emulation import CardEmulation
from apcv.links.nfc_isodep import PCB_DESELECT, IsoDepError, fsdi_for, parse_ats, rats_command
from apcv.links.nfc_udp import LoopbackUdpDevice, loopback_endpoint, udp_frontend
from apcv.profile.r1.responder import atr_with_historical_bytes

CONNECT_TIMEOUT_S = 3.0
ACTIVATION_TIMEOUT_S = 0.25
STOP_TIMEOUT_S = 2.0

log = logging.getLogger(__name__)


def open_frontend(url: LinkUrl, *, listener: bool) -> nfc.clf.ContactlessFrontend:
    """An nfcpy frontend for ``udp:HOST:PORT`` (loopback) or ``usb:...`` (a PN53x reader)."""
    kind = url.target.split(":", 1)[0].lower()
    if kind == "udp":
        host, port = loopback_endpoint(url.target, url.raw)
        clf = udp_frontend(host, port, listener=listener)
        if listener:
            clf.device.bind()
        return clf
    if kind == "usb":
        clf = nfc.clf.ContactlessFrontend()
        try:
            found = clf.open(url.target)
        except OSError as exc:
            raise LinkError(f"{url.raw}: cannot open {url.target}: {exc.strerror or exc} "
                            "(udev rules or permissions on /dev/bus/usb?)") from None
        if not found:
            raise LinkError(f"{url.raw}: no nfcpy device at {url.target} (plugged in? "
                            "see `apcv-hil rigs probe` and `python -m nfc`)")
        return clf
    raise LinkError(f"{url.raw}: expected nfc://udp:127.0.0.1:PORT or nfc://usb:VID:PID")


class NfcReaderLink(ReaderLink):
    """Reader end: poll, activate ISO-DEP, exchange APDUs."""

    def __init__(self, url: LinkUrl) -> None:
        if url.params:
            raise LinkError(f"{url.raw}: the nfc reader end takes no parameters "
                            f"(faults go on the card end): {', '.join(sorted(url.params))}")
        self.url = url.raw
        self._parsed = url
        self._clf: nfc.clf.ContactlessFrontend | None = None
        self._dep: IsoDepInitiator | None = None
        self._ats = b""

    def connect(self) -> bytes:
        self.disconnect()
        if self._clf is None:
            self._clf = open_frontend(self._parsed, listener=False)
        deadline, problem = time.monotonic() + CONNECT_TIMEOUT_S, "nothing answered the poll"
        while time.monotonic() < deadline:
            try:
                target = self._clf.sense(nfc.clf.RemoteTarget("106A"))
                if target is not None:
                    return self._activate(target)
            except (nfc.clf.CommunicationError, IsoDepError) as exc:
                problem = f"activation failed: {exc}"
            self._clf.device.mute()
        raise NoCardPresent(f"no phone or card on {self.url} within {CONNECT_TIMEOUT_S:g} s: {problem} "
                            "(is the card side attached?)")

    def _activate(self, target: nfc.clf.RemoteTarget) -> bytes:
        if not target.sel_res or not target.sel_res[0] & 0x20:
            raise IsoDepError(f"the target does not speak ISO-DEP (SEL_RES {bytes(target.sel_res).hex()})")
        clf = self._clf
        fsdi = fsdi_for(clf.max_recv_data_size)
        raw_ats = clf.exchange(bytearray(rats_command(fsdi)), ACTIVATION_TIMEOUT_S) or b""
        ats = parse_ats(raw_ats)
        self._ats = bytes(raw_ats)
        self._dep = IsoDepInitiator(clf, min(ats.fsc, clf.max_send_data_size), ats.fwt)
        return atr_with_historical_bytes(ats.historical)

    def identity(self) -> dict[str, str]:
        """The contactless frontend as nfcpy names it (chip and firmware, port) and the ATS of
        the device activated last."""
        found: dict[str, str] = {}
        if self._clf is not None and self._clf.device is not None:
            found["name"] = str(self._clf.device)
        if self._ats:
            found["ats"] = self._ats.hex().upper()
        return found

    def transceive(self, apdu: bytes) -> bytes:
        if self._dep is None:
            raise NoCardPresent(f"{self.url}: no phone or card activated (connect first)")
        try:
            return bytes(self._dep.exchange(bytearray(apdu)) if apdu else self._empty_command())
        except nfc.tag.TagCommandError as exc:
            self.disconnect()
            if exc.errno == nfc.tag.TIMEOUT_ERROR:
                raise NoCardPresent(
                    f"{self.url}: the phone or card stopped answering (left the field?)") from None
            raise LinkError(f"{self.url}: ISO-DEP exchange failed: {exc}") from None
        except (nfc.clf.CommunicationError, IndexError) as exc:
            self.disconnect()
            raise LinkError(f"{self.url}: ISO-DEP exchange failed: {type(exc).__name__} {exc}") from None

    def _empty_command(self) -> bytes:
        """An I-block with no INF (an empty APDU), which nfcpy's initiator cannot send."""
        dep = self._dep
        frame = self._clf.exchange(bytearray((0x02 | dep.pni,)), dep.fwt + dep.delta_fwt)
        if not frame or frame[0] & 0xEE != 0x02 or frame[0] & 0x01 != dep.pni:
            raise nfc.tag.TagCommandError(nfc.tag.PROTOCOL_ERROR)
        dep.pni ^= 1
        answer = bytes(frame[1:])
        while frame[0] & 0x10:
            frame = self._clf.exchange(bytearray((0xA2 | dep.pni,)), dep.fwt + dep.delta_fwt)
            if not frame or frame[0] & 0x01 != dep.pni:
                raise nfc.tag.TagCommandError(nfc.tag.PROTOCOL_ERROR)
            dep.pni ^= 1
            answer += bytes(frame[1:])
        return answer

    def disconnect(self) -> None:
        """DESELECT the card if one is active, then switch the field off."""
        if self._dep is not None:
            self._dep = None
            try:
                self._clf.exchange(bytearray((PCB_DESELECT,)), ACTIVATION_TIMEOUT_S)
            except nfc.clf.CommunicationError as exc:
                log.debug("%s: no answer to DESELECT: %s", self.url, exc)
        if self._clf is not None and self._clf.device is not None:
            self._clf.device.mute()

    def close(self) -> None:
        self.disconnect()
        if self._clf is not None:
            self._clf.close()
            self._clf = None


class NfcCardSlot(CardSlot):
    """Card end: the attached device in ISO-DEP card emulation."""

    def __init__(self, url: LinkUrl) -> None:
        check_params(url, FAULT_PARAMS)
        self.url = url.raw
        self._parsed = url
        self.faults = parse_card_faults(url.params, url.raw)
        self.fired: set[int] = set()
        """APDU numbers whose fault has fired: a device presented again is not faulted again."""
        self._emulation: CardEmulation | None = None
        self._clf: nfc.clf.ContactlessFrontend | None = None

    def attach(self, device: CardResponder) -> None:
        if self._emulation is not None and self._emulation.device is device and self._emulation.serving:
            return
        self.detach()
        self._clf = open_frontend(self._parsed, listener=True)
        self._emulation = CardEmulation(self._clf, device, name=f"nfc-card {self._parsed.target}",
                                        faults=self.faults, fired=self.fired, note=self.notify)
        self._emulation.start()

    def detach(self) -> None:
        emulation, clf = self._emulation, self._clf
        self._emulation = self._clf = None
        if emulation is not None:
            device = clf.device if isinstance(clf.device, LoopbackUdpDevice) else None
            emulation.stop(device.wake if device else None, STOP_TIMEOUT_S)
        if clf is not None:
            clf.close()

    def close(self) -> None:
        self.detach()


def open_reader(url: LinkUrl) -> ReaderLink:
    """Registry hook: the reader end."""
    return NfcReaderLink(url)


def open_card_slot(url: LinkUrl) -> CardSlot:
    """Registry hook: the card end."""
    return NfcCardSlot(url)
