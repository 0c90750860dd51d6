"""``apcv-hil queue mmc``, ``apcv-hil waiting-room`` and ``apcv-hil rollout``: the SimPy models."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from harness.cli import cli
from scenarios.models.mmc import simulate_mmc


@cli.group()
def queue() -> None:
    """Check the queueing engine against exact results."""


@queue.command("mmc")
@click.option("--arrival-rate", "-L", type=float, required=True, help="λ, customers per time unit.")
@click.option("--service-rate", "-M", type=float, required=True, help="μ, per server per time unit.")
@click.option("--servers", "-C", type=int, required=True, help="c, number of servers.")
@click.option("--customers", type=int, default=200_000, show_default=True, help="Customers simulated.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def queue_mmc(arrival_rate: float, service_rate: float, servers: int, customers: int, seed: int,
              as_json: bool) -> None:
    """Simulate an M/M/c queue on the model engine; print its mean wait beside Erlang C's."""
    result = simulate_mmc(arrival_rate, service_rate, servers, customers, seed)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    table = Table(title=f"M/M/{servers}  λ={arrival_rate:g}  μ={service_rate:g}  ({customers:,} customers)")
    for column in ("mean wait in queue", "value", "95 % interval"):
        table.add_column(column)
    estimate = result.simulated
    interval = f"[{estimate.low:.5g}, {estimate.high:.5g}]"
    table.add_row("simulated (batch means)", f"{estimate.mean:.5g}", interval)
    table.add_row("Erlang C (exact)", f"{result.erlang_c:.5g}", "")
    table.add_row("relative error", f"{result.relative_error:+.2%}", "")
    Console().print(table)
