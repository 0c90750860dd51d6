"""The claims (FSE) the practice users bill."""

from __future__ import annotations

import random


def acts_for(claim_id: str) -> list[dict]:
    """The billed acts of a claim: one consultation, sometimes with a second act; the same for
    the same claim id, so a retry or the audit sends exactly the same claim."""
    rng = random.Random(claim_id)
    acts = [{"code": rng.choice(("G", "GS", "C")), "amount_cents": rng.choice((2650, 3000, 2500))}]
    if rng.random() < 0.3:
        acts.append({"code": rng.choice(("MEG", "MCG", "K")), "amount_cents": rng.choice((500, 1000, 1920))})
    return acts
