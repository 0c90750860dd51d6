"""`apcv-hil rigs check` with a scanner role: scans the simulated phone, opens a serial scanner and
the display a scanner under test is shown codes on."""

import os

import pytest
from click.testing import CliRunner

from harness.cli import cli

pytestmark = pytest.mark.slow  # starts an X display


def _check(path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rigs", "check", str(path)])
    return result.exit_code, result.output


def _rig(tmp_path, scanner_link: str):
    rig = tmp_path / "scan.yaml"
    rig.write_text(f"name: scan\nroles:\n  reader: {{link: 'sim:scan'}}\n  card: {{link: 'sim:scan'}}\n"
                   f"  scanner: {{link: '{scanner_link}'}}\n")
    return rig


def test_check_scans_the_software_rigs_phone():
    code, output = _check("rigs/software.yaml")
    assert code == 0, output
    assert "scanner image:bench?decoder=zbar: scanned APCV1:..." in output
    assert "display frames:: opened" in output


def test_check_opens_a_serial_scanner(tmp_path):
    master, slave = os.openpty()
    try:
        code, output = _check(_rig(tmp_path, f"serial://{os.ttyname(slave)}"))
    finally:
        os.close(master)
        os.close(slave)
    assert code == 0, output
    assert "opened (scan a QR code in a scenario" in output


def test_check_names_an_absent_serial_port(tmp_path):
    code, output = _check(_rig(tmp_path, "serial:///dev/ttyACM96"))
    assert code == 2
    assert "apcv-hil: error: serial port /dev/ttyACM96 cannot be opened" in output
    assert "Traceback" not in output


def _display_rig(tmp_path, display_link: str):
    rig = tmp_path / "display.yaml"
    rig.write_text(f"name: display\nroles:\n  reader: {{link: 'sim:d'}}\n  card: {{link: 'sim:d'}}\n"
                   f"  display: {{link: '{display_link}'}}\n")
    return rig


def test_check_opens_an_x_display(tmp_path, xdisplay):
    code, output = _check(_display_rig(tmp_path, f"screen:{xdisplay}"))
    assert code == 0, output
    assert f"display screen:{xdisplay}: opened (1280×720)" in output


def test_check_names_a_display_it_cannot_open(tmp_path):
    code, output = _check(_display_rig(tmp_path, "frames:/no/such/dir/s.pgm"))
    assert code == 2 and output.strip().splitlines()[-1] == (
        "apcv-hil: error: frames:/no/such/dir/s.pgm: folder /no/such/dir does not exist")
