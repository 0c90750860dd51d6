"""Typed records of synthetic people: insured, beneficiaries, practitioners.

All of them are made up (seeded Faker ``fr_FR``); no real NIR ever enters the harness.
Records serialise to plain dicts (``to_dict``/``from_dict``) for JSON, CSV and CBOR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Sex = Literal["M", "F"]


@dataclass(frozen=True)
class Identity:
    """The INS strict traits plus the NIR: who a person is for the health system."""

    nir: str  # 15 characters: 13-character number then the 2-digit key
    birth_name: str
    first_names: tuple[str, ...]
    birth_date: date
    sex: Sex
    birthplace: str  # INSEE code of the birth commune, or 99 + country code if born abroad

    def to_dict(self) -> dict[str, Any]:
        return {
            "nir": self.nir,
            "birth_name": self.birth_name,
            "first_names": list(self.first_names),
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "birthplace": self.birthplace,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        return cls(
            nir=str(data["nir"]),
            birth_name=str(data["birth_name"]),
            first_names=tuple(str(n) for n in data["first_names"]),
            birth_date=date.fromisoformat(str(data["birth_date"])),
            sex=data["sex"],
            birthplace=str(data["birthplace"]),
        )


@dataclass(frozen=True)
class Coverage:
    """Compulsory-insurance rights: regime, attached fund and the dates they hold."""

    regime_code: str  # e.g. "01" general regime, "02" MSA
    regime_name: str
    fund_code: str  # 3-digit fund (caisse) code, by department for the general regime
    fund_name: str
    rights_from: date
    rights_until: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "regime_code": self.regime_code,
            "regime_name": self.regime_name,
            "fund_code": self.fund_code,
            "fund_name": self.fund_name,
            "rights_from": self.rights_from.isoformat(),
            "rights_until": self.rights_until.isoformat() if self.rights_until else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        until = data.get("rights_until")
        return cls(
            regime_code=str(data["regime_code"]),
            regime_name=str(data["regime_name"]),
            fund_code=str(data["fund_code"]),
            fund_name=str(data["fund_name"]),
            rights_from=date.fromisoformat(str(data["rights_from"])),
            rights_until=date.fromisoformat(str(until)) if until else None,
        )


@dataclass(frozen=True)
class Beneficiary:
    """An ayant droit attached to an insured person (a child, or a dependent spouse)."""

    identity: Identity
    relation: Literal["child", "spouse", "other"] = "child"

    def to_dict(self) -> dict[str, Any]:
        return {"identity": self.identity.to_dict(), "relation": self.relation}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Beneficiary:
        return cls(identity=Identity.from_dict(data["identity"]), relation=data["relation"])


@dataclass(frozen=True)
class Insured:
    """An insured person as held on the Vitale card and in the apCV wallet."""

    identity: Identity
    coverage: Coverage
    beneficiaries: tuple[Beneficiary, ...] = ()
    card_serial: str = ""  # serial number of the physical Vitale card
    under_guardianship: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "identity": self.identity.to_dict(),
            "coverage": self.coverage.to_dict(),
            "beneficiaries": [b.to_dict() for b in self.beneficiaries],
            "card_serial": self.card_serial,
            "under_guardianship": self.under_guardianship,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Insured:
        return cls(
            identity=Identity.from_dict(data["identity"]),
            coverage=Coverage.from_dict(data["coverage"]),
            beneficiaries=tuple(Beneficiary.from_dict(b) for b in data.get("beneficiaries", [])),
            card_serial=str(data.get("card_serial", "")),
            under_guardianship=bool(data.get("under_guardianship", False)),
        )


@dataclass(frozen=True)
class Practitioner:
    """A health professional identified by an 11-digit RPPS number."""

    rpps: str
    first_name: str
    last_name: str
    profession: str  # e.g. "médecin généraliste", "pharmacien"
    department: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rpps": self.rpps,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "profession": self.profession,
            "department": self.department,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Practitioner:
        return cls(**{k: str(data[k]) for k in ("rpps", "first_name", "last_name",
                                                 "profession", "department")})
