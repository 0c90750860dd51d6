"""The reference billing program: one identification and billing, as docs/practice-software.md says.

Read a phone (R1 over PC/SC) or a card, or take a scanned QR; have the insurer verify the
presentation, once; fetch the rights (ADRi) of the person billed for; send the claim (FSE),
retried under the same claim id when the network fails. A locked app is asked to unlock; a
presentation that does not verify is refused with a message and no claim. Logs (standard
error) show NIRs masked only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from apcv.errors import ApcvError, ProtocolError, VerificationError
from apcv.input_files import MAX_PEM_BYTES, read_bytes
from apcv.links.base import LinkError
from apcv.nir import mask_nir
from apcv.profile.r1.credentials import TrustAnchor
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused, Signer, open_backend
from simulators.practice.outcome import Printout, Reason, billed, refused
from simulators.practice.presentations import Presentations
from simulators.reader.errors import AppLocked
from simulators.reader.kernel import ReaderKernel
from simulators.reader.result import ReadResult

CLAIM_ATTEMPTS = 4
RETRY_PAUSE_S = 0.2
UNLOCK_POLL_S = 0.25
Log = Callable[[str], None]


class Refusal(ApcvError):
    """Nothing can be billed: ``reason`` (the contract's word) and a message for the practitioner."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


@dataclass(frozen=True)
class BillingOrder:
    """What the practitioner asked for, and the station's settings (the template's placeholders)."""

    reader: str
    scanner: str
    backend: str
    rpps: str
    key: Path
    trust: Path
    beneficiary: int = 0
    amount_cents: int = 2500
    act: str = "G"
    wait_s: float = 20.0


@dataclass(frozen=True)
class Verified:
    """The insurer's answer to a verification: where it came from, the token, the person billed for."""

    source: Literal["nfc", "card", "qr"]
    token_id: str
    nir: str


def reason_of(error: str) -> Reason:
    """The contract's reason for a verification failure, from its message."""
    text = error.lower()
    if "another session" in text or "another reader challenge" in text or "already used" in text:
        return "replayed"
    if "certificate" in text and "not valid at" not in text:
        return "untrusted"
    if "expired" in text or "not valid at" in text or "not yet valid" in text or "future" in text:
        return "expired"
    if "signature" in text:
        return "tampered"
    return "untrusted"


def _refusal(exc: BackendRefused) -> Refusal:
    if exc.code == "token_replayed":
        return Refusal("replayed", f"this presentation was already used: {exc.detail}")
    if exc.code == "not_delegated":
        return Refusal("not_delegated", "the presenting phone holds no delegation for this person now")
    if exc.code in ("invalid_presentation", "invalid_card"):
        return Refusal(reason_of(exc.detail), f"the presentation does not verify: {exc.detail}")
    if exc.code in ("unknown_device", "device_revoked", "card_revoked", "unknown_card"):
        return Refusal("untrusted", f"the insurer does not trust this device: {exc.detail}")
    return Refusal("insurer_refused", f"the insurer refused ({exc.status} {exc.code}): {exc.detail}")


class ReferenceBilling:
    """One billing run. Subclasses (:mod:`.variants`) each break one step."""

    def __init__(self, order: BillingOrder, log: Log) -> None:
        self.order = order
        self.log = log
        trust_pem = read_bytes(order.trust, limit=MAX_PEM_BYTES, what="--trust")
        key_pem = read_bytes(order.key, limit=MAX_PEM_BYTES, what="--key")
        try:
            self.trust = TrustAnchor.from_pem(trust_pem)
        except ValueError as exc:
            raise ApcvError(f"--trust {order.trust}: not a PEM certificate ({exc})") from None
        try:
            key = load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ApcvError(f"--key {order.key}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ApcvError(f"--key {order.key}: not an EC (P-256) private key")
        self.signer = Signer(key, f"rpps:{order.rpps}")
        self.backend: BackendClient = open_backend(order.backend, timeout=5.0, plain_http=True)

    def run(self) -> Printout:
        """Wait for a presentation and bill it: the printout, of a billing or of a refusal saying why not."""
        presentations = Presentations(self.order.reader, self.order.scanner)
        try:
            self.log("waiting for a phone or a card on the reader, or a QR on the scanner")
            return self.bill(self.verified_presentation(presentations, time.monotonic() + self.order.wait_s))
        except Refusal as refusal:
            self.log(f"refused: {refusal}")
            return refused(refusal.reason, str(refusal).replace("\n", " "))
        finally:
            presentations.close()
            self.backend.close()

    def verified_presentation(self, presentations: Presentations, deadline: float) -> Verified:
        """The first presentation that can be read, verified by the insurer. A phone or card taken
        away mid-read is waited for again (as is a QR meanwhile); a locked app is asked to unlock."""
        kernel = ReaderKernel(presentations.reader, self.trust)
        asked = False
        while True:
            arrived = presentations.wait(deadline)
            if arrived is None:
                if asked:
                    raise Refusal("locked", "the apCV app stayed locked")
                raise Refusal("nothing_presented", f"nothing was presented within {self.order.wait_s:g} s")
            if arrived.kind == "bad-scan":
                raise Refusal("unreadable", f"the scanner sent no apCV QR: {arrived.text}")
            if arrived.kind == "qr":
                return self.verify_qr(arrived.text)
            try:
                return self.verify_read(kernel.read(self.order.beneficiary))
            except AppLocked:
                if not self.on_locked(asked):
                    raise Refusal("unreadable", "the device could not be read") from None
                asked = True
            except VerificationError as exc:
                raise Refusal(reason_of(str(exc)), f"the presentation does not verify: {exc}") from None
            except LinkError as exc:
                self.log(f"the read was cut ({exc}): present the phone or card again")
            except ProtocolError as exc:
                raise Refusal("unreadable", f"the device could not be read: {exc}") from None
            time.sleep(UNLOCK_POLL_S)

    def on_locked(self, asked: bool) -> bool:
        """The app answered 'locked': ask the patient to unlock it (once) and read again."""
        if not asked:
            self.log("the apCV app is locked: ask the patient to unlock it and keep the phone on the reader")
        return True

    # verification: once per presentation, by the insurer
    def verify_read(self, read: ReadResult) -> Verified:
        """Have the insurer verify what was read (the phone's presentation, or the card's data)."""
        try:
            if read.kind == "card":
                answer = self.backend.verify_card(self.signer, read.presentation, read.selected)
            else:
                answer = self.backend.verify(self.signer, read.presentation)
        except BackendRefused as exc:
            raise _refusal(exc) from None
        except BackendLinkError as exc:
            raise Refusal("insurer_unreachable", f"the insurer cannot be reached: {exc}") from None
        source = "card" if read.kind == "card" else "nfc"
        return Verified(source, answer["token_id"], answer["identity"]["nir"])

    def verify_qr(self, text: str) -> Verified:
        """Have the insurer verify (and spend) a scanned QR token."""
        try:
            answer = self.backend.verify_qr(self.signer, text)
        except BackendRefused as exc:
            raise _refusal(exc) from None
        except BackendLinkError as exc:
            raise Refusal("insurer_unreachable", f"the insurer cannot be reached: {exc}") from None
        return Verified("qr", answer["token_id"], answer["identity"]["nir"])

    # billing
    def rights(self, nir: str) -> dict[str, Any]:
        """The person's rights (ADRi) as of now, asked at every billing."""
        try:
            return self.backend.rights(self.signer, nir)
        except BackendRefused as exc:
            raise _refusal(exc) from None
        except BackendLinkError as exc:
            raise Refusal("insurer_unreachable", f"the insurer cannot be reached: {exc}") from None

    def claim_id(self, attempt: int, first: str) -> str:
        """The claim id of an attempt: the first one's, so that the insurer keeps one claim."""
        return first

    def bill(self, verified: Verified) -> Printout:
        """Rights, then the claim (retried under the same id on a network failure)."""
        rights = self.rights(verified.nir)
        first = f"FSE-{secrets.token_hex(8)}"
        acts = self.acts()
        for attempt in range(CLAIM_ATTEMPTS):
            claim_id = self.claim_id(attempt, first)
            try:
                ack = self.backend.submit_claim(self.signer, claim_id, verified.token_id, acts)
                break
            except BackendRefused as exc:
                if exc.status < 500 or attempt == CLAIM_ATTEMPTS - 1:
                    raise _refusal(exc) from None
            except BackendLinkError as exc:
                if attempt == CLAIM_ATTEMPTS - 1:
                    raise Refusal("insurer_unreachable", f"the claim could not be sent: {exc}") from None
                self.log(f"the claim did not get through ({exc}): sending it again as {claim_id}")
            time.sleep(RETRY_PAUSE_S * (attempt + 1))
        self.log_billed(verified, ack["claim_id"])
        return billed(source=verified.source, token_id=verified.token_id, claim_id=ack["claim_id"],
                      receipt_id=ack["receipt_id"], total_cents=self.reported_total(ack),
                      beneficiary=mask_nir(verified.nir), fund_code=rights["fund_code"],
                      regime_code=rights["regime_code"], rights_open=rights["rights_open"])

    def acts(self) -> list[dict[str, Any]]:
        """The acts of the claim: the one the practitioner asked for."""
        return [{"code": self.order.act, "amount_cents": self.order.amount_cents}]

    def reported_total(self, ack: dict[str, Any]) -> int:
        """The total printed: the one the insurer acknowledged."""
        return int(ack["total_cents"])

    def log_billed(self, verified: Verified, claim_id: str) -> None:
        """The log line of a billing (the NIR masked)."""
        self.log(f"billed claim {claim_id} for {mask_nir(verified.nir)} ({verified.source}, token "
                 f"{verified.token_id})")
