"""``apcv-hil verify-bundle``: check a certification bundle's signature and every file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from harness.bundle.keys import trusted_fingerprint
from harness.bundle.manifest import check_bundle, shown


def _verdict_line(directory: Path) -> str:
    try:
        verdict = json.loads((directory / "verdict.json").read_text(encoding="utf-8"))
        return shown(f"{verdict['role']} on rig {verdict['rig']}: {verdict['summary']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "verdict.json unreadable"


@click.command("verify-bundle")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--trust", "trusted", multiple=True, metavar="PUBKEY",
              help="A trusted signer: public key file (PEM or ssh-ed25519), or its SHA256: fingerprint "
                   "(repeatable).")
def verify_bundle(directory: Path, trusted: tuple[str, ...]) -> None:
    """Check a certification bundle's signature, signer and files.

    Checks the manifest's signature, the signer against --trust, and every file against the
    manifest (each file changed, added or removed is named).

    Exit 0 only for an intact bundle signed by a trusted key; 1 otherwise.
    """
    fingerprints = {trusted_fingerprint(value) for value in trusted}
    check = check_bundle(directory, fingerprints)
    where = shown(str(directory))
    if check.intact:
        click.echo(f"bundle {where}: intact, {check.files} files, "
                   f"signed by trusted key {check.fingerprint}")
        click.echo(_verdict_line(directory))
        return
    for problem in check.problems:
        click.echo(f"apcv-hil: error: bundle {where}: {problem}", err=True)
    sys.exit(1)
