"""Detailed mode: identifications run the real phone, card, reader kernel and backend on the SimPy clock.

Each replication gets its own embedded backend (the FastAPI app on SQLite) whose clock is the
simulated day. Patients are synthetic insured people registered there; an apCV user's phone
was activated there. The practitioner's reader kernel reads over a ``sim:`` link:

- NFC: unlock, tap, the R1 presentation read and checked by the kernel; the practice software
  then verifies it at the backend (identity and rights; the token is spent), submits the claim
  (FSE) and the patient's phone downloads the receipt;
- card: the card read by the kernel and the rights (ADRi) looked up at the backend;
- QR and paper: sampled only (no QR path in the simulators yet).

A failure drawn for a patient is set up on the real devices and must really happen: a phone
without NFC or with a dead battery leaves the reader with no answer, a blocked app answers
6982, a phone whose apCV was since activated on another phone is refused by the backend
(``device_revoked``), a failed fingerprint is followed by the secret code, and with the network
down the backend is unreachable. The branch follows what the exchange answered; an exchange
that ends otherwise (or a refusal that does not come) sends the patient to a paper claim,
counted as ``presentation failed: <error>``. Durations still come from the step-time
distributions (or ``--timings``): the SimPy clock moves by modelled time, not compute time.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import numpy as np
import simpy

from harness.links import open_card_slot, open_reader
from harness.links.base import NoCardPresent
from scenarios.models.day_clock import DayClock
from scenarios.models.detailed_people import Patient, People
from scenarios.models.distributions import Sampler
from scenarios.models.identification import Identifier, Outcome
from scenarios.models.params import Identification
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused, Signer, open_backend
from simulators.errors import ApcvError
from simulators.factory import synthetic_insurer
from simulators.phone.phone import Phone
from simulators.phone.receipts import ReceiptStore
from simulators.phone.unlock import MAX_CODE_TRIES, UnlockError
from simulators.population.generator import generate_practitioners
from simulators.reader.errors import AppLocked
from simulators.reader.kernel import ReaderKernel
from simulators.reader.result import ReadResult

ACTS = [{"code": "G", "amount_cents": 3000}]
"""What each claim bills: one consultation (act G, 30 €)."""


class UnexpectedOutcome(ApcvError):
    """A real exchange ended otherwise than the model's branch says it must."""


class DetailedIdentifier(Identifier):
    """An :class:`Identifier` whose NFC and card identifications really happen, backend included."""

    def __init__(self, params: Identification, reads: Mapping[str, Sampler] | None = None,
                 seed: int = 0) -> None:
        super().__init__(params, reads)
        self.insurer = synthetic_insurer(seed)
        self.clock = DayClock()
        self._folder = tempfile.TemporaryDirectory(prefix="apcv-detailed-")
        self.database = f"sqlite:///{Path(self._folder.name) / 'backend.sqlite3'}"
        self.backend = open_backend("embedded:", clock=self.clock, seed=seed, database=self.database)
        # The practice's network is down: a real connection to a socket nobody listens on.
        offline = httpx.HTTPTransport(uds=str(Path(self._folder.name) / "network-down.sock"))
        self.offline = BackendClient(httpx.Client(transport=offline, base_url="http://backend.offline"),
                                     self.clock)
        self.practitioner = Signer.practitioner(next(iter(generate_practitioners(1, seed))).rpps, seed)
        self.people = People(self.backend, self.insurer, self.clock, seed)
        link = f"sim:waiting-room-{seed}-{id(self)}"
        self.slot = open_card_slot(link)
        self.kernel = ReaderKernel(open_reader(link), self.insurer.trust_anchor, clock=self.clock)
        self.exchanges: Counter[str] = Counter()
        """Real exchanges that went as the model says, by kind (``nfc_read``, ``claim``, ...)."""
        self._patient: Patient | None = None
        self._started_with = "card"
        self._finish: dict[str, Callable[[Patient], None]] = {
            "nfc": self.finish_nfc, "card": self.finish_card}
        self._failures: dict[tuple[str, str], Callable[[Patient], None]] = {
            ("nfc", "phone_without_nfc"): self.no_answer, ("nfc", "battery_dead"): self.no_answer,
            ("nfc", "app_not_activated"): self.not_activated_here, ("nfc", "app_locked"): self.app_blocked,
            ("nfc", "biometric_failed"): self.biometrics_fail, ("nfc", "network_down"): self.network_down}
        """Failures made to happen for real; the others (no compatible reader, forgotten card, QR) are
        drawn only."""

    def start_day(self, env: simpy.Environment) -> None:
        self.clock.start_day(env)

    def identify(self, method: str, rng: np.random.Generator) -> Outcome:
        self._patient, self._started_with = None, method
        try:
            outcome = super().identify(method, rng)
            finish = self._finish.get(outcome.method)
            if finish is not None:
                finish(self.patient)
        except ApcvError as exc:
            return Outcome(self.step_time("paper", rng), method, "paper",
                           [f"presentation failed: {type(exc).__name__}"])
        return outcome

    def meets(self, failure: str, method: str, rng: np.random.Generator) -> bool:
        if not super().meets(failure, method, rng):
            return False
        happen = self._failures.get((method, failure))
        if happen is not None:
            happen(self.patient)
            self.exchanges[failure] += 1
        return True

    @property
    def patient(self) -> Patient:
        """The patient being identified (drawn and registered at the backend on first use)."""
        if self._patient is None:
            self._patient = (self.people.app_user() if self._started_with in ("nfc", "qr")
                             else self.people.card_holder())
        return self._patient

    def close(self) -> None:
        """Close the backend clients and delete the backend's database."""
        self.backend.close()
        self.offline.close()
        self._folder.cleanup()

    # the exchanges of an identification that works
    def tap(self, device: object | None) -> ReadResult:
        """Put ``device`` on the reader (None: nothing answers) and read it."""
        if device is not None:
            self.slot.attach(device)
        try:
            return self.kernel.read()
        finally:
            self.slot.detach()

    def read_phone(self, patient: Patient) -> ReadResult:
        """Unlock the patient's phone (biometrics, or as it is) and read the NFC presentation."""
        phone = _phone(patient)
        if not phone.lock.unlocked and not phone.lock.blocked:
            phone.lock.unlock_with_biometrics()
        read = self.tap(phone)
        if read.holder.nir != patient.nir:
            raise UnexpectedOutcome("the reader returned another person's identity")
        self.exchanges["nfc_read"] += 1
        return read

    def verify(self, read: ReadResult, backend: BackendClient | None = None) -> dict:
        """The practice software verifies the presentation at the backend (the token is spent)."""
        verified = (backend or self.backend).verify(self.practitioner, read.presentation)
        if verified["identity"]["nir"] != read.selected_identity.nir:
            raise UnexpectedOutcome("the backend verified another person's presentation")
        self.exchanges["verified"] += 1
        return verified

    def finish_nfc(self, patient: Patient) -> None:
        """Read, verify with rights, submit the claim; the phone downloads the receipt."""
        verified = self.verify(self.read_phone(patient))
        claim_id = f"wr-{patient.number}-{self.exchanges['claim']}"
        ack = self.backend.submit_claim(self.practitioner, claim_id, verified["token_id"], ACTS)
        self.exchanges["claim"] += 1
        key = _phone(patient).wallet.device_key
        receipts = ReceiptStore().sync(lambda: self.backend.receipts(key))
        if [r["receipt_id"] for r in receipts] != [ack["receipt_id"]]:
            raise UnexpectedOutcome("the phone did not download the claim's receipt")
        self.exchanges["receipt"] += 1

    def finish_card(self, patient: Patient) -> None:
        """Read the physical card, then look the rights up at the backend."""
        read = self.tap(patient.card)
        if read.holder.nir != patient.nir:
            raise UnexpectedOutcome("the reader returned another person's identity")
        self.exchanges["card_read"] += 1
        rights = self.backend.rights(self.practitioner, patient.nir)
        if rights["fund_code"] != patient.insured.coverage.fund_code:
            raise UnexpectedOutcome("the backend gave rights of another fund than the card's")
        self.exchanges["rights"] += 1

    # failures, made to happen for real
    def no_answer(self, patient: Patient) -> None:
        """The phone does not answer the reader (no NFC, battery dead)."""
        _refused(lambda: self.tap(None), NoCardPresent, "the reader found a device in the field")

    def app_blocked(self, patient: Patient) -> None:
        """Wrong codes block the app; the reader then gets 6982 from it."""
        phone = _phone(patient)
        for tries in range(MAX_CODE_TRIES):
            wrong = f"{(int(phone.lock.code) + 1 + tries) % 10_000:04d}"
            _refused(lambda code=wrong: phone.unlock(code), UnlockError, "a wrong code unlocked the app")
        _refused(lambda: self.tap(phone), AppLocked, "a blocked app answered the reader")

    def biometrics_fail(self, patient: Patient) -> None:
        """The fingerprint or face is not recognised; the patient types the secret code."""
        phone = _phone(patient)
        phone.lock.policy.biometric_failure_rate = 1.0
        _refused(phone.lock.unlock_with_biometrics, UnlockError, "a failing biometric unlocked the app")
        phone.unlock()

    def not_activated_here(self, patient: Patient) -> None:
        """The apCV was since activated on another phone: the backend refuses this one."""
        self.people.activate_elsewhere(patient)
        read = self.read_phone(patient)
        try:
            self.verify(read)
        except BackendRefused as exc:
            if exc.code != "device_revoked":
                raise
            return
        raise UnexpectedOutcome("the backend accepted a presentation from a revoked phone")

    def network_down(self, patient: Patient) -> None:
        """The phone is read, but the backend cannot be reached to verify it."""
        read = self.read_phone(patient)
        _refused(lambda: self.verify(read, self.offline), BackendLinkError, "an offline backend answered")


def _phone(patient: Patient) -> Phone:
    if patient.phone is None:
        raise UnexpectedOutcome(f"patient {patient.number} has no phone")
    return patient.phone


def _refused(exchange: Callable[[], object], expected: type[Exception], otherwise: str) -> None:
    """Run ``exchange``, which must fail with ``expected``; UnexpectedOutcome if it went through."""
    try:
        exchange()
    except expected:
        return
    raise UnexpectedOutcome(otherwise)
