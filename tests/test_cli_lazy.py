"""The CLI loads a command's module only when that command is called (harness.cli.lazy)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import click
import pytest

from harness.cli import COMMANDS_GROUP, cli
from harness.cli.commands import BUILTIN
from harness.cli.lazy import LazyCommand

PROBE = """
import json, sys
from harness.cli import main
sys.argv = ["apcv-hil", *{args!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(*args: str) -> set[str]:
    """The modules imported by ``apcv-hil ARGS`` run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True,
                          text=True, timeout=60, check=False)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def placeholders() -> dict[str, click.Command]:
    """The harness's table and the entry points, as listed before any command is loaded."""
    listed: dict[str, click.Command] = {command.name: command for command in BUILTIN if command.name}
    listed.update({ep.name: ep.load() for ep in entry_points(group=COMMANDS_GROUP)})
    return listed


def test_every_listed_command_loads_and_its_lazy_help_is_its_own() -> None:
    lazy = {name: command for name, command in placeholders().items() if isinstance(command, LazyCommand)}
    assert lazy.keys() == placeholders().keys()  # the entry points are lazy too
    assert {"run", "certify", "variants", "load", "compare", "nir"} <= lazy.keys()
    assert set(cli.list_commands(click.Context(cli))) == lazy.keys()
    for name, placeholder in lazy.items():
        real = placeholder.load()
        assert real.get_short_help_str(limit=300) == placeholder.short_help, name


@pytest.mark.parametrize(("args", "absent"), [
    (["--help"], {"harness.cli.qr", "harness.cli.read", "scenarios.cli.run", "rich", "pytest", "faker"}),
    (["nir", "check", "1 84 12 76 451 089 46"], {"harness.cli.population", "rich", "faker", "numpy"}),
])
def test_help_and_nir_check_import_no_other_command(args: list[str], absent: set[str]) -> None:
    assert not absent & modules_after(*args)


def test_a_lazy_command_names_a_module_and_an_attribute() -> None:
    with pytest.raises(ValueError, match="is not 'module:attribute'"):
        LazyCommand("x", "harness.cli.nir", "help")
