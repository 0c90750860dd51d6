"""Compulsory health-insurance regimes and the organisations that manage them.

Conventions (synthetic, documented here once):

- Regime codes are the 2-digit codes carried on the Vitale card: ``01`` general regime,
  ``02`` agricultural (MSA), and a few special regimes. Weights are rough shares of the
  insured population.
- General regime (``01``) and MSA (``02``) have one fund per department: the CPAM/CGSS code
  of :mod:`simulators.population.geography`, and for MSA the same code with an
  ``"MSA ..."`` name (real MSA funds span several departments).
- Part of the general regime is managed by mutual sections (sections locales mutualistes:
  MGEN for national-education staff, and others). Their members keep the department's
  CPAM code as fund code; the fund name names the section (``"MGEN – section de Paris"``).
- Special regimes have one national fund, coded by the department of its seat followed by
  ``1`` (``831`` for the military fund in Toulon).
"""

from __future__ import annotations

from typing import NamedTuple

from simulators.population.geography import Department


class Regime(NamedTuple):
    """A regime: its code, name, weight, and its national fund when it has only one."""

    code: str
    name: str
    weight: int  # per thousand insured, roughly
    national_fund: tuple[str, str] | None = None  # (fund code, fund name)

    def fund(self, department: Department, section: str | None = None) -> tuple[str, str]:
        """Fund ``(code, name)`` of a member living in ``department``.

        ``section`` names the mutual organisation managing a general-regime member, if any.
        """
        if self.national_fund:
            return self.national_fund
        if self.code == "02":
            return department.fund_code, f"MSA {department.of_name}"
        if section:
            return department.fund_code, f"{section} – section {department.of_name}"
        return department.fund_code, department.fund_name


GENERAL = Regime("01", "Régime général", 900)
REGIMES: tuple[Regime, ...] = (
    GENERAL,
    Regime("02", "Mutualité sociale agricole", 55),
    Regime("04", "Régime spécial de la SNCF", 12, ("131", "CPRP SNCF")),
    Regime("05", "Régime spécial de la RATP", 6, ("751", "CCAS RATP")),
    Regime("06", "Régime des marins", 4, ("171", "ENIM")),
    Regime("08", "Régime des militaires", 15, ("831", "CNMSS")),
    Regime("10", "Régime des clercs et employés de notaires", 4, ("751", "CRPCEN")),
)
"""Regimes drawn for synthetic insured, with weights."""

SECTIONS: tuple[tuple[str | None, int], ...] = (
    (None, 880),
    ("MGEN", 80),
    ("MFP Services", 25),
    ("Intériale", 15),
)
"""Who manages a general-regime member: the CPAM itself (None) or a mutual section."""
