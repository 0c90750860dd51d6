"""The variant matrix: each role's plan against our reference implementation and against
every faulty variant of it, the proof that the plan can fail, and fails where it should."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.pcsc.private import private_stack_problem
from harness.rig import find_rig, load_rig
from harness.roles import get_role
from scenarios.conformance.runner import PlanRequest, PlanRun, run_plan
from simulators.variant import Variant


@dataclass(frozen=True)
class VariantVerdict:
    """How the plan of the variant's role judged it."""

    variant: Variant
    exit_code: int
    """The verdict's exit status: 0 when the plan passed the variant."""
    caught_by: tuple[str, ...]
    """Requirement ids whose tests failed against the variant."""
    failed_tests: tuple[str, ...] = ()
    """Node ids of the tests that failed against it."""

    @property
    def caught(self) -> bool:
        """The plan failed, on (at least) one of the requirements the variant breaks."""
        return self.exit_code != 0 and bool(set(self.caught_by) & set(self.variant.breaks))


@dataclass(frozen=True)
class MatrixResult:
    """Reference runs per role, and one verdict per variant."""

    references: dict[str, PlanRun]
    verdicts: list[VariantVerdict]

    def table(self) -> str:
        """Markdown: variant → what it breaks → the requirements that caught it."""
        lines = ["| role | variant | breaks | caught by | caught |", "|---|---|---|---|---|"]
        for v in self.verdicts:
            lines.append(f"| {v.variant.role} | `{v.variant.name}` ({v.variant.description}) | "
                         f"{', '.join(v.variant.breaks)} | {', '.join(v.caught_by) or '—'} | "
                         f"{'yes' if v.caught else 'NO'} |")
        return "\n".join(lines) + "\n"


def variant_rig(base_rig: str | Path | None, role: str, variant: str | None, folder: Path) -> Path:
    """A copy of the base rig whose DUT is ``role``, running ``variant`` (None: the reference)."""
    source = find_rig(base_rig)
    load_rig(source)  # the base must be valid before it is copied
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    dut = dict(data.get("dut") or {})
    dut.update({"role": role, "variant": variant})
    data["dut"] = dut
    data["name"] = f"{data['name']}-{variant or role + '-reference'}"
    target = folder / f"{data['name']}.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def run_matrix(roles: list[str], base_rig: str | Path | None = None, *, jobs: int = 2,
               workdir: Path | None = None) -> MatrixResult:
    """Run every role's plan on the reference and on each variant, ``jobs`` plans at a time, on
    ``base_rig`` or else the role's own built-in rig (``default_rig`` of its module in
    :mod:`harness.roles`). A plan going through pcscd gets a PC/SC stack of its own (its own
    loopback and pcscd, :mod:`harness.pcsc.private`) where namespaces can be made; elsewhere
    such plans share the one virtual reader and run one after another, in one lane, beside the
    others."""
    with tempfile.TemporaryDirectory(prefix="apcv-matrix-") as scratch:
        folder = Path(workdir or scratch)
        runs: list[tuple[str, Variant | None]] = [(role, None) for role in roles]
        runs += [(role, variant) for role in roles for variant in get_role(role).variants()]
        rigs = [variant_rig(base_rig or get_role(role).default_rig, role, variant.name if variant else None,
                            folder) for role, variant in runs]
        pcsc = {i for i, rig in enumerate(rigs) if load_rig(rig).uses_pcsc()}
        private = private_stack_problem() is None

        def run(index: int) -> PlanRun:
            role, variant = runs[index]
            report = folder / (variant.name if variant else f"{role}-reference")
            # the verdict is read from each plan's record; the reports around it (HTML with its
            # charts, JUnit, traces) would go with the scratch folder unread
            request = PlanRequest(rigs[index], report, role, record_only=workdir is None)
            return run_plan(request, separate_process=True, forked=True,
                            private_pcsc=private and index in pcsc)

        one_reader = [] if private else sorted(pcsc)
        # the PC/SC plans (a billing program or a reader terminal started per test) are the
        # longest: submitted first, they do not end the run alone
        order = sorted((i for i in range(len(runs)) if i not in one_reader), key=lambda i: i not in pcsc)
        outcomes: dict[int, PlanRun] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            lane = pool.submit(lambda: {i: run(i) for i in one_reader})
            others = {i: pool.submit(run, i) for i in order}
            outcomes.update(lane.result())
            outcomes.update({i: future.result() for i, future in others.items()})
    ordered = [outcomes[i] for i in range(len(runs))]
    references = {role: outcome for (role, variant), outcome in zip(runs, ordered, strict=True)
                  if variant is None}
    verdicts = [VariantVerdict(variant, outcome.verdict.exit_status, tuple(sorted(outcome.failed)),
                               outcome.failed_tests)
                for (_, variant), outcome in zip(runs, ordered, strict=True) if variant is not None]
    return MatrixResult(references, verdicts)
