"""`apcv-hil rigs list|check|probe`."""

from click.testing import CliRunner

from harness.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_shows_valid_and_invalid_rigs(tmp_path):
    (tmp_path / "good.yaml").write_text("name: good\nroles: {reader: {link: 'sim:x'}}\n")
    (tmp_path / "bad.yaml").write_text("name: bad\nroles: {reader: {lnk: 'sim:x'}}\n")
    result = invoke("rigs", "list", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "good" in result.output and "reader -> sim:x" in result.output
    assert "invalid" in result.output and "unknown key" in result.output


def test_list_default_folder_has_the_software_rig():
    result = invoke("rigs", "list")
    assert result.exit_code == 0 and "software" in result.output


def test_check_reads_each_simulated_device():
    result = invoke("rigs", "check", "rigs/software.yaml")
    assert result.exit_code == 0, result.output
    assert "read phone" in result.output and "read card" in result.output
    assert result.output.rstrip().endswith("ok")


def test_check_reports_a_bad_rig_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nroles: {reader: {link: 'warp:x'}}\n")
    result = invoke("rigs", "check", str(bad))
    assert result.exit_code == 2
    assert "unknown link scheme 'warp'" in result.output and "Traceback" not in result.output


def test_check_without_any_device_on_the_link(tmp_path):
    rig = tmp_path / "empty.yaml"
    rig.write_text("name: empty\nroles: {reader: {link: 'sim:nothing-here'}}\n")
    result = invoke("rigs", "check", str(rig))
    assert result.exit_code == 2
    assert "no phone or card on sim:nothing-here" in result.output


def test_probe_lists_each_kind_of_device():
    result = invoke("rigs", "probe")
    assert result.exit_code == 0, result.output
    for kind in ("pc/sc", "nfc", "serial", "camera"):
        assert kind in result.output
