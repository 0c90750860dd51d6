"""ISO/IEC 14443-4 (ISO-DEP) as the card (PICC) runs it: RATS/ATS and the block protocol.

Pure bytes in, bytes out: :class:`IsoDepCard` answers one frame from the reader at a time
(I-blocks with block-number toggling and chaining both ways, R(ACK)/R(NAK), S(DESELECT),
PPS) and hands each complete command APDU to the device. Frames carry no CRC here (the
contactless frontend checks and strips it). Invalid blocks get the protocol's answer:
silence (``None``), with a note saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apcv.links.base import LinkError

FRAME_SIZES = (16, 24, 32, 40, 48, 64, 96, 128, 256)
"""FSC/FSD by FSCI/FSDI (ISO 14443-4 table 1); values above 8 count as 256."""

RATS_START = 0xE0
PCB_DESELECT = 0xC2
FRAME_OVERHEAD = 3  # PCB + 2-byte CRC, counted in FSC/FSD even when the frontend adds the CRC


class IsoDepError(LinkError):
    """A RATS or ATS frame that does not follow ISO 14443-4."""


def frame_size(index: int) -> int:
    """Frame size in bytes for an FSCI/FSDI ``index``."""
    return FRAME_SIZES[min(index, len(FRAME_SIZES) - 1)]


def fsdi_for(max_frame: int) -> int:
    """The largest FSDI whose frame size fits in ``max_frame`` bytes."""
    return max(i for i, size in enumerate(FRAME_SIZES) if size <= max(max_frame, FRAME_SIZES[0]))


def rats_command(fsdi: int) -> bytes:
    """A RATS frame announcing FSDI ``fsdi`` and CID 0."""
    return bytes((RATS_START, (fsdi & 0x0F) << 4))


def parse_rats(frame: bytes) -> int:
    """The reader's FSD from a RATS frame; raises IsoDepError on anything else."""
    if len(frame) != 2 or frame[0] != RATS_START:
        raise IsoDepError(f"not a RATS frame: {bytes(frame).hex(' ') or '(empty)'}")
    return frame_size(frame[1] >> 4)


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ISO 7816-3 ATR, as the ATS should carry them (PC/SC rule)."""
    if len(atr) < 2:
        return b""
    count, pos, indicator = atr[1] & 0x0F, 2, atr[1]
    while True:
        pos += bin(indicator & 0xF0).count("1")
        if not indicator & 0x80 or pos > len(atr):
            break
        indicator = atr[pos - 1]
    return bytes(atr[pos:pos + count])[:15]


@dataclass(frozen=True)
class Ats:
    """Answer To Select: frame size, waiting time and historical bytes of the card."""

    historical: bytes = b""
    fsci: int = 8
    fwi: int = 10
    sfgi: int = 0

    @property
    def fsc(self) -> int:
        """Largest frame the card accepts, in bytes."""
        return frame_size(self.fsci)

    @property
    def fwt(self) -> float:
        """Frame waiting time in seconds (ISO 14443-4: 256 * 16 / fc * 2^FWI)."""
        return 4096 / 13.56e6 * (1 << self.fwi)

    def encode(self) -> bytes:
        """TL T0 TA TB TC + historical bytes; no CID, no NAD, 106 kbit/s both ways."""
        body = bytes((0x70 | self.fsci, 0x80, (self.fwi << 4) | self.sfgi, 0x00)) + self.historical
        return bytes((len(body) + 1,)) + body


def parse_ats(frame: bytes) -> Ats:
    """Decode an ATS; absent TA/TB/TC take their ISO defaults (FSCI 2, FWI 4)."""
    frame = bytes(frame)
    if not frame or frame[0] != len(frame) or len(frame) < 2:
        raise IsoDepError(f"ATS length byte does not match the frame: {frame.hex(' ') or '(empty)'}")
    t0, pos = frame[1], 2
    fsci, fwi, sfgi = t0 & 0x0F, 4, 0
    for present in (0x10, 0x20, 0x40):
        if t0 & present:
            if pos >= len(frame):
                raise IsoDepError(f"ATS too short for its interface bytes: {frame.hex(' ')}")
            if present == 0x20:
                fwi, sfgi = frame[pos] >> 4, frame[pos] & 0x0F
            pos += 1
    if fwi > 14:
        raise IsoDepError(f"ATS has a reserved FWI 15: {frame.hex(' ')}")
    return Ats(historical=frame[pos:], fsci=fsci, fwi=fwi, sfgi=sfgi)


@dataclass
class IsoDepCard:
    """The card's side of one ISO-DEP activation (between the ATS and DESELECT / field off).

    ``process_apdu`` answers a whole command APDU (and must not raise); ``fsd`` is the
    reader's frame size from its RATS. :meth:`receive` returns the frame to send back, or
    ``None`` to stay silent.
    """

    process_apdu: Callable[[bytes], bytes]
    fsd: int = 256
    block: int = 1  # PICC block number, 1 at activation (ISO 14443-4 rule A)
    deselected: bool = False
    notes: list[str] = field(default_factory=list)
    _last: bytes | None = None
    _received: bytearray = field(default_factory=bytearray)
    _pending: bytes = b""
    _started: bool = False

    def receive(self, frame: bytes) -> bytes | None:
        """The answer to one frame from the reader."""
        frame = bytes(frame)
        if not frame:
            return self._ignore("empty frame")
        pcb = frame[0]
        if pcb & 0xE2 == 0x02:
            answer = self._i_block(pcb, frame[1:])
        elif pcb & 0xE6 == 0xA2:
            answer = self._r_block(pcb, frame)
        elif pcb & 0xC7 == 0xC2:
            answer = self._s_block(pcb, frame)
        elif pcb & 0xF0 == 0xD0 and not self._started and len(frame) in (2, 3):
            answer = bytes((pcb,))  # PPS: keep 106 kbit/s, confirm
        else:
            return self._ignore(f"invalid block {frame[:8].hex(' ')}")
        self._started = True
        if answer is not None and not self.deselected:
            self._last = answer
        return answer

    def _ignore(self, why: str) -> None:
        self.notes.append(f"ISO-DEP: {why}: no answer")
        return None

    def _i_block(self, pcb: int, inf: bytes) -> bytes | None:
        if pcb & 0x0C:
            return self._ignore(f"I-block {pcb:02X} with CID/NAD, which the ATS did not offer")
        if pcb & 0x01 == self.block:
            return self._ignore(f"I-block {pcb:02X} repeats the current block number")
        self.block ^= 1
        self._pending = b""
        self._received += inf
        if pcb & 0x10:
            return bytes((0xA2 | self.block,))
        apdu, self._received = bytes(self._received), bytearray()
        self._pending = bytes(self.process_apdu(apdu))
        return self._next_chunk()

    def _next_chunk(self) -> bytes:
        room = self.fsd - FRAME_OVERHEAD
        chunk, self._pending = self._pending[:room], self._pending[room:]
        return bytes((0x02 | (0x10 if self._pending else 0) | self.block,)) + chunk

    def _r_block(self, pcb: int, frame: bytes) -> bytes | None:
        if len(frame) != 1 or pcb & 0x08:
            return self._ignore(f"malformed R-block {frame.hex(' ')}")
        nak = bool(pcb & 0x10)
        if pcb & 0x01 == self.block:
            if self._last is None:
                return self._ignore("R-block before any block was sent")
            self.notes.append(f"ISO-DEP: R({'NAK' if nak else 'ACK'}): last block sent again")
            return self._last  # rule 11: retransmit
        if nak:
            return bytes((0xA2 | self.block,))  # rule 12: R(ACK)
        if self._pending:
            self.block ^= 1  # rule 13: next chained block
            return self._next_chunk()
        return self._ignore(f"R(ACK) {pcb:02X} with nothing left to send")

    def _s_block(self, pcb: int, frame: bytes) -> bytes | None:
        if pcb == PCB_DESELECT and len(frame) == 1:
            self.deselected = True
            return bytes((PCB_DESELECT,))
        return self._ignore(f"unexpected S-block {frame.hex(' ')}")
