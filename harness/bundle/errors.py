"""The error of the bundle package."""

from __future__ import annotations

from apcv.errors import ApcvError


class BundleError(ApcvError):
    """A bundle, a key or a trust list cannot be used; the message names what and why."""
