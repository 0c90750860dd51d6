"""A national day of visits (~5.5 million) on the vectorised engine: seconds per replication.

Every GP practice, pharmacy and admissions desk (``scenarios.models.national_day.PRACTICES``),
each an independent FIFO queue, identifications by a mixed adoption (card, QR, NFC): one
replication of ``apcv-hil national-day``. The vectorised engine is checked against the SimPy
engine by tests/test_models_national.py.
Target: one replication in 1 s or less on one core. CPU time is the figure (the process is
single-threaded; wall time on a shared machine also counts the others' work).

    .venv/bin/python benchmarks/national_day.py [--replications 3] [--mix card=50,qr=30,nfc=20] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

from scenarios.models.identification import Mix
from scenarios.models.national_day import national_day

TARGET_S = 1.0


def main() -> None:
    """Time national days one after another and print CPU seconds per replication beside the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--mix", default="card=50,qr=30,nfc=20")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    mix = Mix.parse(args.mix)
    national_day(mix, args.seed, -1 % 2**32, {"gp": 10, "pharmacy": 10, "hospital": 10})  # warm imports
    cpu, wall = [], []
    for replication in range(args.replications):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        day = national_day(mix, args.seed, replication)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        visits = sum(result.visits for result in day.kinds.values())
        print(f"replication {replication}: {visits:,d} visits in {cpu[-1]:.2f} s CPU ({wall[-1]:.2f} s wall)")
    best, mean = min(cpu), sum(cpu) / len(cpu)
    print(f"national day: {mean:.2f} s CPU per replication (best {best:.2f} s), target {TARGET_S:.1f} s: "
          f"{'met' if mean <= TARGET_S else 'MISSED'}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
