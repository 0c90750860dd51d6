"""End to end through the insurer backend: unlock, tap, verify and rights, claim, receipt on the phone,
and a receipt never downloaded is gone after 7 days and a second."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apcv.clock import FrozenClock
from harness.bench import Bench
from harness.rig import RigConfig
from simulators.backend.client import BackendClient, BackendRefused, Signer, open_backend
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.receipts import ReceiptStore
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_practitioners

WEEK_AND_A_SECOND = 7 * 24 * 3600 + 1


@pytest.fixture
def frozen_bench(rig: RigConfig, pcsc_stack) -> Iterator[tuple[Bench, FrozenClock]]:
    """The rig's roles on a frozen clock, so that 7 days pass at once (pcscd up if the rig needs it)."""
    if rig.roles.backend is None:
        pytest.skip(f"rig '{rig.name}' has no backend role")
    if rig.roles.backend.link != "embedded:":
        pytest.skip("7-day receipt expiry needs the harness clock inside the backend (embedded: link)")
    clock = FrozenClock()
    with Bench(rig, clock=clock) as bench:
        if bench.phone is None:
            pytest.skip(f"rig '{rig.name}' has no simulated phone")
        yield bench, clock


@pytest.fixture
def insurer_backend(frozen_bench, rig: RigConfig) -> Iterator[BackendClient]:
    """The rig's backend role, sharing the bench clock."""
    client = open_backend(rig.roles.backend.link, clock=frozen_bench[1], seed=rig.seed)
    yield client
    client.close()


@pytest.mark.apcv_requirement("APCV-NFC-031", "APCV-RDR-005")
def test_tap_verify_claim_receipt_and_expiry(frozen_bench, insurer_backend: BackendClient):
    bench, clock = frozen_bench
    phone = bench.phone
    assert phone is not None
    insured = phone.wallet.insured
    doctor = Signer.practitioner(next(iter(generate_practitioners(1, bench.config.seed))).rpps,
                                 bench.config.seed)
    insurer_backend.provision(Signer.operator(seed=bench.config.seed), insured)
    key = phone.wallet.device_key
    proof = FranceIdentite(bench.config.seed, clock).prove(insured.identity.nir, key.public_key())
    activation = insurer_backend.enrol(key, insured.identity.nir, "france_identite", identity_assertion=proof)
    assert activation["status"] == "active"
    phone.install(Wallet.from_activation(insured, key, activation))
    store = ReceiptStore()

    phone.lock.lock()
    phone.unlock()
    bench.present("phone")
    selected = 1 if insured.beneficiaries else 0
    read = bench.reader.read(beneficiary=selected)
    verified = insurer_backend.verify(doctor, read.presentation)
    assert verified["identity"]["nir"] == read.selected_identity.nir
    assert verified["rights"]["fund_code"] == insured.coverage.fund_code
    with pytest.raises(BackendRefused) as replay:
        insurer_backend.verify(doctor, read.presentation)
    assert replay.value.status == 409

    acts = [{"code": "G", "amount_cents": 3000}]
    ack = insurer_backend.submit_claim(doctor, "e2e-claim-1", verified["token_id"], acts)
    new = store.sync(lambda: insurer_backend.receipts(phone.wallet.device_key))
    assert [r["receipt_id"] for r in new] == [ack["receipt_id"]]

    next_visit = insurer_backend.verify(doctor, bench.reader.read(beneficiary=selected).presentation)
    insurer_backend.submit_claim(doctor, "e2e-claim-2", next_visit["token_id"], acts)  # one claim per visit
    clock.advance(WEEK_AND_A_SECOND)
    assert store.sync(lambda: insurer_backend.receipts(phone.wallet.device_key)) == []
    assert store.claim_ids() == ["e2e-claim-1"]  # the downloaded one stays on the phone
