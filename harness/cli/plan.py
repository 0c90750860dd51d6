"""``apcv-hil plan ROLE``: the requirements a device under test of ROLE is judged on."""

from __future__ import annotations

import json

import click
from rich.table import Table

from apcv.profile.catalogue import ROLES, load_catalogue
from harness.cli.output import make_console, print_table
from simulators.variants import variants_of


@click.command()
@click.argument("role", type=click.Choice(ROLES))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plan(role: str, as_json: bool) -> None:
    """List ROLE's plan: mandatory then optional requirements, and the variants that prove it."""
    requirements = load_catalogue().plan(role)
    variants = variants_of(role)
    if as_json:
        click.echo(json.dumps({
            "role": role,
            "requirements": [r.model_dump(exclude_none=True) for r in requirements],
            "variants": [{"name": v.name, "description": v.description, "breaks": list(v.breaks)}
                         for v in variants],
        }, indent=2, ensure_ascii=False))
        return
    table = Table("id", "level", "kind", "budget", "title", title=f"plan of the {role} role")
    for r in requirements:
        table.add_row(r.id, r.level, r.kind, f"{r.budget_ms:g} ms" if r.budget_ms else "", r.title)
    console = make_console()
    print_table(table, console)
    mandatory = sum(r.level == "mandatory" for r in requirements)
    console.print(f"{mandatory} mandatory, {len(requirements) - mandatory} optional; "
                  f"{len(variants)} faulty variants prove the plan can fail")
