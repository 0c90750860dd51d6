"""``GET /v1/test/audit``: the audit log, for the test bench (review operators only).

Mounted only on a backend served with the audit log on (``serve --audit``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from simulators.backend.audit import AuditLog
from simulators.backend.auth import Caller, operator

router = APIRouter(tags=["test bench"])


class AuditPage(BaseModel):
    """Entries after ``since``, oldest first, and where the log stands."""

    entries: list[dict[str, Any]]
    last: int
    """The number of the newest entry (0: none yet); ask ``since=last`` next time."""
    dropped: int
    """Entries dropped because the log was full."""


@router.get("/v1/test/audit", response_model=AuditPage)
async def audit(request: Request, since: int = Query(0, ge=0, le=2**53),
                _: Caller = Depends(operator)) -> AuditPage:
    """Every request clients made after entry ``since``: operation, caller, token and claim ids,
    person (NIR masked), status and error code, service time."""
    log: AuditLog = request.app.state.audit
    entries, last, dropped = log.since(since)
    return AuditPage(entries=entries, last=last, dropped=dropped)
