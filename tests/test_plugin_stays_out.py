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
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--apcv-rig", "software")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["apcv-hil rig: software *"])


def test_bad_explicit_rig_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLAIN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--apcv-rig", "missing.yaml")
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
        "@pytest.mark.apcv_requirement('APCV-NFC-001', 'APCV-XYZ-999')\n"
        "def test_marked():\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_marked: unknown requirement id 'APCV-XYZ-999'*"])
    assert "APCV-NFC-001'" not in result.stderr.str()


def test_known_requirement_ids_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.apcv_requirement('APCV-NFC-001')\n"
        "def test_marked():\n    pass\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


UNRELATED_CONFTEST = '''
import pytest


def pytest_addoption(parser):
    parser.addoption("--rig", default="bench-7", help="this project's own rig option")
    parser.addoption("--operator", default="alice")


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(id): this project's own requirement marker")
    config.addinivalue_line("markers", "rig: this project's own marker")
'''

UNRELATED_TESTS = '''
import pytest


@pytest.mark.requirement("REQ-42")
@pytest.mark.rig
def test_own_option(request):
    assert request.config.getoption("--rig") == "lab-3"
    assert request.config.getoption("--operator") == "alice"
    assert request.node.get_closest_marker("requirement").args == ("REQ-42",)
'''


def test_an_unrelated_project_with_its_own_rig_option_and_requirement_marker_runs(
        pytester: pytest.Pytester) -> None:
    """The installed plugin registers only prefixed options and markers: a project in the same
    environment keeps its own ``--rig``, ``--operator``, ``requirement`` and ``rig``."""
    pytester.makeconftest(UNRELATED_CONFTEST)
    pytester.makepyfile(UNRELATED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers", "--rig", "lab-3")
    result.assert_outcomes(passed=1)
    assert "apcv-hil rig" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_status_words_and_bytes_print_in_hex(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "from apcv.profile.r1.apdu import parse_response\n\n"
        "def test_sw():\n    assert parse_response(bytes.fromhex('6A82')).sw == 0x9000\n\n"
        "def test_pair():\n    rsp = parse_response(bytes.fromhex('01026982'))\n"
        "    assert (rsp.sw, rsp.data) == (0x9000, b'')\n\n"
        "def test_plain_ints_are_left_alone():\n    assert 36864 == 27266\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*assert SW 6A82 == SW 9000*",
                                 "*assert (SW 6982, '01 02') == (SW 9000, '')*", "*assert 36864 == 27266*"])


def test_blame_names_the_requirement_of_the_check_that_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.apcv_requirement('APCV-NFC-001', 'APCV-NFC-002', 'APCV-NFC-003')\n"
        "def test_three(blame):\n"
        "    with blame('APCV-NFC-001'):\n        assert True\n"
        "    with blame('APCV-NFC-002'):\n        assert 1 == 2\n"
        "    with blame('APCV-NFC-003'):\n        assert True\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--apcv-report", "out")
    result.assert_outcomes(failed=1)
    import json

    document = json.loads((pytester.path / "out" / "results.json").read_text())
    assert document["results"][0]["blamed"] == "APCV-NFC-002"
    assert document["summary"]["requirements"]["APCV-NFC-002"] == "failed"
    assert document["summary"]["requirements"]["APCV-NFC-001"] == "passed"  # its check ran and passed
    assert document["summary"]["requirements"]["APCV-NFC-003"] == "not_judged"  # its check never ran


def test_this_repository_uses_only_the_prefixed_markers() -> None:
    """A test tagged with an unprefixed marker would be silently left out of its plan (the plugin
    reads only ``apcv_requirement``): none may come back."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    old = re.compile(r"mark\.(requirement|rig_feature|rig|element)\b(?!_)")
    folders = ("scenarios", "tests", "harness", "benchmarks")
    found = [f"{path.relative_to(root)}:{number}" for folder in folders
             for path in (root / folder).rglob("*.py") if path.name != Path(__file__).name
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if old.search(line)]
    assert found == []
