"""The CLI loads a command's module only when that command is called (harness.cli.lazy)."""

from __future__ import annotations

import json
import os
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


def test_help_remembers_the_entry_points_and_then_skips_importlib_metadata(tmp_path) -> None:
    """Reading every distribution's entry points costs about 45 ms of CPU: the second start reads
    them from the cache, and still lists the scenario layer's commands."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    probe = PROBE.format(args=["--help"])
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env,
                           check=False) for _ in range(2)]
    first, second = (set(json.loads(run.stderr.strip().splitlines()[-1])) for run in runs)
    assert "importlib.metadata" in first and "importlib.metadata" not in second
    assert all("rollout" in run.stdout and "waiting-room" in run.stdout for run in runs)
    assert len(list((tmp_path / "apcv-hil").glob("commands-*.json"))) == 1


def test_the_cache_is_used_only_for_the_same_installed_packages(tmp_path, monkeypatch) -> None:
    from harness.cli import plugins

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    real = {ep.name: ep.value for ep in entry_points(group=COMMANDS_GROUP)}
    assert plugins.command_entries() == real  # no cache yet: read and remembered
    cache = plugins.cache_path()
    data = json.loads(cache.read_text())
    cache.write_text(json.dumps({**data, "entries": {"remembered": "a.b:c"}}))
    assert plugins.command_entries() == {"remembered": "a.b:c"}  # the same sys.path: the cache answers
    data["fingerprint"][0][1] = -1  # a package installed or removed since
    cache.write_text(json.dumps({**data, "entries": {"remembered": "a.b:c"}}))
    assert plugins.command_entries() == real
    cache.write_text("{not json")
    assert plugins.command_entries() == real
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))  # a cache that cannot be written
    (tmp_path / "a-file").write_text("")
    assert plugins.command_entries() == real  # is only a slower start


def test_an_entry_point_value_loads_its_command_or_says_what_it_is() -> None:
    from harness.cli.plugins import load_entry

    assert load_entry("harness.cli.nir:nir").name == "nir"
    assert load_entry("harness.cli.nir:nir [extra]").name == "nir"
    with pytest.raises(TypeError, match="is not a click command"):
        load_entry("harness.cli:COMMANDS_GROUP")
