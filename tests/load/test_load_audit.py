"""The audit finds what went missing or happened twice, in the ledger and in the service's database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import insert

from scenarios.load.audit import audit
from scenarios.load.ledger import Ledger
from simulators.backend import db

RUN = "Ltest"


def _backend(path: Path, claims: list[tuple[str, str, str, int]], tokens: list[str]) -> Path:
    """A backend database holding ``claims`` (claim id, token id, receipt id, total) and spent ``tokens``."""
    engine = db.make_engine(f"sqlite:///{path}")
    db.create_schema(engine)
    with engine.begin() as conn:
        for token in tokens:
            conn.execute(insert(db.used_token).values(token_id=token, rpps="10000000001",
                                                      holder_nir="1" * 15, selected_nir="1" * 15, used_at=1.0,
                                                      expires_at=2.0))
        for claim_id, token, receipt, total in claims:
            conn.execute(insert(db.claim).values(claim_id=claim_id, rpps="10000000001", token_id=token,
                                                 holder_nir="1" * 15, beneficiary_nir="1" * 15,
                                                 total_cents=total, content_hash="h", acts="[]",
                                                 acknowledged_at=1.0))
            conn.execute(insert(db.receipt).values(receipt_id=receipt, claim_id=claim_id, holder_nir="1" * 15,
                                                   beneficiary_nir="1" * 15, rpps="10000000001",
                                                   total_cents=total, created_at=1.0))
    engine.dispose()
    return path


def _ledger(path: Path, entries: dict[str, list[tuple]]) -> Path:
    ledger = Ledger(path)
    ledger.add(entries)
    ledger.close()
    return path


def _clean_run() -> tuple[dict[str, list[tuple]], list[tuple[str, str, str, int]], list[str]]:
    entries = {
        "accepted": [("t1", "qr", 1.0), ("t2", "nfc", 2.0), ("t3", "qr", 3.0)],
        "submitted": [(f"{RUN}-0-{n}", f"t{n + 1}", "rpps:1") for n in range(3)],
        "acked": [(f"{RUN}-0-0", "r0", 2650, 201, 1, 1.0), (f"{RUN}-0-1", "r1", 3000, 201, 2, 2.0)],
        "delivered": [("r0", f"{RUN}-0-0", 5.0)],
    }
    # the third claim's answer was lost: stored or not, the audit accepts both
    claims = [(f"{RUN}-0-0", "t1", "r0", 2650), (f"{RUN}-0-1", "t2", "r1", 3000),
              (f"{RUN}-0-2", "t3", "r2", 2500)]
    return entries, claims, ["t1", "t2", "t3"]


def test_a_clean_run_audits_clean(tmp_path: Path) -> None:
    entries, claims, tokens = _clean_run()
    result = audit(_ledger(tmp_path / "l.sqlite3", entries), RUN,
                   backend_db=_backend(tmp_path / "b.sqlite3", claims, tokens))
    assert result.clean, result.problems
    assert (result.accepted_tokens, result.acknowledged_claims, result.delivered_receipts) == (3, 2, 1)
    assert len(result.checked) == 8


def _drop_claim(entries, claims, tokens):
    claims.pop(0)


def _double_bill(entries, claims, tokens):
    claims.append((f"{RUN}-0-9", "t1", "r9", 2650))
    entries["submitted"].append((f"{RUN}-0-9", "t1", "rpps:1"))


def _phantom(entries, claims, tokens):
    claims.append((f"{RUN}-1-0", "t4", "r4", 100))


def _accept_twice(entries, claims, tokens):
    entries["accepted"].append(("t2", "nfc", 9.0))


def _deliver_twice(entries, claims, tokens):
    entries["delivered"].append(("r0", f"{RUN}-0-0", 9.0))


def _two_receipts(entries, claims, tokens):
    entries["acked"].append((f"{RUN}-0-0", "r7", 2650, 200, 2, 3.0))


def _other_total(entries, claims, tokens):
    claims[1] = (f"{RUN}-0-1", "t2", "r1", 1)


def _unspent(entries, claims, tokens):
    tokens.remove("t3")


@pytest.mark.parametrize(("damage", "problems"), [
    (_drop_claim, ["acknowledged claim(s) missing from the database"]),
    (_double_bill, ["token(s) billed by more than one claim"]),
    (_phantom, ["stored claim(s) of this run that no user submitted"]),
    (_accept_twice, ["token(s) accepted more than once"]),
    (_deliver_twice, ["receipt(s) delivered to the phone more than once"]),
    (_two_receipts, ["claim(s) acknowledged with different receipts or totals",
                     "acknowledged claim(s) stored with another receipt or total"]),
    (_other_total, ["acknowledged claim(s) stored with another receipt or total"]),
    (_unspent, ["accepted token(s) the service did not record as used"]),
])
def test_each_kind_of_loss_or_double_is_found(tmp_path: Path, damage: Callable, problems: list[str]) -> None:
    entries, claims, tokens = _clean_run()
    damage(entries, claims, tokens)
    result = audit(_ledger(tmp_path / "l.sqlite3", entries), RUN,
                   backend_db=_backend(tmp_path / "b.sqlite3", claims, tokens))
    assert [p.split(" ", 1)[1] for p in result.problems] == problems
    assert not result.clean
