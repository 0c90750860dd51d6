"""Rights (ADRi) by NIR and identity (INSi) by the five strict traits."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy import select

from simulators.backend import db
from simulators.backend.auth import Caller, practitioner
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.lean_route import LeanRoute
from simulators.backend.people import BIRTHPLACE_PATTERN, NIR_PATTERN, identity_json, rights_json, unknown_nir
from simulators.backend.verification import Identity, Rights

router = APIRouter(tags=["rights"], route_class=LeanRoute)


class InsiQuery(BaseModel):
    """The five strict traits of the INS."""

    birth_name: str = Field(min_length=1, max_length=80)
    first_name: str = Field(min_length=1, max_length=80, description="first given name")
    birth_date: date
    sex: Literal["M", "F"]
    birthplace: str = Field(pattern=BIRTHPLACE_PATTERN,
                            description="INSEE code of birthplace (2A/2B for Corsica, 99 + country abroad)")


class InsiResult(BaseModel):
    """INSi result: 00 one identity, 01 none, 02 several."""

    result: Literal["00", "01", "02"]
    identity: Identity | None = None


@router.get("/v1/rights/{nir}", response_model=Rights)
async def rights(nir: str = Path(pattern=NIR_PATTERN), _: Caller = Depends(practitioner),
           ctx: BackendContext = Depends(backend_context)) -> Rights:
    """Rights (ADRi) of the person with ``nir`` as of the service's date."""
    with ctx.hot.connection() as conn:
        person = conn.person(nir)
    if person is None:
        raise unknown_nir(nir)
    return Rights(**rights_json(person, ctx.today()))


@router.post("/v1/insi/search", response_model=InsiResult)
async def insi_search(query: InsiQuery, _: Caller = Depends(practitioner),
                ctx: BackendContext = Depends(backend_context)) -> InsiResult:
    """Look up an identity by the five strict traits (names exactly as registered)."""
    p = db.person.c
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(db.person).where(
            p.birth_name == query.birth_name.strip(), p.birth_date == query.birth_date.isoformat(),
            p.first_name == query.first_name.strip(), p.sex == query.sex,
            p.birthplace == query.birthplace).limit(2)).all()
    if not rows:
        return InsiResult(result="01")
    if len(rows) > 1:
        return InsiResult(result="02")
    return InsiResult(result="00", identity=Identity(**identity_json(rows[0])))
