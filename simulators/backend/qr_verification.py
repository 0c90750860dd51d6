"""QR token verification: a scanned ``APCV1:`` text in, identity and rights (ADRi) out.

The token references its device certificate by ``kid``; the service finds it among the devices
it certified (or in the token's x5chain) and checks the chain to the insurer root, the
signature and the validity window (docs/protocol.md §11). The card reference resolves to the
card holder, the opaque beneficiary reference to one of their people. A token signed by the
device of someone other than the holder needs a delegation covering that beneficiary now.
Single use by token id: a replay gets 409 and is logged.
"""

from __future__ import annotations

from cryptography.x509.oid import NameOID
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, select

from apcv.errors import ApcvError
from apcv.profile.r1 import qr
from apcv.profile.r1.constants import QR_MAX_TEXT
from simulators.backend import db
from simulators.backend.auth import Caller, practitioner
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.delegations import delegation_covers, holder_card_current, presenting_device_delegated
from simulators.backend.errors import ApiError
from simulators.backend.lean_route import LeanRoute
from simulators.backend.people import beneficiary_nirs, require_person
from simulators.backend.verification import Verification, answer_once

router = APIRouter(tags=["verification"], route_class=LeanRoute)
DEVICE_SUBJECT = "apCV device {card}"


class QrVerificationRequest(BaseModel):
    """The text a practitioner's 2D scanner read from the phone's screen."""

    qr: str = Field(min_length=1, max_length=QR_MAX_TEXT, description="APCV1:... (R1 QR token)")


def _invalid(exc: ApcvError) -> ApiError:
    return ApiError(422, "invalid_presentation", str(exc).replace("\n", " "))


def _device_row(conn: Connection, kid: bytes) -> Row | None:
    return conn.execute(select(db.device.c.nir, db.device.c.status, db.device.c.certificate,
                               db.device.c.card_reference)
                        .where(db.device.c.device_id == kid.hex())).first()


def _card_holder(conn: Connection, card_reference: str) -> str:
    """NIR of the holder of an active card; 404 for an unknown card, 403 for a replaced one."""
    row = conn.execute(select(db.device.c.nir, db.device.c.status)
                       .where(db.device.c.card_reference == card_reference)).first()
    if row is None:
        raise ApiError(404, "unknown_card", f"no digital card {card_reference[:32]!r}")
    if row.status != "active":
        raise ApiError(403, "card_revoked",
                       f"card {card_reference[:32]!r} was replaced by a newer activation")
    return row.nir


def _selected(conn: Connection, holder: str, claims: qr.QrClaims) -> str:
    """NIR of the person the token selects: the holder, or one of their beneficiaries."""
    if claims.beneficiary is None:
        return holder
    for nir in sorted(beneficiary_nirs(conn, holder) | {holder}):
        if claims.selects(nir):
            return nir
    raise ApiError(422, "unknown_beneficiary", "the token's beneficiary is not on this card")


def _check_signer(conn: Connection, ctx: BackendContext, verified: qr.VerifiedQr, device: Row | None,
                  holder: str, selected: str) -> bool:
    """Refuse revoked or unbound devices and undelegated tokens; True when delegated."""
    card = verified.claims.card_reference
    if device is None:  # certified by the insurer outside this service: its certificate names the card
        names = [a.value for a in verified.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if names != [DEVICE_SUBJECT.format(card=card)]:
            raise ApiError(403, "unknown_device", "the signing device is not registered and its "
                           "certificate is not for this card")
        return False
    delegated = presenting_device_delegated(
        device.status, device.nir, holder,
        lambda: delegation_covers(conn, holder, device.nir, selected, ctx.now(),
                                  ends=ctx.policy.delegation_ends),
        lambda: holder_card_current(conn, holder, card))
    if not delegated and device.card_reference != card:
        raise ApiError(403, "card_mismatch", f"the signing device holds card {device.card_reference!r}, "
                       f"not {card[:32]!r}")
    return delegated


@router.post("/v1/verifications/qr", response_model=Verification)
async def verify_qr(body: QrVerificationRequest, caller: Caller = Depends(practitioner),
                    ctx: BackendContext = Depends(backend_context)) -> Verification:
    """Verify a QR token once; return identity and rights of the selected beneficiary."""
    try:
        token = qr.decode(body.qr)
    except ApcvError as exc:
        raise _invalid(exc) from None
    with ctx.engine.connect() as conn:
        device = _device_row(conn, token.kid)
        if device is None and token.certificate_der is None:
            raise ApiError(403, "unknown_device", f"device {token.kid.hex()} was never certified here "
                           "and the token carries no certificate")
        registered = device.certificate if device is not None else None
        try:
            verified = qr.verify(body.qr, ctx.insurer.trust_anchor, ctx.now_datetime(), lambda _: registered)
        except ApcvError as exc:
            raise _invalid(exc) from None
        claims = verified.claims
        holder = _card_holder(conn, claims.card_reference)
        selected = _selected(conn, holder, claims)
        person = require_person(conn, selected)
        delegated = _check_signer(conn, ctx, verified, device, holder, selected)
    with ctx.hot.connection() as hot:
        replayed = not hot.claim_token(claims.token_id.hex(), caller.ident, holder, selected, ctx.now(),
                                       claims.expires_at)
    return answer_once(ctx, caller, claims, holder=holder, person=person, delegated=delegated,
                       replayed=replayed, kind="QR token")
