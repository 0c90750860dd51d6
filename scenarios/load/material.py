"""What a load generator needs ready before the timed phase: wallets, tokens and keys.

One :class:`Material` per worker slot, written as JSON by ``apcv-hil load``: a single Locust
process reads its file, a master sends each worker one slot's over Locust's channel
(:mod:`scenarios.load.distribute`), so slots never share a token (each is single use).
Private keys travel as P-256 scalars: these are synthetic test keys of synthetic people,
made for this run.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.people import Insured
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from scenarios.load.errors import LoadError
from scenarios.load.written_files import read_written_file
from simulators.phone.wallet import Wallet

FORMAT = "apcv-load-material/1"


def _card_data(wallet: Wallet) -> bytes:
    if wallet.card_data is None:
        raise LoadError(f"the wallet of card {wallet.card_reference} holds no card data to present over NFC")
    return wallet.card_data.to_bytes()


def _scalar(key: ec.EllipticCurvePrivateKey) -> str:
    return format(key.private_numbers().private_value, "x")


@dataclass(frozen=True)
class Token:
    """A presentation ready to send: NFC (base64 COSE_Sign1) or QR (``APCV1:`` text).

    ``wallet`` indexes the slot's wallets; ``nir`` is the person the care is for; the token
    is valid from ``not_before`` to ``not_after`` (POSIX seconds, the verifier's slack included).
    """

    kind: str
    wallet: int
    nir: str
    token_id: str
    payload: str
    not_before: float
    not_after: float

    def to_json(self) -> list:
        """A compact list."""
        return [self.kind, self.wallet, self.nir, self.token_id, self.payload, self.not_before,
                self.not_after]

    @classmethod
    def from_json(cls, row: list) -> Token:
        """From :meth:`to_json`."""
        kind, wallet, nir, token_id, payload, not_before, not_after = row
        return cls(str(kind), int(wallet), str(nir), str(token_id), str(payload), float(not_before),
                   float(not_after))


@dataclass(frozen=True)
class Enrolment:
    """A device key ready to enrol for a person, with the proof of identity it will use."""

    nir: str
    proof: str
    device_key: ec.EllipticCurvePrivateKey

    def to_json(self) -> list:
        """A compact list."""
        return [self.nir, self.proof, _scalar(self.device_key)]

    @classmethod
    def from_json(cls, row: list) -> Enrolment:
        """From :meth:`to_json`."""
        nir, proof, scalar = row
        return cls(str(nir), str(proof), key_from_scalar(int(scalar, 16)))


@dataclass
class Material:
    """Everything one worker slot uses: activated wallets, tokens, enrolment keys, delegates."""

    slot: int
    made_at: float
    wallets: list[Wallet]
    nfc: list[Token] = field(default_factory=list)
    qr: list[Token] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    delegates: list[str] = field(default_factory=list)
    """NIRs of people the phones may delegate their card to."""

    def to_json(self) -> dict:
        """Plain data."""
        return {"format": FORMAT, "slot": self.slot, "made_at": self.made_at,
                "wallets": [{"insured": w.insured.to_dict(), "card_reference": w.card_reference,
                             "device_key": _scalar(w.device_key),
                             "certificate": base64.b64encode(w.device_certificate_der or b"").decode(),
                             "card_data": base64.b64encode(_card_data(w)).decode()}
                            for w in self.wallets],
                "nfc": [t.to_json() for t in self.nfc], "qr": [t.to_json() for t in self.qr],
                "enrolments": [e.to_json() for e in self.enrolments], "delegates": self.delegates}

    @classmethod
    def from_json(cls, data: dict) -> Material:
        """From :meth:`to_json`."""
        wallets = [Wallet(Insured.from_dict(w["insured"]), w["card_reference"],
                          key_from_scalar(int(w["device_key"], 16)), base64.b64decode(w["certificate"]),
                          IssuerSigned.from_bytes(base64.b64decode(w["card_data"])))
                   for w in data["wallets"]]
        return cls(int(data["slot"]), float(data["made_at"]), wallets,
                   [Token.from_json(t) for t in data["nfc"]], [Token.from_json(t) for t in data["qr"]],
                   [Enrolment.from_json(e) for e in data["enrolments"]], [str(n) for n in data["delegates"]])

    def write(self, path: Path) -> Path:
        """Write as JSON."""
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")), encoding="utf-8")
        return path


def read_material(path: str | Path) -> Material:
    """Read a slot's material file; :class:`LoadError` naming what is wrong."""
    return read_written_file(path, file_format=FORMAT, what="material file", kind="load material file",
                             build=Material.from_json)
