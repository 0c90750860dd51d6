"""Rich tables never cut a value: wide when piped (CliRunner is a pipe), folded on a narrow terminal."""

from __future__ import annotations

import contextlib
import io
import json
import re

from click.testing import CliRunner
from rich.console import Console
from rich.table import Table

from apcv.nir import mask_nir
from harness.cli import cli
from harness.cli.output import PIPED_WIDTH, make_console, print_table
from simulators.factory import synthetic_insured

ELLIPSIS = "…"
NARROW = {"COLUMNS": "80"}


def invoke(*args: str):
    result = CliRunner(env=NARROW).invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_a_piped_console_is_wide_enough_for_any_line() -> None:
    with CliRunner(env=NARROW).isolation():  # a command's streams, captured: not a terminal
        assert make_console().width == make_console(stderr=True).width == PIPED_WIDTH


def test_rigs_list_at_80_columns_shows_every_link_and_feature() -> None:
    out = invoke("rigs", "list").stdout
    assert ELLIPSIS not in out
    assert "insurer-key, nfc-hce, qr-camera, qr-scanner, sim-card, sim-phone, test-clock, tiny-apdus" in out
    assert "scanner -> image:bench?decoder=zbar" in out and "reader -> pcsc://Virtual PCD 00 00" in out


def test_read_table_at_80_columns_shows_whole_values() -> None:
    out = invoke("read").stdout
    holder = synthetic_insured(2)
    assert ELLIPSIS not in out
    assert mask_nir(holder.identity.nir) in out and holder.identity.birth_date.isoformat() in out
    total = json.loads(invoke("read", "--json").stdout)["timings_ms"]
    assert set(total) <= set(re.findall(r"│ (\w+)\s+│", out))


def test_waiting_room_table_at_80_columns_keeps_the_intervals() -> None:
    out = invoke("waiting-room", "--days", "1", "--replications", "2", "--workers", "1").stdout
    assert ELLIPSIS not in out
    intervals = re.findall(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", out)
    assert len(intervals) == 2 * 5  # identification min/day and h/week of each default mix


def test_a_narrow_terminal_folds_long_values_instead_of_cutting_them() -> None:
    values = [f"{i}7.7±23.4{i}" for i in range(8)]
    table = Table(*(f"column {i}" for i in range(8)), title="narrow")
    table.add_row(*values)
    screen = io.StringIO()
    print_table(table, Console(file=screen, force_terminal=True, width=60, color_system=None))
    text = screen.getvalue()
    assert ELLIPSIS not in text and max(len(line) for line in text.splitlines()) <= 60
    body = [line for line in text.splitlines() if line.startswith("│")]
    cells = ["".join(line.split("│")[1 + i].strip() for line in body) for i in range(8)]
    assert cells == values


def test_the_load_summary_folds_endpoint_names_and_says_fault_errors_in_words(monkeypatch) -> None:
    """The load table went through a plain 80-column console that cut names
    ("POST /v1/review/activat…"); a fault's errors printed as a Python dict."""
    from types import SimpleNamespace

    from scenarios.cli import load as load_cli

    name = "POST /v1/review/activations/{id}/decision"
    figures = SimpleNamespace(method="", name=name, requests=10, failures=1, p50_ms=2.0, p95_ms=3.0,
                              p99_ms=4.0, rps=1.5)
    effect = SimpleNamespace(fault="kill-worker", failures=4, requests=40, errors={"timeout": 1, "503": 3},
                             p95_before_ms=2.0, p95_during_ms=30.0)
    summary = SimpleNamespace(endpoints=[figures], total=figures, wall_s=60.0, server_cpu_s=None,
                              server_cpu_share=None, generator_cpu_s=1.0, generator_cpu_share=0.1, cores=2,
                              faults=[effect])
    plan = SimpleNamespace(run_id="r", shape=SimpleNamespace(name="s"))
    result = SimpleNamespace(summary=summary, plan=plan, fault_error=None,
                             audit=SimpleNamespace(clean=True, accepted_tokens=1))
    screen = io.StringIO()
    monkeypatch.setattr(load_cli, "make_console",
                        lambda: Console(file=screen, force_terminal=True, width=60, color_system=None))
    with contextlib.suppress(AttributeError):  # the audit lines need more of a real result
        load_cli._print(result)
    text = screen.getvalue()
    first_cells = "".join(line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│"))
    assert "…" not in text and first_cells.count(name.replace(" ", "")) == 2  # folded, never cut
    assert "fault kill-worker: 4 of 40 requests failed (503 ×3, timeout ×1)" in " ".join(text.split())
