"""A faulty variant of a reference implementation: the proof that a plan can fail.

Each role's reference implementation (phone, reader kernel, backend, ...) has named variants
that each break one thing; the role's plan must fail on the requirement ids in ``breaks``.
"""

from __future__ import annotations

from dataclasses import dataclass

from apcv.errors import ApcvError


@dataclass(frozen=True)
class Variant:
    """A named faulty variant of the reference implementation of ``role``."""

    name: str
    role: str
    description: str
    breaks: tuple[str, ...]
    """Requirement ids whose tests must fail against this variant (at least one of them)."""
    elements: tuple[str, ...] = ()
    """Profile elements (apcv/profile/r1/elements.py) whose check is the only one that catches
    this variant: the proof that the check is needed (docs/profile-coverage.md)."""


class UnknownVariant(ApcvError):
    """A rig or a command named a variant that its role does not have."""

    def __init__(self, role: str, name: object, known: list[str] | tuple[str, ...]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown {role} variant '{name}'; the {role} variants are: {listed}")
