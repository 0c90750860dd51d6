"""Delegations of a card: which beneficiaries, to whom, from when to when.

The card holder's active device creates and revokes them; holder and delegate list them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, Row, insert, or_, select, update

from apcv.nir import mask_nir
from simulators.backend import db
from simulators.backend.auth import Caller, active_device
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError
from simulators.backend.people import NIR_PATTERN, beneficiary_nirs, require_person

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


def presenting_device_delegated(status: str, owner_nir: str, holder: str,
                                covered: Callable[[], bool]) -> bool:
    """Refuse a device that is not active, and a presentation made on someone else's device
    unless ``covered()`` (a delegation for the selected beneficiary, now); True when delegated."""
    if status == "revoked":
        raise ApiError(403, "device_revoked", "the presenting device was revoked by a newer activation")
    if status != "active":
        raise ApiError(403, "unknown_device", f"the presenting device is {status}, not active")
    if owner_nir == holder:
        return False
    if covered():
        return True
    raise ApiError(403, "not_delegated", "the presenting device's owner holds no delegation of this card "
                   "for this beneficiary at this time")


def _view(row: Row) -> Delegation:
    return Delegation(delegation_id=row.delegation_id, holder_nir_masked=mask_nir(row.holder_nir),
                      delegate_nir_masked=mask_nir(row.delegate_nir),
                      beneficiaries=json.loads(row.beneficiaries),
                      valid_from=row.valid_from, valid_until=row.valid_until, revoked_at=row.revoked_at)


@router.post("/v1/delegations", status_code=201, response_model=Delegation)
async def create_delegation(body: DelegationRequest, caller: Caller = Depends(active_device),
                      ctx: BackendContext = Depends(backend_context)) -> Delegation:
    """Delegate the card of the device's owner for some beneficiaries during a window."""
    if body.delegate_nir == caller.nir:
        raise ApiError(422, "self_delegation", "a card cannot be delegated to its own holder")
    with ctx.engine.begin() as conn:
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
        row = conn.execute(select(db.delegation).where(db.delegation.c.delegation_id == delegation_id)).one()
    return _view(row)


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
