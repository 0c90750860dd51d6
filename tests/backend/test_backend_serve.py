"""``apcv-hil backend serve`` for real: its URL on start, an access log without NIRs, /docs offline."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from harness.cli import cli
from simulators.backend.client import Signer, open_backend
from simulators.backend.db import make_engine
from simulators.backend.logs import log_config, mask_nirs
from simulators.population.generator import generate_population, generate_practitioners

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

NIR = next(iter(generate_population(1, 11))).identity.nir
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
BANNER = re.compile(r"^apcv-hil backend: serving on (http://127\.0\.0\.1:\d+) \(db sqlite:", re.M)


class Served:
    """The real command in a child process: its stderr (log) file, and a wait on it."""

    def __init__(self, tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None = None) -> None:
        self.stderr = tmp_path / "stderr.log"
        db = [] if env is not None else ["--db", f"sqlite:///{tmp_path / 'b.sqlite3'}"]
        command = [sys.executable, "-c", "from harness.cli import main; main()", "backend", "serve",
                   "--port", "0", *db, *args]
        with self.stderr.open("wb") as sink:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=sink,
                                            start_new_session=True, cwd=tmp_path,
                                            env=None if env is None else {**os.environ, **env})
        self.url = self.wait_for(lambda: BANNER.search(self.log())).group(1)
        self.wait_for(self._answers)

    def log(self) -> str:
        return self.stderr.read_text()

    def wait_for(self, found: Callable[[], Any], timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := found():
                return result
            assert self.process.poll() is None, f"serve exited {self.process.returncode}: {self.log()}"
            time.sleep(0.05)
        raise AssertionError(f"not seen within {timeout} s: {self.log()}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False


@contextmanager
def served(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``backend serve --port 0 ARGS`` until the block ends; then Ctrl-C, which must end it with 0.
    With ``env``, the server runs without ``--db`` in that environment."""
    server = Served(tmp_path, args, env)
    try:
        yield server
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(30) == 0, server.log()
    finally:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def test_serve_says_where_logs_each_request_and_hides_nirs(tmp_path):
    with served(tmp_path) as server:
        assert httpx.get(f"{server.url}/v1/health").json() == {"status": "ok"}
        assert httpx.get(f"{server.url}/v1/rights/{NIR}").status_code == 401  # unsigned
        server.wait_for(lambda: "/v1/rights/" in server.log())
    log = server.log()
    assert re.search(r'127\.0\.0\.1:\d+ - "GET /v1/health HTTP/1\.1" 200', log), log
    assert f'"GET /v1/rights/{NIR[:5]}{"*" * 10} HTTP/1.1" 401' in log, log
    assert NIR not in log and NIR[5:] not in log


def test_the_default_database_is_in_the_data_folder_and_wait_sees_the_server_up(tmp_path):
    data = tmp_path / "xdg"
    with served(tmp_path, env={"XDG_DATA_HOME": str(data)}) as server:
        assert f"db sqlite:///{data / 'apcv-hil' / 'backend.sqlite3'}" in server.log()
        waited = CliRunner().invoke(cli, ["backend", "wait", server.url, "--timeout", "10"])
        assert waited.exit_code == 0 and waited.stdout.startswith(f"backend at {server.url} ready after ")
    assert (data / "apcv-hil" / "backend.sqlite3").is_file()
    assert not list(tmp_path.glob("*.sqlite3"))  # nothing left in the folder it was started from


def test_wait_gives_up_on_a_backend_that_never_answers() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    done = CliRunner().invoke(cli, ["backend", "wait", f"http://127.0.0.1:{port}", "--timeout", "0.3"])
    assert done.exit_code == 1
    assert done.stderr == f"apcv-hil: error: no answer from http://127.0.0.1:{port}/v1/health within 0.3 s\n"


def test_api_docs_pages_load_only_local_assets(tmp_path):
    with served(tmp_path, "--log-level", "warning") as server:
        for page in ("/docs", "/redoc"):
            html = httpx.get(f"{server.url}{page}")
            assert html.status_code == 200 and "text/html" in html.headers["content-type"]
            assets = ASSET.findall(html.text)
            assert len(assets) >= 2, html.text  # a script and its icon (and Swagger's style sheet)
            assert "http://" not in html.text and "https://" not in html.text and "//cdn" not in html.text
            for asset in assets:
                assert asset.startswith("/docs/assets/"), asset
                answer = httpx.get(f"{server.url}{asset}")
                assert answer.status_code == 200 and len(answer.content) > 1000, asset
        assert httpx.get(f"{server.url}/openapi.json").json()["info"]["title"] == "apcv-hil insurer backend"
        time.sleep(0.3)
    assert "GET /docs" not in server.log() and "INFO" not in server.log(), server.log()  # no access log


def test_log_lines_mask_nirs_wherever_they_appear():
    assert mask_nirs(f"GET /v1/rights/{NIR}?x=1") == f"GET /v1/rights/{NIR[:5]}{'*' * 10}?x=1"
    assert mask_nirs("2A and 1840275123456 and 184022A12345678") == "2A and 18402******** and 18402**********"
    assert mask_nirs("port 8600, 2026-01-01, 1234567890") == "port 8600, 2026-01-01, 1234567890"
    masked = f"{NIR[:5]}{'*' * 10}"
    assert mask_nirs(f"GET /v1/rights/{NIR}x, /v1/activations/ab{NIR}cd") == (
        f"GET /v1/rights/{masked}x, /v1/activations/ab{masked}cd")
    token = "184127511203417ab54e1f0c9d8e7f6a"  # a hex id that starts NIR-shaped (wrong key): whole
    assert mask_nirs(f"replayed token {token}") == f"replayed token {token}"
    config = log_config()
    assert {h["stream"] for h in config["handlers"].values()} == {"ext://sys.stderr"}
    assert all(f["()"].startswith("simulators.backend.logs.Masking") for f in config["formatters"].values())


def test_database_errors_hide_their_parameters(database):
    """A failed statement's error, traceback included, does not list the NIR it was given.

    (PostgreSQL's own detail of a key conflict quotes the row: the log formatters mask that.)
    """
    engine = make_engine(database)
    with pytest.raises(ProgrammingError if "postgresql" in database else OperationalError) as exc, \
            engine.begin() as conn:
        conn.execute(text("SELECT * FROM dropped_table WHERE nir = :nir"), {"nir": NIR})
    engine.dispose()
    shown = "".join(traceback.format_exception(exc.value))
    assert "hidden due to hide_parameters" in shown and NIR not in shown


@pytest.mark.parametrize("level", ["loud", "INFO2"])
def test_a_bad_log_level_is_a_usage_error(level):
    result = CliRunner().invoke(cli, ["backend", "serve", "--log-level", level])
    assert result.exit_code == 2
    assert result.stderr.startswith("apcv-hil: error: Invalid value for '--log-level'")


def _spellings(nir: str) -> dict[str, str]:
    return {"percent-encoded": "".join(f"%{ord(c):02X}" for c in nir),
            "spaced": " ".join([nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]]),
            "spaced, encoded": "%20".join(nir[i:i + 5] for i in range(0, 15, 5)),
            "dotted": ".".join(nir[i:i + 3] for i in range(0, 15, 3)),
            "dashed": "-".join(nir[i:i + 3] for i in range(0, 15, 3))}


@pytest.mark.apcv_requirement("APCV-BE-074")
def test_a_nir_in_any_spelling_is_masked_in_the_log():
    for what, spelled in _spellings(NIR).items():
        line = mask_nirs(f'127.0.0.1:5000 - "GET /v1/rights/{spelled}?q={spelled} HTTP/1.1" 400')
        digits = "".join(c for c in unquote(line) if c.isdigit())
        assert NIR[5:] not in digits and NIR not in unquote(line).replace(" ", ""), (what, line)
    plain = "2026-01-01 12:00:00.123456 from 10.0.0.1:8600"
    assert mask_nirs(plain) == plain


@pytest.mark.apcv_requirement("APCV-BE-074", "APCV-BE-073")
def test_a_nir_spelled_otherwise_is_refused_before_any_lookup(tmp_path):
    with served(tmp_path, "--seed", "0") as server:
        signer = Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps)
        client = open_backend(server.url)
        for what, spelled in _spellings(NIR).items():
            for target in (f"/v1/rights/{spelled}", f"/v1/rights/{NIR}?nir={spelled}"):
                answer = client.send("GET", target, None, signer)
                assert answer.status_code == 400, (what, target, answer.text)
                assert answer.json()["error"] == "non_canonical_nir"
                assert NIR not in answer.text
        assert client.send("GET", f"/v1/rights/{NIR}", None, signer).status_code == 404  # looked up
        server.wait_for(lambda: server.log().count("non_canonical") or server.log().count(" 400"))
    log = server.log()
    assert NIR not in log and NIR not in unquote(log).replace(" ", "").replace(".", "").replace("-", ""), log


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_banner_comes_once_the_server_listens(tmp_path: Path, workers: str) -> None:
    """A script that waits for "serving on" connects at once: uvicorn binds seconds after the
    command starts, and the line used to come before it."""
    stderr = tmp_path / "stderr.log"
    command = [sys.executable, "-c", "from harness.cli import main; main()", "backend", "serve", "--port",
               "0", "--workers", workers, "--db", f"sqlite:///{tmp_path / 'b.sqlite3'}"]
    with stderr.open("wb") as sink:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (found := BANNER.search(stderr.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, stderr.read_text()
            time.sleep(0.01)
        assert httpx.get(f"{found.group(1)}/v1/health", timeout=10).status_code == 200  # no retry
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
