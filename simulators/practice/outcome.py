"""What a billing program prints at the end of a run (docs/practice-software.md): exit statuses,
refusal reasons, and the JSON object as plain data.

The reference program, started once per billing, builds its printout with these and so never
imports pydantic (a tenth of a second of CPU at each start); the harness checks every program's
printout, ours included, with the models of :mod:`simulators.practice.contract`.
"""

from __future__ import annotations

from typing import Any, Literal

EXIT_BILLED = 0
EXIT_REFUSED = 1
Reason = Literal["expired", "tampered", "untrusted", "replayed", "not_delegated", "locked", "unreadable",
                 "nothing_presented", "insurer_refused", "insurer_unreachable"]
REASONS: tuple[str, ...] = Reason.__args__
Printout = dict[str, Any]


def billed(*, source: Literal["nfc", "card", "qr"], token_id: str, claim_id: str, receipt_id: str,
           total_cents: int, beneficiary: str, fund_code: str, regime_code: str,
           rights_open: bool) -> Printout:
    """The printout of a billing: ``beneficiary`` the masked NIR of the person billed for, the
    rights the program billed with."""
    return {"outcome": "billed", "source": source, "token_id": token_id, "claim_id": claim_id,
            "receipt_id": receipt_id, "total_cents": total_cents, "beneficiary": beneficiary,
            "rights": {"fund_code": fund_code, "regime_code": regime_code, "rights_open": rights_open}}


def refused(reason: Reason, message: str) -> Printout:
    """The printout of a refusal: the contract's reason and one line for the practitioner."""
    return {"outcome": "refused", "reason": reason, "message": message}


def exit_status(printout: Printout) -> int:
    """The exit status that goes with ``printout``."""
    return EXIT_BILLED if printout["outcome"] == "billed" else EXIT_REFUSED
