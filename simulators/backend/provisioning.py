"""Operator provisioning: register or replace an insured person's record."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel

from apcv.nir import mask_nir
from apcv.people import Insured
from simulators.backend.auth import Caller, operator
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.errors import ApiError
from simulators.backend.seeding import upsert_insured

router = APIRouter(tags=["provisioning"])


class Provisioned(BaseModel):
    """What was registered."""

    nir_masked: str
    beneficiaries: int


@router.put("/v1/insured", response_model=Provisioned)
async def provision(record: dict[str, Any] = Body(description="an Insured record"),
              _: Caller = Depends(operator), ctx: BackendContext = Depends(backend_context)) -> Provisioned:
    """Register (or replace) one insured person and their beneficiaries."""
    try:
        insured = Insured.from_dict(record)
        insured.identity.first_names[0]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ApiError(422, "bad_insured_record", f"not an insured record: {exc!r}") from None
    with ctx.engine.begin() as conn:
        upsert_insured(conn, insured)
    return Provisioned(nir_masked=mask_nir(insured.identity.nir), beneficiaries=len(insured.beneficiaries))
