"""Why an NFC presentation whose card data is outside its validity window is refused.

The card data a delegate's phone carries is signed for the delegation's window only
(``GET /v1/delegations/{id}/card``), so a delegate presenting before the start or from the end
on fails the card data's validity check. APCV-BE-041 names that refusal 403 ``not_delegated``,
as for a QR code: what the practitioner must hear is that this phone may not present this
person now, not that the data is malformed. The holder's own card out of its window stays 422
``invalid_presentation``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apcv.errors import ApcvError
from apcv.profile.r1 import cose
from apcv.profile.r1.issuer_signed import OutsideValidity, verify_issuer_signed
from apcv.profile.r1.presentation import claims_from, claims_map
from simulators.backend.context import BackendContext
from simulators.backend.delegations import (
    delegation_covers,
    holder_card_current,
    presenting_device_delegated,
)
from simulators.backend.errors import ApiError
from simulators.backend.signing import device_id


def outside_window_refusal(ctx: BackendContext, message: bytes, error: OutsideValidity) -> ApiError:
    """The refusal of ``message``, a presentation whose card data failed only its window: the
    presenting device's standing (revoked, not active, not delegated now) when the rest of the
    presentation verifies at the start of the window, else 422 ``invalid_presentation``."""
    invalid = ApiError(422, "invalid_presentation", str(error).replace("\n", " "))
    try:
        _, payload = cose.peek(message)
        raw = claims_map(payload)
        card = verify_issuer_signed(raw["iss"], ctx.trust, datetime.fromtimestamp(error.valid_from, UTC))
        cose.verify(message, card.device_key)
        claims = claims_from(raw, card)
    except ApcvError:
        return invalid
    holder, selected = claims.holder.nir, claims.selected_identity.nir
    with ctx.hot.connection() as conn:
        device = conn.device(device_id(card.device_key))
    if device is None:
        return invalid

    def covered() -> bool:
        with ctx.engine.connect() as conn:
            return delegation_covers(conn, holder, device.nir, selected, ctx.now(),
                                     ends=ctx.policy.delegation_ends)

    def card_current() -> bool:
        with ctx.engine.connect() as conn:
            return holder_card_current(conn, holder, claims.card_reference)

    try:
        presenting_device_delegated(device.status, device.nir, holder, covered, card_current)
    except ApiError as refusal:
        return refusal
    return invalid

