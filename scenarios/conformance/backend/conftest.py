"""The rig's backend role for the backend's QR verification scenarios, with the callers and
synthetic people they need. An ``embedded:`` backend runs on a FrozenClock (tests that move
time need it); a served one (``http://``) runs on the wall clock."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.clock import Clock, FrozenClock, WallClock
from apcv.people import Insured
from apcv.seeded_keys import synthetic_insurer
from harness.rig import RigConfig
from simulators.backend.client import BackendClient, Signer, open_backend
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners


@pytest.fixture
def clock(rig: RigConfig) -> Clock:
    """The backend's clock: frozen for an embedded backend, the wall clock for a served one."""
    if rig.roles.backend is not None and rig.roles.backend.link == "embedded:":
        return FrozenClock()
    return WallClock()


@pytest.fixture
def frozen(clock: Clock) -> FrozenClock:
    """The backend's clock when the harness can move it (embedded backend), else skipped."""
    if not isinstance(clock, FrozenClock):
        pytest.skip("moving the backend's clock needs the embedded: backend")
    return clock


@pytest.fixture
def backend(rig: RigConfig, clock: Clock) -> Iterator[BackendClient]:
    """The rig's backend role (skipped when the rig has none)."""
    if rig.roles.backend is None:
        pytest.skip(f"rig '{rig.name}' has no backend role")
    client = open_backend(rig.roles.backend.link, clock=clock, seed=rig.seed)
    yield client
    client.close()


@pytest.fixture(scope="session")
def people() -> list[Insured]:
    """Synthetic insured people."""
    return list(generate_population(200, 7))


@pytest.fixture(scope="session")
def adult(people: list[Insured]) -> Insured:
    """An adult, not under guardianship, with beneficiaries."""
    return next(p for p in people if p.beneficiaries and not p.under_guardianship
                and p.identity.birth_date.year < 1990)


@pytest.fixture
def doctor(rig: RigConfig) -> Signer:
    """A practitioner of the synthetic directory."""
    return Signer.practitioner(next(iter(generate_practitioners(1, rig.seed))).rpps, rig.seed)


@pytest.fixture
def operator(rig: RigConfig) -> Signer:
    """A review operator of the synthetic directory."""
    return Signer.operator(seed=rig.seed)


@pytest.fixture
def insurer(rig: RigConfig):
    """The rig's synthetic insurer PKI."""
    return synthetic_insurer(rig.seed)


@pytest.fixture
def wallet_for(backend: BackendClient):
    """Activate an insured at the backend (France Identité) and build the phone's wallet."""

    def activate(insured: Insured) -> Wallet:
        key = ec.generate_private_key(ec.SECP256R1())
        done = backend.enrol(key, insured.identity.nir, "france_identite")
        return Wallet(insured, done["card_reference"], key, base64.b64decode(done["device_certificate"]))

    return activate
