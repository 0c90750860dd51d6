"""``apcv-hil practice bill``: the reference billing program, one identification and billing.

It keeps the contract a billing program under test keeps (docs/practice-software.md): one JSON
object on standard output, exit status 0 when billed and 1 when refused, logs on standard error.
The command joins ``apcv-hil`` through the ``apcv_hil.commands`` entry-point group, as a
vendor's package would, and loads alone: the bench starts it once per billing.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from simulators.practice.outcome import exit_status

PEM = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def practice() -> None:
    """The reference practice (billing) software."""


@practice.command("bill")
@click.option("--reader", required=True, help="PC/SC reader name (e.g. 'Virtual PCD 00 00').")
@click.option("--scanner", default="", help="QR scanner: a serial port (/dev/ttyACM0, a pty), '-' for "
              "standard input (a keyboard wedge), empty for none.")
@click.option("--backend", required=True, help="Insurer backend URL (http://host:port).")
@click.option("--rpps", required=True, help="The practitioner's RPPS number (11 digits).")
@click.option("--key", "key_file", type=PEM, required=True, help="The practitioner's signing key (PEM).")
@click.option("--trust", "trust_file", type=PEM, required=True, help="The insurer root certificate (PEM).")
@click.option("--beneficiary", type=click.IntRange(0, 12), default=0, show_default=True,
              help="Who the care is for: 0 the holder, n the n-th beneficiary (NFC and card; a QR says it).")
@click.option("--amount", type=click.IntRange(1, 10_000_000), default=2500, show_default=True,
              help="Amount billed, in cents.")
@click.option("--act", default="G", show_default=True, help="Act code (e.g. G, a consultation).")
@click.option("--wait", "wait_s", type=click.FloatRange(0.1, 3600), default=20.0, show_default=True,
              help="Seconds to wait for a presentation (and for a locked app to be unlocked).")
@click.option("--variant", default=None,
              help="Run a named faulty variant (see apcv-hil plan practice-software).")
def bill(reader: str, scanner: str, backend: str, rpps: str, key_file: Path, trust_file: Path,
         beneficiary: int, amount: int, act: str, wait_s: float, variant: str | None) -> None:
    """Read a phone or card on the reader, or a QR from the scanner, and bill it: prints one JSON object."""
    from simulators.practice.billing import BillingOrder
    from simulators.practice.faulty import billing_program

    if not (len(rpps) == 11 and rpps.isdigit()):
        raise click.BadParameter(f"{rpps!r} is not 11 digits", param_hint="--rpps")
    order = BillingOrder(reader, scanner, backend, rpps, key_file, trust_file, beneficiary, amount, act,
                         wait_s)
    program = billing_program(variant, order, lambda text: click.echo(f"practice: {text}", err=True))
    printout = program.run()
    click.echo(json.dumps(printout))
    raise SystemExit(exit_status(printout))
