"""How long the backend plan takes on the software rig, alone and as the whole variant matrix.

The plan runs as a user runs it: ``pytest scenarios/conformance/backend --rig software`` in a
child process that serves our backend over HTTP for the session. The matrix runs it against
the reference and every faulty variant, two runs at a time. Targets: the matrix under 90 s
(issue 11 gives the plans of all roles 60 s, and all the matrices 5 minutes, on 2 cores).

    .venv/bin/python benchmarks/backend_plan.py [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from scenarios.conformance.matrix import run_matrix, variant_rig
from scenarios.conformance.runner import PlanRequest, run_plan

MATRIX_TARGET_S = 90.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="plan runs at a time in the matrix")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="apcv-backend-plan-") as folder:
        root = Path(folder)
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        reference = variant_rig("software", "backend", None, root)
        alone = run_plan(PlanRequest(reference, root / "alone", "backend"), separate_process=True)
        passed = list(alone.verdicts.values()).count("passed")
        print(f"backend plan, software rig, one run: {alone.duration_s:5.1f} s wall  "
              f"(exit {alone.exit_code}, {passed} requirements passed)")
        started = time.perf_counter()
        matrix = run_matrix(["backend"], "software", jobs=args.workers, workdir=root / "matrix")
        elapsed = time.perf_counter() - started
        for verdict in matrix.verdicts:
            failed = ", ".join(verdict.caught_by) or "-"
            print(f"  {verdict.variant.name:28} exit {verdict.exit_code}  failed {failed}")
        runs = len(matrix.verdicts) + len(matrix.references)
        print(f"variant matrix, {runs} runs, {args.workers} at a time: {elapsed:5.1f} s wall  "
              f"target < {MATRIX_TARGET_S:.0f} s: {'met' if elapsed < MATRIX_TARGET_S else 'NOT met'}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
