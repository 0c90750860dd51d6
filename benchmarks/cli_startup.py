"""CLI start-up: wall and CPU time of ``apcv-hil --help`` and ``apcv-hil nir check``, beside a
bare ``python -c pass`` (the floor every command pays). Target: each command under 0.3 s wall.

Each command runs as a fresh process ``--repeats`` times, in turns, so that load from other
processes hits all alike; the median is printed. CPU time (user + system of the child) is
printed too: it moves less than wall time on a busy machine, and so is the load average
before and after (wall figures taken at a load above the core count say more about the
other processes than about the command). The first run of ``--help`` also fills the cache of
entry points (:mod:`harness.cli.plugins`); the medians are of warm starts.

    .venv/bin/python benchmarks/cli_startup.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
BIN = Path(sys.executable).parent
VALID_NIR = "1 84 12 76 451 089 46"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "apcv-hil --help": [str(BIN / "apcv-hil"), "--help"],
    "apcv-hil nir check": [str(BIN / "apcv-hil"), "nir", "check", VALID_NIR],
}


def _children_cpu() -> float:
    """User + system seconds of the finished children, to the microsecond (``os.times`` counts
    in clock ticks of 10 ms)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must exit 0)."""
    before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    return wall, _children_cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    subprocess.run(COMMANDS["apcv-hil --help"], check=True, capture_output=True)  # entry points cached
    load_before = os.getloadavg()[0]
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            samples[name].append(timed(command))
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"on {os.cpu_count()} cores")
    print(f"{'command':<22} {'wall (median)':>14} {'cpu (median)':>13}   target")
    failed = False
    for name, runs in samples.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        target = "" if name.startswith("python") else f"< {TARGET_S:.1f} s wall"
        verdict = "" if not target else ("  ok" if wall < TARGET_S else "  OVER")
        failed |= verdict == "  OVER"
        print(f"{name:<22} {wall:>12.3f} s {cpu:>11.3f} s   {target}{verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
