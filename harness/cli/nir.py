"""``apcv-hil nir``: check a NIR, compute its key (imports nothing but the NIR rules)."""

from __future__ import annotations

import sys

import click

from apcv.errors import InvalidNir
from apcv.nir import check_nir, nir_key


@click.group()
def nir() -> None:
    """Check NIRs and compute their keys."""


@nir.command("check")
@click.argument("number", nargs=-1, required=True, metavar="NIR")
def nir_check(number: tuple[str, ...]) -> None:
    """Print "valid" (exit 0) or "invalid: <reason>" (exit 1). Spaces are allowed."""
    try:
        check_nir("".join(number))
    except InvalidNir as exc:
        click.echo(f"invalid: {exc}")
        sys.exit(1)
    click.echo("valid")


@nir.command("key")
@click.argument("first13", nargs=-1, required=True, metavar="FIRST13")
def nir_key_command(first13: tuple[str, ...]) -> None:
    """Print the 2-digit key of the first 13 characters of a NIR (2A/2B allowed).

    A malformed FIRST13 is an error naming what is wrong (exit 2).
    """
    click.echo(f"{nir_key(''.join(first13)):02d}")
