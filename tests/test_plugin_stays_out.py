"""The pytest plugin does nothing in a session that uses none of its fixtures and passes no
``--rig``; marker arguments are checked against the requirement catalogue."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # runs pytest or a program in a subprocess

pytest_plugins = ["pytester"]

PLAIN = "def test_plain():\n    assert True\n"


def test_plain_session_has_no_header_and_ignores_a_bad_rig_variable(pytester: pytest.Pytester,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCV_RIG", "/no/such/rig.yaml")
    pytester.makepyfile(PLAIN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "apcv-hil rig" not in result.stdout.str()
    assert "rig.yaml" not in result.stdout.str() + result.stderr.str()


def test_explicit_rig_prints_the_header(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLAIN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--rig", "software")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["apcv-hil rig: software *"])


def test_bad_explicit_rig_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLAIN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--rig", "missing.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*rig file missing.yaml not found*"])
    assert "Traceback" not in result.stderr.str()


def test_bad_rig_variable_fails_only_the_tests_that_need_the_rig(pytester: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCV_RIG", "/no/such/rig.yaml")
    pytester.makepyfile(PLAIN + "\n\ndef test_needs_rig(rig):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*rig file /no/such/rig.yaml not found*"])
    assert "Traceback" not in result.stdout.str()


def test_fixture_user_gets_the_default_rig(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_rig(rig):\n    assert rig.name == 'software'\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_unknown_requirement_id_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.requirement('APCV-NFC-001', 'APCV-XYZ-999')\n"
        "def test_marked():\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_marked: unknown requirement id 'APCV-XYZ-999'*"])
    assert "APCV-NFC-001'" not in result.stderr.str()


def test_known_requirement_ids_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.requirement('APCV-NFC-001')\n"
        "def test_marked():\n    pass\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
