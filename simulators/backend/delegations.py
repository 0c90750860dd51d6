"""Delegations of a card: which beneficiaries, to whom, from when to when.

The card holder's active device creates (idempotent by ``Idempotency-Key``) and revokes them;
holder and delegate list them. The delegate's active device fetches the delegated card: the
holder's card data signed by the insurer for the delegate's device key, with the delegated
beneficiaries only, valid for the delegation's window, so it can present the card over NFC.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, Row, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from apcv.nir import mask_nir
from simulators.backend import db
from simulators.backend.auth import Caller, active_device
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError
from simulators.backend.idempotency import (
    fingerprint,
    idempotency_key,
    previous_answer,
    remember_answer,
    require_key,
)
from simulators.backend.people import NIR_PATTERN, beneficiary_nirs, insured_record, require_person

router = APIRouter(tags=["delegations"])
MAX_DELEGATION_S = 366 * 24 * 3600


class DelegationRequest(BaseModel):
    """A delegation to create."""

    delegate_nir: str = Field(pattern=NIR_PATTERN)
    beneficiaries: list[str] = Field(min_length=1, max_length=12, description="NIRs: holder or beneficiaries")
    valid_from: float = Field(ge=0, le=4e9, description="POSIX seconds")
    valid_until: float = Field(ge=0, le=4e9, description="POSIX seconds")

    @model_validator(mode="after")
    def _window(self) -> DelegationRequest:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.valid_until - self.valid_from > MAX_DELEGATION_S:
            raise ValueError("a delegation lasts at most 366 days")
        return self


class DelegatedCard(BaseModel):
    """The holder's card for the delegate's device: card data the insurer signed for that device."""

    delegation_id: str
    card_reference: str
    card_data: str = Field(description="base64 CBOR of the insurer-signed card data (APCV-R1 §5.2)")
    valid_from: float
    valid_until: float


class Delegation(BaseModel):
    """A delegation as stored."""

    delegation_id: str
    holder_nir_masked: str
    delegate_nir_masked: str
    beneficiaries: list[str]
    valid_from: float
    valid_until: float
    revoked_at: float | None


def delegation_covers(conn: Connection, holder: str, delegate: str, selected: str, now: float, *,
                      ends: bool = True) -> bool:
    """True when ``holder`` has delegated the card to ``delegate`` for ``selected`` at ``now``
    (``ends`` False: a faulty variant that ignores the delegation's end)."""
    rows = conn.execute(select(db.delegation).where(
        db.delegation.c.holder_nir == holder, db.delegation.c.delegate_nir == delegate,
        db.delegation.c.revoked_at.is_(None)))
    return any(d.valid_from <= now and (now < d.valid_until or not ends)
               and selected in json.loads(d.beneficiaries) for d in rows)


def holder_card_current(conn: Connection, holder: str, card_reference: str) -> bool:
    """Whether ``card_reference`` is the holder's active digital card now (a re-enrolment replaces it)."""
    return conn.execute(select(db.device.c.device_id).where(
        db.device.c.nir == holder, db.device.c.status == "active",
        db.device.c.card_reference == card_reference)).first() is not None


def presenting_device_delegated(status: str, owner_nir: str, holder: str,
                                covered: Callable[[], bool], card_current: Callable[[], bool]) -> bool:
    """Refuse a device that is not active, and a presentation made on someone else's device
    unless ``covered()`` (a delegation for the selected beneficiary, now) and ``card_current()``
    (the delegated card is still the holder's active one); True when delegated."""
    if status == "revoked":
        raise ApiError(403, "device_revoked", "the presenting device was revoked by a newer activation")
    if status != "active":
        raise ApiError(403, "unknown_device", f"the presenting device is {status}, not active")
    if owner_nir == holder:
        return False
    if covered():
        if not card_current():
            raise ApiError(403, "card_replaced", "the card holder re-enrolled: this delegated card is "
                           "revoked (the delegate fetches the delegation's card again)")
        return True
    raise ApiError(403, "not_delegated", "the presenting device's owner holds no delegation of this card "
                   "for this beneficiary at this time")


def _view(row: Row) -> Delegation:
    return Delegation(delegation_id=row.delegation_id, holder_nir_masked=mask_nir(row.holder_nir),
                      delegate_nir_masked=mask_nir(row.delegate_nir),
                      beneficiaries=json.loads(row.beneficiaries),
                      valid_from=row.valid_from, valid_until=row.valid_until, revoked_at=row.revoked_at)


@router.post("/v1/delegations", status_code=201, response_model=Delegation)
async def create_delegation(body: DelegationRequest, request: Request,
                            key: str | None = Depends(idempotency_key),
                            caller: Caller = Depends(active_device),
                            ctx: BackendContext = Depends(backend_context)) -> Any:
    """Delegate the card of the device's owner for some beneficiaries during a window."""
    key = require_key(key)
    if body.delegate_nir == caller.nir:
        raise ApiError(422, "self_delegation", "a card cannot be delegated to its own holder")
    key_id, request_hash = f"device:{caller.ident}", await fingerprint(request)
    try:
        with ctx.engine.begin() as conn:
            if (answer := previous_answer(conn, key_id, key, request_hash, ctx.now())) is not None:
                return answer
            view = _create(conn, ctx, body, caller)
            remember_answer(conn, key_id, key, request_hash, 201, view.model_dump(), ctx.now())
    except IntegrityError:  # a concurrent twin with the same key was stored first: its answer
        with ctx.engine.connect() as conn:
            answer = previous_answer(conn, key_id, key, request_hash, ctx.now())
        if answer is None:
            raise
        return answer
    return JSONResponse(view.model_dump(), status_code=201)


def _create(conn: Connection, ctx: BackendContext, body: DelegationRequest, caller: Caller) -> Delegation:
    require_person(conn, body.delegate_nir)
    allowed = beneficiary_nirs(conn, caller.nir) | {caller.nir}
    foreign = [n for n in body.beneficiaries if n not in allowed]
    if foreign:
        raise ApiError(422, "not_a_beneficiary",
                       f"{mask_nir(foreign[0])} is not the holder or one of the holder's beneficiaries")
    delegation_id = secrets.token_hex(16)
    conn.execute(insert(db.delegation).values(
        delegation_id=delegation_id, holder_nir=caller.nir, delegate_nir=body.delegate_nir,
        beneficiaries=json.dumps(sorted(set(body.beneficiaries))), valid_from=body.valid_from,
        valid_until=body.valid_until, created_at=ctx.now()))
    d = db.delegation.c
    return _view(conn.execute(select(db.delegation).where(d.delegation_id == delegation_id)).one())


@router.get("/v1/delegations/{delegation_id}/card", response_model=DelegatedCard)
async def delegated_card(delegation_id: str, caller: Caller = Depends(active_device),
                         ctx: BackendContext = Depends(backend_context)) -> DelegatedCard:
    """The delegated card for the delegate's device: holder, rights and delegated beneficiaries,
    signed by the insurer for this device key, valid during the delegation's window."""
    d = db.delegation.c
    with ctx.engine.connect() as conn:
        row = conn.execute(select(db.delegation).where(d.delegation_id == delegation_id)).first()
        if row is None or row.delegate_nir != caller.nir:
            raise ApiError(404, "unknown_delegation", f"no delegation {delegation_id[:40]!r} to this person")
        if row.revoked_at is not None or row.valid_until <= ctx.now():
            raise ApiError(409, "delegation_over", f"delegation {delegation_id} is revoked or over")
        card = conn.execute(select(db.device.c.card_reference).where(
            db.device.c.nir == row.holder_nir, db.device.c.status == "active")).first()
        if card is None:
            raise ApiError(409, "holder_card_inactive", "the card holder has no active digital card now")
        device = conn.execute(select(db.device.c.public_key)
                              .where(db.device.c.device_id == caller.ident)).one()
        delegated = set(json.loads(row.beneficiaries))
        insured = insured_record(conn, row.holder_nir, only=delegated)
    key = load_der_public_key(device.public_key)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    start = datetime.fromtimestamp(row.valid_from, UTC)
    days = (row.valid_until - row.valid_from) / 86400
    signed = ctx.insurer.issue_card_data(insured, card.card_reference, key, not_before=start, days=days,
                                         delegated=True)
    return DelegatedCard(delegation_id=delegation_id, card_reference=card.card_reference,
                         card_data=base64.b64encode(signed.to_bytes()).decode(), valid_from=row.valid_from,
                         valid_until=row.valid_until)


@router.get("/v1/delegations", response_model=list[Delegation])
async def list_delegations(caller: Caller = Depends(active_device),
                     ctx: BackendContext = Depends(backend_context)) -> list[Delegation]:
    """Delegations the device's owner gave or received."""
    d = db.delegation.c
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(db.delegation).where(or_(d.holder_nir == caller.nir,
                                                            d.delegate_nir == caller.nir))
                            .order_by(d.created_at)).all()
    return [_view(r) for r in rows]


@router.delete("/v1/delegations/{delegation_id}", response_model=Delegation)
async def revoke_delegation(delegation_id: str, caller: Caller = Depends(active_device),
                      ctx: BackendContext = Depends(backend_context)) -> Delegation:
    """Revoke a delegation (the holder only); revoking twice keeps the first time."""
    d = db.delegation.c
    with ctx.engine.begin() as conn:
        row = conn.execute(select(db.delegation).where(d.delegation_id == delegation_id)).first()
        if row is None or row.holder_nir != caller.nir:
            raise ApiError(404, "unknown_delegation", f"no delegation {delegation_id[:40]} by this holder")
        if row.revoked_at is None:
            conn.execute(update(db.delegation).where(d.delegation_id == delegation_id)
                         .values(revoked_at=ctx.now()))
        row = conn.execute(select(db.delegation).where(d.delegation_id == delegation_id)).one()
    return _view(row)
