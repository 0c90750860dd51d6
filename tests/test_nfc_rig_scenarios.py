"""The scenarios in scenarios/ pass unchanged over nfcpy (rigs/nfc-udp.yaml).

The rig is copied with a free UDP port so that parallel runs on one machine do not collide.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_scenarios_pass_over_nfc_udp(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rig = yaml.safe_load((ROOT / "rigs" / "nfc-udp.yaml").read_text(encoding="utf-8"))
    nfc_roles = [role for role in rig["roles"].values() if role["link"].startswith("nfc:")]
    assert len(nfc_roles) == 3  # phone, card and reader share the one UDP link
    for role in nfc_roles:
        assert role["link"] == "nfc://udp:127.0.0.1:54321"
        role["link"] = f"nfc://udp:127.0.0.1:{port}"
    rig_file = tmp_path / "nfc-udp.yaml"
    rig_file.write_text(yaml.safe_dump(rig), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios", "--apcv-rig", str(rig_file), "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary
    assert "apcv-hil rig: nfc-udp" in done.stdout
