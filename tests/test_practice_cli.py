"""Bad input to ``apcv-hil practice bill`` and ``apcv-hil simulate devices``: one line naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from harness.cli import cli


@pytest.fixture
def pem_files(tmp_path):
    key, trust = tmp_path / "key.pem", tmp_path / "root.pem"
    key.write_text("not a key")
    trust.write_text("not a certificate")
    return key, trust


def _bill(*extra: str, key="key.pem", trust="root.pem") -> list[str]:
    return ["practice", "bill", "--reader", "Virtual PCD 00 00", "--backend", "http://127.0.0.1:9",
            "--rpps", "10000000001", "--key", key, "--trust", trust, *extra]


@pytest.mark.parametrize(("args", "message"), [
    (["--rpps", "12"], "'12' is not 11 digits"),
    (["--amount", "0"], "--amount"),
    (["--variant", "practice-flies"], "unknown practice-software variant 'practice-flies'"),
])
def test_bad_bill_options_are_one_line(pem_files, args, message):
    key, trust = pem_files
    result = CliRunner().invoke(cli, _bill(*args, key=str(key), trust=str(trust)))
    assert result.exit_code == 2
    assert result.output.startswith("apcv-hil: error: ") and message in result.output
    assert "Traceback" not in result.output


def test_files_that_are_not_pem_are_named(pem_files, tmp_path):
    key, trust = pem_files
    result = CliRunner().invoke(cli, _bill(key=str(key), trust=str(trust)))
    assert result.exit_code == 2 and "--trust" in result.output and "not a PEM certificate" in result.output
    missing = CliRunner().invoke(cli, _bill(key=str(tmp_path / "nope.pem"), trust=str(trust)))
    assert missing.exit_code == 2 and "nope.pem" in missing.output


@pytest.mark.parametrize(("content", "message"), [
    (None, "not found"),
    ("{", "not JSON"),
    ('{"devices": [{"kind": "card", "name": "Bad Name", "insured": {}}]}', "devices.0.card.name"),
])
def test_bad_devices_files_are_one_line(tmp_path, content, message):
    path = tmp_path / "devices.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(cli, ["simulate", "devices", str(path), "--control", "tcp://127.0.0.1:0"])
    assert result.exit_code == 2 and result.output.startswith("apcv-hil: error: ")
    assert message in result.output


def test_the_billing_program_starts_without_the_heavy_imports():
    """Started once per billing: it never imports pydantic (the harness checks its printout), httpx's
    default transport (httpcore and the async libraries it finds), yaml or the metadata of every
    installed package."""
    code = ("import sys\n"
            "from harness.cli import cli\n"
            "import simulators.practice.cli, simulators.practice.billing, simulators.practice.faulty\n"
            "import simulators.practice.presentations\n"
            "from simulators.backend.client import open_backend\n"
            "open_backend('http://127.0.0.1:9', plain_http=True).close()\n"
            "print(sorted(set(sys.modules) & {'pydantic', 'httpcore', 'trio', 'anyio', 'yaml',"
            " 'importlib.metadata'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
