"""Idempotent mutations: the same ``Idempotency-Key`` from the same caller gets the same answer.

Creating a delegation or enrolling a device must not happen twice because a client retried
after a lost answer. Such a request carries an ``Idempotency-Key`` (1-64 characters of
``[A-Za-z0-9_-]``, chosen by the client, new for each intended mutation). The first successful
answer is stored with a fingerprint of the request, in the same transaction as the mutation;
a request with the same caller and key gets the stored answer again (same status, same body),
and one with the same key but another method, path or body gets 422
``idempotency_key_reused``. Errors are not stored: a refused request may be retried as is.
Stored answers are kept for a day.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, delete, insert, select

from simulators.backend import db
from simulators.backend.auth import request_target
from simulators.backend.errors import ApiError

KEEP_S = 24 * 3600
KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def idempotency_key(key: str | None = Header(
        None, alias="Idempotency-Key", pattern=KEY_PATTERN,
        description="required: client-chosen key of this mutation (1-64 of A-Z a-z 0-9 _ -); a retry "
                    "with the same key gets the first answer again")) -> str | None:
    """FastAPI dependency: the request's ``Idempotency-Key`` (422 when malformed), None when absent:
    :func:`require_key` refuses that once the caller is authenticated (an unsigned request is 401)."""
    return key


def require_key(key: str | None) -> str:
    """The key of a mutation that needs one; 422 without it."""
    if key is None:
        raise ApiError(422, "invalid_request", "header.Idempotency-Key: Field required (one key per "
                       "intended mutation, reused only to retry it)")
    return key


async def fingerprint(request: Request) -> str:
    """SHA-256 over the method, the request target and the body."""
    body = await request.body()
    head = f"{request.method}\n{request_target(request)}\n".encode()
    return hashlib.sha256(head + body).hexdigest()


def previous_answer(conn: Connection, key_id: str, key: str, request_hash: str,
                    now: float) -> JSONResponse | None:
    """The stored answer of an earlier request with this key, or None; 422 if the request differs."""
    t = db.idempotent_request.c
    conn.execute(delete(db.idempotent_request).where(t.created_at < now - KEEP_S))
    row = conn.execute(select(db.idempotent_request)
                       .where(t.key_id == key_id, t.idempotency_key == key)).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise ApiError(422, "idempotency_key_reused",
                       f"Idempotency-Key {key!r} was used for another request; use a new key for a "
                       "new mutation")
    return JSONResponse(json.loads(row.body), status_code=row.status)


def remember_answer(conn: Connection, key_id: str, key: str, request_hash: str, status: int,
                    body: dict[str, Any], now: float) -> None:
    """Store the answer of a mutation in its transaction (a concurrent twin makes it fail: IntegrityError)."""
    conn.execute(insert(db.idempotent_request).values(
        key_id=key_id, idempotency_key=key, request_hash=request_hash, status=status, body=json.dumps(body),
        created_at=now))
