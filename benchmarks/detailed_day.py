"""A GP practice day in detailed mode (real phone, card, reader kernel, embedded backend) vs fast mode.

Runs the same days (same seed) with the sampling identifier and with the detailed one, and
prints the wall time per day, per identification, and the ratio. Target: a detailed GP day
in a few seconds (5 s or less).

    .venv/bin/python benchmarks/detailed_day.py [--scenario gp] [--mix card=50,nfc=50] [--days 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scenarios.models.detailed import DetailedIdentifier
from scenarios.models.identification import Identifier, Mix
from scenarios.models.params import load_scenario
from scenarios.models.waiting_room import simulate_day

TARGET_S = 5.0


def _days(scenario, mix: Mix, identifier: Identifier, days: int, seed: int) -> tuple[float, int]:
    rng = np.random.default_rng(seed)
    served = 0
    start = time.perf_counter()
    for _ in range(days):
        served += simulate_day(scenario, mix, identifier, rng).served
    return time.perf_counter() - start, served


def main() -> None:
    """Time fast and detailed days and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="gp")
    parser.add_argument("--mix", default="card=50,nfc=50")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario, mix = load_scenario(args.scenario), Mix.parse(args.mix)
    fast_s, served = _days(scenario, mix, Identifier(scenario.identification), args.days, args.seed)
    start = time.perf_counter()
    detailed = DetailedIdentifier(scenario.identification, seed=args.seed)
    setup_s = time.perf_counter() - start
    try:
        detailed_s, detailed_served = _days(scenario, mix, detailed, args.days, args.seed)
        exchanges = dict(detailed.exchanges)
    finally:
        detailed.close()
    per_day = detailed_s / args.days
    print(f"{scenario.name}, {mix.label}, {args.days} days, {detailed_served} patients")
    print(f"fast:     {fast_s / args.days * 1000:8.1f} ms per day ({served} patients)")
    print(f"detailed: {per_day * 1000:8.1f} ms per day, {detailed_s / detailed_served * 1000:.1f} ms per "
          f"identification, backend setup {setup_s * 1000:.0f} ms; ratio detailed/fast "
          f"{detailed_s / fast_s:.0f}x (target {TARGET_S:.0f} s per day: "
          f"{'met' if per_day <= TARGET_S else 'MISSED'})")
    print(f"real exchanges: {exchanges}")


if __name__ == "__main__":
    main()
