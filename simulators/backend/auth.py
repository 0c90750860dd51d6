"""Authentication of signed requests (scheme APCV-SIG-1, see :mod:`signing`).

Callers: practitioners (``rpps:``) and review operators (``operator:``) from the
directory the service holds, and devices (``device:``) whose key was enrolled at
activation. Missing or malformed signature headers get 401; a signature that does not
verify, a stale timestamp, an unknown key or a caller of the wrong kind get 403.
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
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TIMESTAMP_WINDOW_S,
    signed_bytes,
)


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


@lru_cache(maxsize=65536)
def _public_key(der: bytes) -> ec.EllipticCurvePublicKey:
    key = load_der_public_key(der)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


async def read_signed(request: Request, ctx: BackendContext) -> SignedRequest:
    """Parse the signature headers and check the timestamp window; 401 when absent."""
    key_id = request.headers.get(KEY_ID_HEADER)
    stamp = request.headers.get(TIMESTAMP_HEADER)
    signature = request.headers.get(SIGNATURE_HEADER)
    missing = [h for h, v in ((KEY_ID_HEADER, key_id), (TIMESTAMP_HEADER, stamp),
                              (SIGNATURE_HEADER, signature)) if not v]
    if missing:
        raise ApiError(401, "unsigned", f"request is not signed: missing header {', '.join(missing)}")
    assert key_id is not None and stamp is not None and signature is not None
    if not stamp.isdigit() or len(stamp) > 12:
        raise ApiError(401, "bad_timestamp", f"{TIMESTAMP_HEADER} must be POSIX seconds, got {stamp[:20]!r}")
    skew = int(stamp) - ctx.now()
    if abs(skew) > TIMESTAMP_WINDOW_S:
        raise ApiError(403, "stale_timestamp",
                       f"request timestamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} "
                       f"the service clock (window {TIMESTAMP_WINDOW_S} s)")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(401, "bad_signature_encoding", f"{SIGNATURE_HEADER} is not base64") from None
    target = request_target(request)
    body = await request.body()
    return SignedRequest(key_id, raw, signed_bytes(request.method, target, int(stamp), body))


def request_target(request: Request) -> str:
    """The request target exactly as sent on the wire (percent-encoding kept), which is what
    APCV-SIG-1 signs: the decoded path would lose characters such as ``%3F`` or ``%23``."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return (raw_path + (b"?" + query if query else b"")).decode("latin-1")


def check_signature(signed: SignedRequest, public_key_der: bytes) -> None:
    """403 unless ``signed`` verifies with the key."""
    try:
        _public_key(public_key_der).verify(signed.signature, signed.message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise ApiError(403, "bad_signature", f"signature does not verify for key {signed.key_id}") from None


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
        check_signature(signed, public_key)
        return Caller(role, ident)
    if kind == "device":
        with ctx.hot.connection() as conn:
            device = conn.device(ident)
        if device is None:
            raise ApiError(403, "unknown_key", f"device {ident[:40]} was never enrolled")
        public_key, nir, status = device
        check_signature(signed, public_key)
        return Caller("device", ident, nir, status)
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
