"""The backend plan runs unchanged against a backend at an ``http://`` link (a remote backend, here
ours served apart), skips the clock tests with the reason where the rig has no test clock, and
skips everything with the reason on a rig without a backend role."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from apcv.profile.catalogue import load_catalogue
from scenarios.conformance.runner import PlanRequest, PlanRunError, run_plan
from simulators.backend.process import ServerProcess

CLOCK_TESTS = ("test_a_receipt_not_downloaded_within_7_days_is_gone", "test_a_delegation_ends",
               "test_a_receipt_is_downloadable_until_the_seventh_day")


def _rig(folder: Path, name: str, backend: dict | None, features: list[str], dut: dict | None = None) -> str:
    roles: dict = {"reader": {"link": "sim:bench"}}
    if backend is not None:
        roles["backend"] = backend
    path = folder / f"{name}.yaml"
    data = {"name": name, "seed": 0, "roles": roles, "features": features}
    if dut is not None:
        data["dut"] = dut
    path.write_text(yaml.safe_dump(data),
                    encoding="utf-8")
    return str(path)


def _results(report: Path) -> dict[str, dict]:
    document = json.loads((report / "results.json").read_text(encoding="utf-8"))
    return {result["name"]: result for result in document["results"]}


def test_the_plan_against_backends_at_http_links_and_a_rig_without_one(tmp_path):
    mandatory = [r.id for r in load_catalogue().plan("backend") if r.level == "mandatory"]
    with ServerProcess(f"sqlite:///{tmp_path / 'clock.sqlite3'}", test_clock=True) as with_clock, \
            ServerProcess(f"sqlite:///{tmp_path / 'plain.sqlite3'}") as plain:
        rigs = {
            "remote-with-clock": _rig(tmp_path, "remote-with-clock", {"link": with_clock.url},
                                      ["test-clock"]),
            "remote": _rig(tmp_path, "remote", {"link": plain.url}, []),
            "no-backend": _rig(tmp_path, "no-backend", None, []),
        }
        with ThreadPoolExecutor(2) as pool:
            def run(item):
                return run_plan(PlanRequest(item[1], tmp_path / item[0], "backend"), separate_process=True)

            runs = dict(zip(rigs, pool.map(run, rigs.items()), strict=True))

    full = runs["remote-with-clock"]
    assert full.exit_code == 0, full.output
    assert {rid: full.verdicts[rid] for rid in mandatory} == dict.fromkeys(mandatory, "passed"), full.output

    remote = runs["remote"]
    assert remote.exit_code == 0 and not remote.failed, remote.output
    results = _results(tmp_path / "remote")
    for name in CLOCK_TESTS:
        assert results[name]["outcome"] == "skipped", name
        assert "lacks feature test-clock" in results[name]["message"], results[name]["message"]
    assert remote.verdicts["APCV-BE-033"] == "not_judged" and remote.verdicts["APCV-BE-011"] == "passed"

    bare = runs["no-backend"]  # nothing to reach: the run stops at once, every requirement not judged
    unreachable = ("rig 'no-backend': the backend under test cannot be reached on (none): "
                   "the rig has no backend role")
    assert bare.exit_code == 1 and bare.record.stopped == unreachable, bare.output
    assert set(bare.verdict.mandatory.values()) == {"not_judged"} and bare.verdict.exit_status == 1
    assert len(bare.record.results) == 1 and bare.record.results[0].outcome == "error"


def test_a_variant_for_a_remote_backend_is_refused(tmp_path):
    rig = _rig(tmp_path, "remote", {"link": "http://127.0.0.1:9"}, [],
               dut={"role": "backend", "variant": "replay-accepted"})
    with pytest.raises(PlanRunError, match=r"(?s)exit code 4\): .*a variant runs our own simulator"):
        run_plan(PlanRequest(rig, tmp_path / "report", "backend"), separate_process=True)
