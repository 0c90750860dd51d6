"""Set-up before the timed phase: activate the wallets, mint tokens, make enrolment keys.

Sizes come from the plan: the shape's users over time, each kind's share and pace, divided
among the worker slots, with a margin. Whatever a slot lacks during the run it mints on the
fly, and the summary counts it.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from apcv.nir import mask_nir
from apcv.people import Insured
from scenarios.load.errors import LoadError
from scenarios.load.material import Enrolment, Material
from scenarios.load.mint import QR_WINDOW_S, mint_nfc_windows, mint_qr_windows
from scenarios.load.plan import LoadPlan
from scenarios.load.shapes import user_seconds
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.wallet import Wallet

WALLETS_PER_SLOT = 8
ENROLLEES_PER_SLOT = 12
DELEGATES = 8
MARGIN = 1.25
START_SLACK_S = 180.0
"""Time allowed between minting and the start of the timed phase (tokens stay valid through it)."""
MAX_TOKENS_PER_SLOT = 200_000
MAX_ENROLMENTS_PER_SLOT = 50_000


def people_needed(slots: int) -> int:
    """People a run uses: wallet holders and enrollees of every slot, and the delegates."""
    return slots * (WALLETS_PER_SLOT + ENROLLEES_PER_SLOT) + DELEGATES


@dataclass(frozen=True)
class Needs:
    """What one slot should have ready."""

    nfc_per_window: int
    qr_per_window: int
    windows: int
    enrolments: int


def material_needs(plan: LoadPlan, slots: int) -> Needs:
    """Tokens and keys one of ``slots`` slots will use, with a margin, within the caps."""
    shape = plan.shape

    def journeys_per_s(kind: str, users: float) -> float:
        return users * plan.user_share(kind) / plan.users[kind].pace_s / slots if kind in plan.users else 0.0

    peak = journeys_per_s("practice", shape.peak_users)
    qr_share = plan.mix.qr_share
    windows = math.ceil((shape.duration_s + START_SLACK_S) / QR_WINDOW_S)
    nfc_per_window = math.ceil(peak * (1 - qr_share) * QR_WINDOW_S * MARGIN) + 5
    per_window = math.ceil(peak * qr_share * QR_WINDOW_S * MARGIN) + 5
    if (nfc_per_window + per_window) * windows > MAX_TOKENS_PER_SLOT:  # the rest is minted on the fly
        nfc_per_window = max(5, MAX_TOKENS_PER_SLOT // 2 // windows)
        per_window = max(5, (MAX_TOKENS_PER_SLOT - nfc_per_window * windows) // windows)
    enrolments = min(MAX_ENROLMENTS_PER_SLOT, math.ceil(journeys_per_s("activation", user_seconds(shape))
                                                        * MARGIN) + 10)
    return Needs(nfc_per_window, per_window, windows, enrolments)


def activate_wallet(client: BackendClient, insured: Insured, provider: FranceIdentite) -> Wallet:
    """Activate the app for ``insured`` on a new device key (France Identité proof): the wallet."""
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        answer = client.enrol(key, insured.identity.nir, "france_identite",
                              identity_assertion=provider.prove(insured.identity.nir, key.public_key()))
    except BackendRefused as exc:
        raise LoadError(f"the target refused to activate a wallet for {mask_nir(insured.identity.nir)} "
                        f"({exc.status} {exc.code}): {exc.detail}") from None
    except BackendLinkError as exc:
        raise LoadError(str(exc)) from None
    if answer.get("status") != "active" or not answer.get("card_data"):
        raise LoadError(f"the target did not activate the wallet of {mask_nir(insured.identity.nir)} at once "
                        f"(status {answer.get('status')!r}) although its proof was France Identité")
    return Wallet.from_activation(insured, key, answer)


def enrolment_keys(enrollees: list[Insured], count: int, video_share: float,
                   rng: random.Random) -> list[Enrolment]:
    """``count`` fresh device keys, each for an enrollee in turn, by video or France Identité."""
    return [Enrolment(enrollees[i % len(enrollees)].identity.nir,
                      "video" if rng.random() < video_share else "france_identite",
                      ec.generate_private_key(ec.SECP256R1()))
            for i in range(count)]


def prepare_slot(client: BackendClient, plan: LoadPlan, slot: int, people: list[Insured],
                 delegates: list[str], needs: Needs, rng: random.Random) -> Material:
    """Activate the slot's wallets on the target, then mint its tokens and keys."""
    holders, enrollees = people[:WALLETS_PER_SLOT], people[WALLETS_PER_SLOT:]
    provider = FranceIdentite(plan.seed)  # the provider the target trusts: its seed's
    wallets = [activate_wallet(client, insured, provider) for insured in holders]
    now = time.time()
    nfc = mint_nfc_windows(wallets, needs.nfc_per_window, needs.windows, now, rng)
    qr = mint_qr_windows(wallets, needs.qr_per_window, needs.windows, now, rng)
    enrolments = enrolment_keys(enrollees, needs.enrolments, plan.mix.video_share, rng)
    return Material(slot, now, wallets, nfc, qr, enrolments, delegates)


def split_people(people: list[Insured], slots: int) -> tuple[list[list[Insured]], list[str]]:
    """Each slot's wallet holders and enrollees, and the delegates everyone shares."""
    per_slot = WALLETS_PER_SLOT + ENROLLEES_PER_SLOT
    groups = [people[k * per_slot:(k + 1) * per_slot] for k in range(slots)]
    delegates = [p.identity.nir for p in people[slots * per_slot:slots * per_slot + DELEGATES]]
    return groups, delegates
