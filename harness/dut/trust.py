"""The insurer trust anchor the device under test's keys chain to."""

from __future__ import annotations

from pathlib import Path

from apcv.profile.r1.credentials import Insurer, TrustAnchor
from harness.rig import RigConfig, RigError

MAX_PEM_BYTES = 64 * 1024


def dut_trust_anchor(config: RigConfig, insurer: Insurer) -> TrustAnchor:
    """The rig's ``dut.trust_anchor`` PEM, else the synthetic insurer of the rig's seed."""
    path = config.dut.trust_anchor if config.dut is not None else ""
    if not path:
        return insurer.trust_anchor
    source = Path(path)
    if not source.is_file():
        raise RigError(f"{config.path}: dut.trust_anchor: {path} is not a file")
    if source.stat().st_size > MAX_PEM_BYTES:
        raise RigError(f"{config.path}: dut.trust_anchor: {path} is larger than {MAX_PEM_BYTES} bytes")
    try:
        return TrustAnchor.from_pem(source.read_bytes())
    except ValueError as exc:
        raise RigError(f"{config.path}: dut.trust_anchor: {path} is not a PEM certificate: {exc}") from None
