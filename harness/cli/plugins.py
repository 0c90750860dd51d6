"""Commands of other packages: the ``apcv_hil.commands`` entry points, remembered between starts.

Finding entry points means importing :mod:`importlib.metadata` (it brings ``email``, ``zipfile``
and ``csv``) and reading every installed distribution's metadata: about 45 ms of CPU, a third
of ``apcv-hil --help``. So the group's ``name = module:attribute`` lines are kept in
``$XDG_CACHE_HOME/apcv-hil/commands-<environment>.json`` (one file per Python environment,
named from a checksum of ``sys.prefix``) with what they were read from: the directories on
``sys.path`` and their modification times. Installing or removing a package rewrites its
``site-packages`` directory (its ``.dist-info`` folder comes or goes), which changes that
directory's time, and the entry points are read again. A cache that cannot be read or written
is only a slower start.
"""

from __future__ import annotations

import importlib
import os
import sys
import zlib
from pathlib import Path

import click

COMMANDS_GROUP = "apcv_hil.commands"


def cache_path() -> Path:
    """Where this environment's entry points are remembered
    (``$XDG_CACHE_HOME/apcv-hil/commands-<checksum of sys.prefix>.json``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    environment = zlib.crc32(os.fsencode(sys.prefix))
    return Path(base) / "apcv-hil" / f"commands-{environment:08x}.json"


def _fingerprint() -> list[list]:
    """The directories of ``sys.path`` with their modification times (ns)."""
    stamps = []
    for entry in sys.path:
        try:
            stamps.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            stamps.append([entry, None])
    return stamps


def _read_entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=COMMANDS_GROUP)}


def command_entries() -> dict[str, str]:
    """Every ``apcv_hil.commands`` entry point: command name -> ``module:attribute``."""
    import json  # here: a built-in command (nir check) never needs it

    path = cache_path()
    fingerprint = _fingerprint()
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached["fingerprint"] == fingerprint:
            return {str(name): str(value) for name, value in cached["entries"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    entries = _read_entry_points()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f"{path.name}.{os.getpid()}")
        scratch.write_text(json.dumps({"fingerprint": fingerprint, "entries": entries}), encoding="utf-8")
        scratch.replace(path)
    except OSError:
        pass
    return entries


def load_entry(value: str) -> click.Command:
    """The object an entry point's ``module:attribute`` (``[extras]`` ignored) names."""
    module, _, attribute = value.split("[", 1)[0].strip().partition(":")
    found = importlib.import_module(module.strip())
    for part in attribute.strip().split(".") if attribute.strip() else ():
        found = getattr(found, part)
    if not isinstance(found, click.Command):
        raise TypeError(f"entry point {value!r} of {COMMANDS_GROUP} is not a click command")
    return found
