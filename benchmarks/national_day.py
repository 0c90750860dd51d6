"""A national day of visits (~5.6 million) on the vectorised engine: visits per second.

GP practices, pharmacies and admissions desks from the built-in scenarios, each an
independent FIFO queue, with identifications by a mixed adoption (card, QR, NFC). The
vectorised engine is checked against the SimPy engine by tests/test_models_national.py.
Target: a national day in 60 s or less.

    .venv/bin/python benchmarks/national_day.py [--mix card=50,qr=30,nfc=20] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scenarios.models.identification import Identifier, Mix
from scenarios.models.national import sample_practices, simulate_practices
from scenarios.models.params import load_scenario

TARGET_S = 60.0
PRACTICES = {"gp": 60_000, "pharmacy": 11_000, "hospital": 300}
"""Practices of each kind: about 2.4 M GP visits, 3.1 M pharmacy visits, 0.1 M admissions."""


def main() -> None:
    """Simulate the national day and print visits per second and the elapsed time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", default="card=50,qr=30,nfc=20")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    mix = Mix.parse(args.mix)
    rng = np.random.default_rng(args.seed)
    visits, hours = 0, 0.0
    start = time.perf_counter()
    for name, count in PRACTICES.items():
        scenario = load_scenario(name)
        identifier = Identifier(scenario.identification)
        result = simulate_practices(sample_practices(scenario, count, mix, identifier, rng))
        visits += result.visits
        hours += result.identification_hours
        print(f"{name:9s} {count:7,d} practices {result.visits:10,d} visits  "
              f"wait p50 {result.wait_p50_s:6.0f} s  p95 {result.wait_p95_s:6.0f} s")
    elapsed = time.perf_counter() - start
    print(f"national day: {visits:,d} visits in {elapsed:.1f} s = {visits / elapsed:,.0f} visits/s "
          f"(target {TARGET_S:.0f} s: {'met' if elapsed <= TARGET_S else 'MISSED'}); "
          f"identification {hours:,.0f} staff-hours")


if __name__ == "__main__":
    main()
