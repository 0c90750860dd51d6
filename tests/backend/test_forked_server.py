"""A backend served by a fork of a process that imported it already (the variant matrix's plans,
forked from a server holding the backend's modules): it serves, stops, and says why it failed,
as the server started as a new Python does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts backend servers

SCRIPT = textwrap.dedent("""
    import sys, threading
    import fastapi, sqlalchemy, uvicorn, simulators.backend.app  # what a plan's fork server holds
    from apcv.errors import ApcvError
    from simulators.backend.client import Signer, open_backend
    from simulators.backend.process import ServerProcess

    folder = sys.argv[1]
    server = ServerProcess(f"sqlite:///{folder}/backend.sqlite3", seed=0, audit=True, startup_timeout=60)
    client = open_backend(server.url)
    print("forked", server.forked, "health", client.http.get("/v1/health").status_code,
          "audit", "last" in client.audit(Signer.operator(seed=0)))
    client.close()
    server.stop()
    print("stopped", server.pid is None, "log kept", server.log_path.exists())
    with open(f"{folder}/garbage.sqlite3", "wb") as garbage:
        garbage.write(b"not a database" * 100)
    try:
        ServerProcess(f"sqlite:///{folder}/garbage.sqlite3", seed=0, startup_timeout=60)
    except ApcvError as exc:
        print("failed:", exc)
    threading.Thread(target=threading.Event().wait, args=(5,), daemon=True).start()
    other = ServerProcess(f"sqlite:///{folder}/other.sqlite3", seed=0, startup_timeout=60)
    print("with a thread running, forked", other.forked)
    other.stop()
    threading.Event().wait(6)  # the thread ends
    left = ServerProcess(f"sqlite:///{folder}/left.sqlite3", seed=0, startup_timeout=60)
    print("left running", left.pid)
""")


def test_a_process_holding_the_backend_serves_it_from_a_fork(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[0] == "forked True health 200 audit True"
    assert lines[1] == "stopped True log kept False"
    assert lines[2].startswith("failed: backend exited with 2: ") and "cannot use the database" in lines[2]
    assert lines[3] == "with a thread running, forked False"  # forking is only safe with one thread
    left = int(lines[4].removeprefix("left running "))  # a server never stopped ends with its caller
    with pytest.raises(ProcessLookupError):
        os.kill(left, 0)
