"""Runs of the apcv-hil pytest plugin over a few scenarios made to pass and fail, for the report
tests: a read with a trace and a measurement in limits, a measurement out of limits, a failed
QR scan (the camera blurred), and a test tied to a card requirement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from harness.rig import RIGS_DIR

SCENARIOS = '''
import time

import pytest


@pytest.mark.apcv_requirement("APCV-RDR-005")
def test_read_within_limits(bench, phone, reader, measure):
    result = reader.read()
    measure("total_ms", result.timings_ms["total"], unit="ms", low=0, high=60_000)
    time.sleep(0.05)


@pytest.mark.apcv_requirement("APCV-NFC-002")
def test_out_of_limits(measure):
    measure("turnaround_ms", 72, unit="ms", high=50)
    measure("kept_after", 1, low=0)


@pytest.mark.apcv_requirement("APCV-QR-001")
def test_failed_scan(bench, scanner):
    phone = bench.require("phone")
    phone.unlock()
    scanner.read(timeout=0.3)


@pytest.mark.apcv_requirement("APCV-CARD-001")
def test_card_tagged():
    pass
'''


def run_plugin(tmp_path: Path, rig: dict, *options: str) -> dict:
    (tmp_path / "test_scenarios.py").write_text(SCENARIOS)
    (tmp_path / "rig.yaml").write_text(yaml.safe_dump(rig))
    out = tmp_path / "report"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                    "test_scenarios.py", "--apcv-rig", "rig.yaml", "--apcv-report", str(out), *options],
                   cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    results = json.loads((out / "results.json").read_text())
    results["report_dir"] = str(out)
    return results


def software_rig(**changes: str) -> dict:
    rig = yaml.safe_load((RIGS_DIR / "software.yaml").read_text())
    rig["roles"]["scanner"]["link"] = "image:bench?decoder=zbar&blur=20"
    for role, link in changes.items():
        rig["roles"][role]["link"] = link
    return rig
