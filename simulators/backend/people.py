"""Reading people from the database: identity, rights (ADRi) and beneficiaries."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, select

from apcv.nir import mask_nir
from apcv.people import Beneficiary, Coverage, Identity, Insured
from simulators.backend import db
from simulators.backend.errors import ApiError
from simulators.backend.lookups import PersonRow

NIR_PATTERN = r"^[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}$"
"""A NIR: 13 characters (department may be 2A/2B) then the 2-digit key."""
BIRTHPLACE_PATTERN = r"^(?:[0-9]{2}|2[AB])[0-9]{3}$"
"""An INSEE code of birthplace: department (2A/2B for Corsica) and commune, or 99 and a country."""


def find_person(conn: Connection, nir: str) -> Row | None:
    """The ``person`` row of ``nir``, or None."""
    return conn.execute(select(db.person).where(db.person.c.nir == nir)).first()


def require_person(conn: Connection, nir: str) -> Row:
    """The ``person`` row of ``nir``; 404 naming the (masked) NIR otherwise."""
    row = find_person(conn, nir)
    if row is None:
        raise unknown_nir(nir)
    return row


def unknown_nir(nir: str) -> ApiError:
    """The 404 for a NIR no person has (masked in the message)."""
    return ApiError(404, "unknown_nir", f"no insured person with NIR {mask_nir(nir)}")


def identity_json(row: Row | PersonRow) -> dict[str, Any]:
    """The identity part of a person row."""
    return {"nir": row.nir, "birth_name": row.birth_name, "first_names": row.first_names.split(" "),
            "birth_date": row.birth_date, "sex": row.sex, "birthplace": row.birthplace}


def rights_json(row: Row | PersonRow, today: date) -> dict[str, Any]:
    """The rights (ADRi) of a person row as of ``today``."""
    day = today.isoformat()
    open_now = row.rights_from <= day and (row.rights_until is None or day <= row.rights_until)
    return {"nir": row.nir, "regime_code": row.regime_code, "regime_name": row.regime_name,
            "fund_code": row.fund_code, "fund_name": row.fund_name, "rights_from": row.rights_from,
            "rights_until": row.rights_until, "rights_open": open_now, "as_of": day}


def age_on(birth_date: str, today: date) -> int:
    """Age in whole years on ``today``."""
    born = date.fromisoformat(birth_date)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def identity_of(row: Row) -> Identity:
    """The :class:`Identity` of a person row."""
    return Identity(row.nir, row.birth_name, tuple(row.first_names.split(" ")),
                    date.fromisoformat(row.birth_date), row.sex, row.birthplace)


def coverage_of(row: Row) -> Coverage:
    """The :class:`Coverage` (rights) of a person row."""
    return Coverage(row.regime_code, row.regime_name, row.fund_code, row.fund_name,
                    date.fromisoformat(row.rights_from),
                    date.fromisoformat(row.rights_until) if row.rights_until else None)


def insured_record(conn: Connection, holder_nir: str, only: set[str] | None = None) -> Insured:
    """The holder with their rights and beneficiaries as the records hold them (beneficiaries
    limited to ``only`` when given), ready for the insurer to sign."""
    holder = require_person(conn, holder_nir)
    rows = conn.execute(select(db.person, db.beneficiary.c.relation)
                        .join(db.beneficiary, db.beneficiary.c.beneficiary_nir == db.person.c.nir)
                        .where(db.beneficiary.c.holder_nir == holder_nir)
                        .order_by(db.beneficiary.c.card_order, db.person.c.nir)).all()
    beneficiaries = tuple(Beneficiary(identity_of(r), r.relation) for r in rows
                          if only is None or r.nir in only)
    return Insured(identity_of(holder), coverage_of(holder), beneficiaries)


def beneficiary_nirs(conn: Connection, holder_nir: str) -> set[str]:
    """NIRs of the beneficiaries attached to ``holder_nir``."""
    rows = conn.execute(select(db.beneficiary.c.beneficiary_nir)
                        .where(db.beneficiary.c.holder_nir == holder_nir))
    return {r.beneficiary_nir for r in rows}
