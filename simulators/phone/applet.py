"""The phone's apCV HCE applet speaking APCV-R1.

States: not selected -> selected -> session -> presented. SELECT by the apCV AID always
works (even locked) and restarts from "selected". ESTABLISH SESSION and GET PRESENTATION
need an unlocked app (6982 otherwise) and come in that order, once each (6985 otherwise).
"""

from __future__ import annotations

import cbor2

from apcv.clock import Clock
from apcv.profile.r1 import cose, strict_cbor
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import (
    AID_APCV,
    CHALLENGE_LEN,
    CLA_ISO,
    CLA_PROPRIETARY,
    EPHEMERAL_KEY_LEN,
    INS_ESTABLISH_SESSION,
    INS_GET_PRESENTATION,
    INS_SELECT,
    NONCE_LEN,
    PRESENTATION_LIFETIME_S,
    SW,
)
from apcv.profile.r1.files import fci
from apcv.profile.r1.presentation import presentation_payload
from apcv.profile.r1.responder import (
    ApduResponder,
    Rejected,
    atr_with_historical_bytes,
    require_le,
    require_p1p2,
)
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
from simulators.phone.unlock import AppLock
from simulators.phone.wallet import Wallet

PHONE_ATR = atr_with_historical_bytes(b"")
REQUEST_KEYS = {1, 2}
"""The keys of a GET PRESENTATION request, no others: the challenge and the beneficiary index."""


class HceApplet(ApduResponder):
    """APCV-R1 applet of one wallet, guarded by the app lock."""

    atr = PHONE_ATR

    def __init__(
        self,
        wallet: Wallet,
        lock: AppLock,
        clock: Clock,
        *,
        rng: RandomSource | None = None,
        lifetime_s: int = PRESENTATION_LIFETIME_S,
    ) -> None:
        super().__init__()
        self.wallet = wallet
        self._lock = lock
        self._clock = clock
        self._rng = rng
        self._lifetime_s = lifetime_s
        self._signer = cose.Signer(wallet.device_key, None)
        self._selected = False  # pragma: no mutate
        self._channel: SecureChannel | None = None
        self._transcript_hash = b""
        self._presented = False  # pragma: no mutate
        self.presentations = 0  # pragma: no mutate

    def on_reset(self) -> None:
        self._selected = False
        self._end_session()

    def handle(self, cmd: CommandApdu) -> bytes:
        if cmd.cla == CLA_ISO and cmd.ins == INS_SELECT:
            return self._select(cmd)
        if cmd.cla == CLA_PROPRIETARY and cmd.ins == INS_ESTABLISH_SESSION:
            return self._establish(cmd)
        if cmd.cla == CLA_PROPRIETARY and cmd.ins == INS_GET_PRESENTATION:
            return self._present(cmd)
        raise Rejected(SW.INS_NOT_SUPPORTED)

    def _select(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 != 0x04 or cmd.p2 not in (0x00, 0x0C):
            raise Rejected(SW.WRONG_P1P2)
        self._end_session()
        if cmd.data != AID_APCV:
            self._selected = False
            raise Rejected(SW.NOT_FOUND)
        self._selected = True
        return fci() if cmd.p2 == 0x00 and cmd.le is not None else b""

    def _establish(self, cmd: CommandApdu) -> bytes:
        require_p1p2(cmd, 0, 0)
        if not self._selected or self._channel is not None:
            raise Rejected(SW.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != EPHEMERAL_KEY_LEN + NONCE_LEN:
            raise Rejected(SW.WRONG_LENGTH)
        require_le(cmd)
        if not self._lock.unlocked:
            raise Rejected(SW.SECURITY_NOT_SATISFIED)
        reader_point, reader_nonce = cmd.data[:EPHEMERAL_KEY_LEN], cmd.data[EPHEMERAL_KEY_LEN:]
        own = new_ephemeral_key(self._rng)
        own_point = encode_point(own.public_key())
        nonce = random_bytes(self._rng, NONCE_LEN)
        try:
            keys = derive_session_keys(
                own, reader_point, transcript(reader_point, reader_nonce, own_point, nonce)
            )
        except SessionError as exc:
            raise Rejected(SW.WRONG_DATA, str(exc)) from exc
        self._channel = SecureChannel(keys, "phone")
        self._transcript_hash = keys.transcript_hash
        return own_point + nonce

    def _present(self, cmd: CommandApdu) -> bytes:
        require_p1p2(cmd, 0, 0)
        if self._channel is None or self._presented:
            raise Rejected(SW.CONDITIONS_NOT_SATISFIED)
        require_le(cmd)
        if not self._lock.unlocked:
            self._end_session()
            raise Rejected(SW.SECURITY_NOT_SATISFIED)
        challenge, selected = self._read_request(cmd.data)
        card = self.wallet.card_data
        if card is None:
            raise Rejected(SW.CONDITIONS_NOT_SATISFIED, "the wallet holds no insurer-signed card data")
        try:
            payload = presentation_payload(
                card, self.wallet.card_reference, token_id=random_bytes(self._rng, 16),
                now=int(self._clock.now()), lifetime_s=self._lifetime_s, selected=selected,
                transcript_hash=self._transcript_hash, challenge=challenge)
        except IndexError:
            raise Rejected(SW.REFERENCED_DATA_NOT_FOUND, f"no beneficiary {selected} on the card") from None
        signed = self._signer.sign(payload)
        self._presented = True
        self.presentations += 1  # pragma: no mutate
        return self._channel.seal(signed)

    def _read_request(self, sealed: bytes) -> tuple[bytes, int]:
        assert self._channel is not None
        try:
            # a deeper item cannot be the map of two plain values below: refused before decoding
            request = strict_cbor.loads(self._channel.open(sealed), max_depth=2)  # pragma: no mutate
        except (SessionError, cbor2.CBORDecodeError, ValueError, EOFError) as exc:
            self._end_session()  # a tampered request ends the session
            raise Rejected(SW.WRONG_DATA, f"bad presentation request: {exc}") from exc
        if not (isinstance(request, dict) and request.keys() == REQUEST_KEYS):
            self._end_session()
            raise Rejected(SW.WRONG_DATA, "the presentation request is not the map {1: challenge, 2: index}")
        challenge, selected = request[1], request[2]
        if not (isinstance(challenge, bytes) and len(challenge) == CHALLENGE_LEN
                and type(selected) is int and selected >= 0):
            self._end_session()
            raise Rejected(SW.WRONG_DATA, "presentation request fields have wrong types")
        return challenge, selected

    def _end_session(self) -> None:
        self._channel = None
        self._transcript_hash = b""
        self._presented = False
