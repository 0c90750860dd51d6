"""What a reader terminal under test reports for one read (docs/reader-terminal.md).

One JSON object per read, whatever the channel carries it (a command's standard output, a line on
a serial port, the body of an HTTP request, or what a person types from the screen):
``{"outcome": "read", ...}`` naming the patient shown, or ``{"outcome": "refused", "reason": ...}``.
Anything else breaks the contract, and :class:`ReportError` says which field.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apcv.errors import ApcvError

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
    body = raw.decode("utf-8", errors="replace").strip()
    if not body:
        raise ReportError(f"{where} is empty (expected one JSON object)")
    try:
        data = json.loads(body)
    except ValueError as exc:
        reason = f"{exc.msg} at line {exc.lineno} column {exc.colno}" if hasattr(exc, "msg") else str(exc)
        raise ReportError(f"{where} is not one JSON object ({reason})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{where} is a JSON {type(data).__name__}, not an object")
    model = {"read": ReadShown, "refused": RefusedShown}.get(data.get("outcome"))  # type: ignore[arg-type]
    if model is None:
        raise ReportError(f"{where}: \"outcome\" is {data.get('outcome')!r}, not \"read\" or \"refused\"")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(object)"
        raise ReportError(f"{where}: field {field}: {first['msg']}") from None
