"""``apcv-hil backend serve``: bad arguments give one line and exit 2; seeding a used db is refused."""

from __future__ import annotations

from click.testing import CliRunner

from harness.cli import cli
from simulators.backend.db import make_engine
from simulators.backend.seeding import seed_population


def _error(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["backend", "serve", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or "Usage" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def test_bad_arguments_are_one_line_errors(tmp_path):
    assert "not supported" in _error(["--db", "mysql://host/db"])
    assert "in-memory" in _error(["--db", "sqlite://"])
    assert "malformed" in _error(["--db", "::nonsense::"])
    assert "--port" in _error(["--port", "70000"])
    assert "--seed-population" in _error(["--seed-population", "-3"])
    assert "--workers" in _error(["--workers", "0"])
    unknown = _error(["--variant", "lenient", "--db", f"sqlite:///{tmp_path / 'v.sqlite3'}"])
    assert "unknown backend variant 'lenient'" in unknown and "replay-accepted" in unknown
    assert not (tmp_path / "v.sqlite3").exists()  # refused before the database is touched
    url = f"sqlite:///{tmp_path / 'used.sqlite3'}"
    assert seed_population(make_engine(url), 50, 1) > 50
    assert "already holds" in _error(["--db", url, "--seed-population", "5"])
