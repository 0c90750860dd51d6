"""Several simulated phones and cards by one reader, described as data, for a DUT that reads them.

A billing program under test reads whichever phone or card the test puts on the reader: the
harness describes them in a JSON file (each phone's wallet as the insurer activated it, each
card's holder) and ``apcv-hil simulate devices FILE`` keeps them by pcscd's virtual reader,
one on it at a time, acted on through its control channel (tap, remove, lock, unlock, the
beneficiary the QR screen shows, the QR shown now, and what the reader did to each).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apcv.clock import WallClock
from apcv.errors import ApcvError
from apcv.input_files import read_text
from apcv.links.base import CardSlot
from apcv.people import Insured
from apcv.profile.r1.credentials import Insurer, key_from_scalar
from apcv.profile.r1.issuer_signed import IssuerSigned
from apcv.seeded_keys import synthetic_insurer
from apcv.validation import first_error
from simulators.card.card import VitaleCard
from simulators.phone.phone import Phone
from simulators.phone.wallet import Wallet
from simulators.variants import find_variant

MAX_SPEC_BYTES = 1 << 20
LOCKED = b"\x69\x82"


class DeviceSpecError(ApcvError):
    """The devices file is missing, too large, not JSON, or does not validate (the message says where)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhoneSpec(_Strict):
    """A phone with the apCV: the card it carries and the device key that presents it."""

    kind: Literal["phone"]
    name: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    insured: dict[str, Any] = Field(description="the Insured record of the card the app carries")
    card_reference: str = Field(min_length=1, max_length=32)
    key_scalar: str = Field(pattern=r"^[0-9a-f]{1,64}$", description="the device's private key (hex)")
    certificate: str = Field(min_length=1, description="base64 DER device certificate")
    card_data: str = Field(min_length=1, description="base64 CBOR of the card data the insurer signed for "
                                                     "this device (APCV-R1 §5.2)")
    code: str = Field("0000", pattern=r"^[0-9]{4}$")
    locked: bool = False
    variant: str | None = Field(None, description="a faulty phone variant (hostile presentations)")


class CardSpec(_Strict):
    """A physical Vitale card."""

    kind: Literal["card"]
    name: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    insured: dict[str, Any]


class DevicesSpec(_Strict):
    """Every device of the bench, and the insurer PKI (seed) cards are signed with."""

    insurer_seed: int = 0
    devices: list[Annotated[PhoneSpec | CardSpec, Field(discriminator="kind")]] = Field(min_length=1)


def load_spec(path: Path) -> DevicesSpec:
    """Read and validate a devices file."""
    text = read_text(path, limit=MAX_SPEC_BYTES, what="devices file", error=DeviceSpecError)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DeviceSpecError(f"{path}: not JSON: {exc}") from None
    try:
        return DevicesSpec.model_validate(data)
    except ValidationError as exc:
        raise DeviceSpecError(f"{path}: {first_error(exc)}") from None


def _insured(spec: PhoneSpec | CardSpec) -> Insured:
    try:
        return Insured.from_dict(spec.insured)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DeviceSpecError(f"device {spec.name}: insured is not an Insured record: {exc!r}") from None


def build_phone(spec: PhoneSpec, insurer: Insurer) -> Phone:
    """The phone of ``spec``, unlocked unless it says locked (a faulty variant if it names one)."""
    try:
        certificate = base64.b64decode(spec.certificate, validate=True)
        card_data = IssuerSigned.from_bytes(base64.b64decode(spec.card_data, validate=True))
    except (binascii.Error, ValueError):
        raise DeviceSpecError(f"device {spec.name}: certificate or card_data is not base64") from None
    except ApcvError as exc:
        raise DeviceSpecError(f"device {spec.name}: card_data: {exc}") from None
    try:
        key = key_from_scalar(int(spec.key_scalar, 16))
    except ValueError as exc:
        raise DeviceSpecError(f"device {spec.name}: key_scalar is not a P-256 private key: {exc}") from None
    wallet = Wallet(_insured(spec), spec.card_reference, key, certificate, card_data)
    phone = Phone(wallet, code=spec.code, clock=WallClock())
    if not spec.locked:
        phone.unlock()
    return find_variant("phone", spec.variant).build(phone, insurer, 0) if spec.variant else phone


class WatchedDevice:
    """A phone or card as the reader finds it, noting what the reader did since the last tap:
    APDUs answered, when the first arrived (the tap as the reader saw it), 6982 answers."""

    def __init__(self, device: Phone | VitaleCard) -> None:
        self.device = device
        self.atr = device.atr
        self.apdus = 0
        self.locked_answers = 0
        self.first_apdu_at: float | None = None

    def tapped(self) -> None:
        """Start counting afresh: the device is being presented now."""
        self.apdus = self.locked_answers = 0
        self.first_apdu_at = None

    def reset(self) -> None:
        self.device.reset()

    def process_apdu(self, apdu: bytes) -> bytes:
        if self.first_apdu_at is None:
            self.first_apdu_at = time.time()
        answer = self.device.process_apdu(apdu)
        self.apdus += 1
        if answer[-2:] == LOCKED:
            self.locked_answers += 1
        return answer

    def state(self) -> dict[str, Any]:
        """Counters, and the app's lock for a phone."""
        phone = self.device if isinstance(self.device, Phone) else None
        return {"kind": "phone" if phone else "card", "apdus": self.apdus,
                "locked_answers": self.locked_answers, "first_apdu_at": self.first_apdu_at,
                "unlocked": phone.lock.unlocked if phone else None}


class DeviceSet:
    """The devices of a spec around one card slot: one on the reader at a time."""

    def __init__(self, spec: DevicesSpec, slot: CardSlot) -> None:
        insurer = synthetic_insurer(spec.insurer_seed)
        self.devices: dict[str, WatchedDevice] = {}
        for item in spec.devices:
            if item.name in self.devices:
                raise DeviceSpecError(f"device name {item.name!r} is used twice")
            if isinstance(item, PhoneSpec):
                self.devices[item.name] = WatchedDevice(build_phone(item, insurer))
            else:
                self.devices[item.name] = WatchedDevice(VitaleCard(_insured(item), insurer))
        self._slot = slot
        self._lock = threading.Lock()
        self.on_reader: str | None = None

    def _get(self, name: str) -> WatchedDevice:
        if name not in self.devices:
            raise DeviceSpecError(f"no device {name!r}; devices: {', '.join(self.devices)}")
        return self.devices[name]

    def _phone(self, name: str) -> Phone:
        device = self._get(name).device
        if not isinstance(device, Phone):
            raise DeviceSpecError(f"device {name!r} is a card, not a phone")
        return device

    def tap(self, device: str) -> None:
        """Put ``device`` on the reader (whatever was there leaves)."""
        watched = self._get(device)
        with self._lock:
            self.on_reader = None
            watched.tapped()
            self._slot.attach(watched)
            self.on_reader = device

    def remove(self) -> None:
        """Take whatever is on the reader away."""
        with self._lock:
            self._slot.detach()
            self.on_reader = None

    def lock(self, device: str) -> None:
        """Lock the app of phone ``device``."""
        self._phone(device).lock.lock()

    def unlock(self, device: str) -> None:
        """Unlock the app of phone ``device`` with its code."""
        self._phone(device).unlock()

    def beneficiary(self, device: str, nir: str | None = None) -> None:
        """Have phone ``device`` show QR codes for the beneficiary ``nir`` (None: the holder)."""
        self._phone(device).qr.select(nir)

    def qr(self, device: str) -> dict[str, Any]:
        """The QR text phone ``device`` shows now (None when it shows none)."""
        return {"qr": self._phone(device).qr_payload()}

    def actions(self) -> dict[str, Any]:
        """The control channel's actions."""
        return {"tap": self.tap, "remove": self.remove, "lock": self.lock, "unlock": self.unlock,
                "beneficiary": self.beneficiary, "qr": self.qr}

    def status(self) -> dict[str, Any]:
        """What is on the reader, and each device's state."""
        return {"on_reader": self.on_reader, "devices": {n: d.state() for n, d in self.devices.items()}}

    def expects_attached(self) -> bool:
        """True while a device should be on the reader (not while one is being tapped or removed)."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            return self.on_reader is not None
        finally:
            self._lock.release()

