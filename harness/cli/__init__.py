"""The ``apcv-hil`` command line: one module per command group, joined here.

Errors a user can cause end as one clear line on stderr and exit code 2, never a traceback
(``--debug`` shows it for developers).
"""

from __future__ import annotations

import sys

import click

from simulators.errors import ApcvError


class _Main(click.Group):
    """Root group that turns known errors into one line instead of a traceback."""

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
    from harness.cli import commands  # noqa: F401  (registers the command modules)

    cli(prog_name="apcv-hil")
