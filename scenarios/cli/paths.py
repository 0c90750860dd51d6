"""``apcv-hil path``: where the installed package keeps the files other tools read — the
locustfiles for plain Locust, the Wireshark dissector, the built-in SLO — so recipes work from
a wheel as from a checkout (``locust -f "$(apcv-hil path locust)"``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click


def installed_paths() -> dict[str, tuple[str, str]]:
    """Name → (path or comma-joined paths, what it is for)."""
    load = Path(str(files("scenarios.load")))
    trace = Path(str(files("apcv.trace")))
    return {
        "locust": (f"{load / 'locustfile.py'},{load / 'shapefile.py'}",
                   "locustfile and rollout shape, for locust -f"),
        "locustfile": (str(load / "locustfile.py"),
                       "the users alone (locust -f, with --users and --spawn-rate)"),
        "dissector": (str(trace / "wireshark" / "apcv_r1.lua"),
                      "Wireshark/tshark dissector (-X lua_script:PATH)"),
        "slo": (str(load / "slo" / "default.yaml"), "the built-in SLO (--slo default)"),
    }


@click.command("path")
@click.argument("name", required=False, type=click.Choice(sorted(installed_paths())))
def path(name: str | None) -> None:
    """Print where the installed package keeps the locustfiles, the dissector and the SLO.

    With NAME, print that path alone (for a shell: locust -f "$(apcv-hil path locust)");
    without, list them all.
    """
    known = installed_paths()
    if name is not None:
        click.echo(known[name][0])
        return
    width = max(map(len, known))
    for key, (where, what) in known.items():
        click.echo(f"{key:<{width}}  {where}\n{'':<{width}}  ({what})")
