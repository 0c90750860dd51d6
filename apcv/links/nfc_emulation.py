"""ISO-DEP card emulation on an nfcpy frontend, served by a thread.

nfcpy emulates only Type 3 tags at a high level, so the card side listens as a raw
106 kbit/s type A target (``clf.listen``), answers RATS with an ATS, then runs
:class:`~apcv.links.nfc_isodep.IsoDepCard` over ``clf.exchange`` until DESELECT or the
field goes off, and listens again. Faults from the card URL (:mod:`apcv.links.card_faults`)
act on whole APDUs, so an RF drop always falls on an APDU boundary; ``latency`` longer than
half the frame waiting time is bridged with S(WTX) requests, as a slow card does.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import nfc.clf

from apcv.links.base import CardResponder
from apcv.links.card_faults import CardFaults, spoil_answer
from apcv.links.nfc_isodep import Ats, IsoDepCard, IsoDepError, historical_bytes, parse_rats
from apcv.links.nfc_udp import EmulationStopped

LISTEN_SLICE_S = 0.5
"""Longest listen before checking whether the emulation was stopped (hardware frontends)."""
IDLE_LIMIT_S = 15.0
"""An activated reader silent this long is gone: listen again."""
ERROR_ANSWER = b"\x6f\x00"
SENS_RES = bytes.fromhex("0400")  # ATQA: single-size UID, bit frame anticollision
NFCID1 = bytes.fromhex("08a1c501")  # random-UID prefix 08h, as Android HCE uses
SEL_RES_ISO_DEP = bytes.fromhex("20")
PCB_WTX = 0xF2
"""S(WTX) without CID: the card asks for more time, the reader echoes it."""
WTXM_MAX = 59

log = logging.getLogger(__name__)


class CardEmulation:
    """One device in card emulation on ``clf`` until :meth:`stop`."""

    def __init__(self, clf: nfc.clf.ContactlessFrontend, device: CardResponder, *, name: str,
                 faults: CardFaults, fired: set[int], note: Callable[[str], None]) -> None:
        self.clf = clf
        self.device = device
        self.faults = faults
        self.fired = fired
        """APDU numbers whose fault has fired, shared by the link's emulations."""
        self.note = note
        self.ats = Ats(historical=historical_bytes(device.atr))
        self.apdus = 0
        self._stopped = threading.Event()
        self._left_field = False
        self._answered = False
        self.thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self) -> None:
        """Start answering readers."""
        self.thread.start()

    @property
    def serving(self) -> bool:
        """True until the device left the field (stopped, or an RF drop / mute fault)."""
        return self.thread.is_alive()

    def stop(self, wake: Callable[[], None] | None, timeout: float) -> None:
        """Leave the field: end the thread (``wake`` unblocks a pending receive)."""
        self._stopped.set()
        if wake is not None:
            wake()
        if self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        target = nfc.clf.LocalTarget("106A", sens_res=SENS_RES, sdd_res=NFCID1, sel_res=SEL_RES_ISO_DEP)
        try:
            while not self._stopped.is_set() and not self._left_field:
                try:
                    activated = self.clf.listen(target, LISTEN_SLICE_S)
                except nfc.clf.CommunicationError as exc:
                    log.debug("listen: %s", exc)
                    continue
                rats = getattr(activated, "tt4_cmd", None) if activated else None
                if rats:
                    self._session(bytes(rats))
        except EmulationStopped:
            pass
        except (OSError, nfc.clf.Error) as exc:
            self.note(f"card emulation ended: {exc}")

    def _session(self, rats: bytes) -> None:
        try:
            fsd = parse_rats(rats)
        except IsoDepError as exc:
            self.note(f"activation ignored: {exc}")
            return
        self.device.reset()
        card = IsoDepCard(self._answer, fsd=fsd)
        reply: bytes | None = self.ats.encode()
        last_heard = time.monotonic()
        while not card.deselected and not self._left_field:
            try:
                frame = self.clf.exchange(reply, LISTEN_SLICE_S)
            except nfc.clf.TimeoutError:
                reply = None
                if time.monotonic() - last_heard > IDLE_LIMIT_S:
                    return
                continue
            except nfc.clf.BrokenLinkError:
                break  # the reader switched the field off
            except nfc.clf.CommunicationError:
                reply = None
                continue
            if frame is None:
                break
            last_heard = time.monotonic()
            self._answered = False
            reply = card.receive(bytes(frame))
            if self._answered and self.faults.latency_ms and not self._hold(self.faults.latency_ms / 1000.0):
                break
            for text in card.notes:
                log.info("%s", text)
            card.notes.clear()
        if card.deselected and reply is not None:
            self.clf.exchange(reply, 0)
        self.device.reset()

    def _answer(self, apdu: bytes) -> bytes:
        self.apdus += 1
        fault = self.faults.take(self.apdus, self.fired)
        if fault in ("drop", "mute"):
            self.note(f"fault: RF drop at APDU {self.apdus}: the device left the field"
                      if fault == "drop" else f"fault: the device stays mute from APDU {self.apdus}")
            self._left_field = True
            raise EmulationStopped(fault)
        if fault == "reset":
            self.note(f"fault: the device reset before APDU {self.apdus}")
            self.device.reset()
        try:
            answer = self.device.process_apdu(apdu)
        except Exception as exc:  # a crashing simulator answers 6F00; the link keeps running
            self.note(f"the device failed on APDU {self.apdus}: {type(exc).__name__}; answered 6F00")
            answer = ERROR_ANSWER
        answer = spoil_answer(fault, answer, self.apdus, self.note)
        self._answered = True
        return answer

    def _hold(self, seconds: float) -> bool:
        """Keep the reader waiting ``seconds`` before the answer, as a slow card does: past
        half the frame waiting time, with S(WTX) requests the reader acknowledges (ISO
        14443-4). False when the reader does not acknowledge one (it went away)."""
        fwt = self.ats.fwt
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > fwt / 2:
            multiplier = min(WTXM_MAX, math.ceil(remaining / fwt))
            try:
                echo = self.clf.exchange(bytes((PCB_WTX, multiplier)), LISTEN_SLICE_S)
            except nfc.clf.CommunicationError:
                return False
            if not echo or echo[0] & 0xF7 != PCB_WTX:
                return False
            time.sleep(min(remaining, multiplier * fwt * 0.8))
        time.sleep(max(0.0, deadline - time.monotonic()))
        return True
