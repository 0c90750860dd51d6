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
from apcv.profile.r1 import cose, strict_cbor
from apcv.profile.r1.apdu import CommandApdu
from apcv.profile.r1.constants import AID_APCV, CHALLENGE_LEN, PROFILE_VERSION, SW
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.profile.r1.files import fci
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.profile.r1.responder import Rejected
from apcv.profile.r1.session import SessionError
from apcv.seeded_keys import seeded_scalar
from simulators.phone.applet import REQUEST_KEYS, HceApplet
from simulators.phone.phone import Phone
from simulators.phone.unlock import MAX_CODE_TRIES, AppLock
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population
from simulators.variant import Variant

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


class _FciWithoutBufferSize(HceApplet):
    """Answers SELECT with an FCI whose proprietary template lacks tag 81."""

    def _select(self, cmd: CommandApdu) -> bytes:
        answer = super()._select(cmd)
        if not answer:
            return answer
        proprietary = b"\x80\x01" + bytes((PROFILE_VERSION,))
        body = b"\x84\x06" + AID_APCV + b"\xa5" + bytes((len(proprietary),)) + proprietary
        return b"\x6f" + bytes((len(body),)) + body


class _ShortFirstChunk(HceApplet):
    """Puts one byte less than Le in the first piece of a chained answer (its 61XX counts right)."""

    _chaining = False

    def _get_response(self, cmd: CommandApdu) -> bytes:
        self._chaining = True
        try:
            return super()._get_response(cmd)
        finally:
            self._chaining = False

    def _send(self, data: bytes, le: int | None) -> bytes:
        if self._chaining or le is None or len(data) <= le:
            return super()._send(data, le)
        self._pending = data[le - 1:]
        return data[:le - 1] + bytes((0x61, min(len(self._pending), 256) % 256))


class _KeepsSessionAfterMalformedRequest(HceApplet):
    """Ends the session on a request that fails decryption, not on one of the wrong shape."""

    def _read_request(self, sealed: bytes) -> tuple[bytes, int]:
        assert self._channel is not None
        try:
            plain = self._channel.open(sealed)
        except SessionError as exc:
            self._end_session()
            raise Rejected(SW.WRONG_DATA, f"bad presentation request: {exc}") from exc
        try:
            request = cbor2.loads(plain)
            if not (isinstance(request, dict) and request.keys() == REQUEST_KEYS):
                raise ValueError("not the map {1: challenge, 2: index}")
            challenge, selected = request[1], request[2]
        except (cbor2.CBORDecodeError, ValueError, EOFError) as exc:
            raise Rejected(SW.WRONG_DATA, f"bad presentation request: {exc}") from exc
        if not (isinstance(challenge, bytes) and len(challenge) == CHALLENGE_LEN
                and type(selected) is int and selected >= 0):
            raise Rejected(SW.WRONG_DATA, "presentation request fields have wrong types")
        return challenge, selected


class _KeepsSessionOnForeignSelect(HceApplet):
    """Deselects on a SELECT of another AID but keeps the session in progress."""

    def _select(self, cmd: CommandApdu) -> bytes:
        if cmd.p1 == 0x04 and cmd.p2 in (0x00, 0x0C) and cmd.data != AID_APCV:
            self._selected = False
            raise Rejected(SW.NOT_FOUND)
        return super()._select(cmd)


class _IgnoresPresentationP1P2(HceApplet):
    """Answers GET PRESENTATION whatever its P1/P2."""

    def _present(self, cmd: CommandApdu) -> bytes:
        return super()._present(dataclasses.replace(cmd, p1=0, p2=0))


class _IgnoresUnknownRequestKeys(HceApplet):
    """Takes a presentation request with keys besides 1 and 2, reading only those two."""

    def _read_request(self, sealed: bytes) -> tuple[bytes, int]:
        assert self._channel is not None
        try:
            request = strict_cbor.loads(self._channel.open(sealed), max_depth=2)
            challenge, selected = request[1], request[2]
        except (SessionError, KeyError, TypeError, IndexError, ValueError, EOFError) as exc:
            self._end_session()
            raise Rejected(SW.WRONG_DATA, f"bad presentation request: {exc}") from exc
        if not (isinstance(challenge, bytes) and len(challenge) == CHALLENGE_LEN
                and type(selected) is int and selected >= 0):
            self._end_session()
            raise Rejected(SW.WRONG_DATA, "presentation request fields have wrong types")
        return challenge, selected


class _FciDespiteP2NoData(HceApplet):
    """Answers SELECT with P2=0C (no response data) with the FCI when the command carries Le."""

    def _select(self, cmd: CommandApdu) -> bytes:
        answer = super()._select(cmd)
        return fci() if cmd.p2 == 0x0C and cmd.le is not None else answer


class _KeepsSessionAcrossReset(HceApplet):
    """Keeps its selection and the session in progress when the field is reset."""

    def on_reset(self) -> None:
        """Nothing is forgotten (the reference deselects and ends the session)."""


class _KeepsSessionWhenLocked(HceApplet):
    """Answers GET PRESENTATION 6982 while locked but keeps the session for after the unlock."""

    def _present(self, cmd: CommandApdu) -> bytes:
        if self._channel is not None and not self._presented and not self._lock.unlocked:
            raise Rejected(SW.SECURITY_NOT_SATISFIED)
        return super()._present(cmd)


class _AnyNewCode(AppLock):
    """Takes any text as the new secret code at re-activation, not only 4 digits."""

    def reactivate(self, code: str) -> None:
        self._code = code
        self._tries_left = MAX_CODE_TRIES
        self._unlocked_until = None


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


def _any_new_code(phone: Phone) -> Phone:
    """The phone with a lock in the same state that takes any new code at re-activation."""
    lax = _AnyNewCode.__new__(_AnyNewCode)
    lax.__dict__.update(phone.lock.__dict__)
    phone.lock = lax
    return _rewallet(phone, phone.wallet)  # its applet and QR screen now ask the new lock


def _never_rotates(phone: Phone) -> Phone:
    """The phone whose QR screen keeps one token for the whole unlock session."""
    phone.qr.rotation_s = phone.lock.policy.session_s
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
"""How a phone variant is built: from the reference phone, its insurer and its seed (same person,
keys and clock)."""
VARIANTS: dict[str, Variant] = {}
"""The phone's faulty variants by name; ``VARIANTS[name].build(phone, insurer, seed)``."""


def _variant(name: str, description: str, breaks: tuple[str, ...], maker: Maker,
             elements: tuple[str, ...] = ()) -> None:
    VARIANTS[name] = Variant(name, ROLE, description, breaks, elements, maker=maker)


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
_variant("phone-fci-without-buffer-size",
         "answers SELECT with an FCI that lacks tag 81 (largest command data)",
         ("APCV-NFC-001",), lambda p, i, s: _with_applet(p, _FciWithoutBufferSize), ("phone.tag.6F/A5/81",))
_variant("phone-short-first-chunk", "puts one byte less than Le in the first piece of a chained answer",
         ("APCV-NFC-040",), lambda p, i, s: _with_applet(p, _ShortFirstChunk), ("phone.chunk.first",))
_variant("phone-keeps-session-after-malformed-request",
         "keeps the session after a request that decrypts but is not the CBOR map",
         ("APCV-NFC-027",), lambda p, i, s: _with_applet(p, _KeepsSessionAfterMalformedRequest),
         ("phone.state.malformed-ends-session",))
_variant("phone-keeps-session-on-foreign-select",
         "keeps the session in progress when another AID is selected",
         ("APCV-NFC-002",), lambda p, i, s: _with_applet(p, _KeepsSessionOnForeignSelect),
         ("phone.state.foreign-aid-ends-session",))
_variant("phone-ignores-presentation-p1p2", "answers GET PRESENTATION whatever its P1/P2",
         ("APCV-NFC-053",), lambda p, i, s: _with_applet(p, _IgnoresPresentationP1P2),
         ("phone.sw.presentation-p1p2",))
_variant("phone-ignores-unknown-request-keys",
         "takes a presentation request with keys besides 1 and 2, reading only those two",
         ("APCV-NFC-027",), lambda p, i, s: _with_applet(p, _IgnoresUnknownRequestKeys),
         ("phone.sw.request-malformed",))
_variant("phone-fci-despite-p2-0c",
         "answers SELECT with P2=0C (no response data) with the FCI when Le is given",
         ("APCV-NFC-003",), lambda p, i, s: _with_applet(p, _FciDespiteP2NoData),
         ("phone.field.select-p2-0c-no-data",))
_variant("phone-keeps-session-across-reset",
         "keeps its selection and the session in progress when the reader resets the field",
         ("APCV-NFC-054",), lambda p, i, s: _with_applet(p, _KeepsSessionAcrossReset),
         ("phone.state.reset-ends-session",))
_variant("phone-any-reactivation-code", "takes any text as the new secret code at re-activation",
         ("APCV-NFC-031",), lambda p, i, s: _any_new_code(p))
_variant("phone-keeps-session-when-locked",
         "keeps the session a locked app refused a presentation in, and presents in it once unlocked",
         ("APCV-NFC-030",), lambda p, i, s: _with_applet(p, _KeepsSessionWhenLocked),
         ("phone.state.locked-ends-session",))
_variant("phone-qr-never-rotates", "shows one QR token for the whole unlock, never a new one",
         ("APCV-QR-004",), lambda p, i, s: _never_rotates(p))
