"""Replay docs/vectors/r1-presentation.json: the code must reproduce it byte for byte."""

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from apcv.profile.r1 import cose
from apcv.profile.r1.credentials import Insurer, TrustAnchor, key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.presentation import verify_presentation
from simulators.vectors import run_vector, session_secrets, vector_card_data, vector_insured

VECTOR = json.loads((Path(__file__).parents[1] / "docs/vectors/r1-presentation.json").read_text())
SESSION = VECTOR["session"]
PRESENTATION_INS = 0x52


def _x(name: str) -> bytes:
    return bytes.fromhex(SESSION[name])


@pytest.fixture(scope="module")
def replay():
    return run_vector(bytes.fromhex(VECTOR["insurer_root_certificate"]), bytes.fromhex(VECTOR["card_data"]))


def _presentation_response(exchanges) -> bytes:
    """Data of GET PRESENTATION and the GET RESPONSE commands that follow it."""
    start = next(i for i, (c, _) in enumerate(exchanges) if c[1] == PRESENTATION_INS)
    return b"".join(r[:-2] for _, r in exchanges[start:])


def test_fixed_inputs_give_the_recorded_session():
    assert session_secrets() == SESSION
    assert vector_insured().to_dict() == VECTOR["insured"]


def test_session_keys_follow_the_spec_independently():
    """Recompute §4.1 with bare primitives from the scalars and nonces in the file."""
    curve = ec.SECP256R1()
    reader = ec.derive_private_key(int(SESSION["reader_ephemeral_scalar"], 16), curve)
    phone = ec.derive_private_key(int(SESSION["phone_ephemeral_scalar"], 16), curve)
    point = lambda k: k.public_key().public_numbers()  # noqa: E731

    def encoded(key):
        n = point(key)
        return b"\x04" + n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")

    transcript = (b"APCV-R1" + bytes.fromhex("F04150435601") + encoded(reader) + _x("reader_nonce")
                  + encoded(phone) + _x("phone_nonce"))
    th = hashlib.sha256(transcript).digest()
    okm = HKDF(hashes.SHA256(), 64, th, b"APCV-R1 session keys").derive(
        reader.exchange(ec.ECDH(), phone.public_key()))
    assert th.hex() == SESSION["transcript_hash"]
    assert okm[:32].hex() == SESSION["sk_reader_to_phone"]
    assert okm[32:].hex() == SESSION["sk_phone_to_reader"]


def test_commands_and_unsigned_responses_are_exact(replay):
    exchanges, _ = replay
    recorded = [(bytes.fromhex(e["command"]), bytes.fromhex(e["response"])) for e in VECTOR["exchanges"]]
    assert [c for c, _ in exchanges] == [c for c, _ in recorded]
    start = next(i for i, (c, _) in enumerate(recorded) if c[1] == PRESENTATION_INS)
    assert exchanges[:start] == recorded[:start]
    # the chained answer has the same framing; only the signature inside differs
    assert [len(r) for _, r in exchanges] == [len(r) for _, r in recorded]
    assert [r[-2:] for _, r in exchanges] == [r[-2:] for _, r in recorded]


def test_recorded_presentation_is_the_sealed_cose(replay):
    signed = bytes.fromhex(VECTOR["presentation_cose_sign1"])
    sealed = AESGCM(_x("sk_phone_to_reader")).encrypt(
        b"\x00\x00\x00\x02" + (1).to_bytes(8, "big"), signed, _x("transcript_hash"))
    recorded = [(bytes.fromhex(e["command"]), bytes.fromhex(e["response"])) for e in VECTOR["exchanges"]]
    assert _presentation_response(recorded) == sealed


def test_recorded_presentation_verifies_and_matches_replay(replay):
    _, result = replay
    trust = TrustAnchor(x509.load_der_x509_certificate(bytes.fromhex(VECTOR["insurer_root_certificate"])))
    signed = bytes.fromhex(VECTOR["presentation_cose_sign1"])
    claims, _ = verify_presentation(signed, trust, datetime.fromisoformat(VECTOR["time"]),
                                    transcript_hash=_x("transcript_hash"), challenge=_x("challenge"))
    assert claims.token_id == _x("token_id")
    assert claims.selected == VECTOR["beneficiary"]
    assert cose.peek(result.presentation)[1] == cose.peek(signed)[1]  # same claims, byte for byte


def test_card_data_items_and_security_object_are_reproduced():
    """Fixed salts give the same items and the same security object payload; only the insurer's
    signature over it is randomised."""
    recorded = IssuerSigned.from_bytes(bytes.fromhex(VECTOR["card_data"]))
    made = vector_card_data(Insurer.create(key_from_scalar(int(VECTOR["insurer_root_scalar"], 16))))
    assert made.items == recorded.items
    assert cose.peek(made.security_object)[1] == cose.peek(recorded.security_object)[1]
