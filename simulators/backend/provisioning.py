"""Operator provisioning: register or replace an insured person's record.

The record is validated field by field before anything is stored (422 naming the field):
valid NIRs (key included), names of printable text that fit the columns, ISO dates, one
entry per person (the holder is not their own beneficiary, no beneficiary twice).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from apcv.nir import is_valid_nir, mask_nir
from apcv.people import Insured
from apcv.profile.r1.issuer_signed import MAX_ITEMS
from simulators.backend.auth import Caller, operator
from simulators.backend.context import BackendContext, backend_context
from simulators.backend.people import BIRTHPLACE_PATTERN, NIR_PATTERN
from simulators.backend.seeding import upsert_insured

router = APIRouter(tags=["provisioning"])
MAX_BENEFICIARIES = MAX_ITEMS - 2
"""What fits on a card's insurer-signed data (holder, rights, beneficiaries)."""


def _nir(value: str) -> str:
    if not is_valid_nir(value):
        raise ValueError("not a valid NIR (its key does not match)")
    return value


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable text (no control characters)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    return value


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_printable)]
FirstName = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^ ]+$"), AfterValidator(_printable)]
FundName = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_printable)]
Nir = Annotated[str, Field(pattern=NIR_PATTERN), AfterValidator(_nir)]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2199, 12, 31))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityRecord(_Strict):
    """INS traits and NIR of one person."""

    nir: Nir
    birth_name: Name
    first_names: list[FirstName] = Field(min_length=1, max_length=3)
    birth_date: Day
    sex: Literal["M", "F"]
    birthplace: str = Field(pattern=BIRTHPLACE_PATTERN)


class CoverageRecord(_Strict):
    """Regime, fund and the dates the rights hold."""

    regime_code: str = Field(pattern=r"^[0-9]{2}$")
    regime_name: Name
    fund_code: str = Field(pattern=r"^[0-9]{3}$")
    fund_name: FundName
    rights_from: Day
    rights_until: Day | None = None


class BeneficiaryRecord(_Strict):
    """A beneficiary and their relation to the holder."""

    identity: IdentityRecord
    relation: Literal["child", "spouse", "other"]


class InsuredRecord(_Strict):
    """An insured person, their rights and beneficiaries."""

    identity: IdentityRecord
    coverage: CoverageRecord
    beneficiaries: list[BeneficiaryRecord] = Field(default_factory=list, max_length=MAX_BENEFICIARIES)
    card_serial: str = Field("", max_length=20, pattern=r"^[0-9A-Za-z-]*$")
    under_guardianship: bool = False

    @model_validator(mode="after")
    def _one_entry_per_person(self) -> InsuredRecord:
        nirs = [self.identity.nir] + [b.identity.nir for b in self.beneficiaries]
        if len(set(nirs)) != len(nirs):
            raise ValueError("each person appears once: the holder is not their own beneficiary and "
                             "no beneficiary is listed twice")
        if self.coverage.rights_until is not None and self.coverage.rights_until < self.coverage.rights_from:
            raise ValueError("coverage.rights_until is before coverage.rights_from")
        return self


class Provisioned(BaseModel):
    """What was registered."""

    nir_masked: str
    beneficiaries: int


@router.put("/v1/insured", response_model=Provisioned)
async def provision(record: InsuredRecord, _: Caller = Depends(operator),
                    ctx: BackendContext = Depends(backend_context)) -> Provisioned:
    """Register (or replace) one insured person and their beneficiaries."""
    insured = Insured.from_dict(record.model_dump(mode="json"))
    with ctx.engine.begin() as conn:
        upsert_insured(conn, insured)
    return Provisioned(nir_masked=mask_nir(insured.identity.nir), beneficiaries=len(insured.beneficiaries))
