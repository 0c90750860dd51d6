"""Detailed mode: each identification by NFC or card runs the real simulators on the SimPy clock.

Every NFC patient gets their own synthetic phone (seeded by patient number), unlocks it with
the secret code and taps it: the reader kernel runs the actual R1 presentation over a
``sim:`` link and verifies it, all timed by :class:`harness.clock.SimPyClock`. Card
patients have their physical card read the same way. Durations still come from the step-time
distributions; a presentation that fails for real falls back to a paper claim.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import simpy

from harness.clock import SimPyClock
from harness.links import open_card_slot, open_reader
from scenarios.models.distributions import Sampler
from scenarios.models.identification import Identifier, Outcome
from scenarios.models.params import Identification
from simulators.errors import ApcvError
from simulators.factory import synthetic_card, synthetic_insurer, synthetic_phone
from simulators.reader.kernel import ReaderKernel


class DetailedIdentifier(Identifier):
    """An :class:`Identifier` whose NFC and card reads really happen, on the SimPy clock."""

    def __init__(self, params: Identification, reads: Mapping[str, Sampler] | None = None,
                 seed: int = 0) -> None:
        super().__init__(params, reads)
        self.insurer = synthetic_insurer(seed)
        link = f"sim:waiting-room-{seed}-{id(self)}"
        self.slot = open_card_slot(link)
        self.reader_link = open_reader(link)
        self.kernel: ReaderKernel | None = None
        self.clock: SimPyClock | None = None
        self.patients = itertools.count(seed * 1_000_000)
        self.presentations = 0

    def start_day(self, env: simpy.Environment) -> None:
        self.clock = SimPyClock(env)
        self.kernel = ReaderKernel(self.reader_link, self.insurer.trust_anchor, clock=self.clock)

    def identify(self, method: str, rng: np.random.Generator) -> Outcome:
        outcome = super().identify(method, rng)
        if outcome.method in ("nfc", "card"):
            try:
                self.present(outcome.method, next(self.patients))
            except ApcvError as exc:
                outcome.failures.append(f"presentation failed: {type(exc).__name__}")
                outcome.method = "paper"
                outcome.seconds += self.step_time("paper", rng)
        return outcome

    def present(self, method: str, patient: int) -> None:
        """Read patient ``patient``'s phone (unlocked with the code) or card; checks the holder."""
        if self.kernel is None or self.clock is None:
            raise RuntimeError("start_day() binds the detailed identifier to a SimPy day first")
        if method == "nfc":
            phone = synthetic_phone(patient, self.insurer, self.clock, locked=True)
            phone.unlock()
            device, expected = phone, phone.wallet.insured.identity.nir
        else:
            card = synthetic_card(patient, self.insurer)
            device, expected = card, card.insured.identity.nir
        self.slot.attach(device)
        try:
            result = self.kernel.read()
        finally:
            self.slot.detach()
        if result.holder.nir != expected:
            raise ApcvError("the reader returned another person's identity")
        self.presentations += 1
