"""Rigs on a labgrid place: the place acquired for a run, its resources reached, and released.

A rig naming ``place: NAME`` (and ``coordinator: HOST:PORT``) keeps its devices on a bench
another machine exports; :func:`held_rig` acquires the place, turns every ``{place.RESOURCE}`` of
the rig into that resource's HOST:PORT, carries PC/SC to the bench's pcscd, and gives the
resolved rig file to run. docs/rigs.md shows the exporter's side.
"""

from harness.remote.coordinator import PlaceError
from harness.remote.hold import held_rig

__all__ = ["PlaceError", "held_rig"]
