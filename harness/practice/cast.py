"""The people of a billing bench, drawn from a seeded synthetic population.

A parent with two children, one of them also on the card of their other parent (divorced
parents each present the child), and a grandparent the parent lends the card to for the
children: for the first child during a window running now, for the second during one that
has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from apcv.errors import ApcvError
from apcv.nir import mask_nir
from apcv.people import Coverage, Insured
from simulators.population.generator import generate_population

POPULATION = 300


@dataclass(frozen=True)
class Cast:
    """Who is who on the bench."""

    parent: Insured
    co_parent: Insured
    grandparent: Insured
    shared_child: int
    """Beneficiary index (1-based) of the shared child on the parent's card."""
    co_parent_child: int
    """Beneficiary index of the same child on the co-parent's card."""

    @property
    def delegated_child(self) -> int:
        """The child the grandparent may present now (beneficiary index on the parent's card)."""
        return 1

    @property
    def lapsed_child(self) -> int:
        """The child whose delegation to the grandparent has ended."""
        return 2

    def everyone(self) -> list[Insured]:
        """Every insured person of the bench."""
        return [self.parent, self.co_parent, self.grandparent]

    def nirs(self) -> set[str]:
        """Every NIR on the bench (holders and beneficiaries): none may appear whole in a DUT's output."""
        return {p.identity.nir for p in self.everyone()} | {
            b.identity.nir for p in self.everyone() for b in p.beneficiaries}


def _masks_apart(person: Insured) -> bool:
    masks = [mask_nir(person.identity.nir)] + [mask_nir(b.identity.nir) for b in person.beneficiaries]
    return len(set(masks)) == len(masks)


def choose_cast(seed: int) -> Cast:
    """The cast of population ``seed`` (the same people for the same seed)."""
    people = list(generate_population(POPULATION, seed))
    holders: dict[str, list[Insured]] = {}
    for person in people:
        for child in person.beneficiaries:
            holders.setdefault(child.identity.nir, []).append(person)
    for parent in people:
        if parent.under_guardianship or len(parent.beneficiaries) < 2 or not _masks_apart(parent):
            continue
        for child in parent.beneficiaries:
            others = [p for p in holders[child.identity.nir] if p is not parent and not p.under_guardianship]
            if not others or not _masks_apart(others[0]):
                continue
            co_parent = others[0]
            family = {parent.identity.nir, co_parent.identity.nir} | set(holders)
            grandparent = next(p for p in people if p.identity.nir not in family and not p.under_guardianship
                               and p.identity.birth_date.year < 1970)
            ordered = (child, *[b for b in parent.beneficiaries if b is not child])
            parent = replace(parent, beneficiaries=ordered)  # the shared child first: delegated now
            on_co_parent = next(i for i, b in enumerate(co_parent.beneficiaries, start=1)
                                if b.identity.nir == child.identity.nir)
            return Cast(parent, co_parent, grandparent, 1, on_co_parent)
    raise ApcvError(f"population {seed} has no parent of two with a child shared with another parent")


def with_other_fund(person: Insured) -> Insured:
    """``person`` attached to another fund (as after a move): their rights changed since a visit."""
    cov = person.coverage
    moved = Coverage(cov.regime_code, cov.regime_name, f"{(int(cov.fund_code) + 1) % 1000:03d}",
                     f"{cov.fund_name} (moved)", cov.rights_from, cov.rights_until)
    return replace(person, coverage=moved)
