"""The device under test: what the rig declares and what its link reports when reached.

Reaching the DUT before the plan runs is also the check that it is there: a rig whose DUT
cannot be reached fails with one line naming the role, the link and the reason.
"""

from __future__ import annotations

from typing import Any

import httpx

from apcv.errors import ApcvError
from harness.bench import Bench
from harness.bundle.errors import BundleError
from harness.rig import RigConfig
from simulators.backend.client import open_backend

PRESENTED = ("phone", "card")


class DutUnreachable(BundleError):
    """The device under test did not answer on its link."""


def _unreachable(rig: RigConfig, role: str, link: str, reason: object) -> DutUnreachable:
    return DutUnreachable(f"rig '{rig.name}': the {role} under test cannot be reached on {link}: {reason}")


def needs_pcscd(rig: RigConfig) -> bool:
    """True when a role of the rig goes through pcscd (vpcd: or pcsc: links): pcscd must run
    while the DUT is probed and the plan runs."""
    links = [r.link for r in (rig.roles.phone, rig.roles.card, rig.roles.reader) if r is not None]
    return any(link.split(":", 1)[0] in ("vpcd", "pcsc") for link in links)


def _over_reader(rig: RigConfig, role: str) -> dict[str, str]:
    """Present the device (a simulated one) or wait for it (a real one) and read its ATR."""
    presented = role if role in PRESENTED else "phone"
    declared = getattr(rig.roles, presented)
    if declared is None:
        raise _unreachable(rig, role, rig.roles.reader.link, f"the rig has no {presented} role")
    with Bench(rig) as bench:
        if declared.simulated:
            bench.present(presented)
        atr = bench.reader_link.connect()
        try:
            found = {"atr": atr.hex().upper(), "reader_link": rig.roles.reader.link,
                     f"{presented}_link": declared.link}
            found.update({f"reader_{k}": v for k, v in bench.reader_link.identity().items()})
        finally:
            bench.reader_link.disconnect()
    return found


def _backend(rig: RigConfig) -> dict[str, str]:
    if rig.roles.backend is None:
        raise _unreachable(rig, "backend", "(none)", "the rig has no backend role")
    client = open_backend(rig.roles.backend.link, seed=rig.seed, timeout=5.0)
    try:
        answer = client.send("GET", "/v1/health")
    finally:
        client.close()
    if answer.status_code != 200:
        raise _unreachable(rig, "backend", rig.roles.backend.link,
                           f"GET /v1/health answered {answer.status_code}")
    health: Any = answer.json()
    return {"backend_link": rig.roles.backend.link,
            **{f"health_{k}": str(v) for k, v in (health.items() if isinstance(health, dict) else [])}}


def _scanner(rig: RigConfig) -> dict[str, str]:
    if rig.roles.scanner is None:
        raise _unreachable(rig, "scanner", "(none)", "the rig has no scanner role")
    with Bench(rig) as bench:
        scanner = bench.scanner
        return {"scanner_link": scanner.url}


def probe_dut(rig: RigConfig, role: str) -> dict[str, str]:
    """What the link reports of the DUT of ``role`` (ATR, reader name, firmware, serial where
    available); DutUnreachable when it does not answer. pcscd must be running when
    :func:`needs_pcscd` says so."""
    link = {"backend": rig.roles.backend, "scanner": rig.roles.scanner}.get(role) or rig.roles.reader
    url = getattr(link, "link", "(none)")
    try:
        if role == "backend":
            return _backend(rig)
        if role == "scanner":
            return _scanner(rig)
        if role == "practice-software":
            return {"note": "the practice software is reached through its own plan; nothing to probe"}
        return _over_reader(rig, role)
    except DutUnreachable:
        raise
    except (ApcvError, httpx.HTTPError, OSError) as exc:
        raise _unreachable(rig, role, url, exc) from None


def declared_identity(rig: RigConfig) -> dict[str, str]:
    """The identity the rig declares in its ``dut:`` block (empty when it has none)."""
    if rig.dut is None:
        return {}
    declared = rig.dut.identity.model_dump()
    return {key: str(value) for key, value in declared.items() if value not in (None, "")}
