"""Insurer-signed card data of APCV-R1, in the manner of the ISO/IEC 18013-5 mobile security object.

At activation the insurer signs, for one digital card on one device, a *security object*: the
card reference, the device's public key, a validity window and one SHA-256 digest per *item*
(the holder's identity, the rights, each beneficiary). An item is the CBOR map
``{"id", "salt", "name", "value"}`` and its digest covers its exact encoding, so the phone
hands over the items as byte strings and a verifier hashes what it received. The random salt
keeps an item's digest from revealing a guessed identity. A verifier accepts only items whose
digest the insurer signed and the device key the insurer named: a phone cannot add a person to
its card, and the card cannot be moved to another device.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.errors import VerificationError
from apcv.nir import is_valid_nir
from apcv.people import Beneficiary, Coverage, Identity, Insured
from apcv.profile.r1 import cose
from apcv.profile.r1.constants import PROFILE_VERSION
from apcv.profile.r1.credentials import TrustAnchor, root_public_key
from apcv.profile.r1.fields import (
    byte_string,
    decode_exact,
    posix_time,
    short_text,
    shown,
    small_uint,
    text_map,
)
from apcv.profile.r1.session import SessionError, decode_point, encode_point

SALT_LEN = 16
DIGEST_LEN = 32
MAX_ITEMS = 32
"""Holder, rights and up to 30 beneficiaries."""
CARD_REFERENCE_MAX = 32
HOLDER, RIGHTS, BENEFICIARY = "holder", "cov", "ben"
_SO_KEYS = {"v", "card", "dk", "from", "until", "dig"}
_SO_OPTIONAL = frozenset({"dlg"})
"""``dlg: true`` marks card data signed for a delegate's device (§5.4)."""
_ITEM_KEYS = {"id", "salt", "name", "value"}
_IDENTITY_KEYS = {"nir", "birth_name", "first_names", "birth_date", "sex", "birthplace"}
_COVERAGE_KEYS = {"regime_code", "regime_name", "fund_code", "fund_name", "rights_from", "rights_until"}
_BIRTHPLACE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{3}")
_NAME_MAX = 120
_FIRST_NAMES_MAX = 10


class OutsideValidity(VerificationError):
    """Card data whose insurer signature holds, read outside its validity window.

    A verifier that must tell why (a delegate's card is valid only during the delegation)
    reads the window in ``valid_from`` and ``valid_until`` (POSIX seconds)."""

    def __init__(self, message: str, valid_from: int, valid_until: int) -> None:
        super().__init__(message)
        self.valid_from = valid_from
        self.valid_until = valid_until


@dataclass(frozen=True)
class IssuerSigned:
    """What the insurer hands the phone at activation: the signed security object and the items."""

    security_object: bytes
    """Tagged COSE_Sign1 (ES256) by the insurer root key, no x5chain."""
    items: tuple[bytes, ...]
    """The CBOR encoding of each item, in digest-id order."""

    def to_cbor_value(self) -> dict[str, Any]:
        """The ``{"so", "items"}`` map a presentation carries."""
        return {"so": self.security_object, "items": list(self.items)}

    def to_bytes(self) -> bytes:
        """CBOR of :meth:`to_cbor_value` (how the backend stores and sends it, and what every
        presentation carries: encoded once)."""
        return self._encoded

    @cached_property
    def _encoded(self) -> bytes:
        return cbor2.dumps(self.to_cbor_value())

    @classmethod
    def from_bytes(cls, data: bytes) -> IssuerSigned:
        """Read :meth:`to_bytes` back (shape only; :func:`verify_issuer_signed` checks the rest)."""
        return _shape(decode_exact(data, "insurer-signed card data"))

    def person_ids(self) -> tuple[int, ...]:
        """Digest ids of the holder, then of each beneficiary in order: what a phone selects by."""
        parsed = [_parsed_item(raw) for raw in self.items]
        holder = [p.digest_id for p in parsed if p.name == HOLDER]
        return tuple(holder + [p.digest_id for p in parsed if p.name == BENEFICIARY])


@dataclass(frozen=True)
class VerifiedCard:
    """Card data whose insurer signature, digests and validity were checked."""

    card_reference: str
    device_key: ec.EllipticCurvePublicKey
    valid_until: int
    holder: Identity
    coverage: Coverage
    beneficiaries: tuple[Beneficiary, ...]
    holder_id: int
    beneficiary_ids: tuple[int, ...]
    delegated: bool = False
    """Card data the insurer signed for a delegate's device (§5.4): it presents beneficiaries only."""

    def index_of(self, digest_id: int) -> int | None:
        """0 for the holder's item, i for the i-th disclosed beneficiary, None for anything else."""
        if digest_id == self.holder_id:
            return 0
        try:
            return self.beneficiary_ids.index(digest_id) + 1
        except ValueError:
            return None


@dataclass(frozen=True)
class _SecurityObject:
    card_reference: str
    device_key: ec.EllipticCurvePublicKey
    valid_from: int
    valid_until: int
    digests: tuple[bytes, ...]
    delegated: bool


@dataclass(frozen=True)
class _Item:
    digest_id: int
    digest: bytes
    name: str
    value: Identity | Coverage | Beneficiary


def _encode_item(digest_id: int, salt: bytes, name: str, value: dict[str, Any]) -> bytes:
    return cbor2.dumps({"id": digest_id, "salt": salt, "name": name, "value": value})


def issue_card(
    insurer_key: ec.EllipticCurvePrivateKey,
    insured: Insured,
    card_reference: str,
    device_key: ec.EllipticCurvePublicKey,
    valid_from: int,
    valid_until: int,
    random: Callable[[int], bytes] = os.urandom,
    *,
    delegated: bool = False,
) -> IssuerSigned:
    """Sign ``insured``'s card data for ``card_reference`` on the device holding ``device_key``
    (a delegate's device when ``delegated``: marked ``dlg``, it presents beneficiaries only).

    Items: 0 the holder, 1 the rights, then one per beneficiary in order.
    """
    if not 0 < len(card_reference) <= CARD_REFERENCE_MAX:
        raise ValueError(f"card reference must have 1-{CARD_REFERENCE_MAX} characters")
    if len(insured.beneficiaries) + 2 > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS - 2} beneficiaries fit on a card")
    values = [(HOLDER, insured.identity.to_dict()), (RIGHTS, insured.coverage.to_dict())]
    values += [(BENEFICIARY, b.to_dict()) for b in insured.beneficiaries]
    items = tuple(_encode_item(i, random(SALT_LEN), name, value) for i, (name, value) in enumerate(values))
    digests = [hashlib.sha256(item).digest() for item in items]
    claims = {"v": PROFILE_VERSION, "card": card_reference, "dk": encode_point(device_key),
              "from": valid_from, "until": valid_until, "dig": digests}
    if delegated:
        claims["dlg"] = True
    payload = cbor2.dumps(claims)
    return IssuerSigned(cose.Signer(insurer_key, None).sign(payload), items)


def verify_security_object(value: Any, trust: TrustAnchor, at: datetime) -> ec.EllipticCurvePublicKey:
    """The first half of :func:`verify_issuer_signed`: the insurer's signature on the security object
    and its validity at ``at`` (not the items' digests); returns the device key it names. A check
    that blames the signature apart from the items (APCV-NFC-022 apart from APCV-NFC-028) uses it."""
    return _valid_security_object(_shape(value), trust, at).device_key


def _valid_security_object(signed: IssuerSigned, trust: TrustAnchor, at: datetime) -> _SecurityObject:
    so = _verified_security_object(trust.der, signed.security_object)
    now = int(at.astimezone(UTC).timestamp())
    if not so.valid_from <= now <= so.valid_until:
        raise OutsideValidity(f"the insurer-signed card data is valid from {_day(so.valid_from)} to "
                              f"{_day(so.valid_until)}, not at {at:%Y-%m-%d %H:%M:%S} UTC",
                              so.valid_from, so.valid_until)
    return so


def verify_issuer_signed(value: Any, trust: TrustAnchor, at: datetime) -> VerifiedCard:
    """Check the insurer's signature, the validity at ``at`` and every item's digest.

    ``value`` is the ``{"so", "items"}`` map as decoded from CBOR; any fault is a
    :class:`VerificationError` naming it.
    """
    signed = _shape(value)
    _valid_security_object(signed, trust, at)
    return _verified_items(trust.der, signed.security_object, signed.items)


@lru_cache(maxsize=4096)
def _verified_items(root_der: bytes, message: bytes, items: tuple[bytes, ...]) -> VerifiedCard:
    """The card whose security object ``message`` (already verified and remembered) signed
    ``items``: each item's digest, place and uniqueness checked. Remembered like the security
    object (the same card data is presented again and again; the result depends on these bytes
    alone); failures are not."""
    so = _verified_security_object(root_der, message)
    holders: list[_Item] = []
    rights: list[_Item] = []
    beneficiaries: list[_Item] = []
    seen: set[int] = set()
    for position, raw in enumerate(items, start=1):
        digest = hashlib.sha256(raw).digest()
        if digest not in so.digests:  # checked before the item is even parsed
            raise VerificationError(f"card data item #{position} of the presentation was not signed by "
                                    "the insurer")
        item = _parsed_item(raw)
        if so.digests[item.digest_id:item.digest_id + 1] != (digest,):
            raise VerificationError(f"card data item {item.digest_id} ({item.name}) is not where the insurer "
                                    "signed it")
        if item.digest_id in seen:
            raise VerificationError(f"card data item {item.digest_id} is disclosed twice")
        seen.add(item.digest_id)
        {HOLDER: holders, RIGHTS: rights, BENEFICIARY: beneficiaries}[item.name].append(item)
    if len(holders) != 1 or len(rights) != 1:
        raise VerificationError("the card data must disclose the holder and the rights exactly once")
    beneficiaries.sort(key=lambda i: i.digest_id)
    return VerifiedCard(
        card_reference=so.card_reference, device_key=so.device_key, valid_until=so.valid_until,
        holder=_as(holders[0].value, Identity), coverage=_as(rights[0].value, Coverage),
        beneficiaries=tuple(_as(b.value, Beneficiary) for b in beneficiaries),
        holder_id=holders[0].digest_id, beneficiary_ids=tuple(b.digest_id for b in beneficiaries),
        delegated=so.delegated)


def _as(value: object, kind: type) -> Any:
    assert isinstance(value, kind)  # the item's name fixed its type when it was parsed
    return value


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _shape(value: Any) -> IssuerSigned:
    raw = text_map(value, "insurer-signed card data", {"so", "items"})
    so, items = raw["so"], raw["items"]
    if not isinstance(so, bytes):
        raise VerificationError("insurer-signed card data 'so' is not a byte string")
    if not (isinstance(items, list) and 0 < len(items) <= MAX_ITEMS and all(isinstance(i, bytes)
                                                                          for i in items)):
        raise VerificationError(f"insurer-signed card data 'items' is not a list of 1-{MAX_ITEMS} byte "
                                "strings")
    return IssuerSigned(so, tuple(items))


@lru_cache(maxsize=4096)
def _verified_security_object(root_der: bytes, message: bytes) -> _SecurityObject:
    """Signature and shape of a security object; remembered (they cannot change), failures are not."""
    try:
        payload = cose.verify(message, root_public_key(root_der))
    except VerificationError as exc:
        raise VerificationError(f"the card data security object is not signed by the insurer: {exc}") \
            from None
    what = "card data security object"
    raw = text_map(decode_exact(payload, what), what, _SO_KEYS, _SO_OPTIONAL)
    if raw.get("dlg", True) is not True:
        raise VerificationError(f"{what} 'dlg' is not true (it is left out on a holder's own card)")
    if type(raw["v"]) is not int or raw["v"] != PROFILE_VERSION:
        raise VerificationError(f"{what} version {shown(raw['v'], 20)} is not R1 ({PROFILE_VERSION})")
    try:
        device_key = decode_point(byte_string(raw, "dk", 65, what))
    except SessionError as exc:
        raise VerificationError(f"{what} device key: {exc}") from None
    digests = raw["dig"]
    if not (isinstance(digests, list) and 0 < len(digests) <= MAX_ITEMS
            and all(isinstance(d, bytes) and len(d) == DIGEST_LEN for d in digests)):
        raise VerificationError(f"{what} 'dig' is not a list of 1-{MAX_ITEMS} SHA-256 digests")
    valid_from, valid_until = posix_time(raw, "from", what), posix_time(raw, "until", what)
    if valid_until < valid_from:
        raise VerificationError(f"{what} ends before it starts")
    return _SecurityObject(short_text(raw, "card", CARD_REFERENCE_MAX, what), device_key, valid_from,
                           valid_until, tuple(digests), "dlg" in raw)


@lru_cache(maxsize=16384)
def _parsed_item(raw: bytes) -> _Item:
    what = "card data item"
    item = text_map(decode_exact(raw, what), what, _ITEM_KEYS)
    digest_id = small_uint(item, "id", MAX_ITEMS, what)
    byte_string(item, "salt", SALT_LEN, what)
    name, value = item["name"], item["value"]
    if name == HOLDER:
        parsed: Identity | Coverage | Beneficiary = identity_from(value, f"{what} {digest_id} (holder)")
    elif name == RIGHTS:
        parsed = coverage_from(value, f"{what} {digest_id} (rights)")
    elif name == BENEFICIARY:
        parsed = beneficiary_from(value, f"{what} {digest_id} (beneficiary)")
    else:
        raise VerificationError(f"{what} {digest_id} has unknown name {shown(name, 20)}")
    return _Item(digest_id, hashlib.sha256(raw).digest(), name, parsed)


def identity_from(value: Any, what: str) -> Identity:
    """An :class:`Identity` from its CBOR map, every field checked (the NIR's key included)."""
    raw = text_map(value, what, _IDENTITY_KEYS)
    nir = raw["nir"]
    if not isinstance(nir, str) or len(nir) != 15 or not is_valid_nir(nir):
        raise VerificationError(f"{what} 'nir' is not a valid 15-character NIR")
    names = raw["first_names"]
    if not (isinstance(names, list) and 0 < len(names) <= _FIRST_NAMES_MAX):
        raise VerificationError(f"{what} 'first_names' is not a list of 1-{_FIRST_NAMES_MAX} names")
    sex = raw["sex"]
    if sex not in ("M", "F"):
        raise VerificationError(f"{what} 'sex' is not M or F")
    birthplace = raw["birthplace"]
    if not isinstance(birthplace, str) or not _BIRTHPLACE.fullmatch(birthplace):
        raise VerificationError(f"{what} 'birthplace' is not an INSEE code")
    return Identity(nir, _name(raw["birth_name"], "birth_name", what),
                    tuple(_name(n, "first_names", what) for n in names),
                    _date(raw, "birth_date", what), sex, birthplace)


def coverage_from(value: Any, what: str) -> Coverage:
    """A :class:`Coverage` from its CBOR map, every field checked."""
    raw = text_map(value, what, _COVERAGE_KEYS)
    until = None if raw["rights_until"] is None else _date(raw, "rights_until", what)
    return Coverage(*(_name(raw[key], key, what) for key in ("regime_code", "regime_name", "fund_code",
                                                              "fund_name")),
                    _date(raw, "rights_from", what), until)


def beneficiary_from(value: Any, what: str) -> Beneficiary:
    """A :class:`Beneficiary` from its CBOR map, every field checked."""
    raw = text_map(value, what, {"identity", "relation"})
    if raw["relation"] not in ("child", "spouse", "other"):
        raise VerificationError(f"{what} 'relation' is not child, spouse or other")
    return Beneficiary(identity_from(raw["identity"], f"{what} identity"), raw["relation"])


def _name(value: Any, key: str, what: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _NAME_MAX or not value.isprintable():
        raise VerificationError(f"{what} '{key}' is not printable text of 1-{_NAME_MAX} characters")
    return value


def _date(raw: Mapping[str, Any], key: str, what: str) -> date:
    value = raw[key]
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise VerificationError(f"{what} '{key}' is not an ISO date (YYYY-MM-DD)") from None
