"""Errors a user can cause when running a model (bad parameters, bad timing files)."""

from apcv.errors import ApcvError


class ModelError(ApcvError, ValueError):
    """A model input (parameter, YAML file, timing file, CLI option) is invalid; says why."""
