"""Commands that load their module when called (Click's lazy-subcommand pattern).

A :class:`LazyCommand` is what the root group lists: a name, the ``module:attribute`` of the
real command and its one-line help, so ``apcv-hil --help`` prints every command without
importing any, and ``apcv-hil nir check`` imports the NIR module alone. A command of another
package joins through the ``apcv_hil.commands`` entry-point group with a LazyCommand (or a
plain click command, loaded at once).
"""

from __future__ import annotations

import importlib

import click


class LazyCommand(click.Command):
    """A placeholder naming the real command (``"harness.cli.nir:nir"``) and its one-line help.

    :meth:`load` imports it; a test checks each placeholder's help against the real command's.
    """

    def __init__(self, name: str, target: str, short_help: str) -> None:
        super().__init__(name, short_help=short_help)
        module, _, attribute = target.partition(":")
        if not module or not attribute:
            raise ValueError(f"lazy command {name!r}: target {target!r} is not 'module:attribute'")
        self.target = target

    def load(self) -> click.Command:
        """The real command, its module imported on first call."""
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


def lazy(name: str, target: str, short_help: str) -> LazyCommand:
    """Shorthand for the command tables: ``lazy("nir", "harness.cli.nir:nir", "Check NIRs ...")``."""
    return LazyCommand(name, target, short_help)
