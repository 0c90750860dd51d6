"""Claims (FSE) and receipts.

A claim is idempotent by claim id, and claim ids are each practitioner's own: the same content
again gets the same acknowledgement (200), other content under a used id gets 409. One visit,
one claim: a verification is billed once (a second claim id on its token gets 409
``token_already_billed``), only by the practitioner who verified it, within
:data:`~apcv.profile.r1.constants.CLAIM_WINDOW_S` of the verification and for at most
:data:`~apcv.profile.r1.constants.CLAIM_CEILING_CENTS`. The claim and its receipt are committed
before the acknowledgement is sent. The card holder's phone fetches its receipts and then
acknowledges those it stored (``POST /v1/receipts/ack``): a receipt is handed over until it is
acknowledged, so an answer lost on the way (a crash, a dropped connection) is fetched again;
a receipt not acknowledged within :data:`RECEIPT_TTL_S` of its claim is purged.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from apcv.profile.r1.constants import CLAIM_CEILING_CENTS, CLAIM_WINDOW_S
from simulators.backend import db
from simulators.backend.auth import Caller, active_device, practitioner
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError

router = APIRouter(tags=["claims"])
RECEIPT_TTL_S = 7 * 24 * 3600


class Act(BaseModel):
    """One billed act."""

    code: str = Field(pattern=r"^[A-Z0-9]{1,8}$", description="act code, e.g. G or CCAM code")
    amount_cents: int = Field(ge=0, le=10_000_000)


class ClaimRequest(BaseModel):
    """An electronic claim (FSE) for care given after a verified presentation."""

    claim_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    token_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="token id returned by /v1/verifications")
    acts: list[Act] = Field(min_length=1, max_length=50)


class ClaimAck(BaseModel):
    """Acknowledgement: the claim is stored durably."""

    claim_id: str
    receipt_id: str
    total_cents: int
    acknowledged_at: float


class Receipt(BaseModel):
    """A receipt for the insured, fetched by their phone."""

    receipt_id: str
    claim_id: str
    beneficiary_nir: str
    rpps: str
    total_cents: int
    created_at: float


def _content_hash(body: ClaimRequest) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()


def _ack(conn: Connection, row: Row) -> ClaimAck:
    receipt_id = conn.execute(select(db.receipt.c.receipt_id).where(
        db.receipt.c.rpps == row.rpps, db.receipt.c.claim_id == row.claim_id)).scalar_one()
    return ClaimAck(claim_id=row.claim_id, receipt_id=receipt_id, total_cents=row.total_cents,
                    acknowledged_at=row.acknowledged_at)


def _existing(conn: Connection, body: ClaimRequest, content_hash: str, rpps: str) -> ClaimAck | None:
    row = conn.execute(select(db.claim).where(db.claim.c.rpps == rpps,
                                              db.claim.c.claim_id == body.claim_id)).first()
    if row is None:
        return None
    if row.content_hash != content_hash:
        raise ApiError(409, "claim_id_reused", f"claim {body.claim_id} exists with other content")
    return _ack(conn, row)


@router.post("/v1/claims", status_code=201, response_model=ClaimAck,
             responses={200: {"model": ClaimAck, "description": "the same claim again: same ack"}})
async def submit_claim(body: ClaimRequest, request: Request, caller: Caller = Depends(practitioner),
                 ctx: BackendContext = Depends(backend_context)) -> ClaimAck | JSONResponse:
    """Store a claim and its receipt (committed before the answer)."""
    content_hash = _content_hash(body)
    total = sum(a.amount_cents for a in body.acts)
    with ctx.engine.begin() as conn:
        if (ack := _existing(conn, body, content_hash, caller.ident)) is not None:
            note_stored(request, conn, caller.ident, body.claim_id)
            return JSONResponse(ack.model_dump(), status_code=200)
        if total > CLAIM_CEILING_CENTS:
            raise ApiError(422, "over_ceiling", f"claim total {total} cents exceeds the ceiling of "
                           f"{CLAIM_CEILING_CENTS} cents per visit")
        token = conn.execute(select(db.used_token).where(db.used_token.c.token_id == body.token_id)).first()
        if token is None or token.rpps != caller.ident:
            raise ApiError(404, "unknown_token", f"token {body.token_id} not verified by this practitioner")
        now = ctx.now()
        if ctx.policy.claim_window_closes and now > token.used_at + CLAIM_WINDOW_S:
            raise ApiError(410, "claim_window_closed", f"token {body.token_id} was verified "
                           f"{int(now - token.used_at)} s ago; a visit is billed within {CLAIM_WINDOW_S} s")
        try:
            with conn.begin_nested():
                if ctx.policy.one_claim_per_visit and conn.execute(
                        update(db.used_token).where(  # its own retry, racing on another worker, may pass
                            db.used_token.c.token_id == body.token_id,
                            db.used_token.c.billed_claim_id.is_(None)
                            | (db.used_token.c.billed_claim_id == body.claim_id))
                        .values(billed_claim_id=body.claim_id)).rowcount != 1:
                    raise ApiError(409, "token_already_billed",
                                   f"token {body.token_id} is billed by another claim: one claim per visit")
                conn.execute(insert(db.claim).values(
                    claim_id=body.claim_id, rpps=caller.ident, token_id=body.token_id,
                    holder_nir=token.holder_nir, beneficiary_nir=token.selected_nir, total_cents=total,
                    content_hash=content_hash, acts=json.dumps([a.model_dump() for a in body.acts]),
                    acknowledged_at=now))
                conn.execute(insert(db.receipt).values(
                    receipt_id=secrets.token_hex(16), claim_id=body.claim_id, holder_nir=token.holder_nir,
                    beneficiary_nir=token.selected_nir, rpps=caller.ident, total_cents=total, created_at=now))
        except IntegrityError:
            ack = _existing(conn, body, content_hash, caller.ident)  # a concurrent twin won the race
            assert ack is not None
            note_stored(request, conn, caller.ident, body.claim_id)
            return JSONResponse(ack.model_dump(), status_code=200)
        row = conn.execute(select(db.claim).where(db.claim.c.rpps == caller.ident,
                                                  db.claim.c.claim_id == body.claim_id)).one()
        note_stored(request, conn, caller.ident, body.claim_id)
        return _ack(conn, row)


def note_stored(request: Request, conn: Connection, rpps: str, claim_id: str) -> None:
    """Tell the audit log (:mod:`.audit`) what the claim stored says: the person billed for (masked),
    the acts and the total, as the insurer keeps them."""
    row = conn.execute(select(db.claim).where(db.claim.c.rpps == rpps, db.claim.c.claim_id == claim_id)).one()
    request.state.audit = {"person": row.beneficiary_nir, "acts": json.loads(row.acts),
                           "total_cents": row.total_cents}


def purge_receipts(conn: Connection, now: float) -> int:
    """Delete receipts never downloaded within the retention time; returns how many."""
    return conn.execute(delete(db.receipt).where(
        db.receipt.c.downloaded_at.is_(None), db.receipt.c.created_at < now - RECEIPT_TTL_S)).rowcount


class ReceiptAck(BaseModel):
    """The receipts a phone has stored: they are not handed over again."""

    receipt_ids: list[str] = Field(max_length=500, description="receipt ids from GET /v1/receipts")


class AckedReceipts(BaseModel):
    """Which of the given receipts this acknowledgement delivered (not acknowledged before)."""

    acknowledged: list[str]


@router.get("/v1/receipts", response_model=list[Receipt])
async def fetch_receipts(caller: Caller = Depends(active_device),
                   ctx: BackendContext = Depends(backend_context)) -> list[Receipt]:
    """Receipts of the device owner not acknowledged yet (a lost answer is fetched again)."""
    now = ctx.now()
    with ctx.engine.begin() as conn:
        if ctx.policy.receipts_expire:
            purge_receipts(conn, now)
        rows = conn.execute(select(db.receipt).where(db.receipt.c.holder_nir == caller.nir,
                                                     db.receipt.c.downloaded_at.is_(None))
                            .order_by(db.receipt.c.created_at).limit(500)).all()
    return [Receipt(receipt_id=r.receipt_id, claim_id=r.claim_id, beneficiary_nir=r.beneficiary_nir,
                    rpps=r.rpps, total_cents=r.total_cents, created_at=r.created_at) for r in rows]


@router.post("/v1/receipts/ack", response_model=AckedReceipts)
async def acknowledge_receipts(body: ReceiptAck, caller: Caller = Depends(active_device),
                               ctx: BackendContext = Depends(backend_context)) -> AckedReceipts:
    """Mark the owner's receipts stored on the phone as delivered; the answer names those this call
    delivered (an acknowledgement sent again delivers nothing more)."""
    if not body.receipt_ids:
        return AckedReceipts(acknowledged=[])
    with ctx.engine.begin() as conn:
        done = conn.execute(update(db.receipt).where(
            db.receipt.c.receipt_id.in_(body.receipt_ids), db.receipt.c.holder_nir == caller.nir,
            db.receipt.c.downloaded_at.is_(None)).values(downloaded_at=ctx.now())
            .returning(db.receipt.c.receipt_id)).scalars().all()
    return AckedReceipts(acknowledged=sorted(done))
