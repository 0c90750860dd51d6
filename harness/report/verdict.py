"""The verdict of a plan: certified only when every mandatory requirement passed.

A requirement's verdict comes from its tests (:meth:`RunRecord.by_requirement`); one no test
checked counts as skipped. Both the HTML report and the certification bundle read this.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.report.record import RunRecord, Verdict


@dataclass(frozen=True)
class PlanVerdict:
    """Verdicts of a plan's mandatory and optional requirements, by id."""

    role: str
    mandatory: dict[str, Verdict]
    optional: dict[str, Verdict]

    @property
    def certified(self) -> bool:
        """True when the plan has mandatory requirements and every one of them passed."""
        return bool(self.mandatory) and all(v == "passed" for v in self.mandatory.values())

    def blocking(self) -> dict[str, Verdict]:
        """The mandatory requirements that did not pass (failed or skipped), by id."""
        return {rid: verdict for rid, verdict in self.mandatory.items() if verdict != "passed"}

    def summary(self) -> str:
        """One line: ``certified`` or ``not certified: 2 mandatory requirements failed (...)...``."""
        if self.certified:
            return f"certified: all {len(self.mandatory)} mandatory requirements passed"
        if not self.mandatory:
            return "not certified: the plan has no mandatory requirement"
        parts = []
        for kind in ("failed", "skipped"):
            ids = [rid for rid, verdict in self.blocking().items() if verdict == kind]
            if ids:
                parts.append(f"{len(ids)} mandatory {'requirement' if len(ids) == 1 else 'requirements'} "
                             f"{kind} ({', '.join(ids)})")
        return "not certified: " + "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """The JSON form written to a bundle's ``verdict.json``."""
        return {"role": self.role, "certified": self.certified, "summary": self.summary(),
                "blocking": self.blocking(), "mandatory": self.mandatory, "optional": self.optional}


def plan_verdict(record: RunRecord) -> PlanVerdict:
    """The verdict of the requirements ``record`` lists, split by their catalogue level."""
    groups = record.by_requirement()
    mandatory: dict[str, Verdict] = {}
    optional: dict[str, Verdict] = {}
    for rid, info in sorted(record.requirements.items()):
        verdict = groups[rid].verdict if rid in groups else "skipped"
        (optional if info.level == "optional" else mandatory)[rid] = verdict
    return PlanVerdict(record.role, mandatory, optional)
