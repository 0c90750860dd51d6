"""Every rig file shipped, examples included, validates."""

from pathlib import Path

import pytest

from harness.rig import RIGS_DIR, load_rig

RIG_FILES = sorted(RIGS_DIR.glob("*.yaml")) + sorted((RIGS_DIR / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", RIG_FILES, ids=lambda p: str(Path(p).relative_to(RIGS_DIR)))
def test_rig_file_validates(path):
    rig = load_rig(path)
    assert rig.roles.reader.link


def test_hardware_examples_declare_hardware():
    for path in (RIGS_DIR / "examples").glob("*.yaml"):
        assert load_rig(path).has_feature("hardware"), path


@pytest.mark.parametrize("path", RIG_FILES, ids=lambda p: str(Path(p).relative_to(RIGS_DIR)))
def test_rig_duts_pass_their_checks(path):
    from harness.roles.checks import check_dut

    check_dut(load_rig(path))
