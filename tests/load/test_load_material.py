"""Prepared material: it survives its file, and the supply hands out each token once, in time."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1 import qr
from apcv.profile.r1.presentation import verify_presentation
from apcv.seeded_keys import synthetic_insurer
from scenarios.load.errors import LoadError
from scenarios.load.material import Enrolment, Material, read_material
from scenarios.load.mint import QR_WINDOW_S, mint_nfc_windows, mint_qr_windows
from scenarios.load.supply import Supply
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def wallets() -> list[Wallet]:
    insurer = synthetic_insurer(0)
    return [Wallet.activate(p, insurer, f"APCV-TEST{i}") for i, p in enumerate(generate_population(3, 5))]


def _material(wallets: list[Wallet]) -> Material:
    rng = random.Random(1)
    return Material(0, NOW, wallets, mint_nfc_windows(wallets, 2, 2, NOW, rng),
                    mint_qr_windows(wallets, 2, 3, NOW, rng),
                    [Enrolment(wallets[0].insured.identity.nir, "video",
                               ec.generate_private_key(ec.SECP256R1()))],
                    ["1" * 15])


def test_material_survives_its_file_and_its_tokens_verify(tmp_path: Path, wallets: list[Wallet]) -> None:
    material = _material(wallets)
    again = read_material(material.write(tmp_path / "slot-0.json"))
    assert again.nfc == material.nfc and again.qr == material.qr and again.delegates == material.delegates
    assert [w.card_reference for w in again.wallets] == [w.card_reference for w in wallets]
    keys = again.enrolments[0].device_key, material.enrolments[0].device_key
    assert keys[0].private_numbers() == keys[1].private_numbers()
    at = dt.datetime.fromtimestamp(NOW + 10, dt.UTC)
    trust = synthetic_insurer(0).trust_anchor
    claims, _ = verify_presentation(base64.b64decode(again.nfc[0].payload), trust, at)
    assert claims.token_id.hex() == again.nfc[0].token_id
    assert claims.selected_identity.nir == again.nfc[0].nir
    token = qr.decode(again.qr[-1].payload)
    assert token.claims.issued_at == NOW + 2 * QR_WINDOW_S  # the third window's tokens


def test_a_damaged_material_file_is_named(tmp_path: Path, wallets: list[Wallet]) -> None:
    with pytest.raises(LoadError, match="cannot read material file"):
        read_material(tmp_path / "none.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(LoadError, match="not JSON"):
        read_material(tmp_path / "junk.json")
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(LoadError, match="not a load material file"):
        read_material(tmp_path / "other.json")
    data = _material(wallets).to_json()
    data["nfc"][0] = data["nfc"][0][:3]
    (tmp_path / "cut.json").write_text(json.dumps(data))
    with pytest.raises(LoadError, match="damaged"):
        read_material(tmp_path / "cut.json")


def test_the_supply_hands_out_each_token_once_and_only_while_valid(wallets: list[Wallet]) -> None:
    material = _material(wallets)
    supply = Supply(material, random.Random(2))
    handed = [supply.presentation(NOW + 1) for _ in range(2)]  # the first window's
    assert [t.token_id for t in handed] == [t.token_id for t in material.nfc[:2]]
    extra = supply.presentation(NOW + 1)  # the window's are used up: the next window's wait
    assert extra.token_id not in {t.token_id for t in material.nfc}
    assert supply.minted_during_run["nfc"] == 1
    later = [supply.presentation(NOW + QR_WINDOW_S + 1) for _ in range(2)]
    assert [t.token_id for t in later] == [t.token_id for t in material.nfc[2:]]
    assert all(t.not_before <= NOW + QR_WINDOW_S + 1 < t.not_after for t in later)

    first_window = [supply.qr_token(NOW + 5) for _ in range(2)]
    assert all(t.not_before <= NOW + 5 < t.not_after for t in first_window)
    minted = supply.qr_token(NOW + 5)  # the window's tokens are used up: the next window's wait
    assert supply.minted_during_run["qr"] == 1 and minted.not_before == NOW + 5
    late = [supply.qr_token(NOW + 2 * QR_WINDOW_S + 1) for _ in range(2)]  # the second window went by
    assert [t.token_id for t in late] == [t.token_id for t in material.qr[4:]]
    assert supply.minted_during_run["qr"] == 1


def test_enrolment_keys_run_out_into_fresh_ones(wallets: list[Wallet]) -> None:
    supply = Supply(_material(wallets), random.Random(3))
    first, second = supply.enrolment(0.4), supply.enrolment(0.4)
    assert first.proof == "video" and second.nir == wallets[0].insured.identity.nir
    assert first.device_key.private_numbers() != second.device_key.private_numbers()
    assert supply.minted_during_run["enrolment"] == 1
