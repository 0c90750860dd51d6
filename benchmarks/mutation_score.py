"""How much of each reference implementation its role's plan pins down: the share of mutants
of the reference (a small AST mutator, benchmarks/mutation/mutants.py) that the plan kills.

For each role, every single-point mutant of its modules is listed; a seeded sample of them is
run, each as the role's plan on the software rig (``pytest scenarios/conformance/<role>
--apcv-rig software -x``, in a child process) with the mutated module loaded in its place in every
Python process of the run (the plan's, and the backend server or phone process it starts). A
mutant is killed when the plan fails (or errors, or passes its time limit). Target: 90 %
killed per role; the survivors are printed, to be killed by a new check or listed in
docs/mutation.md as equivalent, with the reason. CPU-heavy: not part of ``make test``.

    .venv/bin/python benchmarks/mutation_score.py [--role phone] [--sample 40] [--seed 0] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent / "mutation"))

from mutants import Mutant, mutants  # noqa: E402

HOOK = Path(__file__).resolve().parent / "mutation" / "hook"
TARGET = 0.90
TARGETS = {
    "phone": ["simulators/phone/applet.py", "simulators/phone/unlock.py", "simulators/phone/qr_display.py",
              "simulators/phone/phone.py"],
    "reader": ["simulators/reader/kernel.py"],
    "backend": ["simulators/backend/verification.py", "simulators/backend/qr_verification.py",
                "simulators/backend/delegations.py", "simulators/backend/card_window.py"],
}
"""The modules mutated per role: the phone's applet, lock and QR screen (and the acts on it),
the reader kernel, the backend's verification and delegation rules."""


def plan_command(role: str) -> list[str]:
    return [sys.executable, "-m", "pytest", f"scenarios/conformance/{role}", "-q", "-x",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "harness.pytest_plugin.plugin",
            "-o", "addopts=", "--apcv-rig", "software", "--apcv-operator", "skip"]


def run_plan(role: str, mutant: Mutant | None, folder: Path, limit_s: float) -> tuple[str, float, str]:
    """(outcome, CPU seconds of the child processes, last output line): killed, survived, timeout.
    The CPU seconds are this run's only when no other run goes on at the same time."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PYTHONPATH": os.pathsep.join([str(HOOK), str(ROOT)])}
    if mutant is not None:
        source = folder / f"mutant-{threading.get_ident()}.py"
        source.write_text(mutant.source, encoding="utf-8")
        env.update(APCV_MUTANT_MODULE=mutant.module, APCV_MUTANT_SOURCE=str(source))
    before = os.times()
    try:
        done = subprocess.run(plan_command(role), cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=limit_s, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", _child_cpu(before), ""
    lines = (done.stdout + done.stderr).strip().splitlines()
    outcome = "survived" if done.returncode == 0 else "killed"
    return outcome, _child_cpu(before), lines[-1] if lines else ""


def _child_cpu(before: os.times_result) -> float:
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def all_mutants(role: str) -> list[Mutant]:
    found = []
    for path in TARGETS[role]:
        module = path.removesuffix(".py").replace("/", ".")
        found += mutants(module, path, (ROOT / path).read_text(encoding="utf-8"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=sorted(TARGETS), help="roles (default: all)")
    parser.add_argument("--sample", type=int, default=40, help="mutants run per role (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--jobs", type=int, default=1, help="plans run at once")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = {}
    print(f"load average before: {os.getloadavg()[0]:.1f} (the machine may be shared: CPU seconds are given)")
    with tempfile.TemporaryDirectory(prefix="apcv-mutants-") as scratch:
        folder = Path(scratch)
        for role in args.role or sorted(TARGETS):
            listed = all_mutants(role)
            chosen = listed if args.sample <= 0 else random.Random(args.seed).sample(listed, min(args.sample,
                                                                                                  len(listed)))
            started = time.perf_counter()
            baseline, cpu, last = run_plan(role, None, folder, 900)
            if baseline != "survived":
                print(f"{role}: the reference fails its own plan ({last}); no score")
                continue
            # five times the reference's run: its CPU, or its wall time for a plan that waits (a QR
            # rotation period), so that a busy machine's slowness is never taken for a kill
            limit = max(60.0, 5 * cpu + 30, 5 * (time.perf_counter() - started))
            started, before = time.perf_counter(), os.times()
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                outcomes = list(pool.map(partial(run_plan, role, folder=folder, limit_s=limit), chosen))
            cpu_total = _child_cpu(before)
            killed = sum(1 for outcome, _, _ in outcomes if outcome != "survived")
            survivors = [m.ident for m, (outcome, _, _) in zip(chosen, outcomes, strict=True)
                         if outcome == "survived"]
            share = killed / len(chosen) if chosen else 0.0
            print(f"{role}: {killed} of {len(chosen)} sampled mutants killed = {share:.0%} "
                  f"(target {TARGET:.0%}; {len(listed)} mutants in all; seed {args.seed}; "
                  f"{time.perf_counter() - started:.0f} s wall, {cpu_total:.0f} s CPU)"
                  f"{'' if share >= TARGET else '  BELOW TARGET'}")
            for ident in survivors:
                print(f"  survived: {ident}")
            results[role] = {"sampled": len(chosen), "killed": killed, "share": share, "all": len(listed),
                             "seed": args.seed, "survivors": survivors}
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
