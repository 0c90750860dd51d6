"""``apcv-hil backend serve``: bad arguments, a busy port, an unreachable database: one line each."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from harness.cli import cli
from simulators.backend.db import make_engine
from simulators.backend.seeding import seed_population


def _error(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["backend", "serve", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apcv-hil: error: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def test_bad_arguments_are_one_line_errors(tmp_path):
    assert "not supported" in _error(["--db", "mysql://host/db"])
    assert "in-memory" in _error(["--db", "sqlite://"])
    assert "malformed" in _error(["--db", "::nonsense::"])
    assert "cannot create its folder" in _error(["--port", "0", "--db", "sqlite:////proc/none/b.sqlite3"])
    assert "--port" in _error(["--port", "70000"])
    assert "--seed-population" in _error(["--seed-population", "-3"])
    assert "--workers" in _error(["--workers", "0"])
    unknown = _error(["--variant", "lenient", "--db", f"sqlite:///{tmp_path / 'v.sqlite3'}"])
    assert "unknown backend variant 'lenient'" in unknown and "replay-accepted" in unknown
    assert not (tmp_path / "v.sqlite3").exists()  # refused before the database is touched
    url = f"sqlite:///{tmp_path / 'used.sqlite3'}"
    assert seed_population(make_engine(url), 50, 1) > 50
    assert "already holds" in _error(["--db", url, "--port", "0", "--seed-population", "5"])


def test_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        said = _error(["--port", str(port), "--db", f"sqlite:///{tmp_path / 'b.sqlite3'}"])
    assert f"cannot listen on 127.0.0.1:{port}: port {port} is already in use" in said
    assert not (tmp_path / "b.sqlite3").exists()  # nothing done before the address was checked


def test_an_address_not_of_this_machine_is_one_line():
    assert "192.0.2.1 is not an address of this machine" in _error(["--host", "192.0.2.1", "--port", "0"])


def test_an_unreachable_postgresql_is_one_line():
    said = _error(["--port", "0", "--db", "postgresql://nobody:secret@127.0.0.1:1/x"])
    assert said.startswith("apcv-hil: error: cannot use the database postgresql://nobody:***@127.0.0.1:1/x: ")
    assert "Connection refused" in said and "secret" not in said
