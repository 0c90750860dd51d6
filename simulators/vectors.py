"""Deterministic APCV-R1 test vectors: fixed keys and random values -> exact APDUs.

``python -m simulators.vectors FILE`` writes the vector file. The tests replay
it: the code must give the same session keys and APDUs byte for byte; only the ECDSA
signatures (randomised) are taken from the file, where they must verify.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.clock import FrozenClock
from apcv.links import open_card_slot, open_reader
from apcv.links.tracing import TracingReaderLink
from apcv.people import Beneficiary, Coverage, Identity, Insured
from apcv.profile.r1.constants import CHALLENGE_LEN, NONCE_LEN
from apcv.profile.r1.credentials import Insurer, TrustAnchor, key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.session import derive_session_keys, encode_point, new_ephemeral_key, transcript
from apcv.trace import TraceRecorder
from simulators.phone.phone import Phone
from simulators.phone.wallet import Wallet
from simulators.reader.kernel import ReaderKernel
from simulators.reader.result import ReadResult

VECTOR_TIME = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
INSURER_SCALAR = int.from_bytes(hashlib.sha256(b"APCV-R1 vector insurer").digest(), "big") >> 4
DEVICE_SCALAR = int.from_bytes(hashlib.sha256(b"APCV-R1 vector device").digest(), "big") >> 4
CARD_REFERENCE = "APCV-VECTOR-0001"
BENEFICIARY = 1
VECTOR_LINK = "sim:apcv-r1-vectors"


class FixedRandom:
    """A reproducible byte stream: SHA-256(label || counter) blocks."""

    def __init__(self, label: bytes) -> None:
        self._label = label
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._counter += 1
            self._buffer += hashlib.sha256(self._label + self._counter.to_bytes(4, "big")).digest()
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def vector_insured() -> Insured:
    """The synthetic person of the vectors (fixed here, not drawn from Faker)."""
    child = Identity("212067511200136", "MARTIN", ("Lou",), date(2012, 6, 14), "F", "75112")
    return Insured(
        identity=Identity("184127511203416", "MARTIN", ("Paul", "Henri"), date(1984, 12, 3), "M", "75112"),
        coverage=Coverage("01", "Régime général", "751", "CPAM de Paris", date(2020, 1, 1)),
        beneficiaries=(Beneficiary(child, "child"),),
        card_serial="1234567890",
    )


def _exchanges(recorder: TraceRecorder) -> list[tuple[bytes, bytes]]:
    """The (command, response) pairs of a trace, in order."""
    commands = [event.data for event in recorder.events if event.kind == "command"]
    responses = [event.data for event in recorder.events if event.kind == "response"]
    return list(zip(commands, responses, strict=True))


def run_vector(root_der: bytes, card_data: bytes) -> tuple[list[tuple[bytes, bytes]], ReadResult]:
    """One presentation with every random value fixed, over an in-process ``sim:`` link traced
    unmasked; returns the (command, response) pairs and the kernel's result.

    ``card_data`` is the insurer-signed card data recorded in the vector file (its signature
    is randomised, like the presentation's).
    """
    clock = FrozenClock(VECTOR_TIME)
    wallet = Wallet(vector_insured(), CARD_REFERENCE, key_from_scalar(DEVICE_SCALAR), None,
                    IssuerSigned.from_bytes(card_data))
    phone = Phone(wallet, clock=clock, seed=0, rng=FixedRandom(b"APCV-R1 vector phone"))
    phone.unlock()
    trust = TrustAnchor(x509.load_der_x509_certificate(root_der))
    recorder = TraceRecorder(clock, redact=False)
    slot = open_card_slot(VECTOR_LINK)
    slot.attach(phone)
    try:
        link = TracingReaderLink(open_reader(VECTOR_LINK), recorder)
        reader = ReaderKernel(link, trust, clock=clock, rng=FixedRandom(b"APCV-R1 vector reader"))
        result = reader.read(beneficiary=BENEFICIARY)
    finally:
        slot.close()
    return _exchanges(recorder), result


def session_secrets() -> dict[str, str]:
    """Ephemeral keys, nonces, challenge, token id and the derived keys of the vector session.

    The reader draws its key, nonce and challenge from its stream in that order; the phone
    draws its key, nonce and the token id from its own.
    """
    reader_rng, phone_rng = FixedRandom(b"APCV-R1 vector reader"), FixedRandom(b"APCV-R1 vector phone")
    reader_key, phone_key = new_ephemeral_key(reader_rng), new_ephemeral_key(phone_rng)
    reader_nonce, phone_nonce = reader_rng(NONCE_LEN), phone_rng(NONCE_LEN)
    reader_point, phone_point = encode_point(reader_key.public_key()), encode_point(phone_key.public_key())
    keys = derive_session_keys(
        reader_key, phone_point, transcript(reader_point, reader_nonce, phone_point, phone_nonce)
    )
    return {
        "reader_ephemeral_scalar": f"{reader_key.private_numbers().private_value:064x}",
        "phone_ephemeral_scalar": f"{phone_key.private_numbers().private_value:064x}",
        "reader_nonce": reader_nonce.hex(),
        "phone_nonce": phone_nonce.hex(),
        "challenge": reader_rng(CHALLENGE_LEN).hex(),
        "token_id": phone_rng(16).hex(),
        "transcript_hash": keys.transcript_hash.hex(),
        "sk_reader_to_phone": keys.reader_to_phone.hex(),
        "sk_phone_to_reader": keys.phone_to_reader.hex(),
    }


def vector_card_data(insurer: Insurer) -> IssuerSigned:
    """The insurer-signed card data of the vector: salts from a fixed stream, valid 2025-2030."""
    device = key_from_scalar(DEVICE_SCALAR)
    return insurer.issue_card_data(vector_insured(), CARD_REFERENCE, device.public_key(),
                                   random=FixedRandom(b"APCV-R1 vector insurer salts"))


def generate() -> dict[str, Any]:
    """Build the vector file's content (new root certificate and signatures each time)."""
    insurer = Insurer.create(key_from_scalar(INSURER_SCALAR))
    root_der = insurer.certificate.public_bytes(Encoding.DER)
    card_data = vector_card_data(insurer).to_bytes()
    exchanges, result = run_vector(root_der, card_data)
    return {
        "description": "APCV-R1 presentation with fixed keys, nonces and clock (docs/protocol.md §10)",
        "time": VECTOR_TIME.isoformat(),
        "insurer_root_scalar": f"{INSURER_SCALAR:064x}",
        "device_scalar": f"{DEVICE_SCALAR:064x}",
        "random_labels": {"reader": "APCV-R1 vector reader", "phone": "APCV-R1 vector phone",
                          "insurer salts": "APCV-R1 vector insurer salts"},
        "card_reference": CARD_REFERENCE,
        "beneficiary": BENEFICIARY,
        "insured": vector_insured().to_dict(),
        "session": session_secrets(),
        "insurer_root_certificate": root_der.hex(),
        "card_data": card_data.hex(),
        "presentation_cose_sign1": result.presentation.hex(),
        "exchanges": [{"command": c.hex(), "response": r.hex()} for c, r in exchanges],
    }


def main(argv: list[str]) -> int:
    """Write the vector file named on the command line."""
    if len(argv) != 1:
        print("usage: python -m simulators.vectors OUTPUT.json", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(json.dumps(generate(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
