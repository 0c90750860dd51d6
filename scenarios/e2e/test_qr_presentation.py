"""End to end, QR side: unlock the phone, hold it to the practitioner's scanner, read a token,
and have the insurer backend verify it once (identity and rights), then the next rotation.

On any rig with a scanner the scanned text must be an R1 QR token; with a simulated phone, one
that verifies against the insurer root and names the phone's card.
"""

import statistics
import time
from collections.abc import Iterator

import pytest

from apcv.clock import FrozenClock, to_datetime
from apcv.links.scanner_base import ScanTimeout
from apcv.profile.r1 import qr
from harness.bench import Bench
from harness.rig import RigConfig
from simulators.backend.client import BackendClient, BackendRefused, Signer, open_backend
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.phone import Phone
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_practitioners

SCANS = 5
"""Scans timed per run: read times are kept as a distribution (the waiting-room models take them)."""


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-002")
@pytest.mark.apcv_rig_feature("qr-scanner")
def test_scanned_text_is_an_r1_token(scanner):
    token = qr.decode(scanner.read())
    assert len(token.claims.token_id) == qr.TOKEN_ID_LEN
    assert token.claims.issued_at <= token.claims.expires_at


@pytest.mark.apcv_requirement("APCV-QR-001", "APCV-QR-003", "APCV-QR-004")
@pytest.mark.apcv_rig_feature("qr-scanner", "sim-phone")
def test_unlock_then_scan(bench, scanner, measure):
    phone = bench.require("phone")
    phone.lock.lock()
    phone.unlock()
    samples, payload = [], ""
    for _ in range(SCANS):
        started = time.perf_counter()
        payload = scanner.read()
        samples.append(round((time.perf_counter() - started) * 1000, 3))
    measure("qr_read_ms", statistics.median(samples), unit="ms", low=0, samples=samples)
    verified = qr.verify(payload, bench.insurer.trust_anchor, to_datetime(bench.clock),
                         certificate_for=lambda kid: phone.wallet.device_certificate_der)
    assert verified.claims.card_reference == phone.wallet.card_reference
    assert any("scanned APCV1:" in e.detail for e in bench.recorder.events)


@pytest.mark.apcv_requirement("APCV-QR-004")
@pytest.mark.apcv_rig_feature("qr-scanner", "sim-phone")
def test_locked_phone_shows_nothing_to_scan(bench, scanner):
    bench.require("phone").lock.lock()
    with pytest.raises(ScanTimeout, match="no QR payload within"):
        scanner.read(timeout=0.2)


@pytest.fixture
def qr_desk(rig: RigConfig,
            request: pytest.FixtureRequest) -> Iterator[tuple[Bench, FrozenClock, BackendClient]]:
    """Bench on a frozen clock (rotation without sleeping), its scanner and the embedded backend."""
    if rig.roles.scanner is None or rig.roles.backend is None:
        pytest.skip(f"rig '{rig.name}' lacks a scanner or a backend role")
    if rig.roles.backend.link != "embedded:":
        pytest.skip("QR rotation on the harness clock needs the clock inside the backend (embedded: link)")
    request.getfixturevalue("pcsc_stack")  # pcscd up when the rig's other roles need it
    clock = FrozenClock()
    with Bench(rig, clock=clock) as bench:
        if bench.phone is None or not bench.scanner.takes_screens:
            pytest.skip(f"rig '{rig.name}' has no simulated phone held to an in-process scanner")
        backend = open_backend(rig.roles.backend.link, clock=clock, seed=rig.seed)
        try:
            yield bench, clock, backend
        finally:
            backend.close()


def activated_phone(bench: Bench, backend: BackendClient, clock: FrozenClock) -> Phone:
    """The rig's phone as activated at the backend (its card reference, certificate and card data)."""
    wallet = bench.require("phone").wallet
    nir, key = wallet.insured.identity.nir, wallet.device_key
    proof = FranceIdentite(bench.config.seed, clock).prove(nir, key.public_key())
    done = backend.enrol(key, nir, "france_identite", identity_assertion=proof)
    assert done["status"] == "active"
    return Phone(Wallet.from_activation(wallet.insured, key, done), clock=clock)


@pytest.mark.apcv_requirement("APCV-QR-003", "APCV-QR-004", "APCV-QR-006", "APCV-QR-008")
def test_unlock_scan_verify_once_rotate(qr_desk):
    bench, clock, backend = qr_desk
    insured = bench.require("phone").wallet.insured
    doctor = Signer.practitioner(next(iter(generate_practitioners(1, bench.config.seed))).rpps,
                                 bench.config.seed)
    backend.provision(Signer.operator(seed=bench.config.seed), insured)
    phone = activated_phone(bench, backend, clock)
    bench.scanner.show(phone)

    phone.unlock()
    first = bench.scanner.read()
    verified = backend.verify_qr(doctor, first)
    assert verified["identity"]["nir"] == insured.identity.nir
    assert verified["rights"]["fund_code"] == insured.coverage.fund_code
    with pytest.raises(BackendRefused) as replay:
        backend.verify_qr(doctor, first)
    assert replay.value.status == 409

    clock.advance(30)
    second = bench.scanner.read()
    assert second != first and backend.verify_qr(doctor, second)["token_id"] != verified["token_id"]
    if insured.beneficiaries:
        child = insured.beneficiaries[0].identity
        phone.qr.select(child.nir)
        assert backend.verify_qr(doctor, bench.scanner.read())["identity"]["nir"] == child.nir

    clock.advance(900)
    with pytest.raises(ScanTimeout):
        bench.scanner.read(timeout=0.1)
