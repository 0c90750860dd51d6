"""The insurer trust anchor the device under test's keys chain to."""

from __future__ import annotations

from apcv.input_files import read_bytes
from apcv.profile.r1.credentials import Insurer, TrustAnchor
from harness.rig import RigConfig, RigError

MAX_PEM_BYTES = 64 * 1024


def dut_trust_anchor(config: RigConfig, insurer: Insurer) -> TrustAnchor:
    """The rig's ``dut.trust_anchor`` PEM, else the synthetic insurer of the rig's seed."""
    path = config.dut.trust_anchor if config.dut is not None else ""
    if not path:
        return insurer.trust_anchor
    pem = read_bytes(path, limit=MAX_PEM_BYTES, what=f"{config.path}: dut.trust_anchor", error=RigError)
    try:
        return TrustAnchor.from_pem(pem)
    except ValueError as exc:
        raise RigError(f"{config.path}: dut.trust_anchor: {path} is not a PEM certificate: {exc}") from None
