"""Fixtures of a reader terminal under test: its output channel (for the session) and the terminal.

A rig whose reader DUT has no output channel is a transport-only reader: the tests of the reader's
own verification logic are not applicable to it, and say so. Imported when first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.report.record import NOT_APPLICABLE
from harness.rig import RigConfig

if TYPE_CHECKING:
    from harness.bench import Bench
    from harness.terminal.channels import OutputChannel
    from harness.terminal.contract import TerminalReport

NO_LOGIC = (f"{NOT_APPLICABLE}this reader has no verification logic (no dut.output: a transport-only "
            "reader)")


def terminal_problem(rig: RigConfig) -> str | None:
    """Why the rig has no reader terminal to judge, or None."""
    from harness.roles import get_role

    dut = rig.dut
    if dut is None or not get_role(dut.role).reports_output:
        return f"{NOT_APPLICABLE}rig '{rig.name}' has no reader terminal under test (dut.role: reader)"
    if dut.output is None:
        return NO_LOGIC
    return None


def _asker(request: pytest.FixtureRequest):
    from harness.dut.actions import _terminal
    from harness.dut.control import OperatorAbsent

    capture = request.config.pluginmanager.getplugin("capturemanager")
    operator = request.config.getoption("apcv_operator")

    def ask(question: str) -> str:
        with capture.global_and_fixture_disabled(), _terminal() as streams:
            if operator == "skip" or streams is None:
                raise OperatorAbsent(f"needs a person to read the terminal's screen: {question.lower()} "
                                     "(run with --operator prompt)")
            stdin, stdout = streams
            stdout.write(f"\n>>> {question}: ")
            stdout.flush()
            return stdin.readline(4096)

    return ask


@pytest.fixture(scope="session")
def terminal_output(rig: RigConfig, request: pytest.FixtureRequest) -> Iterator[OutputChannel]:
    """The reader terminal's output channel, open for the session (skipped, with the reason, when the
    rig's reader has none: a transport-only reader is not applicable)."""
    problem = terminal_problem(rig)
    if problem:
        pytest.skip(problem)
    from apcv.errors import ApcvError
    from harness.terminal.dut import open_channel

    try:
        channel = open_channel(rig, _asker(request))
    except ApcvError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield channel
    channel.close()


class JudgedTerminal:
    """The reader terminal for a test: a report that breaks the contract fails the test with the reason;
    a terminal that reports nothing, or a read that needs a person nobody is there for, leaves the test
    not judged, with the reason."""

    def __init__(self, terminal) -> None:
        self.terminal = terminal

    def read(self, beneficiary: int = 0, who: str = "the card holder") -> TerminalReport:
        """What the terminal reports for the phone or card on the reader."""
        from apcv.errors import ApcvError
        from harness.dut.control import OperatorAbsent
        from harness.terminal.dut import TerminalSilent

        try:
            return self.terminal.read(beneficiary, who).report
        except (TerminalSilent, OperatorAbsent) as exc:
            pytest.skip(f"not judged: {exc}")
        except ApcvError as exc:  # a report off the contract, a read command that cannot run
            pytest.fail(f"the reader terminal under test: {exc}", pytrace=False)


@pytest.fixture
def reader_terminal(bench: Bench, terminal_output: OutputChannel, request: pytest.FixtureRequest,
                    record_property, tmp_path) -> JudgedTerminal:
    """The reader terminal under test: ``reader_terminal.read(beneficiary)`` reads what the bench
    presented and returns what the terminal reported."""
    from harness.dut.actions import rig_control
    from harness.terminal.dut import ReaderTerminal

    trust_file = tmp_path / "insurer-root.pem"
    trust_file.write_bytes(bench.trust.to_pem())
    control = bench.config.dut.control  # type: ignore[union-attr]
    capture = request.config.pluginmanager.getplugin("capturemanager")
    prompt = None if control.kind == "command" else rig_control(
        bench.config, request.config.getoption("apcv_operator"), capture.global_and_fixture_disabled)
    return JudgedTerminal(ReaderTerminal(bench.config, terminal_output, trust_file, tmp_path, prompt,
                                         record_property))
