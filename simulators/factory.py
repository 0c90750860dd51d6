"""Seeded synthetic devices: the same seed gives the same person, keys and PKI."""

from __future__ import annotations

import random

from apcv.clock import Clock
from apcv.people import Insured
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.seeded_keys import seeded_scalar
from simulators.card.card import VitaleCard
from simulators.phone.phone import Phone
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population


def synthetic_insured(seed: int) -> Insured:
    """The synthetic insured person for ``seed``."""
    return next(iter(generate_population(1, seed)))


def card_reference(seed: int) -> str:
    """The apCV card reference for ``seed``."""
    return f"APCV-{random.Random(seed).getrandbits(48):012X}"


def synthetic_phone(
    seed: int, insurer: Insurer, clock: Clock | None = None, *, code: str = "0000", locked: bool = False
) -> Phone:
    """A phone with the apCV of the synthetic insured for ``seed``, unlocked unless ``locked``."""
    device_key = key_from_scalar(seeded_scalar("device", seed))
    wallet = Wallet.activate(synthetic_insured(seed), insurer, card_reference(seed), device_key)
    phone = Phone(wallet, code=code, clock=clock, seed=seed)
    if not locked:
        phone.unlock()
    return phone


def synthetic_card(seed: int, insurer: Insurer) -> VitaleCard:
    """The physical card of the synthetic insured for ``seed``."""
    return VitaleCard(synthetic_insured(seed), insurer)


def delegated_phone(holder_seed: int, delegate_seed: int, insurer: Insurer, clock: Clock | None = None, *,
                    code: str = "0000") -> Phone:
    """The phone of the delegate for ``delegate_seed`` carrying the card of the holder for
    ``holder_seed`` (a delegation: the holder's card and beneficiaries, the delegate's device
    key and certificate), unlocked."""
    own = synthetic_phone(delegate_seed, insurer, clock, code=code, locked=True).wallet
    holder = synthetic_insured(holder_seed)
    carried = Wallet(holder, card_reference(holder_seed), own.device_key, own.device_certificate_der)
    phone = Phone(carried, code=code, clock=clock, seed=delegate_seed)
    phone.unlock()
    return phone
