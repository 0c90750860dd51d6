"""Certification bundles: how long ``verify-bundle`` takes on a bundle of 500 traces, and how
much ``certify`` adds to running a role's plan on the software rig.

The 500-trace bundle holds 500 real presentation traces (JSON lines and pcapng, recorded once
through the software rig and written under 500 names) and a report; it is signed, then checked
several times (target: under 2 s). The certify overhead is ``apcv-hil certify`` minus the same
plan run by pytest with the report plugin (``--apcv-role``), each timed as a fresh process
(target: at most 10 s more). The two commands run in turns, ``--repeats`` times each, and
their medians are compared, so that load from other processes hits both alike.

    .venv/bin/python benchmarks/bundle_verify.py [--traces 500] [--repeats 3] [--role phone]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from apcv.trace import TraceRecorder
from harness.bench import Bench
from harness.bundle.keys import fingerprint, generate_key
from harness.bundle.manifest import check_bundle, sign_directory
from harness.rig import load_rig

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def build_bundle(folder: Path, traces: int) -> None:
    """A bundle-shaped directory with ``traces`` presentation traces and a report."""
    recorder = TraceRecorder()
    with Bench(load_rig("software"), recorder=recorder) as bench:
        bench.present("phone")
        bench.reader.read()
    for index in range(traces):
        recorder.save(folder / "report" / "traces", f"test_{index:04d}")
    (folder / "report" / "index.html").write_text("<html>" + "x" * 2_000_000 + "</html>")
    (folder / "report" / "results.json").write_text("{}" + " " * 1_000_000)
    (folder / "verdict.json").write_text('{"certified": true}')


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--role", default="phone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bundle"
        build_bundle(folder, args.traces)
        key = generate_key()
        start = time.perf_counter()
        manifest = sign_directory(folder, key)
        signing = time.perf_counter() - start
        size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        trusted = {fingerprint(key.public_key())}
        checks = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            assert check_bundle(folder, trusted).intact
            checks.append(time.perf_counter() - start)
        cli = timed([str(BIN / "apcv-hil"), "verify-bundle", str(folder), "--trust", manifest.fingerprint])
        print(f"bundle: {len(manifest.files)} files ({args.traces} traces), {size / 1e6:.1f} MB")
        print(f"  signing the manifest        {signing:6.3f} s")
        print(f"  checking it (in process)    {statistics.median(checks):6.3f} s median of {args.repeats}, "
              f"max {max(checks):.3f} s (target < 2 s)")
        print(f"  apcv-hil verify-bundle      {cli:6.3f} s (whole command, interpreter start included)")

        plans, certifies = [], []
        for turn in range(args.repeats):
            report = str(Path(tmp) / f"plan{turn}")
            plans.append(timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "-o", "addopts=", "scenarios/conformance", "scenarios/e2e",
                                "--apcv-rig", "software", "--apcv-role", args.role, "--apcv-report", report]))
            certifies.append(timed([str(BIN / "apcv-hil"), "certify", "--rig", "software",
                                    "--role", args.role, "--out", str(Path(tmp) / f"certified{turn}")]))
        plan, certify = statistics.median(plans), statistics.median(certifies)
        print(f"certify, role {args.role}, software rig (medians of {args.repeats}):")
        print(f"  the plan alone (pytest)     {plan:6.3f} s")
        print(f"  apcv-hil certify            {certify:6.3f} s")
        print(f"  certify adds                {certify - plan:6.3f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
