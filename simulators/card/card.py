"""The physical carte Vitale as an ISO 7816 card with the same data as the app.

Files are plain reads (SELECT EF, READ BINARY). The identity file holds the card data as a
COSE_Sign1 signed by the insurer at personalisation, so a reader can check where it comes
from; nothing is bound to a session (a card is static, unlike the app).
"""

from __future__ import annotations

import cbor2

from apcv.people import Insured
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import (
    AID_CARD,
    CLA_ISO,
    EF_IDENTITY,
    INS_READ_BINARY,
    INS_SELECT,
    PROFILE_VERSION,
    SW,
)
from apcv.profile.r1.credentials import Insurer
from apcv.profile.r1.files import fcp
from apcv.profile.r1.responder import (
    ApduResponder,
    Rejected,
    atr_with_historical_bytes,
    require_le,
)

CARD_ATR = atr_with_historical_bytes(b"APCVCARD")


def card_data(insured: Insured) -> bytes:
    """CBOR of what the card holds."""
    return cbor2.dumps(
        {
            "v": PROFILE_VERSION,
            "serial": insured.card_serial,
            "holder": insured.identity.to_dict(),
            "cov": insured.coverage.to_dict(),
            "ben": [b.to_dict() for b in insured.beneficiaries],
        }
    )


class VitaleCard(ApduResponder):
    """A personalised reference card."""

    atr = CARD_ATR

    def __init__(self, insured: Insured, insurer: Insurer) -> None:
        super().__init__()
        self.insured = insured
        signed = cose.Signer(insurer.key, None).sign(card_data(insured))
        self._files = {EF_IDENTITY: signed}
        self._app_selected = False
        self._current: int | None = None

    def on_reset(self) -> None:
        self._app_selected = False
        self._current = None

    def handle(self, cmd: CommandApdu) -> bytes:
        if cmd.cla != CLA_ISO:
            raise Rejected(SW.INS_NOT_SUPPORTED)
        if cmd.ins == INS_SELECT:
            return self._select(cmd)
        if cmd.ins == INS_READ_BINARY:
            return self._read(cmd)
        raise Rejected(SW.INS_NOT_SUPPORTED)

    def _select(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 == 0x04:
            if cmd.p2 not in (0x00, 0x0C):
                raise Rejected(SW.WRONG_P1P2)
            self._current = None
            self._app_selected = cmd.data == AID_CARD
            if not self._app_selected:
                raise Rejected(SW.NOT_FOUND)
            return b""
        if cmd.p1 == 0x02:
            if cmd.p2 not in (0x04, 0x0C):
                raise Rejected(SW.WRONG_P1P2)
            if len(cmd.data) != 2:
                raise Rejected(SW.WRONG_LENGTH)
            fid = int.from_bytes(cmd.data, "big")
            if not self._app_selected or fid not in self._files:
                raise Rejected(SW.NOT_FOUND)
            self._current = fid
            return fcp(fid, len(self._files[fid])) if cmd.p2 == 0x04 else b""
        raise Rejected(SW.WRONG_P1P2)

    def _read(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 & 0x80:
            raise Rejected(SW.WRONG_P1P2)  # short-EF addressing is not offered
        if self._current is None:
            raise Rejected(SW.NO_CURRENT_EF)
        le = require_le(cmd)
        content = self._files[self._current]
        offset = (cmd.p1 << 8) | cmd.p2
        if offset > len(content):
            raise Rejected(SW.OFFSET_OUT_OF_FILE)
        return content[offset : offset + le]
