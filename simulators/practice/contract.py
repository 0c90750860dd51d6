"""What a billing program under test does per run of the rig's ``bill`` command (docs/practice-software.md).

The harness fills the template's placeholders, runs it, and reads its standard output: exactly
one JSON object, ``{"outcome": "billed", ...}`` with exit status 0 or ``{"outcome": "refused",
...}`` with exit status 1. Logs go to standard error. Anything else breaks the contract, and
the test says which part. The printout's plain form (what a program builds) is
:mod:`simulators.practice.outcome`; the models here check it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from apcv.errors import ApcvError
from apcv.validation import parse_outcome
from simulators.practice.outcome import EXIT_BILLED, EXIT_REFUSED, REASONS, Reason

__all__ = ["EXIT_BILLED", "EXIT_REFUSED", "MAX_STDOUT_BYTES", "PLACEHOLDERS", "REASONS", "Billed",
           "ContractError", "Reason", "Refused", "Result", "RightsSeen", "parse_result"]
PLACEHOLDERS = ("reader", "scanner", "backend", "rpps", "key", "trust", "beneficiary", "amount", "act")
"""Placeholders of the ``bill`` template: PC/SC reader name, scanner port (or ``-`` for standard
input, empty when none), backend URL, practitioner RPPS and its key (PEM file), insurer root (PEM
file), beneficiary index (0 the holder, n the n-th beneficiary), amount in cents, act code."""
MAX_STDOUT_BYTES = 64 * 1024


class ContractError(ApcvError):
    """The program's output or exit status is not what the contract says (the message says which)."""


class _Result(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class RightsSeen(_Result):
    """The rights (ADRi) the program billed with."""

    fund_code: str = Field(pattern=r"^[0-9]{3}$")
    regime_code: str = Field(pattern=r"^[0-9]{2}$")
    rights_open: bool


class Billed(_Result):
    """One presentation verified and one claim acknowledged."""

    outcome: Literal["billed"]
    source: Literal["nfc", "card", "qr"]
    token_id: str = Field(min_length=1, max_length=64)
    claim_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    receipt_id: str = Field(min_length=1, max_length=64)
    total_cents: int = Field(ge=0)
    beneficiary: str = Field(description="the NIR of the person billed for, masked")
    rights: RightsSeen


class Refused(_Result):
    """Nothing billed, and why, in one line for the practitioner."""

    outcome: Literal["refused"]
    reason: Reason
    message: str = Field(min_length=1, max_length=300, pattern=r"^[^\n]+$")


Result = Billed | Refused


def parse_result(stdout: str, exit_code: int) -> Result:
    """The result a run printed; ContractError naming what breaks the contract."""
    if len(stdout.encode()) > MAX_STDOUT_BYTES:
        raise ContractError(f"printed {len(stdout.encode())} bytes on standard output (at most "
                            f"{MAX_STDOUT_BYTES}: one JSON object; logs go to standard error)")
    text = stdout.strip()
    if not text:
        raise ContractError(f"exited with {exit_code} and printed nothing on standard output "
                            "(expected one JSON object)")
    try:
        result = parse_outcome(text, {"billed": Billed, "refused": Refused}, "standard output")
    except ValueError as exc:
        raise ContractError(str(exc)) from None
    expected = EXIT_BILLED if isinstance(result, Billed) else EXIT_REFUSED
    if exit_code != expected:
        raise ContractError(f"printed outcome {result.outcome!r} but exited with {exit_code} "
                            f"(expected {expected})")
    return result
