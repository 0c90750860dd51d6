"""Probes shared by the roles reached through the harness's reader: present (or wait for) the
device and read its ATR and the reader's identity."""

from __future__ import annotations

from contextlib import AbstractContextManager

from harness.bench import Bench
from harness.rig import RigConfig, RigError


def probe_over_reader(config: RigConfig, presented: str,
                      world: AbstractContextManager[Bench]) -> dict[str, str]:
    """In the role's ``world`` (its bench), present the rig's ``presented`` device (a simulated one)
    or wait for it (a real one) on the reader, and read its ATR and the reader's identity."""
    declared = getattr(config.roles, presented)
    if declared is None:
        raise RigError(f"the rig has no {presented} role")
    with world as bench:
        if declared.simulated:
            bench.present(presented)
        atr = bench.reader_link.connect()
        try:
            found = {"atr": atr.hex().upper(), "reader_link": config.roles.reader.link,
                     f"{presented}_link": declared.link}
            found.update({f"reader_{k}": v for k, v in bench.reader_link.identity().items()})
        finally:
            bench.reader_link.disconnect()
    return found
