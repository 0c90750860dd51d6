"""Fixtures of the backend plan: the backend under test over HTTP, and everyone around it.

The harness plays phones, practitioners and review operators against the rig's backend role,
and reaches it only over HTTP: a remote backend (``http(s)://``) as it stands, or ours
(``embedded:``) served in a child process on a fresh SQLite file with its test clock on, one
server for the session, in the faulty variant the run names: the backend role's world.
Synthetic people are provisioned through the profile's API (``PUT /v1/insured`` as the review
operator); callers sign with the keys of the seeded caller directory of the rig's ``seed``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import OffsetClock
from apcv.people import Insured
from apcv.profile.r1.credentials import TrustAnchor
from apcv.seeded_keys import synthetic_insurer
from harness.rig import RigConfig
from harness.roles import get_role
from harness.roles.backend import BackendUnderTest
from scenarios.conformance.backend.actors import new_device_key, service_today, wallet_from
from scenarios.conformance.backend.people import SyntheticPeople
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.backend.signing import public_key_der
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_practitioners


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The plan's tests are slow (left out of ``make check``): the session serves the backend
    in a subprocess."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def backend_under_test(rig: RigConfig,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendUnderTest]:
    """The world of the backend role for the session: the rig's remote backend, or ours served when
    its link is ``embedded:`` (:meth:`harness.roles.backend.BackendRole.world`)."""
    if rig.roles.backend is None:
        pytest.skip(f"rig '{rig.name}' has no backend role")
    with get_role("backend").world(rig, tmp_path_factory.mktemp("backend")) as world:
        yield world


@pytest.fixture(scope="session")
def backend_url(backend_under_test: BackendUnderTest) -> str:
    """Where the backend under test answers: the rig's ``http(s)://`` link, or ours served for the session."""
    return backend_under_test.url


@pytest.fixture(scope="session")
def backend_log(backend_under_test: BackendUnderTest) -> Callable[[], str] | None:
    """What our served backend logged so far (a callable); None for a remote backend."""
    return backend_under_test.log


@pytest.fixture(scope="session")
def operator(rig: RigConfig) -> Signer:
    """The review operator of the caller directory (also provisions people and moves the test clock)."""
    return Signer.operator(seed=rig.seed)


@pytest.fixture(scope="session")
def practitioners(rig: RigConfig) -> tuple[Signer, Signer]:
    """Two practitioners of the caller directory."""
    first, second = generate_practitioners(2, rig.seed)
    return Signer.practitioner(first.rpps, rig.seed), Signer.practitioner(second.rpps, rig.seed)


@pytest.fixture(scope="session")
def doctor(practitioners: tuple[Signer, Signer]) -> Signer:
    """A practitioner who verifies presentations and submits claims."""
    return practitioners[0]


@pytest.fixture(scope="session")
def pharmacist(practitioners: tuple[Signer, Signer]) -> Signer:
    """Another practitioner."""
    return practitioners[1]


@pytest.fixture(scope="session")
def backend(backend_url: str, rig: RigConfig, operator: Signer) -> Iterator[BackendClient]:
    """A client of the backend under test, on the backend's clock (wall time plus what tests moved it)."""
    clock = OffsetClock()
    client = open_backend(backend_url, clock=clock, seed=rig.seed)
    if rig.has_feature("test-clock"):
        clock.move_to(client.read_clock(operator)["offset_s"])
    yield client
    client.close()


@pytest.fixture
def advance_clock(backend: BackendClient, operator: Signer, rig: RigConfig) -> Callable[[float], None]:
    """Move the backend's clock forward by some seconds (tests marked ``rig_feature("test-clock")``)."""
    assert rig.has_feature("test-clock"), "mark the test @pytest.mark.apcv_rig_feature('test-clock')"
    clock = backend.clock
    assert isinstance(clock, OffsetClock)

    def advance(seconds: float) -> None:
        clock.move_to(backend.advance_clock(operator, seconds)["offset_s"])

    return advance


@pytest.fixture(scope="session")
def insurer_root(rig: RigConfig) -> TrustAnchor:
    """The insurer root the backend's device certificates chain to (the rig seed's synthetic PKI)."""
    return synthetic_insurer(rig.seed).trust_anchor


@pytest.fixture(scope="session")
def people(backend: BackendClient) -> SyntheticPeople:
    """Fresh synthetic people, each handed out once per session (a new population every session,
    so people already registered at a remote backend are never met again)."""
    return SyntheticPeople(secrets.randbelow(2**31), service_today(backend))


@pytest.fixture(scope="session")
def provision(backend: BackendClient, operator: Signer) -> Callable[[Insured], None]:
    """Register a person (and their beneficiaries) at the backend through ``PUT /v1/insured``."""
    return lambda person: backend.provision(operator, person)


@pytest.fixture(scope="session")
def france_identite(backend: BackendClient, rig: RigConfig) -> FranceIdentite:
    """The identity provider the backend trusts (the rig seed's), on the backend's clock."""
    return FranceIdentite(rig.seed, backend.clock)


@pytest.fixture(scope="session")
def enrol(backend: BackendClient, france_identite: FranceIdentite) -> Callable[..., httpx.Response]:
    """``enrol(person, proof="france_identite", key=None, signed_by=None, assertion=...)``: a phone
    asks to activate ``person`` on device ``key`` (a new one by default), the request signed with
    ``signed_by`` (by default the enrolled key: proof of possession); with ``france_identite`` the
    provider's assertion for that person and key goes along (``assertion`` replaces it, None
    leaves it out). The backend's raw answer."""

    def enrol(person: Insured, proof: str = "france_identite", *,
              key: ec.EllipticCurvePrivateKey | None = None,
              signed_by: ec.EllipticCurvePrivateKey | None = None, assertion: str | bool | None = True
              ) -> httpx.Response:
        key = key or new_device_key()
        body = {"nir": person.identity.nir, "proof": proof,
                "device_public_key": base64.b64encode(public_key_der(key.public_key())).decode()}
        if assertion is True and proof == "france_identite":
            assertion = france_identite.prove(person.identity.nir, key.public_key())
        if isinstance(assertion, str):
            body["identity_assertion"] = assertion
        return backend.send("POST", "/v1/activations", body, Signer.device(signed_by or key),
                            {"Idempotency-Key": secrets.token_hex(8)})

    return enrol


@pytest.fixture(scope="session")
def activated(provision: Callable[[Insured], None], enrol: Callable[..., httpx.Response]
              ) -> Callable[[Insured], Wallet]:
    """Register ``person`` and activate them through France Identité on a new phone: its wallet."""

    def activated(person: Insured) -> Wallet:
        provision(person)
        key = new_device_key()
        answer = enrol(person, key=key)
        assert answer.status_code == 201, answer.text
        return wallet_from(person, key, answer.json())

    return activated
