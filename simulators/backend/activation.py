"""Activation of the apCV on a phone, and the video-proof review queue.

An enrolment is signed with the device key it enrols (proof of possession) and proves who
enrols: either a France Identité assertion for that NIR and that device key
(:mod:`apcv.identity_proof`), checked at once, or a video that a human operator reviews.
Rules: the person exists, is 16 or older, is not under guardianship; completing an
activation certifies the device key, signs the card data from the records for it
(APCV-R1 §5.2) and revokes the person's previous active device (one active digital card per
person) — only ever for a proven holder. Enrolments are idempotent by ``Idempotency-Key``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from datetime import timedelta
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from apcv.errors import ApcvError
from apcv.identity_proof import MAX_ASSERTION_TEXT, verify_assertion
from apcv.nir import mask_nir
from simulators.backend import db
from simulators.backend.auth import Caller, authenticate, check_signature, operator, read_signed
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError
from simulators.backend.idempotency import (
    fingerprint,
    idempotency_key,
    previous_answer,
    remember_answer,
    require_key,
)
from simulators.backend.people import NIR_PATTERN, age_on, insured_record, require_person
from simulators.backend.signing import device_id, public_key_der

router = APIRouter(tags=["activation"])
log = logging.getLogger("apcv.backend.activation")
MINIMUM_AGE = 16


class Enrolment(BaseModel):
    """An activation request from a phone."""

    nir: str = Field(pattern=NIR_PATTERN)
    device_public_key: str = Field(min_length=1, max_length=400, description="base64 SPKI DER, P-256")
    proof: Literal["france_identite", "video"]
    identity_assertion: str | None = Field(
        None, min_length=1, max_length=MAX_ASSERTION_TEXT,
        description="base64 COSE_Sign1 from France Identité for this NIR and this device key; required "
                    "with proof france_identite")


class Activation(BaseModel):
    """State of an activation; the certificate once it is active."""

    activation_id: str
    status: Literal["pending", "active", "revoked", "rejected"]
    device_id: str
    nir_masked: str
    proof: str
    card_reference: str | None = None
    device_certificate: str | None = Field(None, description="base64 DER X.509, issued by the insurer")
    card_data: str | None = Field(None, description="base64 CBOR of the insurer-signed card data "
                                                    "(APCV-R1 §5.2) for this device")
    reason: str | None = None


class Rejection(BaseModel):
    """Why a reviewer rejects a video enrolment."""

    reason: str = Field(min_length=1, max_length=500)


def _device_key(encoded: str) -> ec.EllipticCurvePublicKey:
    try:
        key = load_der_public_key(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise ApiError(422, "bad_device_key", "device_public_key is not base64 SPKI DER") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ApiError(422, "bad_device_key", "device_public_key is not an ECDSA P-256 key")
    return key


def _view(row: Row) -> Activation:
    return Activation(
        activation_id=row.activation_id, status=row.status, device_id=row.device_id,
        nir_masked=mask_nir(row.nir), proof=row.proof, card_reference=row.card_reference,
        device_certificate=base64.b64encode(row.certificate).decode() if row.certificate else None,
        card_data=base64.b64encode(row.card_data).decode() if row.card_data else None,
        reason=row.reason)


def _check_rules(conn: Connection, ctx: BackendContext, nir: str) -> None:
    """Refuse a person too young or under guardianship today: checked when an enrolment is made
    and again when a video enrolment is approved (the records may have changed in between)."""
    person = require_person(conn, nir)
    if age_on(person.birth_date, ctx.today()) < ctx.policy.minimum_age:
        raise ApiError(403, "too_young", f"the apCV needs age {ctx.policy.minimum_age} or more")
    if person.under_guardianship:
        raise ApiError(403, "under_guardianship", "a person under guardianship cannot activate the apCV")


def _complete(conn: Connection, ctx: BackendContext, row: Row) -> None:
    """Certify the device, sign its card data from the records, make it the person's only active one.

    Called only once the holder is proven (France Identité assertion checked, or video approved).
    """
    key = load_der_public_key(row.public_key)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    card_reference = f"APCV-{secrets.token_hex(6).upper()}"
    not_before = ctx.now_datetime() - timedelta(minutes=5)
    cert = ctx.insurer.issue_device_certificate(key, card_reference, not_before=not_before)
    card_data = ctx.insurer.issue_card_data(insured_record(conn, row.nir), card_reference, key,
                                            not_before=not_before)
    now = ctx.now()
    if ctx.policy.one_active_device:
        revoked = conn.execute(update(db.device)
                               .where(db.device.c.nir == row.nir, db.device.c.status == "active")
                               .values(status="revoked", reason="replaced by a newer activation",
                                       decided_at=now))
        if revoked.rowcount:
            log.info("activation of %s revoked %d older device(s)", mask_nir(row.nir), revoked.rowcount)
    conn.execute(update(db.device).where(db.device.c.device_id == row.device_id).values(
        status="active", card_reference=card_reference, certificate=cert.public_bytes(Encoding.DER),
        card_data=card_data.to_bytes(), decided_at=now))


def _load(conn: Connection, activation_id: str) -> Row:
    row = conn.execute(select(db.device).where(db.device.c.activation_id == activation_id)).first()
    if row is None:
        raise ApiError(404, "unknown_activation", f"no activation {activation_id[:40]}")
    return row


def _check_identity_proof(ctx: BackendContext, body: Enrolment, device: str) -> None:
    """403 unless a France Identité enrolment carries a valid assertion for this NIR and device."""
    if body.proof == "video":
        if body.identity_assertion is not None:
            raise ApiError(422, "invalid_request", "identity_assertion goes with proof france_identite only")
        return
    if not ctx.policy.identity_proven:
        return  # a faulty variant: the proof is taken on trust
    if body.identity_assertion is None:
        raise ApiError(403, "identity_not_proven", "proof france_identite needs an identity_assertion")
    try:
        proven = verify_assertion(body.identity_assertion, ctx.identity_provider, now=ctx.now())
    except ApcvError as exc:
        raise ApiError(403, "identity_not_proven", str(exc)) from None
    if proven.nir != body.nir:
        raise ApiError(403, "identity_not_proven", "the France Identité assertion proves another person "
                       f"({mask_nir(proven.nir)}), not {mask_nir(body.nir)}")
    if proven.device_id.hex() != device:
        raise ApiError(403, "identity_not_proven", "the France Identité assertion is for another device key")


@router.post("/v1/activations", status_code=201, response_model=Activation,
             responses={202: {"model": Activation, "description": "video proof: queued for review"}})
async def enrol(body: Enrolment, request: Request, key: str | None = Depends(idempotency_key),
                ctx: BackendContext = Depends(backend_context)) -> Any:
    """Enrol a device key; signed with that key (``X-Apcv-Key-Id: device:<id>``)."""
    signed = await read_signed(request, ctx)
    device_key = _device_key(body.device_public_key)
    ident = device_id(device_key)
    if signed.key_id != f"device:{ident}":
        raise ApiError(403, "wrong_key", "an enrolment must be signed with the device key it enrols")
    check_signature(signed, public_key_der(device_key), ctx)
    request_hash = await fingerprint(request)
    try:
        return _enrol(ctx, body, device_key, ident, require_key(key), signed.key_id, request_hash)
    except IntegrityError:  # a concurrent twin with the same key was stored first: its answer
        with ctx.engine.connect() as conn:
            answer = previous_answer(conn, signed.key_id, key, request_hash, ctx.now())
        if answer is None:
            raise ApiError(409, "key_already_enrolled", f"device key {ident} is already enrolled") from None
        return answer


def _enrol(ctx: BackendContext, body: Enrolment, device_key: ec.EllipticCurvePublicKey, ident: str,
           key: str, key_id: str, request_hash: str) -> Any:
    with ctx.engine.begin() as conn:
        if (answer := previous_answer(conn, key_id, key, request_hash, ctx.now())) is not None:
            return answer
        _check_identity_proof(ctx, body, ident)  # first: who cannot prove a NIR learns nothing about it
        _check_rules(conn, ctx, body.nir)
        if conn.execute(select(db.device.c.device_id).where(db.device.c.device_id == ident)).first():
            raise ApiError(409, "key_already_enrolled", f"device key {ident} is already enrolled")
        activation_id = secrets.token_hex(16)
        conn.execute(insert(db.device).values(
            device_id=ident, activation_id=activation_id, nir=body.nir, public_key=public_key_der(device_key),
            proof=body.proof, status="pending", created_at=ctx.now()))
        row = _load(conn, activation_id)
        if body.proof == "france_identite":
            _complete(conn, ctx, row)
            row = _load(conn, activation_id)
        view = _view(row)
        status = 202 if view.status == "pending" else 201
        remember_answer(conn, key_id, key, request_hash, status, view.model_dump(), ctx.now())
    return JSONResponse(view.model_dump(), status_code=status)


@router.get("/v1/activations/{activation_id}", response_model=Activation)
async def activation_status(activation_id: str, caller: Caller = Depends(authenticate),
                      ctx: BackendContext = Depends(backend_context)) -> Activation:
    """State of an activation, for the device it enrols or an operator."""
    with ctx.engine.connect() as conn:
        row = _load(conn, activation_id)
    if caller.kind != "operator" and not (caller.kind == "device" and caller.ident == row.device_id):
        raise ApiError(403, "wrong_caller", "only the enrolling device or an operator may read this")
    return _view(row)


@router.get("/v1/review/activations", response_model=list[Activation])
async def review_queue(_: Caller = Depends(operator), ctx: BackendContext = Depends(backend_context)) -> list:
    """Video enrolments waiting for a human reviewer, oldest first."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(db.device).where(db.device.c.status == "pending")
                            .order_by(db.device.c.created_at)).all()
    return [_view(r) for r in rows]


def _pending(conn: Connection, activation_id: str) -> Row:
    row = _load(conn, activation_id)
    if row.status != "pending":
        raise ApiError(409, "not_pending", f"activation {activation_id} is already {row.status}")
    return row


@router.post("/v1/review/activations/{activation_id}/approve", response_model=Activation)
async def approve(activation_id: str, _: Caller = Depends(operator),
            ctx: BackendContext = Depends(backend_context)) -> Activation:
    """Approve a video enrolment: the device is certified and becomes the active one, if the person
    may still activate the apCV today (age, guardianship)."""
    with ctx.engine.begin() as conn:
        row = _pending(conn, activation_id)
        _check_rules(conn, ctx, row.nir)
        _complete(conn, ctx, row)
        return _view(_load(conn, activation_id))


@router.post("/v1/review/activations/{activation_id}/reject", response_model=Activation)
async def reject(activation_id: str, body: Rejection, _: Caller = Depends(operator),
           ctx: BackendContext = Depends(backend_context)) -> Activation:
    """Reject a video enrolment with a reason."""
    with ctx.engine.begin() as conn:
        _pending(conn, activation_id)
        conn.execute(update(db.device).where(db.device.c.activation_id == activation_id)
                     .values(status="rejected", reason=body.reason, decided_at=ctx.now()))
        return _view(_load(conn, activation_id))
