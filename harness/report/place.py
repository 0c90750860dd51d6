"""Where a run's report is written: built aside, then put in place whole.

A run writes its report into a hidden staging folder beside the one asked for. A complete run
then replaces the previous report; an interrupted one goes to ``<folder>.interrupted`` and the
last complete report stays where it was, untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

INTERRUPTED_SUFFIX = ".interrupted"


def staging_dir(final: Path) -> Path:
    """The hidden folder a run writes into before its report is put in place."""
    return final.with_name(f".{final.name}.partial")


def interrupted_dir(final: Path) -> Path:
    """Where the partial report of an interrupted run goes, beside ``final``."""
    return final.with_name(final.name + INTERRUPTED_SUFFIX)


def begin(final: Path) -> Path:
    """A fresh, empty staging folder for the report that will go to ``final``."""
    staging = staging_dir(final)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def publish(final: Path, *, complete: bool) -> Path:
    """Put the staged report in place: at ``final`` when the run is complete (a stale interrupted
    report beside it goes), else at :func:`interrupted_dir`. Returns where it went."""
    staging = staging_dir(final)
    target = final if complete else interrupted_dir(final)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    if complete:
        shutil.rmtree(interrupted_dir(final), ignore_errors=True)
    return target


def discard(final: Path) -> None:
    """Drop the staged report of a run that ran nothing; whatever is at ``final`` stays."""
    shutil.rmtree(staging_dir(final), ignore_errors=True)
