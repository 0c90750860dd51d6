"""One :class:`Variant` type for every role: each faulty variant builds itself from what its role's
reference implementation is built from; and each role owns the world around its DUT
(``DutRole.world``, a context manager) that the plan's fixtures ask it for."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from apcv.links.registry import open_reader
from apcv.seeded_keys import synthetic_insurer
from harness.bench import Bench
from harness.rig import load_rig
from harness.roles import bench_world, get_role, registered
from harness.roles.backend import BackendUnderTest
from simulators.backend.variants import REFERENCE, BackendPolicy
from simulators.card.card import VitaleCard
from simulators.factory import synthetic_insured, synthetic_phone
from simulators.phone.phone import Phone
from simulators.practice.billing import BillingOrder, ReferenceBilling
from simulators.reader.kernel import ReaderKernel
from simulators.scanner.device import SimulatedScanner
from simulators.variant import UnknownVariant, Variant
from simulators.variants import ALL_VARIANTS, find_variant

INSURER = synthetic_insurer(0)


def _built(variant: Variant, tmp_path: Path) -> object:
    """``variant`` built as its role's reference is built."""
    match variant.role:
        case "phone":
            return variant.build(synthetic_phone(2, INSURER), INSURER, 2)
        case "card":
            return variant.build(synthetic_insured(5), INSURER)
        case "reader":
            return variant.build(open_reader("sim:variants-build"), INSURER.trust_anchor)
        case "scanner":
            return variant.build("nominal", "zxing", terminator="cr")
        case "backend":
            return variant.build()
        case "practice-software":
            key, trust = tmp_path / "practitioner.pem", tmp_path / "insurer-root.pem"
            key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
                Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            trust.write_bytes(INSURER.trust_anchor.to_pem())
            order = BillingOrder("reader", "", "http://127.0.0.1:1", "10000000000", key, trust)
            return variant.build(order, lambda text: None)
    raise AssertionError(f"no way to build a {variant.role} variant")


REFERENCES = {"phone": Phone, "card": VitaleCard, "reader": ReaderKernel, "scanner": SimulatedScanner,
              "backend": BackendPolicy, "practice-software": ReferenceBilling}
"""What each role's reference implementation is: every variant builds one of these, changed."""


@pytest.mark.parametrize("name", sorted(ALL_VARIANTS))
def test_every_variant_builds_itself(name: str, tmp_path: Path) -> None:
    variant = ALL_VARIANTS[name]
    built = _built(variant, tmp_path)
    assert isinstance(built, REFERENCES[variant.role])
    if variant.role == "backend":
        assert built != REFERENCE
    elif variant.role != "phone":  # a faulty phone is the reference phone with a part changed
        assert type(built) is not REFERENCES[variant.role], f"{name} builds the reference itself"


def test_every_role_lists_its_variants_as_the_one_type() -> None:
    listed = [v for role in registered() for v in role.variants()]
    assert sorted(v.name for v in listed) == sorted(ALL_VARIANTS)
    assert all(type(v) is Variant and v.role in {r.id for r in registered()} for v in listed)
    with pytest.raises(UnknownVariant, match="unknown card variant 'card-x'; the card variants are: "):
        find_variant("card", "card-x")


def test_a_variant_naming_no_maker_says_so() -> None:
    with pytest.raises(Exception, match="phone variant 'phone-x' names no maker"):
        Variant("phone-x", "phone", "nothing", ("APCV-NFC-001",)).build()


@pytest.mark.parametrize("role", ["phone", "card", "reader"])
def test_the_roles_on_the_reader_live_in_the_bench(role: str, tmp_path: Path) -> None:
    rig = load_rig("software")
    with get_role(role).world(rig, tmp_path) as world:
        assert isinstance(world, Bench) and world.phone is not None
    with bench_world(rig) as world:
        assert isinstance(world, Bench)


def test_the_backend_role_serves_its_world(tmp_path: Path) -> None:
    """On the software rig (``embedded:``) the backend's world is ours, served for as long as it is open."""
    with get_role("backend").world(load_rig("software"), tmp_path) as world:
        assert isinstance(world, BackendUnderTest) and world.log is not None
        assert httpx.get(f"{world.url}/v1/health", timeout=10).status_code == 200
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{world.url}/v1/health", timeout=2)
