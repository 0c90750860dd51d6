"""Certification bundles: a directory of what ran (reports, traces, rig, catalogue, versions,
DUT identity, verdict) with a manifest of every file's SHA-256, signed with Ed25519.

:mod:`.manifest` builds, signs and checks the manifest, :mod:`.keys` reads and makes keys,
:mod:`.environment` and :mod:`.identity` describe where and on what the plan ran,
:mod:`.writer` assembles a bundle atomically.
"""

from harness.bundle.errors import BundleError

__all__ = ["BundleError"]
