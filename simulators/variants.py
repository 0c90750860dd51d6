"""Every faulty variant of our reference implementations, by role and name."""

from __future__ import annotations

from simulators.backend.variants import VARIANTS as BACKEND_VARIANTS
from simulators.card.variants import VARIANTS as CARD_VARIANTS
from simulators.phone.variants import VARIANTS as PHONE_VARIANTS
from simulators.practice.variants import VARIANTS as PRACTICE_VARIANTS
from simulators.reader.variants import VARIANTS as READER_VARIANTS
from simulators.scanner.variants import VARIANTS as SCANNER_VARIANTS
from simulators.variant import Variant, pick

ALL_VARIANTS: dict[str, Variant] = {**PHONE_VARIANTS, **READER_VARIANTS, **BACKEND_VARIANTS,
                                    **SCANNER_VARIANTS, **PRACTICE_VARIANTS, **CARD_VARIANTS}


def variants_of(role: str) -> list[Variant]:
    """The variants of ``role``, by name."""
    return sorted((v for v in ALL_VARIANTS.values() if v.role == role), key=lambda v: v.name)


def find_variant(role: str, name: str) -> Variant:
    """The variant ``name`` of ``role``; UnknownVariant names the role's variants otherwise."""
    return pick(ALL_VARIANTS, role, name)
