"""The scanner plan against our simulated scanner reached the ways a real one is: typing into a
terminal (``wedge:``) with a weaker decoder, and filming a real X display (``screen:`` under
Xvfb) through `apcv-hil run --role scanner`; and `apcv-hil simulate scanner`'s bad input.
The reference and the faulty scanners on the software rig (``serial:``) are the variant matrix's
(tests/test_variant_matrix.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import cli
from scenarios.conformance.runner import PlanRequest, run_plan

SOFTWARE = yaml.safe_load((Path(__file__).resolve().parents[1] / "rigs" / "software.yaml").read_text())
MANDATORY = ("APCV-SCN-001", "APCV-SCN-002", "APCV-SCN-003", "APCV-SCN-004", "APCV-SCN-005")


def write_rig(folder: Path, name: str, **changes) -> Path:
    data = {**SOFTWARE, "name": name, **changes}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_wedge_scanner_with_zbar_passes_all_but_the_mild_read_rate(tmp_path):
    screen, port = tmp_path / "screen.pgm", tmp_path / "scanner"
    roles = {**SOFTWARE["roles"], "display": {"link": f"frames:{screen}"},
             "scanner": {"link": f"wedge://{port}", "timeout": 5}}
    dut = {"role": "scanner", "identity": {"vendor": "apcv-hil", "model": "simulated scanner, ZBar"},
           "launch": ["apcv-hil", "simulate", "scanner", "--look-at", f"frames:{screen}", "--port", str(port),
                      "--decoder", "zbar"]}
    rig = write_rig(tmp_path, "zbar-wedge", roles=roles, dut=dut)
    outcome = run_plan(PlanRequest(rig, tmp_path / "report", "scanner"), separate_process=True)
    verdicts = {ident: outcome.verdicts.get(ident) for ident in MANDATORY}
    assert verdicts == dict.fromkeys(MANDATORY, "passed"), outcome.output
    assert outcome.verdicts["APCV-SCN-006"] == "failed"  # ZBar reads no perspective: the read rate can fail
    results = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    missed = next(r for r in results if r["name"].endswith("[mild]"))["properties"]["missed, mild conditions"]
    assert "perspective-mild" in missed


def test_the_plan_through_a_real_x_display(tmp_path, xdisplay):
    roles = {**SOFTWARE["roles"], "display": {"link": f"screen:{xdisplay}"}}
    rig = write_rig(tmp_path, "xvfb-scanner", roles=roles, dut={"role": "scanner"})
    report = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--rig", str(rig), "--role", "scanner",
                           "--report", str(report), "--operator", "skip"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((report / "results.json").read_text())["results"]
    verdicts = {ident: r["outcome"] for r in results for ident in r["requirement_ids"]}
    assert verdicts == dict.fromkeys([f"APCV-SCN-00{n}" for n in range(1, 9)], "passed")
    assert "APCV-SCN-005" in (report / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["--look-at", "frames:"], "name the file the frames: display writes"),
    (["--look-at", "http://example.invalid/"], "no display link for scheme 'http'"),
    (["--look-at", "screen::4077"], "cannot grab X display ':4077'"),
    (["--variant", "scanner-flies"], "unknown scanner variant 'scanner-flies'"),
    (["--condition", "fog"], "unknown camera condition 'fog'"),
    (["--decoder", "eyes"], "unknown QR decoder 'eyes'"),
    (["--terminator", "esc"], "'esc' is not one of"),
])
def test_simulate_scanner_bad_input_is_one_line(tmp_path, args, message):
    base = {"--look-at": f"frames:{tmp_path / 'screen.pgm'}", "--port": str(tmp_path / "scanner")}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = CliRunner().invoke(cli, ["simulate", "scanner", *[x for pair in base.items() for x in pair]])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error: ") and message in lines[0], result.stderr


def test_simulate_scanner_refuses_a_port_path_in_use(tmp_path):
    taken = tmp_path / "scanner"
    taken.write_text("a file")
    done = subprocess.run([sys.executable, "-m", "harness.cli.simulate_scanner", "--look-at",
                           f"frames:{tmp_path / 'screen.pgm'}", "--port", str(taken)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stderr.strip() == (
        f"apcv-hil: error: {taken} already exists: another scanner's port, or not a port at all")
