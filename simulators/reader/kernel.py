"""The reference reader kernel: what practice software does with a phone or a card.

It powers the field, selects the apCV applet (falling back to the card application), runs
the R1 session, fetches and verifies the signed presentation, and times every step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import cbor2

from apcv.clock import Clock, WallClock, to_datetime
from apcv.errors import ProtocolError, VerificationError
from apcv.links.base import ReaderLink
from apcv.people import Beneficiary, Coverage, Identity
from apcv.profile.r1 import cbor_out, cose, strict_cbor
from apcv.profile.r1.apdu import ApduFormatError, CommandApdu, ResponseApdu, parse_response
from apcv.profile.r1.constants import (
    AID_APCV,
    AID_CARD,
    CHALLENGE_LEN,
    CLA_ISO,
    CLA_PROPRIETARY,
    EF_IDENTITY,
    EPHEMERAL_KEY_LEN,
    INS_ESTABLISH_SESSION,
    INS_GET_PRESENTATION,
    INS_GET_RESPONSE,
    INS_READ_BINARY,
    INS_SELECT,
    NONCE_LEN,
    SHORT_LE_MAX,
    SW,
)
from apcv.profile.r1.credentials import TrustAnchor
from apcv.profile.r1.presentation import PresentationClaims, verify_presentation
from apcv.profile.r1.session import (
    RandomSource,
    SecureChannel,
    SessionError,
    derive_session_keys,
    encode_point,
    new_ephemeral_key,
    random_bytes,
    transcript,
)
from simulators.reader.errors import AppLocked, CardError, NoApcvApplication
from simulators.reader.result import ReadResult

MAX_CHAINED_RESPONSES = 64
"""GET RESPONSE limit at Le 256 (16 KiB); a smaller ``max_le`` gets the same byte budget."""


class ReaderKernel:
    """Reads apCV phones and Vitale cards over any reader link (:class:`apcv.links.ReaderLink`).

    ``extended_length`` asks for whole answers in one extended-Le APDU; otherwise the kernel
    uses short Le (``max_le`` bytes at most) and follows 61XX with GET RESPONSE.
    """

    def __init__(
        self,
        link: ReaderLink,
        trust: TrustAnchor,
        *,
        clock: Clock | None = None,
        extended_length: bool = False,
        max_le: int = SHORT_LE_MAX,
        rng: RandomSource | None = None,
    ) -> None:
        if not 1 <= max_le <= SHORT_LE_MAX:
            raise ValueError(f"max_le must be 1..256 for short APDUs, not {max_le}")
        self.link = link
        self.trust = trust
        self.clock = clock or WallClock()
        self.extended_length = extended_length
        self.max_le = max_le
        self._rng = rng

    def read(self, beneficiary: int = 0) -> ReadResult:
        """One presentation: detect, select, run R1 (or read the card), verify."""
        timings: dict[str, float] = {}
        start = mark = self.clock.monotonic()

        def lap(name: str) -> None:
            nonlocal mark
            now = self.clock.monotonic()
            timings[name] = (now - mark) * 1000.0
            mark = now

        atr = self.link.connect()
        try:
            lap("detect")
            sel = self.exchange(CommandApdu(CLA_ISO, INS_SELECT, 0x04, 0x00, AID_APCV, le=256))
            lap("select")
            if sel.sw == SW.OK:
                result = self._read_phone(beneficiary, lap)
            elif sel.sw == SW.NOT_FOUND:
                result = self._read_card(beneficiary, lap)
            else:
                raise CardError("SELECT apCV", sel.sw)
        finally:
            self.link.disconnect()
        timings["total"] = (self.clock.monotonic() - start) * 1000.0
        return ReadResult(**result, atr=atr, timings_ms=timings)

    def exchange(self, cmd: CommandApdu) -> ResponseApdu:
        """Send ``cmd``, following 61XX with GET RESPONSE and 6CXX with the right Le."""
        data, sw1, sw2 = _split(self.link.transceive(cmd.encode()))
        if sw1 == 0x6C:
            data, sw1, sw2 = _split(self.link.transceive(
                CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, le=sw2 or 256).encode()
            ))
        if sw1 != 0x61:
            return ResponseApdu(data, sw1 << 8 | sw2)
        parts = [data]
        limit = MAX_CHAINED_RESPONSES * SHORT_LE_MAX // self.max_le
        for _ in range(limit):
            le = min(sw2 or SHORT_LE_MAX, self.max_le)
            part, sw1, sw2 = _split(self.link.transceive(_get_response(le)))
            parts.append(part)
            if sw1 != 0x61:
                return ResponseApdu(b"".join(parts), sw1 << 8 | sw2)
        raise ProtocolError(f"the device kept answering 61XX after {limit} GET RESPONSE")

    def _le(self) -> int:
        return 65536 if self.extended_length else self.max_le

    def _read_phone(self, beneficiary: int, lap: Callable[[str], None]) -> dict[str, Any]:
        reader_key = new_ephemeral_key(self._rng)
        reader_point = encode_point(reader_key.public_key())
        reader_nonce = random_bytes(self._rng, NONCE_LEN)
        rsp = self.exchange(
            CommandApdu(CLA_PROPRIETARY, INS_ESTABLISH_SESSION, 0, 0, reader_point + reader_nonce,
                        le=self._le(), extended=self.extended_length)
        )
        _expect_ok("ESTABLISH SESSION", rsp)
        if len(rsp.data) != EPHEMERAL_KEY_LEN + NONCE_LEN:
            raise ProtocolError(f"ESTABLISH SESSION answered {len(rsp.data)} bytes, expected 81")
        phone_point, phone_nonce = rsp.data[:EPHEMERAL_KEY_LEN], rsp.data[EPHEMERAL_KEY_LEN:]
        try:
            keys = derive_session_keys(
                reader_key, phone_point, transcript(reader_point, reader_nonce, phone_point, phone_nonce)
            )
        except SessionError as exc:
            raise ProtocolError(f"ESTABLISH SESSION: {exc}") from exc
        channel = SecureChannel(keys, "reader")
        lap("session")
        challenge = random_bytes(self._rng, CHALLENGE_LEN)
        request = channel.seal(cbor_out.dumps({1: challenge, 2: beneficiary}))
        rsp = self.exchange(
            CommandApdu(CLA_PROPRIETARY, INS_GET_PRESENTATION, 0, 0, request,
                        le=self._le(), extended=self.extended_length)
        )
        if rsp.sw == SW.REFERENCED_DATA_NOT_FOUND:
            raise CardError("GET PRESENTATION", rsp.sw, f"beneficiary {beneficiary} is not in the wallet")
        _expect_ok("GET PRESENTATION", rsp)
        lap("presentation")
        try:
            signed = channel.open(rsp.data)
        except SessionError as exc:
            raise VerificationError(f"GET PRESENTATION: {exc}") from exc
        claims = self._verify(signed, keys.transcript_hash, challenge)
        lap("verify")
        return {
            "kind": "phone",
            "holder": claims.holder,
            "coverage": claims.coverage,
            "beneficiaries": claims.beneficiaries,
            "selected": claims.selected,
            "reference": claims.card_reference,
            "token_id": claims.token_id,
            "presentation": signed,
        }

    def _verify(self, signed: bytes, transcript_hash: bytes, challenge: bytes) -> PresentationClaims:
        """Chain, signature, session binding and validity of a presentation (APCV-RDR-004)."""
        claims, _ = verify_presentation(signed, self.trust, to_datetime(self.clock),
                                        transcript_hash=transcript_hash, challenge=challenge)
        return claims

    def _read_card(self, beneficiary: int, lap: Callable[[str], None]) -> dict[str, Any]:
        rsp = self.exchange(CommandApdu(CLA_ISO, INS_SELECT, 0x04, 0x0C, AID_CARD))
        if rsp.sw == SW.NOT_FOUND:
            raise NoApcvApplication(
                "the presented device has neither the apCV applet nor a Vitale card application"
            )
        _expect_ok("SELECT card", rsp)
        rsp = self.exchange(
            CommandApdu(CLA_ISO, INS_SELECT, 0x02, 0x04, EF_IDENTITY.to_bytes(2, "big"), le=256)
        )
        _expect_ok("SELECT EF identity", rsp)
        size = _fcp_size(rsp.data)
        content = b""
        while len(content) < size:
            chunk = min(size - len(content), self._le())
            offset = len(content)
            if offset > 0x7FFF:
                raise ProtocolError("card file larger than 32 KiB cannot be read with READ BINARY")
            rsp = self.exchange(CommandApdu(CLA_ISO, INS_READ_BINARY, offset >> 8, offset & 0xFF,
                                            le=chunk, extended=self.extended_length))
            _expect_ok("READ BINARY", rsp)
            if not rsp.data:
                raise ProtocolError(f"READ BINARY returned nothing at offset {offset} of {size}")
            content += rsp.data
        lap("presentation")
        holder, coverage, ben, serial = _card_claims(content, self.trust)
        lap("verify")
        if not 0 <= beneficiary <= len(ben):
            raise ProtocolError(f"beneficiary {beneficiary} is not on the card ({len(ben)} listed)")
        return {
            "kind": "card",
            "holder": holder,
            "coverage": coverage,
            "beneficiaries": ben,
            "selected": beneficiary,
            "reference": serial,
            "presentation": content,
        }


def _parse(raw: bytes) -> ResponseApdu:
    """``raw`` as a response APDU; a malformed one is a :class:`ProtocolError`."""
    data, sw1, sw2 = _split(raw)
    return ResponseApdu(data, sw1 << 8 | sw2)


def _split(raw: bytes) -> tuple[bytes, int, int]:
    """A response APDU's data, SW1 and SW2 (what :func:`parse_response` reads, without building
    a :class:`ResponseApdu` for each piece of a chained answer)."""
    if len(raw) < 2:
        try:
            parse_response(raw)
        except ApduFormatError as exc:
            raise ProtocolError(f"malformed response from the device: {exc}") from exc
    return bytes(raw[:-2]), raw[-2], raw[-1]


@lru_cache(maxsize=SHORT_LE_MAX)
def _get_response(le: int) -> bytes:
    """The GET RESPONSE command asking for ``le`` bytes (short Le), encoded."""
    return CommandApdu(CLA_ISO, INS_GET_RESPONSE, 0, 0, le=le).encode()


def _expect_ok(step: str, rsp: ResponseApdu) -> None:
    if rsp.sw == SW.SECURITY_NOT_SATISFIED:
        raise AppLocked(step)
    if rsp.sw != SW.OK:
        raise CardError(step, rsp.sw)


def _fcp_size(fcp: bytes) -> int:
    """File size from an FCP template (tag 80)."""
    if len(fcp) < 2 or fcp[0] != 0x62:
        raise ProtocolError(f"SELECT EF answered no FCP template ({fcp.hex() or 'empty'})")
    i = 2
    while i + 2 <= len(fcp):
        tag, length = fcp[i], fcp[i + 1]
        if tag == 0x80 and i + 2 + length <= len(fcp):
            return int.from_bytes(fcp[i + 2 : i + 2 + length], "big")
        i += 2 + length
    raise ProtocolError("FCP template has no file size (tag 80)")


def _card_claims(
    content: bytes, trust: TrustAnchor
) -> tuple[Identity, Coverage, tuple[Beneficiary, ...], str]:
    """Verify the card's signed data and decode holder, rights, beneficiaries, serial."""
    payload = cose.verify(content, trust.public_key)
    try:
        data = strict_cbor.loads(payload)
        return (
            Identity.from_dict(data["holder"]),
            Coverage.from_dict(data["cov"]),
            tuple(Beneficiary.from_dict(b) for b in data["ben"]),
            str(data["serial"]),
        )
    except (cbor2.CBORDecodeError, KeyError, TypeError, ValueError, AttributeError, EOFError) as exc:
        raise VerificationError(f"card data is malformed: {exc!r}") from exc
