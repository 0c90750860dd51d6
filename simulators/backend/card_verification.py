"""Card readings: the signed data of a physical Vitale card in, identity and rights out.

A card is static (nothing in it is bound to a session or to a time), so a reading cannot be
single use; each verified reading gets a fresh token id instead, spent at once for the
practitioner who read it, which the claim (FSE) of that visit then names.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from apcv.errors import ApcvError
from apcv.profile.r1 import cose, strict_cbor
from apcv.profile.r1.constants import PRESENTATION_LIFETIME_S
from simulators.backend.auth import Caller, practitioner
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError
from simulators.backend.lean_route import LeanRoute
from simulators.backend.people import beneficiary_nirs, identity_json, require_person, rights_json
from simulators.backend.verification import Identity, Rights, Verification

router = APIRouter(tags=["verification"], route_class=LeanRoute)


class CardReading(BaseModel):
    """What the practitioner's reader read from the card's identity file."""

    card: str = Field(min_length=1, max_length=16000,
                      description="base64 of the signed card data (COSE_Sign1)")
    beneficiary: int = Field(0, ge=0, le=12, description="0: the holder; n: the n-th beneficiary on the card")


def _card_people(ctx: BackendContext, encoded: str) -> tuple[str, str, list[str]]:
    """Serial, holder NIR and beneficiary NIRs of signed card data; 422 naming the fault."""
    try:
        signed = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "bad_card", "card data is not base64") from None
    try:
        data = strict_cbor.loads(cose.verify(signed, ctx.trust.public_key))
        holder = str(data["holder"]["nir"])
        listed = [str(b["identity"]["nir"]) for b in data["ben"]]
        return str(data["serial"]), holder, listed
    except ApcvError as exc:
        raise ApiError(422, "invalid_card", f"card data does not verify: {exc}") from None
    except strict_cbor.StrictCborError as exc:
        raise ApiError(422, "invalid_card", f"card data is not profile CBOR: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(422, "invalid_card", f"card data is malformed: {type(exc).__name__}") from None


@router.post("/v1/verifications/card", response_model=Verification)
async def verify_card(body: CardReading, caller: Caller = Depends(practitioner),
                      ctx: BackendContext = Depends(backend_context)) -> Verification:
    """Verify a card reading (insurer signature); identity and rights of the chosen person."""
    serial, holder, listed = _card_people(ctx, body.card)
    if body.beneficiary > len(listed):
        raise ApiError(422, "unknown_beneficiary", f"the card lists {len(listed)} beneficiaries, "
                       f"not {body.beneficiary}")
    selected = holder if body.beneficiary == 0 else listed[body.beneficiary - 1]
    with ctx.engine.connect() as conn:
        require_person(conn, holder)
        if selected != holder and selected not in beneficiary_nirs(conn, holder):
            raise ApiError(422, "unknown_beneficiary",
                           "the card's beneficiary is no longer attached to its holder")
        person = require_person(conn, selected)
    token = secrets.token_hex(16)
    now = ctx.now()
    expires = int(now) + PRESENTATION_LIFETIME_S
    with ctx.hot.connection() as hot:
        hot.claim_token(token, caller.ident, holder, selected, now, expires)
    return Verification(token_id=token, expires_at=expires, card_reference=serial, delegated=False,
                        identity=Identity(**identity_json(person)),
                        rights=Rights(**rights_json(person, ctx.today())))
