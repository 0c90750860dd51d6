"""The verdict of a run: the one function ``run``, ``certify``, ``variants`` and every report read.

A requirement's verdict comes from the tests that acted on the device under test
(:func:`harness.report.record.requirement_verdict`): passed, failed, not judged or not
applicable, with the reason. The plan is the role's requirements (``record.role``), or, in a
run without a role, the requirements its tests named that apply to the rig (a plan of a role the
rig has no device for is not applicable there). The run passes only when every mandatory
requirement of the plan passed and no test tied to no requirement failed; the exit status is
the verdict: 0 passed, 1 not passed, 130 interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.report.record import NO_REQUIREMENT, RunRecord, Verdict

PASSED_EXIT = 0
NOT_PASSED_EXIT = 1
INTERRUPTED_EXIT = 130


@dataclass(frozen=True)
class PlanVerdict:
    """Verdicts of a plan's mandatory and optional requirements by id, with the reason of each
    one that did not pass."""

    role: str
    mandatory: dict[str, Verdict]
    optional: dict[str, Verdict]
    reasons: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    untagged_failures: tuple[str, ...] = ()
    """Tests tied to no requirement that failed or could not be set up (they block the run)."""

    @property
    def certified(self) -> bool:
        """True when every mandatory requirement passed (and there is one), no untagged test
        failed, and the run was not interrupted."""
        return (bool(self.mandatory) and all(v == "passed" for v in self.mandatory.values())
                and not self.untagged_failures and not self.interrupted)

    @property
    def exit_status(self) -> int:
        """0 when certified, 130 when interrupted, 1 otherwise."""
        if self.interrupted:
            return INTERRUPTED_EXIT
        return PASSED_EXIT if self.certified else NOT_PASSED_EXIT

    def blocking(self) -> dict[str, Verdict]:
        """The mandatory requirements that did not pass, by id."""
        return {rid: verdict for rid, verdict in self.mandatory.items() if verdict != "passed"}

    def summary(self) -> str:
        """One line: ``certified: ...`` or ``not certified: 2 mandatory requirements failed (...)``."""
        plan = f"the {self.role} plan" if self.role else "the run"
        if self.certified:
            return f"certified: all {len(self.mandatory)} mandatory requirements of {plan} passed"
        head = "interrupted, not certified: " if self.interrupted else "not certified: "
        if not self.mandatory and not self.untagged_failures:
            return head + f"{plan} has no mandatory requirement"
        parts = []
        for kind in ("failed", "not_judged", "not_applicable"):
            ids = [rid for rid, verdict in self.blocking().items() if verdict == kind]
            if ids:
                noun = "requirement" if len(ids) == 1 else "requirements"
                parts.append(f"{len(ids)} mandatory {noun} {kind.replace('_', ' ')} ({', '.join(ids)})")
        if self.untagged_failures:
            parts.append(f"{len(self.untagged_failures)} test(s) tied to no requirement failed")
        return head + ("; ".join(parts) or f"all {len(self.mandatory)} mandatory requirements passed")

    def lines(self) -> list[str]:
        """The end of a terminal run: the verdict line, then each mandatory requirement that did
        not pass with its reason, and each failed untagged test."""
        word = "PASSED" if self.certified else "INTERRUPTED" if self.interrupted else "NOT PASSED"
        lines = [f"verdict: {word} ({self.summary()})"]
        lines += [f"  {rid} {verdict.replace('_', ' ')}: {self.reasons.get(rid, '')}".rstrip(": ")
                  for rid, verdict in self.blocking().items()]
        lines += [f"  {nodeid} failed (no requirement)" for nodeid in self.untagged_failures]
        return lines

    def to_dict(self) -> dict[str, object]:
        """The JSON form written to a bundle's ``verdict.json`` and to ``results.json``."""
        return {"role": self.role, "certified": self.certified, "exit_status": self.exit_status,
                "interrupted": self.interrupted, "summary": self.summary(), "blocking": self.blocking(),
                "reasons": {rid: self.reasons[rid] for rid in self.blocking() if rid in self.reasons},
                "mandatory": self.mandatory, "optional": self.optional,
                "untagged_failures": list(self.untagged_failures)}


def plan_verdict(record: RunRecord) -> PlanVerdict:
    """The verdict of ``record``'s plan, split by catalogue level: the role's requirements, or
    those the run's tests named when it had no role."""
    groups = record.by_requirement()
    planned = record.requirements if record.role else {
        rid: info for rid, info in record.requirements.items()
        if rid in groups and groups[rid].results and groups[rid].verdict != "not_applicable"}
    mandatory: dict[str, Verdict] = {}
    optional: dict[str, Verdict] = {}
    reasons: dict[str, str] = {}
    for rid, info in sorted(planned.items()):
        group = groups.get(rid)
        verdict, reason = (group.verdict, group.reason) if group else ("not_judged", "no test checked it")
        (optional if info.level == "optional" else mandatory)[rid] = verdict
        if reason:
            reasons[rid] = reason
    untagged = groups.get(NO_REQUIREMENT)
    failures = tuple(r.nodeid for r in (untagged.results if untagged else ())
                     if r.outcome in ("failed", "error"))
    return PlanVerdict(record.role, mandatory, optional, reasons, record.interrupted, failures)
