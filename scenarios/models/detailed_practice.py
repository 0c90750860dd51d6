"""The practice of the detailed mode: reader, QR scanner and practice software, talking to the backend.

One :class:`Practice` per replication: an embedded backend on SQLite whose clock is the
simulated day, the practitioner's reader kernel on a ``sim:`` link and a ``sim:`` QR scanner,
and the exchanges an identification is made of. Each exchange checks its answer (the right
person, the right fund) and counts itself in :attr:`Practice.exchanges`.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from apcv.errors import ApcvError
from apcv.links.registry import open_card_slot, open_reader, open_scanner
from apcv.links.scanner_base import QrScreen
from apcv.profile.r1 import qr
from apcv.seeded_keys import synthetic_insurer
from scenarios.models.day_clock import DayClock
from scenarios.models.detailed_people import Patient, People
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.phone.phone import Phone
from simulators.phone.receipts import ReceiptStore
from simulators.population.generator import generate_practitioners
from simulators.reader.kernel import ReaderKernel
from simulators.reader.result import ReadResult

ACTS = [{"code": "G", "amount_cents": 3000}]
"""What each claim bills: one consultation (act G, 30 €)."""


class UnexpectedOutcome(ApcvError):
    """A real exchange ended otherwise than the model's branch says it must."""


@dataclass(frozen=True)
class Presented:
    """What the practice got from a phone: an NFC read or a scanned QR text."""

    method: str
    nfc: ReadResult | None = None
    qr_text: str = ""


class Practice:
    """The practitioner's devices and software, and the backend they talk to."""

    def __init__(self, seed: int = 0) -> None:
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
        self.scanner = open_scanner(link)
        self.exchanges: Counter[str] = Counter()
        """Real exchanges that went as they should, by kind (``nfc_read``, ``qr_scan``, ``claim``, ...)."""

    def close(self) -> None:
        """Close the backend clients and the scanner; delete the backend's database."""
        self.backend.close()
        self.offline.close()
        self.scanner.close()
        self._folder.cleanup()

    def tap(self, device: object | None) -> ReadResult:
        """Put ``device`` on the reader (None: nothing answers) and read it."""
        if device is not None:
            self.slot.attach(device)
        try:
            return self.kernel.read()
        finally:
            self.slot.detach()

    def scan(self, screen: QrScreen | None) -> str:
        """Hold ``screen`` to the scanner (None: nothing shown) and read its QR at once."""
        self.scanner.show(screen)
        try:
            return self.scanner.read_payload(0)
        finally:
            self.scanner.show(None)

    def present(self, method: str, patient: Patient) -> Presented:
        """The patient unlocks the phone (biometrics, unless already unlocked) and presents it."""
        phone = phone_of(patient)
        if not phone.lock.unlocked and not phone.lock.blocked:
            phone.lock.unlock_with_biometrics()
        if method == "qr":
            text = self.scan(phone)
            if qr.decode(text).claims.card_reference != phone.wallet.card_reference:
                raise UnexpectedOutcome("the scanner read another card's QR code")
            self.exchanges["qr_scan"] += 1
            return Presented("qr", qr_text=text)
        read = self.tap(phone)
        if read.holder.nir != patient.nir:
            raise UnexpectedOutcome("the reader returned another person's identity")
        self.exchanges["nfc_read"] += 1
        return Presented("nfc", nfc=read)

    def verify(self, presented: Presented, patient: Patient, backend: BackendClient | None = None
               ) -> dict[str, Any]:
        """The practice software verifies the presentation at the backend (the token is spent)."""
        backend = backend or self.backend
        verified = (backend.verify_qr(self.practitioner, presented.qr_text) if presented.nfc is None
                    else backend.verify(self.practitioner, presented.nfc.presentation))
        if verified["identity"]["nir"] != patient.nir:
            raise UnexpectedOutcome("the backend verified another person's presentation")
        self.exchanges["verified"] += 1
        return verified

    def bill(self, patient: Patient, verified: dict[str, Any]) -> None:
        """Submit the claim (FSE) for a verified presentation; the phone downloads the receipt."""
        claim_id = f"wr-{patient.number}-{self.exchanges['claim']}"
        ack = self.backend.submit_claim(self.practitioner, claim_id, verified["token_id"], ACTS)
        self.exchanges["claim"] += 1
        key = phone_of(patient).wallet.device_key
        receipts = ReceiptStore().sync(lambda: self.backend.receipts(key))
        if [r["receipt_id"] for r in receipts] != [ack["receipt_id"]]:
            raise UnexpectedOutcome("the phone did not download the claim's receipt")
        self.exchanges["receipt"] += 1

    def read_card(self, patient: Patient) -> None:
        """Read the physical card, then look the rights up at the backend."""
        read = self.tap(patient.card)
        if read.holder.nir != patient.nir:
            raise UnexpectedOutcome("the reader returned another person's identity")
        self.exchanges["card_read"] += 1
        rights = self.backend.rights(self.practitioner, patient.nir)
        if rights["fund_code"] != patient.insured.coverage.fund_code:
            raise UnexpectedOutcome("the backend gave rights of another fund than the card's")
        self.exchanges["rights"] += 1


def phone_of(patient: Patient) -> Phone:
    """The patient's phone; UnexpectedOutcome for a patient who has none."""
    if patient.phone is None:
        raise UnexpectedOutcome(f"patient {patient.number} has no phone")
    return patient.phone
