"""One identification and billing by the reference billing program, through vpcd and HTTP.

The world of the practice-software rig (pcscd with vpcd, our phones in a separate process, the
backend served over HTTP with its audit log) and ``apcv-hil practice bill`` run as the device
under test, a separate process per billing, through the rig's command template. Timed from the
tap to the claim acknowledged by the backend (its audit log's time):

- waiting: the program is started first and waits (what a practitioner sees); timed from the
  phone on the reader (pcscd took it: vpcd's attach answered) and from the program's first APDU
  to it (how APCV-PS-020 times a tap);
- cold: the phone is on the reader already and the program starts then: its start-up included.

Prints the median and the p95 of each (budget of APCV-PS-020: 3,000 ms). Needs pcscd and
vsmartcard-vpcd, started here when not running (root). Run it alone:

    .venv/bin/python benchmarks/practice_billing.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness.pcsc import ensure_pcscd
from harness.practice.runner import RunningBilling, fill_template
from harness.practice.world import PracticeWorld
from harness.rig import load_rig

READY_LINE = "waiting for a phone"
BUDGET_MS = 3000.0


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_billing(world: PracticeWorld, template: str, folder: Path, *,
                waiting: bool) -> tuple[float, float, float]:
    """(on the reader, first APDU or program start) to claim acknowledged, and the whole run, in ms,
    for one billing of the parent's phone."""
    mark = world.audit_mark()
    argv = fill_template(template, world.placeholders(0, 2500))
    if not waiting:
        world.tap("parent")
    running = RunningBilling(argv, 30, folder, with_stdin=False)
    started = time.time()
    if waiting:
        while READY_LINE not in running.stderr_so_far():
            if not running.running():
                break
            time.sleep(0.005)
        world.act("tap", device="parent")
        started = time.time()
    run = running.finish()
    if run.exit_code != 0:
        raise SystemExit(f"the billing failed: {run.stdout} {run.stderr}")
    acknowledged = min(e["at"] for e in world.audit_since(mark) if e["operation"] == "claim")
    first_apdu = world.device_state("parent")["first_apdu_at"] if waiting else started
    world.remove()
    return ((acknowledged - started) * 1000.0, (acknowledged - first_apdu) * 1000.0,
            (run.ended_at - run.started_at) * 1000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="billings per measurement")
    args = parser.parse_args()
    rig = load_rig("practice-software")
    assert rig.dut is not None
    template = rig.dut.control.actions["bill"]
    with ensure_pcscd(), tempfile.TemporaryDirectory(prefix="apcv-bench-practice-") as scratch:
        world = PracticeWorld(rig, Path(scratch))
        try:
            for waiting in (True, False):
                folder = world.dut_folder
                one_billing(world, template, folder, waiting=waiting)  # warm up
                samples = [one_billing(world, template, folder, waiting=waiting) for _ in range(args.runs)]
                walls = [s[2] for s in samples]
                labels = (("program waiting, phone on the reader", "program waiting, first APDU        ")
                          if waiting else ("cold start, program started         ",))
                for column, label in enumerate(labels):
                    taps = [s[column] for s in samples]
                    print(f"{label} -> claim acknowledged: median {statistics.median(taps):7.1f} ms  "
                          f"p95 {percentile(taps, 0.95):7.1f} ms  (budget {BUDGET_MS:.0f} ms; "
                          f"{args.runs} runs; whole run median {statistics.median(walls):.0f} ms)")
        finally:
            world.close()


if __name__ == "__main__":
    main()
