"""What a reader terminal under test reports for one read (docs/reader-terminal.md).

One JSON object per read, whatever the channel carries it (a command's standard output, a line on
a serial port, the body of an HTTP request, or what a person types from the screen):
``{"outcome": "read", ...}`` naming the patient shown, or ``{"outcome": "refused", "reason": ...}``.
Anything else breaks the contract, and :class:`ReportError` says which field.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from apcv.errors import ApcvError
from apcv.validation import parse_outcome

MAX_REPORT_BYTES = 64 * 1024
MASKED_NIR = r"^[1278] [0-9]{2} [0-9]{2} \*\* \*\*\* \*\*\* \*\*$"
RefusalReason = Literal["locked", "untrusted", "expired", "tampered", "replayed", "unreadable", "not_apcv",
                        "no_beneficiary", "nothing_presented"]
REFUSAL_REASONS: tuple[str, ...] = RefusalReason.__args__
VERIFICATION_REFUSALS = ("untrusted", "expired", "tampered", "replayed")
"""The reasons a terminal gives for a presentation that does not verify (APCV-RDR-004)."""


class ReportError(ApcvError):
    """The terminal's report is not what the contract says (the message names the field)."""


class _Report(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class PersonShown(_Report):
    """A person as the terminal shows them: the name always, birth date and masked NIR when shown."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\n]+$")
    birth_date: date | None = None
    nir: str | None = Field(None, pattern=MASKED_NIR, description="masked: apcv.nir.mask_nir")


class CoverageShown(_Report):
    """The rights the terminal shows."""

    fund_code: str = Field(pattern=r"^[0-9]{3}$")
    regime_code: str = Field(pattern=r"^[0-9]{2}$")


class ReadShown(_Report):
    """The presentation verified; the patient the care is for (the selected beneficiary, or the holder)."""

    outcome: Literal["read"]
    kind: Literal["phone", "card"] | None = None
    patient: PersonShown
    holder: PersonShown | None = None
    coverage: CoverageShown | None = None


class RefusedShown(_Report):
    """Nothing accepted, and why, in one line for the practitioner."""

    outcome: Literal["refused"]
    reason: RefusalReason
    message: str = Field("", max_length=300, pattern=r"^[^\n]*$")


TerminalReport = ReadShown | RefusedShown


def parse_report(text: str | bytes, *, where: str = "the terminal's report") -> TerminalReport:
    """The report in ``text``; ReportError naming what breaks the contract."""
    raw = text.encode("utf-8", errors="replace") if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportError(f"{where} has {len(raw)} bytes (at most {MAX_REPORT_BYTES}: one JSON object)")
    try:
        return parse_outcome(raw.decode("utf-8", errors="replace"),
                             {"read": ReadShown, "refused": RefusedShown}, where)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
