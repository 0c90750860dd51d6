"""The ``apcv-hil`` command line: one module per command group, joined here.

The harness's own commands are modules of this package; commands of the layer above
(``run``, the models) and of other packages join through the ``apcv_hil.commands``
entry-point group (name = command, object = a click command or group), as pytest finds its
plugins, so the harness never imports the scenarios.

Errors a user can cause end as one clear line on stderr and exit code 2, never a traceback
(``--debug`` shows it for developers).
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from apcv.errors import ApcvError

COMMANDS_GROUP = "apcv_hil.commands"


class _Main(click.Group):
    """Root group that turns known errors into one line instead of a traceback.

    Its commands are loaded on first use: the harness's own modules, then the entry points.
    """

    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from harness.cli import commands  # noqa: F401  (each module registers its commands)

        for ep in entry_points(group=COMMANDS_GROUP):
            if ep.name not in self.commands:
                self.add_command(ep.load(), ep.name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except ApcvError as exc:
            _fail(ctx, f"error: {exc}")
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", code=130)
        except Exception as exc:  # a bug of ours: still one line, traceback with --debug
            _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (run with --debug)")


def _fail(ctx: click.Context, message: str, code: int = 2) -> None:
    if ctx.obj and ctx.obj.get("debug"):
        raise
    click.echo(message, err=True)
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
