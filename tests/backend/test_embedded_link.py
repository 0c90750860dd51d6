"""The embedded: backend link: in-process app over httpx, no warnings, nothing left in /tmp."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

from simulators.backend.client import open_backend
from simulators.backend.db import DatabaseUrlError


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """Make the link's temporary folders land in a folder of the test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_close_removes_the_scratch_folder_and_nothing_warns(scratch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = open_backend("embedded:")
        assert [p.name[:13] for p in scratch.iterdir()] == ["apcv-backend-"]
        assert client.call("GET", "/v1/health") == {"status": "ok"}
        assert client.send("GET", "/v1/rights/184127511203416").status_code == 401
        client.close()
        client.close()
    assert list(scratch.iterdir()) == []


def test_many_links_leave_nothing_behind(scratch):
    for _ in range(5):
        open_backend("embedded:").close()
    assert list(scratch.iterdir()) == []


def test_a_bad_database_url_leaves_nothing_behind(scratch):
    with pytest.raises(DatabaseUrlError, match="not supported"):
        open_backend("embedded:", database="mysql://nobody@localhost/x")
    assert list(scratch.iterdir()) == []


@pytest.mark.slow  # imports the backend in a subprocess
def test_a_link_nobody_closed_does_not_keep_python_from_exiting(tmp_path):
    script = ("from simulators.backend.client import open_backend\n"
              "client = open_backend('embedded:')\n"
              "print(client.call('GET', '/v1/health')['status'])\n")
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=repo, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-500:]
