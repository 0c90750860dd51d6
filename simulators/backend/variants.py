"""Faulty variants of the backend, each breaking one rule: the proof that the backend plan can fail.

A variant is data, never a patch: a frozen :class:`BackendPolicy` of rule switches, chosen by
name, carried in the backend's settings (``ServeOptions.variant``, ``$APCV_BACKEND_VARIANT``,
``create_app(variant=...)``) and read by the code path that enforces each rule. The
reference backend runs with :data:`REFERENCE`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from simulators.variant import Variant, pick

ROLE = "backend"


@dataclass(frozen=True)
class BackendPolicy:
    """The rules a backend enforces; every field of the reference is the profile's rule."""

    single_use_tokens: bool = True
    """A presentation token is spent by its first verification; a second one gets 409."""
    receipts_expire: bool = True
    """A receipt not downloaded within 7 days of its claim is purged."""
    one_active_device: bool = True
    """Completing an activation revokes the person's previous active device."""
    minimum_age: int = 16
    """Youngest age, in whole years, at which a person may activate the apCV."""
    delegation_ends: bool = True
    """A delegation covers presentations only before its ``valid_until``."""
    signatures_required: bool = True
    """An unsigned request is refused 401 (the variant serves it as an anonymous practitioner)."""
    records_checked: bool = True
    """A presentation's selected person must be one the records attach to the card holder."""
    identity_proven: bool = True
    """A France Identité enrolment needs a valid provider assertion for that NIR and key."""
    nonces_spent: bool = True
    """A signed request's nonce is accepted once (an exact replay gets 409)."""
    one_claim_per_visit: bool = True
    """A verification is billed by one claim; a second claim id on its token gets 409."""
    claim_window_closes: bool = True
    """A verification may be billed only within the profile's claim window."""


REFERENCE = BackendPolicy()

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("replay-accepted", ROLE, "accepts a presentation token again: single use is off",
            ("APCV-BE-011",),
            maker=partial(replace, REFERENCE, single_use_tokens=False)),
    Variant("receipts-kept", ROLE, "keeps receipts never downloaded past the 7 days",
            ("APCV-BE-033",),
            maker=partial(replace, REFERENCE, receipts_expire=False)),
    Variant("two-active-devices", ROLE, "a new activation leaves the person's previous device active",
            ("APCV-BE-004",),
            maker=partial(replace, REFERENCE, one_active_device=False)),
    Variant("activates-15-year-old", ROLE, "activates the apCV from age 15 instead of 16",
            ("APCV-BE-002",),
            maker=partial(replace, REFERENCE, minimum_age=15)),
    Variant("expired-delegation-honoured", ROLE, "honours a delegation after its end",
            ("APCV-BE-041",),
            maker=partial(replace, REFERENCE, delegation_ends=False)),
    Variant("unsigned-accepted", ROLE, "serves an unsigned request as an anonymous practitioner",
            ("APCV-BE-050",),
            maker=partial(replace, REFERENCE, signatures_required=False)),
    Variant("records-unchecked", ROLE, "honours any beneficiary the insurer once signed, whatever the "
            "records say now", ("APCV-BE-070",),
            maker=partial(replace, REFERENCE, records_checked=False)),
    Variant("identity-unproven", ROLE, "enrols anyone who says France Identité, proof or not",
            ("APCV-BE-071",),
            maker=partial(replace, REFERENCE, identity_proven=False)),
    Variant("replayed-request-accepted", ROLE, "accepts the same signed request again",
            ("APCV-BE-072",),
            maker=partial(replace, REFERENCE, nonces_spent=False)),
    Variant("visit-billed-twice", ROLE, "bills one verification under any number of claim ids",
            ("APCV-BE-034",),
            maker=partial(replace, REFERENCE, one_claim_per_visit=False)),
    Variant("late-claim-accepted", ROLE, "bills a verification long after the claim window",
            ("APCV-BE-035",),
            maker=partial(replace, REFERENCE, claim_window_closes=False)),
)}
"""The backend's faulty variants by name; ``VARIANTS[name].build()`` is the rules it enforces."""


def policy_of(variant: str | None) -> BackendPolicy:
    """The rules of ``variant`` (:data:`REFERENCE` for None); an unknown name is refused naming the known."""
    return REFERENCE if variant is None else pick(VARIANTS, ROLE, variant).build()
