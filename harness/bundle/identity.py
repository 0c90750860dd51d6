"""The device under test: what the rig declares and what its link reports when reached.

Reaching the DUT before the plan runs is also the check that it is there: a rig whose DUT
cannot be reached fails with one line naming the role, the link and the reason.
"""

from __future__ import annotations

import httpx

from apcv.errors import ApcvError
from harness.bundle.errors import BundleError
from harness.rig import RigConfig
from harness.roles import get_role

UNREACHABLE = "unreachable"
"""The key of a DUT identity whose probe failed: the one-line reason."""


class DutUnreachable(BundleError):
    """The device under test did not answer on its link."""


def _unreachable(rig: RigConfig, role: str, link: str, reason: object) -> DutUnreachable:
    return DutUnreachable(f"rig '{rig.name}': the {role} under test cannot be reached on {link}: {reason}")


def probe_dut(rig: RigConfig, role: str) -> dict[str, str]:
    """What the link reports of the DUT of ``role`` (ATR, reader name, firmware, serial where
    available), asked of the role's module; DutUnreachable when it does not answer. pcscd must be
    running when the rig has vpcd: or pcsc: links."""
    own = {"backend": rig.roles.backend, "scanner": rig.roles.scanner}
    link = own.get(role, rig.roles.reader)
    url = link.link if link is not None else "(none)"
    try:
        return get_role(role).probe(rig)
    except (ApcvError, httpx.HTTPError, OSError) as exc:
        raise _unreachable(rig, role, url, exc) from None


def declared_identity(rig: RigConfig) -> dict[str, str]:
    """The identity the rig declares in its ``dut:`` block (empty when it has none)."""
    if rig.dut is None:
        return {}
    declared = rig.dut.identity.model_dump()
    return {key: str(value) for key, value in declared.items() if value not in (None, "")}


def dut_identity(rig: RigConfig, role: str) -> dict[str, str]:
    """The identity every report shows: the role, what the rig declares (``declared.*``) and what
    the link reports (``link.*``); when the DUT does not answer, :data:`UNREACHABLE` holds why.
    Call it once the DUT is launched (and pcscd runs, for a vpcd: or pcsc: rig)."""
    identity = {"role": role, **{f"declared.{key}": value for key, value in declared_identity(rig).items()}}
    if rig.dut is not None and rig.dut.variant:
        identity["variant"] = rig.dut.variant
    try:
        identity.update({f"link.{key}": value for key, value in probe_dut(rig, role).items()})
    except DutUnreachable as exc:
        identity[UNREACHABLE] = str(exc)
    return identity
