"""pytest entry point: ``--rig``, markers, feature gating, reports.

The plugin stays out of the way: in a session that passes no ``--rig`` and asks for none of
its fixtures it prints no header, loads no rig and ignores ``APCV_RIG``. The rig is loaded
when a test needs it (a fixture, a ``rig``/``rig_feature`` marker, a report).

- ``--rig FILE|NAME`` (or ``APCV_RIG``) picks the rig; default: the built-in ``software`` rig.
- ``@pytest.mark.apcv_rig_feature("nfc-hce")`` skips, with the reason, when the rig lacks it.
- ``@pytest.mark.apcv_hardware`` marks hardware tests: skipped unless the rig declares ``hardware``.
- ``@pytest.mark.apcv_element("phone.sw.class", ...)`` names the profile elements a test checks
  (apcv/profile/r1/elements.py, docs/profile-coverage.md).
- ``@pytest.mark.apcv_requirement("APCV-NFC-001", ...)`` ties a test to the profile; an id the
  catalogue does not know is a usage error naming it.
- ``--apcv-report DIR`` writes index.html, junit.xml, results.json, traceability.csv and traces there.
- ``--apcv-role ROLE`` runs the role's plan: only the tests tied to a requirement of the role
  (see :mod:`harness.pytest_plugin.plan`); the report lists the plan's requirements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pytest_plugin.keys import checked_rig, rig_of

REQUIREMENT_MARKER = "apcv_requirement"
FEATURE_MARKER = "apcv_rig_feature"
HARDWARE_MARKER = "apcv_hardware"
ELEMENT_MARKER = "apcv_element"
MARKERS = (
    f"{HARDWARE_MARKER}: needs real hardware described by the rig file",
    f"{FEATURE_MARKER}(name): needs the rig to provide a feature; skipped with the reason otherwise",
    f"{REQUIREMENT_MARKER}(*ids): APCV-R1 requirement ids this test checks",
    "apcv_exercises(*roles): the roles this test acts on; 'simulator' for a test that only exercises "
    "a simulator, which never counts towards a device under test's verdict",
    f"{ELEMENT_MARKER}(*ids): profile elements this test checks (docs/profile-coverage.md)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apcv-hil")
    group.addoption("--apcv-rig", dest="apcv_rig", default=None,
                    help="rig file, or the name of a built-in rig (default: $APCV_RIG, else 'software')")
    group.addoption("--apcv-operator", dest="apcv_operator", default="auto",
                    choices=("prompt", "auto", "skip"),
                    help="who does the physical acts a prompt control asks for: prompt (a person at "
                         "the terminal), skip (tests needing one skip), auto (prompt when there is a "
                         "terminal; default)")
    group.addoption("--apcv-report", default=None, metavar="DIR",
                    help="write index.html, junit.xml, results.json, traceability.csv and traces to DIR")
    group.addoption("--apcv-record-only", action="store_true", default=False,
                    help="with --apcv-report: write results.json alone (no HTML, JUnit, CSV nor traces)")
    group.addoption("--apcv-role", default=None, metavar="ROLE",
                    help="run the plan of this device-under-test role (its requirements' tests only)")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    from harness.pytest_plugin import fixtures, practice, terminal

    config.pluginmanager.register(fixtures, "apcv-hil-fixtures")
    config.pluginmanager.register(practice, "apcv-hil-practice")
    config.pluginmanager.register(terminal, "apcv-hil-terminal")
    report_dir = config.getoption("--apcv-report")
    role = config.getoption("--apcv-role")
    if role:
        from harness.pytest_plugin.plan import plan_requirements

        plan_requirements(role)  # an unknown role is a usage error before anything runs
    if config.getoption("apcv_rig") or report_dir:
        rig_config = checked_rig(config)  # an explicit rig is checked before anything runs
        if report_dir:
            from harness.pytest_plugin.collector import ReportCollector

            collector = ReportCollector(Path(report_dir), rig_config, role or "",
                                        record_only=config.getoption("--apcv-record-only"))
            config.pluginmanager.register(collector, "apcv-report")


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.getoption("apcv_rig"):
        return None
    rig_config = rig_of(config)
    return f"apcv-hil rig: {rig_config.name} ({rig_config.path}), profile {rig_config.profile}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unknown = [(item.nodeid, ident) for item in items for marker in item.iter_markers(REQUIREMENT_MARKER)
               for ident in marker.args if not _known_requirement(ident)]
    if unknown:
        lines = [f"{nodeid}: unknown requirement id {ident!r} in @pytest.mark.apcv_requirement"
                 for nodeid, ident in unknown]
        raise pytest.UsageError("\n".join(lines))
    role = config.getoption("--apcv-role")
    if role:
        from harness.pytest_plugin.plan import select_plan_items

        selected, deselected = select_plan_items(items, role)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """A comparison involving a status word (our :class:`StatusWord`) prints both sides in hex,
    as ``SW 9000 == SW 6A82``, tuples element by element, bytes as hex; other comparisons are
    left to pytest (and to other plugins)."""
    from apcv.profile.r1.apdu import StatusWord

    tuples = isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right)
    pairs = list(zip(left, right, strict=True)) if tuples else [(left, right)]  # type: ignore[arg-type]
    if not any(isinstance(value, StatusWord) for pair in pairs for value in pair):
        return None
    as_status = [isinstance(a, StatusWord) or isinstance(b, StatusWord) for a, b in pairs]

    def shown(value: object, status: bool) -> str:
        if status and isinstance(value, int) and not isinstance(value, bool):
            return f"SW {value:04X}"
        if isinstance(value, bytes | bytearray):
            return f"'{bytes(value).hex(' ').upper()}'"
        return repr(value)

    if not tuples:
        return [f"{shown(left, True)} {op} {shown(right, True)}"]
    sides = [", ".join(shown(v, s) for v, s in zip(side, as_status, strict=True))  # type: ignore[call-overload]
             for side in (left, right)]
    return [f"({sides[0]}) {op} ({sides[1]})"]


def _known_requirement(ident: object) -> bool:
    from apcv.profile.catalogue import load_catalogue

    return isinstance(ident, str) and ident in load_catalogue().by_id()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A test whose body passed fails when one of its measurements is out of limits."""
    result = yield
    from harness.pytest_plugin.keys import MEASUREMENTS_KEY

    failed = [m.describe() for m in item.stash.get(MEASUREMENTS_KEY, []) if not m.passed]
    if failed:
        pytest.fail("measurement out of limits: " + "; ".join(failed), pytrace=False)
    return result


def pytest_runtest_setup(item: pytest.Item) -> None:
    needs_hardware = item.get_closest_marker(HARDWARE_MARKER) is not None
    feature_markers = list(item.iter_markers(FEATURE_MARKER))
    if not needs_hardware and not feature_markers:
        return
    rig_config = rig_of(item.config)
    features = rig_config.all_features()
    if needs_hardware and "hardware" not in features:
        pytest.skip(f"hardware test: rig '{rig_config.name}' has no hardware device attached")
    for marker in feature_markers:
        missing = [f for f in marker.args if f not in features]
        if missing:
            pytest.skip(
                f"rig '{rig_config.name}' lacks feature {', '.join(missing)} "
                f"(has: {', '.join(sorted(features)) or 'none'})"
            )
