"""Faulty phones: the reference phone with one thing broken each.

They prove the phone plan can fail (each must fail it on the requirement in ``breaks``), and
they are the hostile phones the reader plan presents to a reader under test.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import timedelta

import cbor2
from cryptography.hazmat.primitives.serialization import Encoding

from apcv.clock import to_datetime
from apcv.profile.r1 import cose
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import SW
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.responder import Rejected
from apcv.seeded_keys import seeded_scalar
from simulators.phone.applet import HceApplet
from simulators.phone.phone import Phone
from simulators.phone.unlock import AppLock
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population
from simulators.variant import UnknownVariant, Variant

ROLE = "phone"
LONG_LIFETIME_S = 30 * 24 * 3600


class _AlwaysOpen:
    """The app lock as a faulty applet sees it: always unlocked."""

    def __init__(self, lock: AppLock) -> None:
        self._lock = lock

    @property
    def unlocked(self) -> bool:
        return True

    def __getattr__(self, name: str):
        return getattr(self._lock, name)


class _UnknownInstructionOk(HceApplet):
    def handle(self, cmd: CommandApdu) -> bytes:
        try:
            return super().handle(cmd)
        except Rejected as rejected:
            if rejected.sw == SW.INS_NOT_SUPPORTED:
                return b""
            raise


class _Miscounts61xx(HceApplet):
    def _send(self, data: bytes, le: int | None) -> bytes:
        answer = super()._send(data, le)
        if answer[-2] == 0x61 and answer[-1] not in (0x00, 0xFF):
            return answer[:-1] + bytes((answer[-1] + 1,))
        return answer


class _ReusedSessionRandom(HceApplet):
    """Draws its ephemeral key and nonce from the same seed in every session."""

    def _establish(self, cmd: CommandApdu) -> bytes:
        self._rng = random.Random(0).randbytes
        return super()._establish(cmd)


class _ReplayingSigner:
    """Signs once, then hands out that first presentation in every later session."""

    def __init__(self, signer: cose.Signer) -> None:
        self._signer = signer
        self._first: bytes | None = None

    def sign(self, payload: bytes) -> bytes:
        if self._first is None:
            self._first = self._signer.sign(payload)
        return self._first


def _with_applet(phone: Phone, applet_class: type[HceApplet] = HceApplet, **kwargs) -> Phone:
    phone.applet = applet_class(phone.wallet, kwargs.pop("lock", phone.lock), phone.clock, **kwargs)
    return phone


def _rewallet(phone: Phone, wallet: Wallet) -> Phone:
    phone.install(wallet)  # its applet and QR screen both use the new wallet
    return phone


def _rogue_insurer(phone: Phone, seed: int) -> Phone:
    rogue = Insurer.create(key_from_scalar(seeded_scalar("rogue-insurer", seed)))
    wallet = Wallet.activate(phone.wallet.insured, rogue, phone.wallet.card_reference,
                             phone.wallet.device_key)
    return _rewallet(phone, wallet)


def _expired_card_data(phone: Phone, insurer: Insurer) -> Phone:
    now = to_datetime(phone.clock)
    key, card = phone.wallet.device_key, phone.wallet.card_reference
    start = now - timedelta(days=400)
    cert = insurer.issue_device_certificate(key.public_key(), card, not_before=start, days=365)
    card_data = insurer.issue_card_data(phone.wallet.insured, card, key.public_key(), not_before=start,
                                        days=365)
    return _rewallet(phone, Wallet(phone.wallet.insured, card, key, cert.public_bytes(Encoding.DER),
                                   card_data))


def _forged_beneficiary(phone: Phone, seed: int) -> Phone:
    """Adds a stranger's child, whom the insurer never signed, to the card data it presents."""
    stranger = next(b for p in generate_population(20, seed + 1000) for b in p.beneficiaries)
    card = phone.wallet.card_data
    assert card is not None
    item = cbor2.dumps({"id": len(card.items), "salt": bytes(16), "name": "ben", "value": stranger.to_dict()})
    insured = dataclasses.replace(phone.wallet.insured,
                                  beneficiaries=(*phone.wallet.insured.beneficiaries, stranger))
    forged = IssuerSigned(card.security_object, (*card.items, item))
    return _rewallet(phone, dataclasses.replace(phone.wallet, insured=insured, card_data=forged))


def _bad_signature(phone: Phone, seed: int) -> Phone:
    _with_applet(phone)
    other_key = key_from_scalar(seeded_scalar("not-the-device-key", seed))
    phone.applet._signer = cose.Signer(other_key, None)
    return phone


def _replays(phone: Phone) -> Phone:
    _with_applet(phone)
    phone.applet._signer = _ReplayingSigner(phone.applet._signer)  # type: ignore[assignment]
    return phone


Maker = Callable[[Phone, Insurer, int], Phone]
_MAKERS: dict[str, tuple[Variant, Maker]] = {}


def _variant(name: str, description: str, breaks: tuple[str, ...], maker: Maker) -> None:
    _MAKERS[name] = (Variant(name, ROLE, description, breaks), maker)


_variant("phone-presents-while-locked", "opens a session and presents while the app is locked",
         ("APCV-NFC-030",), lambda p, i, s: _with_applet(p, lock=_AlwaysOpen(p.lock)))
_variant("phone-unknown-ins-9000", "answers an instruction it does not know with 9000",
         ("APCV-NFC-052",), lambda p, i, s: _with_applet(p, _UnknownInstructionOk))
_variant("phone-miscounts-61xx", "announces one byte more than is left in 61XX",
         ("APCV-NFC-040",), lambda p, i, s: _with_applet(p, _Miscounts61xx))
_variant("phone-reuses-session-nonce", "uses the same ephemeral key and nonce in every session",
         ("APCV-NFC-015",), lambda p, i, s: _with_applet(p, _ReusedSessionRandom))
_variant("phone-uncertified-key", "presents card data and a device key certified by another insurer",
         ("APCV-NFC-022",), lambda p, i, s: _rogue_insurer(p, s))
_variant("phone-expired-card-data", "presents card data (and a device certificate) that expired a month ago",
         ("APCV-NFC-022",), lambda p, i, s: _expired_card_data(p, i))
_variant("phone-forged-beneficiary", "adds a stranger's child the insurer never signed to its card data",
         ("APCV-NFC-028",), lambda p, i, s: _forged_beneficiary(p, s))
_variant("phone-bad-signature", "signs presentations with a key other than the one its card data names",
         ("APCV-NFC-021",), lambda p, i, s: _bad_signature(p, s))
_variant("phone-replays-presentation", "hands out its first presentation again in later sessions",
         ("APCV-NFC-023",), lambda p, i, s: _replays(p))
_variant("phone-long-lived-presentation", "issues presentations valid for 30 days",
         ("APCV-NFC-024",), lambda p, i, s: _with_applet(p, lifetime_s=LONG_LIFETIME_S))

VARIANTS: dict[str, Variant] = {name: variant for name, (variant, _) in _MAKERS.items()}


def make_faulty_phone(name: str, phone: Phone, insurer: Insurer, seed: int) -> Phone:
    """``phone`` turned into the faulty variant ``name`` (same person, keys and clock)."""
    if name not in _MAKERS:
        raise UnknownVariant("phone", name, list(_MAKERS))
    return _MAKERS[name][1](phone, insurer, seed)

