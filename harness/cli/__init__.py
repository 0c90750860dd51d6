"""The ``apcv-hil`` command line: one module per command group, joined here.

The harness's own commands are modules of this package; commands of the layer above
(``run``, the models) and of other packages join through the ``apcv_hil.commands``
entry-point group (name = command, object = a click command or group), as pytest finds its
plugins, so the harness never imports the scenarios.

Every error ends as one line on stderr, ``apcv-hil: error: ...``, never a traceback
(``--debug`` shows it for developers): exit code 2 for bad input and usage errors (click's own
included), 1 for a failed check (scenarios that failed, an internal error), 130 when interrupted.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from apcv.errors import ApcvError
from harness.cli.lazy import LazyCommand
from harness.cli.plugins import COMMANDS_GROUP, command_entries, load_entry

__all__ = ["COMMANDS_GROUP", "ERROR_PREFIX", "FAILED_EXIT", "INTERRUPTED_EXIT", "USAGE_EXIT", "OneLineError",
           "cli", "main"]
ERROR_PREFIX = "apcv-hil: error: "
USAGE_EXIT = 2
FAILED_EXIT = 1
INTERRUPTED_EXIT = 130
OPTIONAL_MODULES = {
    "nfc": "hardware", "smartcard": "hardware",
    "locust": "load", "psycopg": "load",
    "simpy": "models", "ciw": "models", "distributed": "models", "dask": "models", "matplotlib": "models",
    "labgrid": "remote",
}
"""Top-level modules of the optional dependency groups (pyproject.toml), and their group."""


class OneLineError(click.ClickException):
    """An error shown as the single line ``apcv-hil: error: MESSAGE`` with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = USAGE_EXIT) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one line on stderr."""
        click.echo(ERROR_PREFIX + self.format_message(), err=True)


def _usage(exc: click.ClickException) -> OneLineError:
    """click's own error as one line; usage errors point at the command's --help."""
    if isinstance(exc, OneLineError):
        return exc
    message = exc.format_message()
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        message += f" (see '{exc.ctx.command_path} --help')"
    return OneLineError(message, USAGE_EXIT)


class _Main(click.Group):
    """Root group that turns known errors into one line instead of a traceback.

    Its commands load when called (:mod:`harness.cli.lazy`): the harness's own table first, then
    the entry points; ``--help`` lists them all from their one-line help, importing none.
    """

    def _listed(self) -> dict[str, click.Command]:
        """Every command by name, loaded or not: the group's own, the table, the entry points."""
        from harness.cli.commands import BUILTIN

        listed: dict[str, click.Command] = {command.name: command for command in BUILTIN if command.name}
        for name, value in command_entries().items():
            listed.setdefault(name, load_entry(value))
        listed.update(self.commands)
        return listed

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._listed())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        from harness.cli.commands import BUILTIN

        found = next((command for command in BUILTIN if command.name == cmd_name), None)
        if found is None and (value := command_entries().get(cmd_name)) is not None:
            # a command of the layer above loads alone: a billing program under test started per
            # billing, for one, does not pay for every other command's imports
            found = load_entry(value)
        if found is None:
            return None
        command = found.load() if isinstance(found, LazyCommand) else found
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands with their one-line help, none of them imported."""
        listed = sorted((name, command) for name, command in self._listed().items() if not command.hidden)
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in listed])

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:  # a bad option or argument of the root group itself
            raise _usage(exc) from None

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException as exc:
            raise _usage(exc) from None
        except ApcvError as exc:
            _fail(ctx, str(exc), code=getattr(exc, "exit_code", USAGE_EXIT))
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", code=INTERRUPTED_EXIT)
        except Exception as exc:  # a bug of ours: still one line, traceback with --debug
            if isinstance(exc, ModuleNotFoundError) and (group := OPTIONAL_MODULES.get(
                    (exc.name or "").split(".")[0])):
                _fail(ctx, f"this needs {exc.name}, of the optional group [{group}]: "
                           f"pip install 'apcv-hil[{group}]'", code=USAGE_EXIT)
            _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                  code=FAILED_EXIT)


def _fail(ctx: click.Context, message: str, code: int = USAGE_EXIT) -> None:
    if ctx.obj and ctx.obj.get("debug"):
        raise
    click.echo(ERROR_PREFIX + message, err=True)
    sys.exit(code)


@click.group(cls=_Main)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="apcv-hil")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """apcv-hil: end-to-end hardware-in-the-loop harness for the appli carte Vitale."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="apcv-hil")
