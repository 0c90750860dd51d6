"""``rollout`` writes figures for people and dates on one line, piped or on a narrow terminal;
its JSON keeps every figure exact."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from harness.cli import cli
from harness.cli.output import print_table, readable
from scenarios.models.rollout.model import timeline
from scenarios.models.rollout.params import load_rollout
from scenarios.models.rollout.review_sizing import size_days
from scenarios.models.tables import review_queue_table, rollout_table

ARGS = ["rollout", "--until", "2026-03-04", "--step-days", "120", "--review-replications", "1",
        "--workers", "1"]
EXPONENT = re.compile(r"(?<![#\w.])\d+(\.\d+)?[eE][-+]?\d+\b")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.mark.parametrize(("value", "text"), [
    (6.93e-06, "< 0.001"), (0.00134, "0.00134"), (0.0017, "0.0017"), (0.357, "0.357"), (1.21, "1.21"),
    (12.34, "12.3"), (123.4, "123"), (1234.5, "1,234"), (2_775_614.2, "2,775,614"), (0, "0"),
    (-2.5e-7, "> -0.001"), (0.99996, "1"),
])
def test_readable_figures_have_no_exponent(value: float, text: str) -> None:
    assert readable(value) == text


def _tables() -> tuple[list, list]:
    params = load_rollout()
    days = timeline(params, min(params.activations.points), dt.date(2026, 3, 4), 120)
    sizings = size_days([(days[0].date, days[0].new_activations), (days[-1].date, days[-1].new_activations)],
                        params.identity_check, 1, 0, 1)
    return days, sizings


def test_a_narrow_terminal_keeps_every_date_on_one_line_and_no_exponent() -> None:
    days, sizings = _tables()
    for table, rows in ((rollout_table(days), None), (review_queue_table(sizings), len(sizings))):
        screen = io.StringIO()
        print_table(table, Console(file=screen, force_terminal=True, width=80, color_system=None))
        text = screen.getvalue()
        body = [line for line in text.splitlines() if line.startswith("│")]
        dated = [line for line in body if DATE.search(line.split("│")[1])]
        assert len(dated) == (rows or len(dated)) and dated, text
        assert all(re.fullmatch(r" \d{4}-\d{2}-\d{2}\*? *", line.split("│")[1]) for line in dated), text
        pieces = [line for line in body if line not in dated and line.split("│")[1].strip()]
        assert not pieces, text  # no piece of a date on a line of its own
        assert not EXPONENT.search(text), text


def test_rollout_piped_and_on_a_terminal_has_no_exponent_and_json_is_exact(tmp_path: Path) -> None:
    piped = CliRunner().invoke(cli, [*ARGS, "--plot", str(tmp_path)])
    assert piped.exit_code == 0, piped.output
    terminal = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "80"}).invoke(cli, ARGS)
    assert terminal.exit_code == 0, terminal.output
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", (tmp_path / "index.html").read_text(), flags=re.S)
    page = unescape(re.sub(r"<[^>]+>", " ", html))
    for text in (piped.stdout, ANSI.sub("", terminal.stdout), page):
        assert not EXPONENT.search(text)
        assert "< 0.001" in text  # the first modelled day's peak load, 7e-06 requests/s
    assert "2021-12-31*" in ANSI.sub("", terminal.stdout)
    data = json.loads(CliRunner().invoke(cli, [*ARGS, "--json"]).stdout)
    first = data["days"][0]
    params = load_rollout()
    model = timeline(params, min(params.activations.points), dt.date(2026, 3, 4), 120)[0]
    assert first["peak_requests_per_s"] == model.peak_requests_per_s < 0.001
