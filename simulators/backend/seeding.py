"""Filling the database: the synthetic population (bulk) and the caller directory.

Seeding inserts with ``executemany`` in one transaction and builds the lookup indexes
afterwards; a million insured people take well under two minutes on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import Connection, Engine, delete, func, insert, select

from simulators.backend import db
from simulators.backend.signing import operator_key, practitioner_key, public_key_der
from simulators.errors import ApcvError
from simulators.population.generator import generate_population, generate_practitioners
from simulators.population.model import Coverage, Identity, Insured

DIRECTORY_PRACTITIONERS = 200
OPERATORS = ("review-1",)
_BATCH = 20_000

_PERSON_COLUMNS = ("nir", "birth_name", "first_names", "first_name", "birth_date", "sex", "birthplace",
                   "regime_code", "regime_name", "fund_code", "fund_name", "rights_from",
                   "rights_until", "under_guardianship", "insured")


class SeedingError(ApcvError):
    """The database cannot be seeded as asked."""


def person_row(identity: Identity, coverage: Coverage, *, guardianship: bool, insured: bool) -> tuple:
    """One ``person`` row, in the order of the table's data columns."""
    return (
        identity.nir, identity.birth_name, " ".join(identity.first_names), identity.first_names[0],
        identity.birth_date.isoformat(), identity.sex, identity.birthplace,
        coverage.regime_code, coverage.regime_name, coverage.fund_code, coverage.fund_name,
        coverage.rights_from.isoformat(),
        coverage.rights_until.isoformat() if coverage.rights_until else None,
        guardianship, insured,
    )


def _rows(people: Iterable[Insured]) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Batches of (person rows, beneficiary rows); a person shared by two records once."""
    seen: set[str] = set()
    iterator = iter(people)
    while batch := list(islice(iterator, _BATCH)):
        persons, links = [], []
        for insured in batch:
            holder = insured.identity.nir
            if holder not in seen:
                seen.add(holder)
                persons.append(person_row(insured.identity, insured.coverage,
                                          guardianship=insured.under_guardianship, insured=True))
            for ben in insured.beneficiaries:
                links.append((holder, ben.identity.nir, ben.relation))
                if ben.identity.nir not in seen:
                    seen.add(ben.identity.nir)
                    persons.append(person_row(ben.identity, insured.coverage,
                                              guardianship=False, insured=False))
        yield persons, links


def _placeholders(engine: Engine, count: int) -> str:
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def seed_population(engine: Engine, count: int, seed: int = 0) -> int:
    """Insert ``count`` synthetic insured people (and their beneficiaries); returns persons added.

    Refuses a database that already holds people: seeding is for a new database.
    """
    if count < 0:
        raise SeedingError(f"--seed-population must be >= 0, got {count}")
    db.create_schema(engine, indexes=False)
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(db.person)).scalar_one()
    if existing:
        raise SeedingError(f"the database already holds {existing} people; seed a new database")
    person_sql = (f"INSERT INTO person ({', '.join(_PERSON_COLUMNS)}) "
                  f"VALUES ({_placeholders(engine, len(_PERSON_COLUMNS))})")
    link_sql = ("INSERT INTO beneficiary (holder_nir, beneficiary_nir, relation) "
                f"VALUES ({_placeholders(engine, 3)})")
    added = 0
    with engine.begin() as conn:
        for persons, links in _rows(generate_population(count, seed)):
            conn.exec_driver_sql(person_sql, persons)
            if links:
                conn.exec_driver_sql(link_sql, links)
            added += len(persons)
    db.create_indexes(engine)
    return added


def upsert_insured(conn: Connection, insured: Insured) -> None:
    """Register or replace one insured person and their beneficiaries (operator provisioning)."""
    nirs = [insured.identity.nir] + [b.identity.nir for b in insured.beneficiaries]
    conn.execute(delete(db.person).where(db.person.c.nir.in_(nirs)))
    conn.execute(delete(db.beneficiary).where(db.beneficiary.c.holder_nir == insured.identity.nir))
    rows = [person_row(insured.identity, insured.coverage, guardianship=insured.under_guardianship,
                       insured=True)]
    rows += [person_row(b.identity, insured.coverage, guardianship=False, insured=False)
             for b in insured.beneficiaries]
    conn.execute(insert(db.person), [dict(zip(_PERSON_COLUMNS, row, strict=True)) for row in rows])
    if insured.beneficiaries:
        conn.execute(insert(db.beneficiary), [
            {"holder_nir": insured.identity.nir, "beneficiary_nir": b.identity.nir, "relation": b.relation}
            for b in insured.beneficiaries])


def seed_directory(engine: Engine, seed: int = 0, practitioners: int = DIRECTORY_PRACTITIONERS) -> None:
    """Register the synthetic practitioners and review operators, unless already there."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(db.principal)).scalar_one():
            return
        rows = [{"key_id": f"rpps:{p.rpps}", "kind": "practitioner", "name": f"{p.first_name} {p.last_name}",
                 "public_key": public_key_der(practitioner_key(p.rpps, seed).public_key())}
                for p in generate_practitioners(practitioners, seed)]
        rows += [{"key_id": f"operator:{name}", "kind": "operator", "name": name,
                  "public_key": public_key_der(operator_key(name, seed).public_key())}
                 for name in OPERATORS]
        conn.execute(insert(db.principal), rows)
