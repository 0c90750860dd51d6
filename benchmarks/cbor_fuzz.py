"""Long fuzz run of everything that reads a device's CBOR: counts of 5xx and of escaped exceptions.

The strategies of ``tests/cbor_fuzz.py`` (values under every tag cbor2 knows, non-canonical
encodings of the profile's types) are thrown, in turns, for ``--minutes`` in all:

- at the verifiers (``verify_presentation`` for NFC, ``qr.verify`` for QR): as the whole
  message, as signed claims, in an unprotected COSE header, as one re-encoded claim; any
  exception but the project's own (:class:`apcv.errors.ApcvError`) is an *escape*;
- at the backend (in-process app, SQLite, signed requests): the same messages posted to
  ``/v1/verifications``, ``/v1/verifications/qr`` and ``/v1/verifications/card``; any 5xx counts.

Target (issue 24): 0 escapes and 0 x 5xx over 10 minutes. Not part of ``make test``.

    .venv/bin/python benchmarks/cbor_fuzz.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base45
import cbor2
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from apcv.clock import FrozenClock
from apcv.errors import ApcvError
from apcv.profile.r1 import cose, qr
from apcv.profile.r1.credentials import key_from_scalar
from apcv.profile.r1.presentation import presentation_payload, verify_presentation
from apcv.seeded_keys import synthetic_insurer
from simulators.backend.client import Signer, open_backend
from simulators.factory import synthetic_insured
from simulators.population.generator import generate_practitioners

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from cbor_fuzz import cbor_values, non_canonical, plain_values  # a test helper, not a package

INSURER = synthetic_insurer(0)
DEVICE_KEY = key_from_scalar(0xF5)
CARD_REF = "APCV-FUZZ-BENCH"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CARD = INSURER.issue_card_data(synthetic_insured(5), CARD_REF, DEVICE_KEY.public_key())
PAYLOAD = presentation_payload(CARD, CARD_REF, token_id=b"\x03" * 16, now=int(NOW.timestamp()),
                               lifetime_s=120, selected=0, transcript_hash=bytes(32), challenge=bytes(16))
CLAIMS = cbor2.loads(PAYLOAD)
QR_SIGNED = qr.decode(qr.encode(qr.issue_claims(CARD_REF, NOW.timestamp(), token_id=b"\x04" * 16),
                                DEVICE_KEY)).cose_sign1


class _TimeUp(Exception):
    """Raised inside a fuzz target when its share of the run is spent."""


def _qr_text(signed: bytes) -> str:
    return "APCV1:" + base45.b45encode(zlib.compress(signed)).decode()


def _messages(kind: str, value: Any) -> list[bytes]:
    """COSE_Sign1 messages built around one drawn value (or, for ``encoded``, drawn bytes)."""
    sign = cose.Signer(DEVICE_KEY, None).sign
    _, _, payload, signature = cbor2.loads(sign(PAYLOAD)).value
    if kind == "value":
        return [cbor2.dumps(value), sign(cbor2.dumps(value)),
                cbor2.dumps(cbor2.CBORTag(18, [cose.ES256_PROTECTED, {99: value}, payload, signature]))]
    key, encoded = value
    body = b"".join(cbor2.dumps(k) + (encoded if k == key else cbor2.dumps(v)) for k, v in CLAIMS.items())
    return [sign(bytes([0xA0 | len(CLAIMS)]) + body), encoded]


class Run:
    """Counts of one fuzz run, per target."""

    def __init__(self, deadline: float, backend: Any, doctor: Signer) -> None:
        self.deadline = deadline
        self.backend = backend
        self.doctor = doctor
        self.counts: Counter[str] = Counter()

    def check(self, messages: list[bytes]) -> None:
        if time.monotonic() > self.deadline:
            raise _TimeUp
        for message in messages:
            self._verifiers(message)
            self._backend(message)

    def _verifiers(self, message: bytes) -> None:
        for name, call in (("nfc", lambda: verify_presentation(message, INSURER.trust_anchor, NOW)),
                           ("qr", lambda: qr.verify(_qr_text(message), INSURER.trust_anchor, NOW,
                                                    lambda _kid: None))):
            self.counts[f"{name} inputs"] += 1
            try:
                call()
            except ApcvError:
                pass
            except Exception:  # counting escapes is the point
                self.counts[f"{name} escapes"] += 1
                traceback.print_exc(limit=3)

    def _backend(self, message: bytes) -> None:
        encoded = base64.b64encode(message).decode()
        for path, body in (("/v1/verifications", {"presentation": encoded}),
                           ("/v1/verifications/qr", {"qr": _qr_text(message)}),
                           ("/v1/verifications/card", {"card": encoded})):
            status = self.backend.send("POST", path, body, self.doctor).status_code
            self.counts["backend requests"] += 1
            self.counts["backend 5xx"] += status >= 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        backend = open_backend("embedded:", clock=FrozenClock(NOW.timestamp()),
                               database=f"sqlite:///{folder}/fuzz.sqlite3")
        doctor = Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)
        run = Run(0.0, backend, doctor)
        share = args.minutes * 60 / 3
        loose = settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
                         suppress_health_check=list(HealthCheck))
        targets = [
            given(cbor_values)(lambda value: run.check(_messages("value", value))),
            given(st.sampled_from(sorted(CLAIMS)).flatmap(
                lambda key: st.tuples(st.just(key), non_canonical(CLAIMS[key]))))(
                lambda case: run.check(_messages("encoded", case))),
            given(plain_values.flatmap(non_canonical))(lambda encoded: run.check([encoded])),
        ]
        for target in targets:
            run.deadline = time.monotonic() + share
            with contextlib.suppress(_TimeUp):
                loose(target)()
        backend.close()
    c = run.counts
    escapes = c["nfc escapes"] + c["qr escapes"]
    print(f"fuzzed {time.monotonic() - started:.0f} s: verifiers {c['nfc inputs']:,} NFC + "
          f"{c['qr inputs']:,} QR inputs, {escapes} escape(s) (target 0); "
          f"backend {c['backend requests']:,} requests, "
          f"{c['backend 5xx']} x 5xx (target 0)")
    sys.exit(1 if escapes or c["backend 5xx"] else 0)


if __name__ == "__main__":
    main()
