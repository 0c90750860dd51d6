"""What the harness's phones and practitioners do around the backend under test: device keys,
wallets made from activation answers, a delegate's phone carrying someone's card, the backend's
time as the harness sees it, and checks of refusals."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.people import Insured
from simulators.backend.client import BackendClient, Signer
from simulators.phone.wallet import Wallet


def new_device_key() -> ec.EllipticCurvePrivateKey:
    """A phone's new device key."""
    return ec.generate_private_key(ec.SECP256R1())


def wallet_from(person: Insured, key: ec.EllipticCurvePrivateKey, activation: dict[str, Any]) -> Wallet:
    """The phone's wallet once ``activation`` (the backend's answer) made device ``key`` active:
    card reference, device certificate and the card data the insurer signed for it."""
    return Wallet.from_activation(person, key, activation)


def carried_card(holder: Wallet, delegate: Wallet) -> Wallet:
    """The holder's card as the delegate's phone carries it for QR codes: the holder's card, the
    delegate's device (NFC needs the delegated card data from ``GET /v1/delegations/{id}/card``)."""
    return Wallet(holder.insured, holder.card_reference, delegate.device_key, delegate.device_certificate_der)


def service_now(backend: BackendClient) -> float:
    """The backend's time as the harness keeps it (wall time plus what tests moved it), POSIX seconds."""
    return backend.clock.now()


def service_today(backend: BackendClient) -> date:
    """The backend's date (UTC)."""
    return datetime.fromtimestamp(service_now(backend), tz=UTC).date()


def refusal(response: httpx.Response) -> tuple[int, str]:
    """(status, error code) of an answer; the code is '' when the body is not a JSON error."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, ""
    return response.status_code, body.get("error", "") if isinstance(body, dict) else ""


def send_presentation(backend: BackendClient, practitioner: Signer, presentation: bytes) -> httpx.Response:
    """A practitioner's verification of an NFC presentation; the raw answer."""
    body = {"presentation": base64.b64encode(presentation).decode()}
    return backend.send("POST", "/v1/verifications", body, practitioner)


def send_qr(backend: BackendClient, practitioner: Signer, text: str) -> httpx.Response:
    """A practitioner's verification of a scanned QR text; the raw answer."""
    return backend.send("POST", "/v1/verifications/qr", {"qr": text}, practitioner)


def device_get(backend: BackendClient, key: ec.EllipticCurvePrivateKey, path: str) -> httpx.Response:
    """A GET signed by a phone's device key; the raw answer."""
    return backend.send("GET", path, None, Signer.device(key))
