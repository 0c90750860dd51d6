"""Token verification: an NFC presentation in, identity and rights (ADRi) out.

Checks (docs/protocol.md §5.3): the card data is signed by the insurer and names the device
key that signed the presentation, the claims name that card, the selected person is one the
insurer signed, the lifetime and validity window (a delegate's card data outside its window,
which is the delegation's, is refused 403 ``not_delegated``); then against the records: the selected
person is the holder or one of the holder's beneficiaries, the device was not revoked and its
card is the one presented, single use by token id (a replay gets 409 and is logged), and for
a presentation made on someone else's device, an active delegation covering the selected
beneficiary.
"""

from __future__ import annotations

import base64
import binascii
import logging

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Row

from apcv.errors import ApcvError
from apcv.nir import mask_nir
from apcv.profile.r1.issuer_signed import OutsideValidity
from apcv.profile.r1.presentation import PresentationClaims, verify_presentation
from apcv.profile.r1.qr import QrClaims
from simulators.backend.auth import Caller, practitioner
from simulators.backend.card_window import outside_window_refusal
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.delegations import delegation_covers, holder_card_current, presenting_device_delegated
from simulators.backend.errors import ApiError
from simulators.backend.lean_route import LeanRoute
from simulators.backend.lookups import DeviceRow, PersonRow
from simulators.backend.people import identity_json, rights_json, unknown_nir
from simulators.backend.signing import device_id

router = APIRouter(tags=["verification"], route_class=LeanRoute)
log = logging.getLogger("apcv.backend.verification")


class VerificationRequest(BaseModel):
    """A presentation read by the practitioner's reader."""

    presentation: str = Field(min_length=1, max_length=16000, description="base64 COSE_Sign1 (R1 NFC)")


class Identity(BaseModel):
    """INS identity traits and NIR."""

    nir: str
    birth_name: str
    first_names: list[str]
    birth_date: str
    sex: str
    birthplace: str


class Rights(BaseModel):
    """Rights (ADRi) of one person."""

    nir: str
    regime_code: str
    regime_name: str
    fund_code: str
    fund_name: str
    rights_from: str
    rights_until: str | None
    rights_open: bool
    as_of: str


class Verification(BaseModel):
    """A verified, now spent, presentation."""

    token_id: str
    expires_at: int
    card_reference: str
    delegated: bool
    identity: Identity
    rights: Rights


def answer_once(ctx: BackendContext, caller: Caller, claims: PresentationClaims | QrClaims, *, holder: str,
                person: Row | PersonRow, delegated: bool, replayed: bool, kind: str) -> Verification:
    """The answer to a verified ``kind`` of token (NFC or QR): identity and rights of ``person``
    today. One spent before (``replayed``) is refused with 409, and logged, while the policy
    wants single use."""
    token = claims.token_id.hex()
    if replayed and ctx.policy.single_use_tokens:
        log.warning("replayed %s %s from rpps %s (card holder %s)", kind, token, caller.ident,
                    mask_nir(holder))
        raise ApiError(409, "token_replayed", f"token {token} was already used")
    return Verification(token_id=token, expires_at=claims.expires_at, card_reference=claims.card_reference,
                        delegated=delegated, identity=Identity(**identity_json(person)),
                        rights=Rights(**rights_json(person, ctx.today())))


def _decode(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "bad_presentation", "presentation is not base64") from None


def _check_device(ctx: BackendContext, claims: PresentationClaims, device: DeviceRow | None) -> bool:
    """Refuse revoked devices, another card on the holder's device, undelegated presentations;
    True when delegated."""
    if device is None:
        return False  # certified by the insurer outside this service (e.g. a factory phone)

    def covered() -> bool:
        with ctx.engine.connect() as conn:
            return delegation_covers(conn, claims.holder.nir, device.nir, claims.selected_identity.nir,
                                     ctx.now(), ends=ctx.policy.delegation_ends)

    def card_current() -> bool:
        with ctx.engine.connect() as conn:
            return holder_card_current(conn, claims.holder.nir, claims.card_reference)

    delegated = presenting_device_delegated(device.status, device.nir, claims.holder.nir, covered,
                                            card_current)
    if not delegated and device.card_reference != claims.card_reference:
        raise ApiError(403, "card_mismatch", f"the presenting device holds card {device.card_reference!r}, "
                       f"not {claims.card_reference!r}")
    return delegated


@router.post("/v1/verifications", response_model=Verification)
async def verify(body: VerificationRequest, caller: Caller = Depends(practitioner),
           ctx: BackendContext = Depends(backend_context)) -> Verification:
    """Verify an NFC presentation once; return identity and rights of the selected beneficiary."""
    message = _decode(body.presentation)
    try:
        claims, key = verify_presentation(message, ctx.trust, ctx.now_datetime())
    except OutsideValidity as exc:
        raise outside_window_refusal(ctx, message, exc) from None
    except ApcvError as exc:
        raise ApiError(422, "invalid_presentation", str(exc).replace("\n", " ")) from None
    token = claims.token_id.hex()
    holder, selected = claims.holder.nir, claims.selected_identity.nir
    with ctx.hot.connection() as conn:
        person = conn.person(selected)
        if person is None:
            raise unknown_nir(selected)
        if selected != holder and ctx.policy.records_checked and not conn.is_beneficiary(holder, selected):
            raise ApiError(403, "not_a_beneficiary", f"the records do not attach {mask_nir(selected)} to the "
                           f"card holder {mask_nir(holder)} as a beneficiary")
        delegated = _check_device(ctx, claims, conn.device(device_id(key)))
        replayed = not conn.claim_token(token, caller.ident, holder, selected, ctx.now(), claims.expires_at)
    return answer_once(ctx, caller, claims, holder=holder, person=person, delegated=delegated,
                       replayed=replayed, kind="token")
