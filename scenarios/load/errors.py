"""Errors a user can cause when preparing or running a load test."""

from apcv.errors import ApcvError


class LoadError(ApcvError, ValueError):
    """A load-test input (option, SLO file, people file, target) is unusable; the message says why."""
