"""``apcv-hil certify``: run a role's plan on a rig and write a signed certification bundle.

The bundle holds the reports (HTML, JUnit XML, JSON, traceability CSV) and every trace, the
rig file, the requirement catalogue and its version, the environment, the DUT's identity
(declared in the rig and reported by its link), the verdict, and ``MANIFEST.json`` with every
file's SHA-256, signed with Ed25519 in ``MANIFEST.sig``. ``apcv-hil verify-bundle`` checks it.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import click
from rich.console import Console

from apcv.errors import ApcvError
from apcv.profile.catalogue import ROLES, load_catalogue
from harness.bundle.environment import collect_environment
from harness.bundle.identity import UNREACHABLE
from harness.bundle.keys import fingerprint, generate_key, load_signing_key
from harness.bundle.writer import check_target, seal, staging, write_json
from harness.dut.actions import OPERATOR_MODES
from harness.remote import held_rig
from harness.report.verdict import INTERRUPTED_EXIT
from harness.rig import RigConfig, load_rig
from scenarios.cli.run import ProgressPlugin
from scenarios.conformance.runner import PlanRequest, PlanRun, run_plan

REPORT_DIR = "report"


class CertifyError(ApcvError):
    """The plan could not run to the end; no bundle is written."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _write_bundle(folder: Path, config: RigConfig, done: PlanRun) -> dict:
    """Everything but the manifest, into ``folder`` (the reports are there already, written once
    by the run with the DUT's identity); the verdict document."""
    record = done.record
    rig_source = Path(config.path)
    (folder / "rig").mkdir()
    shutil.copyfile(rig_source, folder / "rig" / rig_source.name)
    catalogue = load_catalogue()
    (folder / "catalogue").mkdir()
    (folder / "catalogue" / "requirements.yaml").write_bytes(
        (files("apcv.profile") / "r1" / "requirements.yaml").read_bytes())
    write_json(folder / "environment.json", collect_environment())
    write_json(folder / "dut.json", record.dut)
    verdict = {**done.verdict.to_dict(), "rig": config.name, "rig_file": f"rig/{rig_source.name}",
               "profile": catalogue.profile, "catalogue_version": catalogue.version, "run_id": record.run_id,
               "started_at": record.started_at.isoformat(), "finished_at": record.finished_at.isoformat(),
               "harness": record.environment.get("harness", ""), "report": f"{REPORT_DIR}/index.html"}
    write_json(folder / "verdict.json", verdict)
    return verdict


@click.command()
@click.option("--rig", "rig_file", required=True, help="Rig file or built-in rig name.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role of the device under test.")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Ed25519 private key (PEM or OpenSSH) to sign with; "
                   "default: a new key, its fingerprint printed.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Bundle directory to create (default: bundles/<rig>-<role>-<UTC time>).")
@click.option("--operator", default="auto", show_default=True, type=click.Choice(OPERATOR_MODES),
              help="Physical acts a prompt control asks for: prompt, skip (those tests are not "
                   "judged), auto.")
@click.option("--place-wait", "place_wait", type=click.FloatRange(0, 86400), default=0, show_default=True,
              help="A rig on a labgrid place held by someone else: seconds to wait for it (0: stop at once).")
def certify(rig_file: str, role: str, key_file: Path | None, out: Path | None, operator: str,
            place_wait: float) -> None:
    """Run the plan of ROLE on the rig and write a signed certification bundle.

    Exit 0 when certified (every mandatory requirement passed), 1 when not (the bundle is
    written either way and names each mandatory requirement not passed, with the reason), 130
    when interrupted (no bundle). The rig's ``launch`` starts the DUT before it is probed; a rig
    naming a labgrid ``place`` runs on it, acquired first and released at the end.
    """
    config = load_rig(rig_file)
    key = load_signing_key(key_file) if key_file else generate_key()
    if not load_catalogue().plan(role):
        raise CertifyError(f"role {role} has no requirement in the catalogue: nothing to certify")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out or Path("bundles") / f"{config.name}-{role}-{stamp}"
    check_target(target)
    console = Console(stderr=True)
    with staging(target) as folder, held_rig(config, wait_s=place_wait) as rig_path:
        request = PlanRequest(rig_path, folder / REPORT_DIR, role, operator=operator)
        done = run_plan(request, plugins=[ProgressPlugin(console)])  # launches the DUT, then probes it
        if done.record.interrupted:
            raise CertifyError("interrupted: no bundle written", INTERRUPTED_EXIT)
        if UNREACHABLE in done.record.dut:
            raise CertifyError(done.record.dut[UNREACHABLE])
        _write_bundle(folder, config, done)
        manifest = seal(folder, target, key)
    for line in done.verdict.lines():
        click.echo(line)
    click.echo(f"bundle: {target} ({len(manifest.files)} files)")
    generated = " (a key generated for this bundle and not kept: trust this fingerprint)"
    click.echo(f"signed by {fingerprint(key.public_key())}{'' if key_file else generated}")
    raise SystemExit(done.verdict.exit_status)
