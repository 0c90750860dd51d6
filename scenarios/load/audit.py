"""The audit after a run: nothing the users were told went missing or happened twice.

From the ledger (what every user was told): no token accepted twice, no claim acknowledged
with two different receipts, no receipt delivered twice. Against the service:

- embedded target: its database is read directly (SQLite ``ATTACH``): every acknowledged
  claim is stored once with its receipt and total, every accepted token is spent, no visit
  (token) was billed twice and no claim of this run exists that no user submitted;
- http(s) target: every acknowledged claim is submitted again, identical, and must get the
  same acknowledgement (200, same receipt); a 201 means it had been lost.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scenarios.load.claims import acts_for
from scenarios.load.ledger import open_ledger
from simulators.backend.client import BackendClient, BackendLinkError, Signer

API_AUDIT_MAX = 2_000
"""Acknowledged claims re-submitted at most by the audit of an http(s) target."""


@dataclass
class AuditResult:
    """What was checked and what was found wrong."""

    accepted_tokens: int = 0
    acknowledged_claims: int = 0
    delivered_receipts: int = 0
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    def to_json(self) -> dict:
        """Plain data."""
        return {**asdict(self), "clean": self.clean}


def _count(db: sqlite3.Connection, sql: str, *args: object) -> int:
    return int(db.execute(sql, args).fetchone()[0])


def _check(result: AuditResult, what: str, bad: int, problem: str) -> None:
    result.checked.append(what)
    if bad:
        result.problems.append(f"{bad} {problem}")


def _ledger_checks(db: sqlite3.Connection, result: AuditResult) -> None:
    result.accepted_tokens = _count(db, "SELECT COUNT(*) FROM accepted")
    result.acknowledged_claims = _count(db, "SELECT COUNT(DISTINCT claim_id) FROM acked")
    result.delivered_receipts = _count(db, "SELECT COUNT(*) FROM delivered")
    _check(result, "no token accepted twice", _count(
        db, "SELECT COUNT(*) FROM (SELECT token_id FROM accepted GROUP BY token_id HAVING COUNT(*) > 1)"),
        "token(s) accepted more than once")
    _check(result, "one acknowledgement per claim", _count(
        db, "SELECT COUNT(*) FROM (SELECT claim_id FROM acked GROUP BY claim_id "
            "HAVING COUNT(DISTINCT receipt_id) > 1 OR COUNT(DISTINCT total_cents) > 1)"),
        "claim(s) acknowledged with different receipts or totals")
    _check(result, "no receipt delivered twice", _count(
        db, "SELECT COUNT(*) FROM (SELECT receipt_id FROM delivered GROUP BY receipt_id "
            "HAVING COUNT(*) > 1)"),
        "receipt(s) delivered to the phone more than once")


def _database_checks(db: sqlite3.Connection, backend_db: Path, run_id: str, result: AuditResult) -> None:
    db.execute("ATTACH DATABASE ? AS backend", (f"file:{backend_db}?mode=ro",))
    ours = f"{run_id}-%"
    _check(result, "every acknowledged claim stored", _count(
        db, "SELECT COUNT(DISTINCT a.claim_id) FROM acked a "
            "LEFT JOIN backend.claim c ON c.claim_id = a.claim_id WHERE c.claim_id IS NULL"),
        "acknowledged claim(s) missing from the database")
    _check(result, "stored as acknowledged", _count(
        db, "SELECT COUNT(DISTINCT a.claim_id) FROM acked a JOIN backend.claim c ON c.claim_id = a.claim_id "
            "JOIN backend.receipt r ON r.claim_id = c.claim_id "
            "WHERE r.receipt_id != a.receipt_id OR c.total_cents != a.total_cents"),
        "acknowledged claim(s) stored with another receipt or total")
    _check(result, "no visit billed twice", _count(
        db, "SELECT COUNT(*) FROM (SELECT token_id FROM backend.claim WHERE claim_id LIKE ? "
            "GROUP BY token_id HAVING COUNT(*) > 1)", ours), "token(s) billed by more than one claim")
    _check(result, "no claim nobody submitted", _count(
        db, "SELECT COUNT(*) FROM backend.claim c WHERE c.claim_id LIKE ? "
            "AND c.claim_id NOT IN (SELECT claim_id FROM submitted)", ours),
        "stored claim(s) of this run that no user submitted")
    _check(result, "every accepted token spent", _count(
        db, "SELECT COUNT(*) FROM accepted a LEFT JOIN backend.used_token u ON u.token_id = a.token_id "
            "WHERE u.token_id IS NULL"), "accepted token(s) the service did not record as used")


def _api_checks(db: sqlite3.Connection, client: BackendClient, seed: int, result: AuditResult) -> None:
    rows = db.execute("SELECT a.claim_id, MIN(a.receipt_id), s.token_id, s.caller FROM acked a "
                      "JOIN submitted s ON s.claim_id = a.claim_id GROUP BY a.claim_id ORDER BY a.claim_id "
                      "LIMIT ?", (API_AUDIT_MAX,)).fetchall()
    lost, changed = 0, 0
    for claim_id, receipt_id, token_id, caller in rows:
        signer = Signer.practitioner(caller.removeprefix("rpps:"), seed)
        body = {"claim_id": claim_id, "token_id": token_id, "acts": acts_for(claim_id)}
        try:
            response = client.send("POST", "/v1/claims", body, signer)
        except BackendLinkError as exc:
            result.problems.append(f"the audit could not reach the target: {exc}")
            return
        if response.status_code == 201:
            lost += 1
        elif response.status_code != 200 or response.json().get("receipt_id") != receipt_id:
            changed += 1
    _check(result, f"every acknowledged claim stored ({len(rows)} re-submitted)", lost,
           "acknowledged claim(s) the target had lost (stored again by the audit)")
    _check(result, "stored as acknowledged", changed,
           "acknowledged claim(s) answered differently the second time")


def audit(ledger: Path, run_id: str, *, backend_db: Path | None = None, client: BackendClient | None = None,
          seed: int = 0) -> AuditResult:
    """Audit a finished run: the ledger, then the service's database or API."""
    result = AuditResult()
    db = open_ledger(ledger)
    try:
        _ledger_checks(db, result)
        if backend_db is not None:
            _database_checks(db, backend_db, run_id, result)
        elif client is not None:
            _api_checks(db, client, seed, result)
    finally:
        db.close()
    return result
