"""The installed apcv-hil version, which a load master and its workers must share.

Kept apart from :mod:`scenarios.load.distribute` so that the ``apcv-hil load`` process can
name it without importing Locust (whose gevent patching must not reach that process).
"""

from __future__ import annotations

from importlib import metadata


def apcv_version() -> str:
    """The installed apcv-hil version ("not installed" when run from a bare checkout)."""
    try:
        return metadata.version("apcv-hil")
    except metadata.PackageNotFoundError:
        return "not installed"
