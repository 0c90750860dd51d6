"""``apcv-hil certify``: run a role's plan on a rig and write a signed certification bundle.

The bundle holds the reports (HTML, JUnit XML, JSON, traceability CSV) and every trace, the
rig file, the requirement catalogue and its version, the environment, the DUT's identity
(declared in the rig and reported by its link), the verdict, and ``MANIFEST.json`` with every
file's SHA-256, signed with Ed25519 in ``MANIFEST.sig``. ``apcv-hil verify-bundle`` checks it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import click
import pytest
from rich.console import Console

from apcv.errors import ApcvError
from apcv.profile.catalogue import ROLES, load_catalogue
from harness.bundle.environment import collect_environment
from harness.bundle.identity import declared_identity, needs_pcscd, probe_dut
from harness.bundle.keys import fingerprint, generate_key, load_signing_key
from harness.bundle.writer import check_target, seal, staging, write_json
from harness.dut.launch import LaunchedDut
from harness.pcsc import ensure_pcscd
from harness.report import RunRecord, write_all
from harness.report.verdict import plan_verdict
from harness.rig import RigConfig, load_rig
from scenarios.cli.inner_pytest import run_pytest
from scenarios.cli.run import ProgressPlugin
from scenarios.conformance.plans import plan_dir

REPORT_DIR = "report"


class CertifyError(ApcvError):
    """The plan could not run to the end; no bundle is written."""


def run_plan(config: RigConfig, role: str, report_dir: Path, console: Console) -> None:
    """Run ``role``'s plan on the rig with pytest, writing the reports into ``report_dir``."""
    args = [str(plan_dir(role))]
    args += ["--rig", config.path, "--apcv-report", str(report_dir), "--apcv-role", role]
    code = run_pytest(args, plugins=[ProgressPlugin(console)])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise CertifyError(f"the plan of role {role} could not run (pytest exit code {int(code)}); "
                           "no bundle written")


@contextmanager
def _launched(config: RigConfig) -> Iterator[None]:
    """The process the rig launches for its DUT (``dut.launch``), up while the DUT is probed."""
    if config.dut is None or not config.dut.launch:
        yield
        return
    launched = LaunchedDut(config.dut.launch)
    try:
        yield
    finally:
        launched.stop()


def _identity(config: RigConfig, role: str, probed: dict[str, str]) -> dict[str, str]:
    declared = {f"declared.{key}": value for key, value in declared_identity(config).items()}
    return {"role": role, **declared, **{f"link.{key}": value for key, value in probed.items()}}


def _write_bundle(folder: Path, config: RigConfig, role: str, dut: dict[str, str]) -> dict:
    """Everything but the manifest, into ``folder``; the verdict document."""
    report_dir = folder / REPORT_DIR
    record = RunRecord.from_dict(json.loads((report_dir / "results.json").read_text(encoding="utf-8")))
    record.dut = dut
    write_all(record, report_dir)  # the reports again, now with the DUT's identity
    rig_source = Path(config.path)
    (folder / "rig").mkdir()
    shutil.copyfile(rig_source, folder / "rig" / rig_source.name)
    catalogue = load_catalogue()
    (folder / "catalogue").mkdir()
    (folder / "catalogue" / "requirements.yaml").write_bytes(
        (files("apcv.profile") / "r1" / "requirements.yaml").read_bytes())
    write_json(folder / "environment.json", collect_environment())
    write_json(folder / "dut.json", dut)
    verdict = {**plan_verdict(record).to_dict(), "rig": config.name, "rig_file": f"rig/{rig_source.name}",
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
def certify(rig_file: str, role: str, key_file: Path | None, out: Path | None) -> None:
    """Run the plan of ROLE on the rig and write a signed certification bundle.

    Exit 0 when certified (every mandatory requirement passed), 1 when not (the bundle is
    written either way and names each failed or skipped mandatory requirement).
    """
    config = load_rig(rig_file)
    key = load_signing_key(key_file) if key_file else generate_key()
    if not load_catalogue().plan(role):
        raise CertifyError(f"role {role} has no requirement in the catalogue: nothing to certify")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out or Path("bundles") / f"{config.name}-{role}-{stamp}"
    check_target(target)
    console = Console(stderr=True)
    with ensure_pcscd() if needs_pcscd(config) else nullcontext():
        with _launched(config):  # the plan's run launches it again, for itself
            probed = probe_dut(config, role)
        dut = _identity(config, role, probed)
        with staging(target) as folder:
            run_plan(config, role, folder / REPORT_DIR, console)
            verdict = _write_bundle(folder, config, role, dut)
            manifest = seal(folder, target, key)
    click.echo(verdict["summary"])
    click.echo(f"bundle: {target} ({len(manifest.files)} files)")
    generated = " (a key generated for this bundle and not kept: trust this fingerprint)"
    click.echo(f"signed by {fingerprint(key.public_key())}{'' if key_file else generated}")
    raise SystemExit(0 if verdict["certified"] else 1)
