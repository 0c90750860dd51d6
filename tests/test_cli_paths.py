"""``apcv-hil path``: the installed locustfiles, dissector and SLO, for recipes that work from a wheel
(tests/test_installed_wheel.py runs it from the installed wheel)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from harness.cli import cli


def test_each_path_is_a_file_of_the_package() -> None:
    listing = CliRunner().invoke(cli, ["path"])
    assert listing.exit_code == 0, listing.output
    for name in ("locust", "locustfile", "dissector", "slo"):
        assert name in listing.stdout
        printed = CliRunner().invoke(cli, ["path", name]).stdout.strip()
        assert all(Path(part).is_file() for part in printed.split(",")), printed
    dissector = CliRunner().invoke(cli, ["path", "dissector"]).stdout.strip()
    assert dissector.endswith("apcv/trace/wireshark/apcv_r1.lua")
    assert "apcv_r1" in Path(dissector).read_text(encoding="utf-8")


def test_an_unknown_name_is_a_one_line_usage_error() -> None:
    done = CliRunner().invoke(cli, ["path", "nope"])
    assert done.exit_code == 2 and done.stderr.startswith("apcv-hil: error: ")
    assert len(done.stderr.strip().splitlines()) == 1
