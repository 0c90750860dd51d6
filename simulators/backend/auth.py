"""Authentication of signed requests (scheme APCV-SIG-1, see :mod:`signing`).

Callers: practitioners (``rpps:``) and review operators (``operator:``) from the
directory the service holds, and devices (``device:``) whose key was enrolled at
activation. Missing or malformed signature headers get 401; a signature that does not
verify, a stale timestamp, an unknown key or a caller of the wrong kind get 403. Once a
signature verifies, its nonce is spent in the database until the request's timestamp leaves
the acceptance window: the same signed request again gets 409 ``request_replayed``, on any
worker.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from fastapi import Request

from simulators.backend.context import BackendContext
from simulators.backend.errors import ApiError
from simulators.backend.signing import (
    KEY_ID_HEADER,
    NONCE_HEADER,
    NONCE_PATTERN,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TIMESTAMP_WINDOW_S,
    signed_bytes,
)

NONCE_PURGE_EVERY_S = 30.0
"""How often one worker deletes the nonces that can no longer be replayed."""
MAX_SIGNATURE_HEADER = 200
"""A DER ECDSA P-256 signature is at most 72 bytes: 96 base64 characters."""


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: kind, id (RPPS, operator name or device id) and, for devices, NIR."""

    kind: str  # practitioner, operator, device
    ident: str
    nir: str = ""
    status: str = ""


UNSIGNED_CALLER = Caller("practitioner", "00000000000")
"""Who an unsigned request is taken for by the faulty variant that accepts them."""


@dataclass(frozen=True)
class SignedRequest:
    """The signature headers of a request and the bytes they cover."""

    key_id: str
    signature: bytes
    message: bytes
    nonce: str
    timestamp: int


@lru_cache(maxsize=65536)
def _public_key(der: bytes) -> ec.EllipticCurvePublicKey:
    key = load_der_public_key(der)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


async def read_signed(request: Request, ctx: BackendContext) -> SignedRequest:
    """Parse the signature headers and check the timestamp window; 401 when absent or malformed."""
    headers = request.headers
    values = {h: headers.get(h) for h in (KEY_ID_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)}
    missing = [h for h, v in values.items() if not v]
    if missing:
        raise ApiError(401, "unsigned", f"request is not signed: missing header {', '.join(missing)}")
    key_id, stamp, nonce, signature = (str(v) for v in values.values())
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise ApiError(401, "bad_timestamp",
                       f"{TIMESTAMP_HEADER} must be POSIX seconds (ASCII digits), got {stamp[:20]!r}")
    if not NONCE_PATTERN.fullmatch(nonce):
        raise ApiError(401, "bad_nonce",
                       f"{NONCE_HEADER} must be 32 lowercase hex digits, got {nonce[:40]!r}")
    skew = int(stamp) - ctx.now()
    if abs(skew) > TIMESTAMP_WINDOW_S:
        raise ApiError(403, "stale_timestamp",
                       f"request timestamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} "
                       f"the service clock (window {TIMESTAMP_WINDOW_S} s)")
    if len(signature) > MAX_SIGNATURE_HEADER:
        raise ApiError(401, "bad_signature_encoding", f"{SIGNATURE_HEADER} is longer than a P-256 signature")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(401, "bad_signature_encoding", f"{SIGNATURE_HEADER} is not base64") from None
    target = request_target(request)
    body = await request.body()
    return SignedRequest(key_id, raw, signed_bytes(request.method, target, int(stamp), nonce, body), nonce,
                         int(stamp))


def request_target(request: Request) -> str:
    """The request target exactly as sent on the wire (percent-encoding kept), which is what
    APCV-SIG-1 signs: the decoded path would lose characters such as ``%3F`` or ``%23``."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return (raw_path + (b"?" + query if query else b"")).decode("latin-1")


def check_signature(signed: SignedRequest, public_key_der: bytes, ctx: BackendContext) -> None:
    """403 unless ``signed`` verifies with the key; then spend its nonce (409 for a replay)."""
    try:
        _public_key(public_key_der).verify(signed.signature, signed.message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise ApiError(403, "bad_signature",
                       f"signature does not verify for key {signed.key_id[:80]}") from None
    spend_nonce(ctx, signed)


def spend_nonce(ctx: BackendContext, signed: SignedRequest) -> None:
    """Remember the request's nonce until its timestamp leaves the window; 409 if already seen."""
    if not ctx.policy.nonces_spent:
        return  # a faulty variant: replays pass
    now = ctx.now()
    with ctx.hot.connection() as conn:
        if not conn.spend_nonce(bytes.fromhex(signed.nonce), signed.timestamp + TIMESTAMP_WINDOW_S):
            raise ApiError(409, "request_replayed",
                           f"this signed request was already received (nonce {signed.nonce}); sign each "
                           "request anew")
        if now >= ctx.nonces_purged_at + NONCE_PURGE_EVERY_S:
            ctx.nonces_purged_at = now
            conn.purge_nonces(now - TIMESTAMP_WINDOW_S)


async def authenticate(request: Request) -> Caller:
    """Any registered caller (directory or enrolled device) with a valid signature."""
    ctx: BackendContext = request.app.state.backend
    if not ctx.policy.signatures_required and KEY_ID_HEADER not in request.headers:
        return UNSIGNED_CALLER  # a faulty variant: an unsigned request passes as a practitioner
    signed = await read_signed(request, ctx)
    kind, _, ident = signed.key_id.partition(":")
    if kind in ("rpps", "operator"):
        with ctx.hot.connection() as conn:
            principal = conn.principal(signed.key_id)
        if principal is None:
            raise ApiError(403, "unknown_key", f"key {signed.key_id[:80]} is not in the directory")
        public_key, role = principal
        check_signature(signed, public_key, ctx)
        return Caller(role, ident)
    if kind == "device":
        with ctx.hot.connection() as conn:
            device = conn.device(ident)
        if device is None:
            raise ApiError(403, "unknown_key", f"device {ident[:40]!r} was never enrolled")
        check_signature(signed, device.public_key, ctx)
        return Caller("device", ident, device.nir, device.status)
    raise ApiError(401, "bad_key_id", f"{KEY_ID_HEADER} must start with rpps:, operator: or device:")


async def practitioner(request: Request) -> Caller:
    """A practitioner from the directory."""
    caller = await authenticate(request)
    if caller.kind != "practitioner":
        raise ApiError(403, "wrong_caller", f"only practitioners may call this, not a {caller.kind}")
    return caller


async def operator(request: Request) -> Caller:
    """A review operator from the directory."""
    caller = await authenticate(request)
    if caller.kind != "operator":
        raise ApiError(403, "wrong_caller", f"only review operators may call this, not a {caller.kind}")
    return caller


async def active_device(request: Request) -> Caller:
    """A device whose activation completed and was not revoked since."""
    caller = await authenticate(request)
    if caller.kind != "device":
        raise ApiError(403, "wrong_caller", f"only an activated device may call this, not a {caller.kind}")
    if caller.status != "active":
        raise ApiError(403, "device_not_active", f"device {caller.ident} is {caller.status}, not active")
    return caller
