"""The scenario as a bare reader: select the applet and open an R1 session by raw APDUs."""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.session import (
    SecureChannel,
    SessionKeys,
    derive_session_keys,
    encode_point,
    new_ephemeral_key,
    transcript,
)

SELECT_APCV = "00 A4 04 00 06 F04150435601 00"


@dataclass
class OpenSession:
    """A session opened by the scenario acting as a reader."""

    channel: SecureChannel
    keys: SessionKeys
    phone_point: bytes = b""
    phone_nonce: bytes = b""

    def request(self, beneficiary: int = 0, challenge: bytes = b"C" * 16) -> bytes:
        """A sealed GET PRESENTATION request body."""
        return self.channel.seal(cbor2.dumps({1: challenge, 2: beneficiary}))


def establish(apdu) -> OpenSession:
    """SELECT then ESTABLISH SESSION over raw APDUs; asserts both succeed."""
    assert apdu.send(SELECT_APCV).sw == 0x9000
    key = new_ephemeral_key()
    point, nonce = encode_point(key.public_key()), b"N" * 16
    rsp = apdu.send(CommandApdu(0x80, 0x50, 0, 0, point + nonce, le=256).encode())
    assert rsp.sw == 0x9000, f"ESTABLISH SESSION answered {rsp.sw:04X}"
    assert len(rsp.data) == 81
    keys = derive_session_keys(key, rsp.data[:65], transcript(point, nonce, rsp.data[:65], rsp.data[65:]))
    return OpenSession(SecureChannel(keys, "reader"), keys, rsp.data[:65], rsp.data[65:])

