"""Conformance plans per device-under-test role: the catalogue's requirements binding the
role; its tests live in ``scenarios/conformance/<role>/``. :mod:`scenarios.conformance.runner`
runs one and judges it."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from apcv.profile.catalogue import ROLES
from harness.rig import RigError


def plan_dir(role: str) -> Path:
    """The folder of ``role``'s conformance tests (a RigError when the role has no plan here)."""
    folder = Path(str(files("scenarios.conformance"))) / role.replace("-", "_")
    if role not in ROLES or not folder.is_dir():
        have = ", ".join(sorted(r for r in ROLES if (folder.parent / r.replace("-", "_")).is_dir()))
        raise RigError(f"no conformance plan for role '{role}' (plans: {have})")
    return folder
