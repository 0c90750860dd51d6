"""Hardware in the loop: the model in real time, each read really done on the rig's links."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.rig import RIGS_DIR
from scenarios.models.errors import ModelError
from scenarios.models.hil import compare_reads, run_on_rig
from scenarios.models.identification import Mix
from scenarios.models.params import load_scenario
from simulators.factory import synthetic_insured

RUSH = """\
kind: pharmacy
name: Pharmacy rush
opening: {start_hour: 12, end_hour: 12.05, days_per_week: 6}
servers: 2
arrivals_per_hour: {12: 240}
service: {mean: 30, sd: 10}
"""


@pytest.fixture
def rush(tmp_path: Path) -> Path:
    path = tmp_path / "rush.yaml"
    path.write_text(RUSH)
    return path


def test_reads_really_happen_on_the_software_rig_in_real_time(rush: Path) -> None:
    scenario = load_scenario(str(rush))
    started = time.monotonic()
    days, records = run_on_rig(scenario, Mix.parse("card=50,nfc=50"), "software", realtime=900, seed=1)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.05 * 3600 / 900 * 0.8  # the opening hours took real time, compressed
    assert len(records) == days[0].methods["card"] + days[0].methods["nfc"] > 3
    assert all(r.measured_s is not None and 0 < r.measured_s < r.modelled_s for r in records)
    rows = compare_reads(records)
    assert {row["method"] for row in rows} <= {"card", "nfc"}
    assert sum(row["reads"] for row in rows) == len(records)


def test_a_rig_without_the_role_records_failed_reads(rush: Path, tmp_path: Path) -> None:
    rig = tmp_path / "phone-only.yaml"
    rig.write_text("""\
name: phone-only
profile: APCV-R1
roles:
  phone: {link: "sim:phone-only", simulated: true, seed: 2}
  reader: {link: "sim:phone-only"}
""")
    _, records = run_on_rig(load_scenario(str(rush)), Mix.parse("card=100"), str(rig), realtime=900)
    card_reads = [r for r in records if r.method == "card"]
    assert card_reads and all(r.measured_s is None and "card" in r.error for r in card_reads)


def test_bad_speed_up_factor(rush: Path) -> None:
    with pytest.raises(ModelError, match="--realtime must be a positive"):
        run_on_rig(load_scenario(str(rush)), Mix.parse("card=100"), "software", realtime=0)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_realtime_rig_json(rush: Path) -> None:
    code, out, _ = _run("waiting-room", "--scenario", str(rush), "--days", "1", "--mix", "nfc=100",
                        "--realtime", "900", "--rig", "software", "--json")
    assert code == 0
    data = json.loads(out)
    reads = data["mixes"][0]["reads"]
    assert reads and reads[0]["measured_mean_s"] is not None


@pytest.mark.parametrize(("args", "message"), [
    (("--realtime", "10"), "apcv-hil: error: --realtime and --rig go together"),
    (("--rig", "software"), "apcv-hil: error: --realtime and --rig go together"),
    (("--realtime", "10", "--rig", "/nonexistent.yaml"),
     "apcv-hil: error: rig file /nonexistent.yaml not found"),
])
def test_cli_bad_rig_options(rush: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = _run("waiting-room", "--scenario", str(rush), "--days", "1", "--mix", "card=100", *args)
    assert code == 2
    assert err.startswith(message), err


@pytest.mark.slow  # starts pcscd
@pytest.mark.usefixtures("pcscd")
def test_realtime_run_through_pcscd_and_vpcd_keeps_masked_traces_and_plots(rush: Path,
                                                                           tmp_path: Path) -> None:
    rig = RIGS_DIR / "pcsc-vpcd.yaml"
    code, out, err = _run("waiting-room", "--scenario", str(rush), "--days", "1", "--mix", "card=50,nfc=50",
                          "--realtime", "900", "--rig", str(rig), "--plot", str(tmp_path), "--json")
    assert code == 0, err
    data = json.loads(out)
    entry = data["mixes"][0]
    records = entry["records"]
    assert len(records) > 3 and {r["method"] for r in records} == {"card", "nfc"}
    assert all(r["measured_s"] is not None and 0 < r["measured_s"] < r["modelled_s"] for r in records)
    for row in entry["reads"]:
        measured = [r["measured_s"] for r in records if r["method"] == row["method"]]
        assert row["reads"] == len(measured) and row["failed"] == 0
        assert row["measured_mean_s"] == pytest.approx(sum(measured) / len(measured))

    jsonl = Path(entry["traces"]["jsonl"])
    pcapng = Path(entry["traces"]["pcapng"])
    assert jsonl.parent == tmp_path / "traces" and jsonl.name == "card-50-nfc-50.jsonl"
    events = [json.loads(line) for line in jsonl.read_text().splitlines()]
    starts = [i for i, e in enumerate(events)
              if e["kind"] == "note" and e["detail"].startswith("identification ")]
    assert len(starts) == len(records)
    for start, end in zip(starts, [*starts[1:], len(events)], strict=True):  # every identification exchanged
        kinds = {e["kind"] for e in events[start:end]}
        assert {"field_on", "command", "response"} <= kinds
    assert pcapng.read_bytes()[:4] == bytes.fromhex("0a0d0d0a")
    for seed in (2, 5):  # the rig's phone and card holders
        nir = synthetic_insured(seed).identity.nir
        for trace in (jsonl.read_bytes(), pcapng.read_bytes()):
            assert nir.encode() not in trace and nir.encode().hex().encode() not in trace

    page = (tmp_path / "index.html").read_text()
    assert data["report"] == str(tmp_path / "index.html")
    assert data["plots"] == [str(tmp_path / "rig_reads.png")]
    assert "traces/card-50-nfc-50.pcapng" in page and "data:image/png;base64," in page
    for row in entry["reads"]:
        assert f"{row['measured_mean_s']:,.4f}" in page and f"{row['modelled_mean_s']:,.4f}" in page
