"""Detailed mode: identifications run the real phone, card, reader, scanner and backend on the SimPy clock.

Each replication gets its own :class:`~scenarios.models.detailed_practice.Practice`: an
embedded backend (the FastAPI app on SQLite) whose clock is the simulated day, the reader
kernel and a QR scanner on ``sim:`` links. Patients are synthetic insured people registered
there; an apCV user's phone was activated there.

- NFC: unlock, tap, the R1 presentation read and checked by the kernel; QR: unlock, the
  phone's rotating QR token read by the scanner. Either way the practice software verifies
  the presentation at the backend (identity and rights; the token is spent), submits the
  claim (FSE) and the patient's phone downloads the receipt;
- card: the card read by the kernel and the rights (ADRi) looked up at the backend;
- paper: nothing to exchange.

A failure drawn for a patient is set up on the real devices and must really happen: a phone
without NFC or with a dead battery leaves the reader (or the scanner) with nothing, a blocked
app answers 6982 and shows no QR, a phone whose apCV was since activated on another phone is
refused by the backend, a failed fingerprint is followed by the secret code, and with the
network down the backend is unreachable. The branch follows what the exchange answered; an
exchange that ends otherwise (or a refusal that does not come) sends the patient to a paper
claim, counted as ``presentation failed: <error>``. ``no_compatible_reader`` and
``forgotten_card`` are drawn only. The SimPy clock moves by modelled time, not by compute
time: handling and failure penalties come from the step-time distributions, and the reads
from the simulators' own read times, timed before the run
(:mod:`scenarios.models.simulator_reads`), unless ``--timings`` measured that method.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

import numpy as np
import simpy

from apcv.errors import ApcvError
from apcv.links.base import NoCardPresent
from apcv.links.scanner_base import ScanTimeout
from scenarios.models.detailed_people import Patient
from scenarios.models.detailed_practice import Practice, UnexpectedOutcome, phone_of
from scenarios.models.distributions import Sampler
from scenarios.models.identification import Identifier, Outcome
from scenarios.models.params import Identification
from simulators.backend.client import BackendLinkError, BackendRefused
from simulators.phone.unlock import MAX_CODE_TRIES, UnlockError
from simulators.reader.errors import AppLocked

REVOKED = ("device_revoked", "card_revoked")
"""Backend refusals of a phone whose apCV was since activated on another phone."""

Step = Callable[[str, Patient], None]


class DetailedIdentifier(Identifier):
    """An :class:`Identifier` whose card, QR and NFC identifications really happen, backend included."""

    def __init__(self, params: Identification, reads: Mapping[str, Sampler] | None = None,
                 seed: int = 0) -> None:
        super().__init__(params, reads)
        self.practice = Practice(seed)
        self._patient: Patient | None = None
        self._started_with = "card"
        self._finish: dict[str, Step] = {"nfc": self.finish_app, "qr": self.finish_app,
                                         "card": self.finish_card}
        self._failures: dict[str, Step] = {
            "phone_without_nfc": self.nothing_shown, "battery_dead": self.nothing_shown,
            "app_not_activated": self.not_activated_here, "app_locked": self.app_blocked,
            "biometric_failed": self.biometrics_fail, "network_down": self.network_down}
        """Failures made to happen for real (when met by a QR or NFC patient)."""

    @property
    def exchanges(self) -> Counter[str]:
        """Real exchanges that went as the model says, by kind."""
        return self.practice.exchanges

    def start_day(self, env: simpy.Environment) -> None:
        self.practice.clock.start_day(env)

    def identify(self, method: str, rng: np.random.Generator) -> Outcome:
        self._patient, self._started_with = None, method
        try:
            outcome = super().identify(method, rng)
            finish = self._finish.get(outcome.method)
            if finish is not None:
                finish(outcome.method, self.patient)
        except ApcvError as exc:
            return Outcome(self.step_time("paper", rng), method, "paper",
                           [f"presentation failed: {type(exc).__name__}"])
        return outcome

    def meets(self, failure: str, method: str, rng: np.random.Generator) -> bool:
        if not super().meets(failure, method, rng):
            return False
        happen = self._failures.get(failure) if method in ("nfc", "qr") else None
        if happen is not None:
            happen(method, self.patient)
            self.exchanges[failure] += 1
        return True

    @property
    def patient(self) -> Patient:
        """The patient being identified (drawn and registered at the backend on first use)."""
        if self._patient is None:
            people = self.practice.people
            self._patient = people.app_user() if self._started_with in ("nfc", "qr") else people.card_holder()
        return self._patient

    def close(self) -> None:
        """Close the practice's backend clients and scanner; delete the backend's database."""
        self.practice.close()

    # identifications that work
    def finish_app(self, method: str, patient: Patient) -> None:
        """Present the phone, verify with rights at the backend, claim; the phone gets the receipt."""
        self.practice.bill(patient, self.practice.verify(self.practice.present(method, patient), patient))

    def finish_card(self, method: str, patient: Patient) -> None:
        """Read the physical card and look the rights up."""
        self.practice.read_card(patient)

    # failures, made to happen for real
    def nothing_shown(self, method: str, patient: Patient) -> None:
        """The phone gives the reader or scanner nothing (no NFC, battery dead)."""
        if method == "qr":
            _refused(lambda: self.practice.scan(None), ScanTimeout, "the scanner read a QR from no phone")
        else:
            _refused(lambda: self.practice.tap(None), NoCardPresent, "the reader found a device in the field")

    def app_blocked(self, method: str, patient: Patient) -> None:
        """Wrong codes block the app: it answers the reader 6982 and shows no QR."""
        phone = phone_of(patient)
        for tries in range(MAX_CODE_TRIES):
            wrong = f"{(int(phone.lock.code) + 1 + tries) % 10_000:04d}"
            _refused(lambda code=wrong: phone.unlock(code), UnlockError, "a wrong code unlocked the app")
        if method == "qr":
            _refused(lambda: self.practice.scan(phone), ScanTimeout, "a blocked app showed a QR code")
        else:
            _refused(lambda: self.practice.tap(phone), AppLocked, "a blocked app answered the reader")

    def biometrics_fail(self, method: str, patient: Patient) -> None:
        """The fingerprint or face is not recognised; the patient types the secret code."""
        phone = phone_of(patient)
        phone.lock.policy.biometric_failure_rate = 1.0
        _refused(phone.lock.unlock_with_biometrics, UnlockError, "a failing biometric unlocked the app")
        phone.unlock()

    def not_activated_here(self, method: str, patient: Patient) -> None:
        """The apCV was since activated on another phone: the backend refuses this one."""
        self.practice.people.activate_elsewhere(patient)
        presented = self.practice.present(method, patient)
        try:
            self.practice.verify(presented, patient)
        except BackendRefused as exc:
            if exc.code not in REVOKED:
                raise
            return
        raise UnexpectedOutcome("the backend accepted a presentation from a revoked phone")

    def network_down(self, method: str, patient: Patient) -> None:
        """The phone is read, but the backend cannot be reached to verify it."""
        presented = self.practice.present(method, patient)
        _refused(lambda: self.practice.verify(presented, patient, self.practice.offline), BackendLinkError,
                 "an offline backend answered")


def _refused(exchange: Callable[[], object], expected: type[Exception], otherwise: str) -> None:
    """Run ``exchange``, which must fail with ``expected``; UnexpectedOutcome if it went through."""
    try:
        exchange()
    except expected:
        return
    raise UnexpectedOutcome(otherwise)
