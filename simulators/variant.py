"""A faulty variant of a reference implementation: the proof that a plan can fail.

Each role's reference implementation (phone, reader kernel, backend, ...) has named variants
that each break one thing; the role's plan must fail on the requirement ids in ``breaks``.
Every variant is one :class:`Variant` that builds itself (:meth:`Variant.build`), from what the
role's reference implementation is built from.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
    maker: Callable[..., Any] | str = field(default="", kw_only=True, compare=False, repr=False)
    """What builds it: a callable, or ``"module:name"`` of one, imported when first built (a
    behaviour whose module is costly to import stays out of a look-up)."""

    def builder(self) -> Callable[..., Any]:
        """The callable that builds this variant (its module imported if named)."""
        if callable(self.maker):
            return self.maker
        module, _, name = self.maker.partition(":")
        if not module or not name:
            raise ApcvError(f"{self.role} variant '{self.name}' names no maker ({self.maker!r})")
        return getattr(importlib.import_module(module), name)

    def build(self, *args: Any, **kwargs: Any) -> Any:
        """The faulty implementation, built from what the role's reference is built from: the
        reference phone (with its insurer and seed) for a phone, the insured person and insurer
        for a card, the reader link and trust for a reader kernel, the scanner's conditions for a
        scanner, the order and log for a billing program, nothing for a backend (its rules)."""
        return self.builder()(*args, **kwargs)


class UnknownVariant(ApcvError):
    """A rig or a command named a variant that its role does not have."""

    def __init__(self, role: str, name: object, known: list[str] | tuple[str, ...]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown {role} variant '{name}'; the {role} variants are: {listed}")


def pick(variants: Mapping[str, Variant], role: str, name: str) -> Variant:
    """The variant ``name`` of ``role`` among ``variants``; UnknownVariant, naming them, otherwise."""
    variant = variants.get(name)
    if variant is None or variant.role != role:
        raise UnknownVariant(role, name, [v.name for v in variants.values() if v.role == role])
    return variant
