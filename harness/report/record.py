"""The run record: the one object every output writer (JUnit, JSON, HTML, bundle) reads.

Results flow from the pytest plugin or a CLI command into a :class:`RunRecord`, never
into ad-hoc prints. The record is plain data with a JSON round trip, so a report can be
rebuilt later from ``results.json``.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime
from importlib import metadata
from typing import Any, Literal, NamedTuple, get_args

from apcv.errors import ApcvError

Outcome = Literal["passed", "failed", "skipped", "error"]
Verdict = Literal["passed", "failed", "skipped"]

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
NO_REQUIREMENT = "(none)"


class RecordError(ApcvError, ValueError):
    """A run record (usually read back from ``results.json``) is malformed."""


@dataclass
class TestResult:
    """The result of one test (or one model run), as the writers report it."""

    __test__ = False  # not a pytest test class

    nodeid: str
    name: str
    outcome: Outcome
    duration_s: float = 0.0
    requirement_ids: list[str] = field(default_factory=list)
    message: str = ""
    longrepr: str | None = None
    traces: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    properties: dict[str, str | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise RecordError(
                f"test {self.nodeid!r}: outcome {self.outcome!r} is not one of "
                f"{', '.join(OUTCOMES)}"
            )


class RequirementVerdict(NamedTuple):
    """The verdict of one requirement and the results that decided it."""

    verdict: Verdict
    results: list[TestResult]


def requirement_verdict(results: list[TestResult]) -> Verdict:
    """Failed if any result failed or errored, passed if one passed, skipped otherwise."""
    outcomes = {result.outcome for result in results}
    if outcomes & {"failed", "error"}:
        return "failed"
    if "passed" in outcomes:
        return "passed"
    return "skipped"


@dataclass
class RunRecord:
    """Everything known about one run: where it ran, against what, and every result."""

    run_id: str
    rig_name: str
    rig_file: str
    profile: str
    started_at: datetime
    finished_at: datetime
    environment: dict[str, str] = field(default_factory=dict)
    results: list[TestResult] = field(default_factory=list)
    requirements: dict[str, str] = field(default_factory=dict)
    faults_active: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("started_at", "finished_at"):
            if getattr(self, name).tzinfo is None:
                raise RecordError(f"run record: {name} must be a timezone-aware datetime")

    @property
    def duration_s(self) -> float:
        """Wall time of the run in seconds."""
        return (self.finished_at - self.started_at).total_seconds()

    def counts(self) -> dict[Outcome, int]:
        """Number of results per outcome; every outcome is present, zero included."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    def by_requirement(self) -> dict[str, RequirementVerdict]:
        """Results grouped by requirement id, ids sorted, ``(none)`` last.

        Requirements listed in :attr:`requirements` but checked by no test appear with
        verdict ``skipped`` and no results, so coverage gaps show in the report.
        """
        groups: dict[str, list[TestResult]] = {rid: [] for rid in self.requirements}
        untagged: list[TestResult] = []
        for result in self.results:
            for rid in dict.fromkeys(result.requirement_ids):
                groups.setdefault(rid, []).append(result)
            if not result.requirement_ids:
                untagged.append(result)
        ordered = {rid: groups[rid] for rid in sorted(groups)}
        if untagged:
            ordered[NO_REQUIREMENT] = untagged
        return {
            rid: RequirementVerdict(requirement_verdict(results), results)
            for rid, results in ordered.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; datetimes become ISO 8601 strings."""
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Rebuild a record from :meth:`to_dict` output; unknown keys are ignored.

        Raises :class:`RecordError` naming the first missing or malformed field.
        """
        values = _pick(cls, data, "run record")
        for name in ("started_at", "finished_at"):
            try:
                values[name] = datetime.fromisoformat(values[name])
            except (TypeError, ValueError) as exc:
                raise RecordError(f"run record: {name} is not an ISO 8601 datetime") from exc
        raw_results = values.get("results", [])
        if not isinstance(raw_results, list):
            raise RecordError("run record: results must be a list")
        values["results"] = [
            TestResult(**_pick(TestResult, raw, f"result #{index}"))
            for index, raw in enumerate(raw_results)
        ]
        return cls(**values)


def _pick(cls: type, data: Any, what: str) -> dict[str, Any]:
    """The values of ``data`` for the fields of dataclass ``cls``; required ones must exist."""
    if not isinstance(data, Mapping):
        raise RecordError(f"{what}: expected an object, got {type(data).__name__}")
    values = {}
    for spec in fields(cls):
        if spec.name in data:
            values[spec.name] = data[spec.name]
        elif spec.default is MISSING and spec.default_factory is MISSING:
            raise RecordError(f"{what}: missing field {spec.name!r}")
    return values



def build_environment(links: Mapping[str, str]) -> dict[str, str]:
    """The environment block of a record: Python, platform, harness version, links per role."""
    try:
        version = metadata.version("apcv-hil")
    except metadata.PackageNotFoundError:
        version = "unknown (not installed)"
    environment = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "harness": version,
    }
    environment.update({f"link.{role}": url for role, url in sorted(links.items())})
    return environment
