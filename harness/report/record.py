"""The run record: the one object every output writer (JUnit, JSON, HTML, bundle) reads.

Results flow from the pytest plugin or a CLI command into a :class:`RunRecord`, never
into ad-hoc prints. The record is plain data with a JSON round trip, so a report can be
rebuilt later from ``results.json``.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from datetime import datetime
from importlib import metadata
from typing import Any, Literal, NamedTuple, get_args

from apcv.errors import ApcvError

Outcome = Literal["passed", "failed", "skipped", "error"]
Verdict = Literal["passed", "failed", "not_judged", "not_applicable"]
"""How a requirement ends: passed, failed, not judged (skipped, set-up error, device gone,
interrupted, no test: the reason says which) or not applicable (the reason says why)."""

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
NO_REQUIREMENT = "(none)"
MAX_SAMPLES = 100_000
NOT_APPLICABLE = "not applicable: "
"""A skip whose reason starts with this makes its requirement not applicable, not unjudged."""


class RecordError(ApcvError, ValueError):
    """A run record (usually read back from ``results.json``) is malformed."""


@dataclass
class Measurement:
    """A value a test measured, with its unit and limits, as OpenHTF measurements carry.

    ``passed`` is computed: the value is a finite number within ``[low, high]`` (either limit
    may be absent). A measurement out of its limits fails its test. ``samples`` keeps the
    values the judged one was drawn from (a median or p95 of many timings), so two runs can be
    compared as distributions (``apcv-hil compare``); empty for a single reading.
    """

    name: str
    value: float
    unit: str = ""
    low: float | None = None
    high: float | None = None
    samples: list[float] = field(default_factory=list)
    passed: bool = field(init=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise RecordError("a measurement needs a name")
        for label in ("value", "low", "high"):
            number = getattr(self, label)
            if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
                raise RecordError(f"measurement {self.name!r}: {label} {number!r} is not a number")
        if not isinstance(self.samples, list) or len(self.samples) > MAX_SAMPLES:
            raise RecordError(f"measurement {self.name!r}: samples must be a list of at most "
                              f"{MAX_SAMPLES} numbers")
        if any(isinstance(x, bool) or not isinstance(x, int | float) for x in self.samples):
            raise RecordError(f"measurement {self.name!r}: samples must be numbers")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise RecordError(f"measurement {self.name!r}: low {self.low:g} is above high {self.high:g}")
        value = float(self.value)
        self.passed = (math.isfinite(value) and (self.low is None or value >= self.low)
                       and (self.high is None or value <= self.high))

    def limits(self) -> str:
        """The limits as text: ``≤ 50 ms``, ``≥ 1``, ``1 .. 5 ms``, or empty without limits."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            return f"{self.low:g} .. {self.high:g}{unit}"
        if self.high is not None:
            return f"≤ {self.high:g}{unit}"
        if self.low is not None:
            return f"≥ {self.low:g}{unit}"
        return ""

    def describe(self) -> str:
        """One line: ``apdu_turnaround_ms = 3.2 ms (limit ≤ 50 ms): passed``."""
        unit = f" {self.unit}" if self.unit else ""
        limits = f" (limit {self.limits()})" if self.limits() else ""
        return f"{self.name} = {self.value:.6g}{unit}{limits}: {'passed' if self.passed else 'FAILED'}"


@dataclass
class TraceRow:
    """One event of a test's trace as the reports show it: an APDU either way, a field change, a note.

    ``t_ms`` counts from the first event of the trace; ``elapsed_ms`` is a response's turnaround
    (from its command); ``name`` is the command's name (a response carries its command's).
    """

    t_ms: float
    kind: str
    at: str = ""
    name: str = ""
    data: str = ""
    length: int = 0
    sw: str = ""
    meaning: str = ""
    elapsed_ms: float | None = None
    detail: str = ""


@dataclass
class RequirementInfo:
    """What the catalogue says of a requirement: title, level, kind, roles, budget."""

    title: str
    level: str = ""
    kind: str = ""
    roles: list[str] = field(default_factory=list)
    budget_ms: float | None = None


@dataclass
class TestResult:
    """The result of one test (or one model run), as the writers report it.

    ``duration_s`` is the whole test (set-up, call and tear-down), ``faults`` the faults
    active while it ran, ``trace`` its trace as rows, ``attachments`` other files it left
    (a failed scan's captured frame), relative to the report directory.
    """

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
    measurements: list[Measurement] = field(default_factory=list)
    trace: list[TraceRow] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    counts_for_dut: bool = True
    """False when the test did not act on the device under test (it only exercised a simulator):
    its outcome is kept in the report but never decides a requirement of the DUT."""
    blamed: str = ""
    """The requirement id of the check that failed, when the test named it (``blame``): the
    failure is that requirement's; the test's other requirements are not judged by it."""
    checked: list[str] = field(default_factory=list)
    """Requirement ids whose checks (``blame`` blocks) all passed before the failed one: a failure
    blamed on another requirement leaves them judged by this test, as passed."""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise RecordError(
                f"test {self.nodeid!r}: outcome {self.outcome!r} is not one of "
                f"{', '.join(OUTCOMES)}"
            )


class RequirementVerdict(NamedTuple):
    """The verdict of one requirement, the results that decided it, and the reason of a verdict
    other than passed (the first failure, skip or set-up error; why nothing judged it)."""

    verdict: Verdict
    results: list[TestResult]
    reason: str = ""


def requirement_verdict(results: list[TestResult], *, stopped: str = "",
                        requirement: str = "") -> tuple[Verdict, str]:
    """The one rule that turns a requirement's test results into its verdict and reason.

    Failed when a test that acted on the device under test failed. Passed only when every one
    of its tests acted on the device and passed (a test saying "not applicable" aside). Not
    applicable when every test said so. Not judged otherwise, the reason naming the first test
    that did not decide it: a test that only exercised a simulator, a set-up error, a skip, a
    test that failed on another ``requirement``'s check; or why nothing ran (``stopped``:
    interrupted, the device gone), or that no test checked it."""
    for result in results:
        if result.counts_for_dut and result.outcome == "failed" and result.blamed in ("", requirement):
            return "failed", f"{result.name}: {result.message}"
    results = [_as_passed(result) if requirement in result.checked else result for result in results]
    for result in results:
        if result.outcome == "failed" and result.blamed not in ("", requirement):
            return "not_judged", f"{result.name} failed on the check of {result.blamed} before judging it"
    for result in results:
        if not result.counts_for_dut:
            return "not_judged", f"{result.name} only exercises a simulator, not the device under test"
    applicable = [r for r in results if not (r.outcome == "skipped" and r.message.startswith(NOT_APPLICABLE))]
    if applicable and all(result.outcome == "passed" for result in applicable):
        return "passed", ""
    if results and not applicable:
        return "not_applicable", results[0].message.removeprefix(NOT_APPLICABLE)
    for result in applicable:
        if result.outcome == "error":
            return "not_judged", f"set-up error in {result.name}: {result.message}"
    for result in applicable:
        if result.outcome == "skipped":
            return "not_judged", f"{result.name} skipped: {result.message}"
    return "not_judged", stopped or "no test checked it"


def _as_passed(result: TestResult) -> TestResult:
    """``result`` as the requirement whose checks all passed in it sees it (the failure is another's)."""
    return replace(result, outcome="passed", message="") if result.outcome == "failed" else result


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
    requirements: dict[str, RequirementInfo] = field(default_factory=dict)
    faults_active: list[str] = field(default_factory=list)
    role: str = ""
    dut: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    """The run was stopped (Ctrl-C) before its end: the record holds only what ran."""
    stopped: str = ""
    """Why the run ended before its last test (interrupted, the device gone); empty otherwise."""

    def __post_init__(self) -> None:
        for name in ("started_at", "finished_at"):
            if getattr(self, name).tzinfo is None:
                raise RecordError(f"run record: {name} must be a timezone-aware datetime")
        self.requirements = {rid: _requirement_info(rid, info) for rid, info in self.requirements.items()}

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
        verdict ``not_judged`` and no results, so coverage gaps show in the report.
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
        judged = {rid: requirement_verdict(results, stopped=self.stopped, requirement=rid)
                  for rid, results in ordered.items()}
        return {rid: RequirementVerdict(judged[rid][0], results, judged[rid][1])
                for rid, results in ordered.items()}

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
        raw_results = _list(values.get("results", []), "run record: results")
        values["results"] = [_result(raw, f"result #{index}") for index, raw in enumerate(raw_results)]
        if not isinstance(values.get("requirements", {}), Mapping):
            raise RecordError("run record: requirements must be an object")
        try:
            return cls(**values)
        except TypeError as exc:
            raise RecordError(f"run record: {exc}") from None


def _requirement_info(rid: str, info: Any) -> RequirementInfo:
    """A requirement's catalogue entry from a record: a RequirementInfo, its dict, or a bare title."""
    if isinstance(info, RequirementInfo):
        return info
    if isinstance(info, str):
        return RequirementInfo(title=info)
    try:
        return RequirementInfo(**_pick(RequirementInfo, info, f"requirement {rid}"))
    except TypeError as exc:
        raise RecordError(f"requirement {rid}: {exc}") from None


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordError(f"{what} must be a list")
    return value


def _result(raw: Any, what: str) -> TestResult:
    values = _pick(TestResult, raw, what)
    try:
        values["measurements"] = [Measurement(**_pick(Measurement, m, f"{what}: measurement #{i}"))
                                  for i, m in enumerate(_list(values.get("measurements", []),
                                                              f"{what}: measurements"))]
        values["trace"] = [TraceRow(**_pick(TraceRow, row, f"{what}: trace row #{i}"))
                           for i, row in enumerate(_list(values.get("trace", []), f"{what}: trace"))]
        return TestResult(**values)
    except TypeError as exc:
        raise RecordError(f"{what}: {exc}") from None


def _pick(cls: type, data: Any, what: str) -> dict[str, Any]:
    """The values of ``data`` for the init fields of dataclass ``cls``; required ones must exist."""
    if not isinstance(data, Mapping):
        raise RecordError(f"{what}: expected an object, got {type(data).__name__}")
    values = {}
    for spec in fields(cls):
        if not spec.init:
            continue
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
