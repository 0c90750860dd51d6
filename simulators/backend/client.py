"""HTTP client of the backend, for readers, phones, operators and scenarios.

The same client talks to ``embedded:`` (the app in-process, on a SQLite file in a
temporary folder removed on close) or to ``http://host:port`` (a served backend). Callers sign every
request with their key (APCV-SIG-1).
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import Clock, WallClock
from apcv.errors import ApcvError
from apcv.people import Insured
from simulators.backend.signing import (
    IDEMPOTENCY_HEADER,
    device_key_id,
    operator_key,
    practitioner_key,
    public_key_der,
    sign_request,
)

BACKEND_SCHEMES = ("embedded", "http", "https")


class BackendRefused(ApcvError):
    """The backend answered with an error status; ``code`` is its error code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"backend refused ({status} {code}): {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class BackendLinkError(ApcvError):
    """A backend link URL is malformed or the backend cannot be reached."""


@dataclass(frozen=True)
class Signer:
    """A caller's key and key id."""

    key: ec.EllipticCurvePrivateKey
    key_id: str

    @classmethod
    def practitioner(cls, rpps: str, seed: int = 0) -> Signer:
        """A practitioner of the synthetic directory."""
        return cls(practitioner_key(rpps, seed), f"rpps:{rpps}")

    @classmethod
    def operator(cls, name: str = "review-1", seed: int = 0) -> Signer:
        """A review operator of the synthetic directory."""
        return cls(operator_key(name, seed), f"operator:{name}")

    @classmethod
    def device(cls, key: ec.EllipticCurvePrivateKey) -> Signer:
        """A phone's device key."""
        return cls(key, device_key_id(key.public_key()))


def build_request(http: httpx.Client | httpx.AsyncClient, method: str, path: str, body: Any = None,
                  signer: Signer | None = None, now: float = 0.0,
                  headers: dict[str, str] | None = None) -> httpx.Request:
    """A JSON request to the backend for ``http`` (sync or async), signed by ``signer`` at ``now``
    (with a new nonce), with any extra ``headers`` (e.g. ``Idempotency-Key``)."""
    content = b"" if body is None else json.dumps(body).encode()
    headers = dict(headers or {})
    if body is not None:
        headers["content-type"] = "application/json"
    request = http.build_request(method, path, content=content, headers=headers)
    if signer is not None:
        target = request.url.raw_path.decode("ascii")
        request.headers.update(sign_request(signer.key, signer.key_id, method, target, content, int(now)))
    return request


class BackendClient:
    """Signed JSON calls to the backend over any httpx client."""

    def __init__(self, http: httpx.Client, clock: Clock | None = None, *, engine: Any = None,
                 on_close: Callable[[], None] | None = None) -> None:
        self.http = http
        self.clock = clock or WallClock()
        self.engine = engine
        """The database engine of an ``embedded:`` app (None over HTTP)."""
        self._on_close = on_close

    def send(self, method: str, path: str, body: Any = None, signer: Signer | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        """One request, signed by ``signer`` when given (a new nonce each time); the raw response."""
        request = build_request(self.http, method, path, body, signer, self.clock.now(), headers)
        try:
            return self.http.send(request)
        except httpx.TransportError as exc:
            raise BackendLinkError(f"backend at {self.http.base_url} unreachable: {exc}") from exc

    def call(self, method: str, path: str, body: Any = None, signer: Signer | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """One request; the JSON answer, or BackendRefused for a 4xx/5xx."""
        response = self.send(method, path, body, signer, headers)
        try:
            data = response.json()
        except ValueError:
            data = {"error": "not_json", "detail": response.text[:200]}
        if response.status_code >= 400:
            raise BackendRefused(response.status_code, data.get("error", "?"), data.get("detail", ""))
        return data

    # practitioner side
    def verify(self, signer: Signer, presentation: bytes) -> dict[str, Any]:
        """Verify (and spend) an NFC presentation; identity and rights."""
        return self.call("POST", "/v1/verifications",
                         {"presentation": base64.b64encode(presentation).decode()}, signer)

    def verify_qr(self, signer: Signer, text: str) -> dict[str, Any]:
        """Verify (and spend) a scanned QR token (``APCV1:...``); identity and rights."""
        return self.call("POST", "/v1/verifications/qr", {"qr": text}, signer)

    def verify_card(self, signer: Signer, card_data: bytes, beneficiary: int = 0) -> dict[str, Any]:
        """Verify a physical card's signed data; identity and rights of the holder or a beneficiary."""
        return self.call("POST", "/v1/verifications/card",
                         {"card": base64.b64encode(card_data).decode(), "beneficiary": beneficiary}, signer)

    def rights(self, signer: Signer, nir: str) -> dict[str, Any]:
        """Rights (ADRi) of ``nir``."""
        return self.call("GET", f"/v1/rights/{nir}", None, signer)

    def insi(self, signer: Signer, traits: dict[str, str]) -> dict[str, Any]:
        """INSi lookup by the five strict traits."""
        return self.call("POST", "/v1/insi/search", traits, signer)

    def submit_claim(self, signer: Signer, claim_id: str, token_id: str, acts: list[dict]) -> dict[str, Any]:
        """Submit a claim (FSE); the acknowledgement."""
        body = {"claim_id": claim_id, "token_id": token_id, "acts": acts}
        return self.call("POST", "/v1/claims", body, signer)

    # phone side
    def enrol(self, key: ec.EllipticCurvePrivateKey, nir: str, proof: str, *,
              identity_assertion: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
        """Enrol the phone's device key (signed with it); ``proof`` ``france_identite`` needs the
        provider's ``identity_assertion`` for ``nir`` and this key. A retry passes the same
        ``idempotency_key`` (a new one is drawn otherwise)."""
        body = {"nir": nir, "device_public_key": base64.b64encode(public_key_der(key.public_key())).decode(),
                "proof": proof}
        if identity_assertion is not None:
            body["identity_assertion"] = identity_assertion
        return self.call("POST", "/v1/activations", body, Signer.device(key), _idempotent(idempotency_key))

    def receipts(self, key: ec.EllipticCurvePrivateKey) -> list[dict[str, Any]]:
        """Download the device owner's new receipts and acknowledge them, as the phone does once it
        has stored them (:meth:`fetch_receipts` and :meth:`acknowledge_receipts` one at a time)."""
        fetched = self.fetch_receipts(key)
        if fetched:
            self.acknowledge_receipts(key, [r["receipt_id"] for r in fetched])
        return fetched

    def fetch_receipts(self, key: ec.EllipticCurvePrivateKey) -> list[dict[str, Any]]:
        """The device owner's receipts not acknowledged yet."""
        return self.call("GET", "/v1/receipts", None, Signer.device(key))

    def acknowledge_receipts(self, key: ec.EllipticCurvePrivateKey, receipt_ids: list[str]) -> list[str]:
        """Acknowledge receipts stored on the phone; the ids this call delivered."""
        return self.call("POST", "/v1/receipts/ack", {"receipt_ids": receipt_ids}, Signer.device(key))[
            "acknowledged"]

    def delegate(self, key: ec.EllipticCurvePrivateKey, delegate_nir: str, beneficiaries: list[str],
                 valid_from: float, valid_until: float, *,
                 idempotency_key: str | None = None) -> dict[str, Any]:
        """Delegate the card for ``beneficiaries`` during a window (a retry passes the same
        ``idempotency_key``; a new one is drawn otherwise)."""
        body = {"delegate_nir": delegate_nir, "beneficiaries": beneficiaries, "valid_from": valid_from,
                "valid_until": valid_until}
        return self.call("POST", "/v1/delegations", body, Signer.device(key), _idempotent(idempotency_key))

    def delegated_card(self, key: ec.EllipticCurvePrivateKey, delegation_id: str) -> dict[str, Any]:
        """The delegated card for the delegate's device: card reference and insurer-signed card data."""
        return self.call("GET", f"/v1/delegations/{delegation_id}/card", None, Signer.device(key))

    def revoke_delegation(self, key: ec.EllipticCurvePrivateKey, delegation_id: str) -> dict[str, Any]:
        """Revoke one of the device owner's delegations."""
        return self.call("DELETE", f"/v1/delegations/{delegation_id}", None, Signer.device(key))

    # operator side
    def provision(self, signer: Signer, insured: Insured) -> dict[str, Any]:
        """Register (or replace) an insured person."""
        return self.call("PUT", "/v1/insured", insured.to_dict(), signer)

    def review_queue(self, signer: Signer) -> list[dict[str, Any]]:
        """Video enrolments waiting for review."""
        return self.call("GET", "/v1/review/activations", None, signer)

    def approve(self, signer: Signer, activation_id: str) -> dict[str, Any]:
        """Approve a video enrolment."""
        return self.call("POST", f"/v1/review/activations/{activation_id}/approve", None, signer)

    def reject(self, signer: Signer, activation_id: str, reason: str) -> dict[str, Any]:
        """Reject a video enrolment."""
        return self.call("POST", f"/v1/review/activations/{activation_id}/reject", {"reason": reason}, signer)

    # test clock (a server started with it)
    def read_clock(self, signer: Signer) -> dict[str, float]:
        """The service's time and how far tests moved it (``now``, ``offset_s``)."""
        return self.call("GET", "/v1/test/clock", None, signer)

    def advance_clock(self, signer: Signer, seconds: float) -> dict[str, float]:
        """Move the service's clock forward; its time and offset after the move."""
        return self.call("POST", "/v1/test/clock", {"advance_s": seconds}, signer)

    def audit(self, signer: Signer, since: int = 0) -> dict[str, Any]:
        """The audit log's entries after ``since`` (a backend served with ``--audit``)."""
        return self.call("GET", f"/v1/test/audit?since={since}", None, signer)

    def close(self) -> None:
        """Close the HTTP client (and an embedded app's database and scratch folder)."""
        self.http.close()
        if self._on_close is not None:
            self._on_close()


def _idempotent(key: str | None) -> dict[str, str]:
    return {IDEMPOTENCY_HEADER: key or uuid.uuid4().hex}


def open_backend(url: str, *, clock: Clock | None = None, seed: int = 0, database: str | None = None,
                 timeout: float = 10.0, plain_http: bool = False) -> BackendClient:
    """A client for the backend link ``url``: ``embedded:`` or ``http(s)://host:port``.

    ``embedded:`` builds the app in-process with ``clock`` (so a FrozenClock drives
    7-day expiry) on ``database`` (a fresh SQLite file by default); ``seed`` is the rig's.
    ``plain_http``: an ``http://`` backend is reached over the standard library's HTTP client
    (:mod:`.plain_http`), which starts in a fraction of httpx's default transport's time, for
    programs that make a few requests and exit.
    """
    scheme, _, rest = url.partition(":")
    if scheme == "embedded":
        from simulators.backend.app import create_app
        from simulators.backend.db import make_engine
        from simulators.backend.embedded import EmbeddedResources, EmbeddedTransport

        folder = Path(tempfile.mkdtemp(prefix="apcv-backend-"))
        try:
            engine = make_engine(database or f"sqlite:///{folder / 'backend.sqlite3'}")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        resources = EmbeddedResources(engine, folder)
        try:
            app = create_app(engine, clock=clock, seed=seed)
        except BaseException:
            resources.close()
            raise
        http = httpx.Client(transport=EmbeddedTransport(app), base_url="http://backend.embedded")
        return BackendClient(http, clock, engine=engine, on_close=resources.close)
    if scheme in ("http", "https") and rest.startswith("//") and len(rest) > 2:
        if plain_http and scheme == "http":
            from simulators.backend.plain_http import PlainHttpTransport

            plain = httpx.Client(base_url=url, transport=PlainHttpTransport(timeout), trust_env=False)
            return BackendClient(plain, clock)
        return BackendClient(httpx.Client(base_url=url, timeout=timeout), clock)
    raise BackendLinkError(f"backend link {url!r} must be 'embedded:' or 'http://host:port'")
