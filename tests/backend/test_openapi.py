"""The OpenAPI document: served, checked in, and fuzzed by schemathesis against the live server."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.backend.openapi import openapi_document, render
from simulators.backend.process import ServerProcess

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_document_matches_the_app():
    assert CHECKED_IN.read_text(encoding="utf-8") == render(openapi_document()), (
        "docs/openapi.json is stale: run python -m simulators.backend.openapi docs/openapi.json")


def test_document_is_served(backend):
    served = backend.http.get("/openapi.json").json()
    assert served == json.loads(CHECKED_IN.read_text(encoding="utf-8"))
    assert "/v1/verifications" in served["paths"] and "/v1/claims" in served["paths"]


def test_schemathesis_finds_no_server_error(tmp_path):
    binary = Path(sys.executable).parent / "schemathesis"
    if not binary.exists() and not shutil.which("schemathesis"):
        pytest.fail("schemathesis is not installed (pip install -e .[dev])")
    with ServerProcess(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}") as server:
        done = subprocess.run(
            [str(binary if binary.exists() else "schemathesis"), "run", f"{server.url}/openapi.json",
             "--checks", "not_a_server_error", "--max-examples", "25", "--seed", "1",
             "--request-timeout", "10", "--phases", "examples,coverage,fuzzing"],
            capture_output=True, text=True, timeout=600, check=False)  # 80 s quiet; minutes when busy
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
