"""``read --count N --plot FILE``: each step's read times as histograms, p50/p95/max marked as the
table prints them; a plot that cannot be drawn is refused in one line before any read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli

pytest.importorskip("matplotlib", reason="--plot draws with matplotlib ([models] group)")


def test_the_svg_has_a_histogram_per_step_marked_with_the_printed_figures(tmp_path: Path) -> None:
    plot = tmp_path / "reads.svg"
    result = CliRunner().invoke(cli, ["read", "--count", "20", "--plot", str(plot), "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]  # stdout stays JSON: the plot's path goes to stderr
    assert f"plot: {plot}" in result.stderr
    svg = plot.read_text()
    assert "20 presentations of the phone" in svg
    titles = re.findall(r">\s*(\w+)\s*</text>", svg)
    marks = {name: [float(v) for v in re.findall(rf">\s*{name} ([0-9.]+)\s*</text>", svg)]
             for name in ("p50", "p95", "max")}
    assert set(runs["timings"]) <= set(titles)
    for name in ("p50", "p95", "max"):
        printed = [runs["timings"][step][f"{name}_ms"] for step in runs["timings"]]
        assert marks[name] == pytest.approx(printed, rel=0.01, abs=0.001), name


def test_a_png_too(tmp_path: Path) -> None:
    plot = tmp_path / "reads.png"
    assert CliRunner().invoke(cli, ["read", "--count", "10", "--plot", str(plot)]).exit_code == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--count", "5", "--plot", "{dir}/a.svg"], "a distribution needs --count 10 or more (got 5)"),
    (["--count", "5000", "--plot", "{dir}/a.txt"], "the file's suffix picks the format: .svg, .png, .pdf"),
    (["--count", "20", "--plot", "{dir}/missing/a.svg"], "no folder"),
])
def test_a_plot_that_cannot_be_drawn_is_one_line_before_any_read(tmp_path: Path, args: list[str],
                                                                 message: str) -> None:
    result = CliRunner().invoke(cli, ["read", *(a.format(dir=tmp_path) for a in args)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stdout == "" and list(tmp_path.iterdir()) == []  # 5000 reads would print a table
