"""Patients of the detailed mode: synthetic insured people registered at the backend.

Every patient is the next person of one seeded synthetic population. An operator registers
them at the backend (so rights lookups find them); an apCV user's phone is activated there
too (enrolment signed with the device key, proof by an assertion of the simulated France
Identité provider) and its wallet holds the device certificate and the card data the backend
issued.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import Clock
from apcv.people import Insured
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.seeded_keys import seeded_scalar
from scenarios.models.errors import ModelError
from simulators.backend.client import BackendClient, BackendRefused, Signer
from simulators.card.card import VitaleCard
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.phone import Phone
from simulators.phone.unlock import UnlockPolicy
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population

NOT_ELIGIBLE = ("too_young", "under_guardianship")
"""Backend refusals meaning the person cannot have the apCV at all (then they are no app user)."""

MAX_DRAWS = 50
"""People drawn at most to find one the backend lets activate the apCV."""


@dataclass
class Patient:
    """One person in the waiting room: their physical card and, for apCV users, their phone."""

    number: int
    insured: Insured
    card: VitaleCard
    phone: Phone | None = None

    @property
    def nir(self) -> str:
        """The person's NIR."""
        return self.insured.identity.nir


class People:
    """Draws patients from the seeded population and registers them at ``backend``."""

    def __init__(self, backend: BackendClient, insurer: Insurer, clock: Clock, seed: int) -> None:
        self.backend = backend
        self.insurer = insurer
        self.clock = clock
        self.seed = seed
        self.france_identite = FranceIdentite(seed, clock)
        self.operator = Signer.operator(seed=seed)
        self._people: Iterator[tuple[int, Insured]] = enumerate(generate_population(sys.maxsize, seed))

    def card_holder(self) -> Patient:
        """The next person, registered at the backend, with their physical card."""
        number, insured = next(self._people)
        self.backend.provision(self.operator, insured)
        return Patient(number, insured, VitaleCard(insured, self.insurer))

    def app_user(self) -> Patient:
        """The next person the backend lets activate the apCV, with the phone activated there."""
        for _ in range(MAX_DRAWS):
            patient = self.card_holder()
            try:
                patient.phone = self._activate(patient)
            except BackendRefused as exc:
                if exc.code not in NOT_ELIGIBLE:
                    raise
                continue
            return patient
        raise ModelError(f"none of {MAX_DRAWS} people in a row could activate the apCV at the backend")

    def activate_elsewhere(self, patient: Patient) -> None:
        """The person activates the apCV on another phone: the backend revokes the one they carry."""
        self._enrol(self._device_key("replacement", patient), patient)

    def _enrol(self, key: ec.EllipticCurvePrivateKey, patient: Patient) -> dict:
        proof = self.france_identite.prove(patient.nir, key.public_key())
        return self.backend.enrol(key, patient.nir, "france_identite", identity_assertion=proof)

    def _activate(self, patient: Patient) -> Phone:
        key = self._device_key("phone", patient)
        answer = self._enrol(key, patient)
        if answer.get("status") != "active" or not answer.get("card_data"):
            raise ModelError(f"the backend left an activation {answer.get('status')!r}, with no card data")
        wallet = Wallet.from_activation(patient.insured, key, answer)
        return Phone(wallet, clock=self.clock, unlock_policy=UnlockPolicy(biometric_failure_rate=0.0),
                     seed=patient.number)

    def _device_key(self, which: str, patient: Patient) -> ec.EllipticCurvePrivateKey:
        return key_from_scalar(seeded_scalar(f"waiting-room {which} {self.seed}", patient.number))
