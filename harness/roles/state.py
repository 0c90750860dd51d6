"""The known state a phone under test starts each test in, read over the reader: on the reader,
the apCV application selectable, the app unlocked (a session opens)."""

from __future__ import annotations

import contextlib

from apcv.links.base import LinkError, NoCardPresent, ReaderLink
from apcv.profile.r1.apdu import CommandApdu, parse_response
from apcv.profile.r1.constants import AID_APCV, SW
from apcv.profile.r1.session import encode_point, new_ephemeral_key

NONCE = b"K" * 16
"""The reader nonce of the probe's session (any 16 bytes)."""
SELECT = CommandApdu(0x00, 0xA4, 0x04, 0x00, AID_APCV, le=256).encode()


def phone_state_problem(link: ReaderLink) -> str | None:
    """How the phone on ``link`` differs from its known state, or None. A phone that does not
    answer at all is left to the silent-device path of the test's own exchanges (None)."""
    try:
        link.connect()
    except NoCardPresent as exc:
        return f"no phone on the reader ({exc})"
    try:
        select = parse_response(link.transceive(SELECT))
        if select.sw != SW.OK:
            return f"SELECT of the apCV application answered {select.sw:04X}"
        point = encode_point(new_ephemeral_key().public_key())
        session = parse_response(link.transceive(CommandApdu(0x80, 0x50, 0, 0, point + NONCE,
                                                             le=256).encode()))
        if session.sw == SW.SECURITY_NOT_SATISFIED:
            return "the app is locked (ESTABLISH SESSION answered 6982)"
        if session.sw != SW.OK:
            return f"ESTABLISH SESSION answered {session.sw:04X}"
        return None
    except NoCardPresent as exc:
        return f"the phone left the reader ({exc})"
    except LinkError:
        return None
    finally:
        with contextlib.suppress(LinkError):  # the next connect starts afresh
            link.disconnect()
