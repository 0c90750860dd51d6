"""Making a reader terminal under test read what the bench presents, and reading what it reports.

The phone or card is on the reader already (the bench presented it). With a ``command`` control
the rig's ``read`` template runs (``{reader}``, ``{trust}``, ``{beneficiary}``, ``{output}`` filled
in); with ``prompt`` a person is asked to choose the patient and read. The report then comes
through the rig's output channel (:mod:`.channels`) and is parsed by the contract (:mod:`.contract`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apcv.errors import ApcvError
from apcv.links.base import LinkUrl
from harness.dut.control import DutControl
from harness.dut.sandbox import Sandbox
from harness.practice.runner import DutRun, RunningBilling, fill_template
from harness.rig import RigConfig
from harness.terminal.channels import (
    Asker,
    CommandOutput,
    HttpOutput,
    OutputChannel,
    PromptOutput,
    SerialOutput,
)
from harness.terminal.contract import ReportError, TerminalReport, parse_report

PLACEHOLDERS = ("reader", "trust", "beneficiary", "output")
EXIT_CODES = {"read": 0, "refused": 1}


class TerminalSilent(ApcvError):
    """The terminal reported nothing within the output channel's timeout (the message says what ran)."""


def open_channel(config: RigConfig, ask: Asker | None) -> OutputChannel:
    """The rig's output channel, ready (ChannelError when it cannot open)."""
    output = config.dut.output if config.dut is not None else None
    if output is None:
        raise ValueError("the rig's reader has no output channel")
    if output.kind == "serial":
        return SerialOutput(output.port)
    if output.kind == "http":
        return HttpOutput()
    if output.kind == "prompt":
        if ask is None:
            raise ValueError("a prompt output channel needs a person to ask")
        return PromptOutput(ask)
    return CommandOutput()


@dataclass(frozen=True)
class TerminalRead:
    """One read: the report, the command run (None when a person operated the terminal)."""

    report: TerminalReport
    run: DutRun | None


class ReaderTerminal:
    """The reader terminal under test, driven and heard the way the rig says."""

    def __init__(self, config: RigConfig, channel: OutputChannel, trust_file: Path, workdir: Path,
                 prompt: DutControl | None, record: Callable[[str, object], None]) -> None:
        assert config.dut is not None and config.dut.output is not None
        self.config = config
        self.output = config.dut.output
        self.channel = channel
        self._trust_file = trust_file
        self.sandbox = Sandbox(workdir / "terminal", keep_visible=workdir)
        """Where the terminal's read command may write (:mod:`harness.dut.sandbox`)."""
        self._prompt = prompt
        self._record = record
        self.runs: list[DutRun] = []

    def placeholders(self, beneficiary: int) -> dict[str, str]:
        """The read template's placeholders."""
        return {"reader": LinkUrl.parse(self.config.roles.reader.link).target, "trust": str(self._trust_file),
                "beneficiary": str(beneficiary), "output": self.channel.address}

    def read(self, beneficiary: int = 0, who: str = "the card holder") -> TerminalRead:
        """One read of what is on the reader, ``beneficiary`` chosen; ReportError, TerminalSilent."""
        self.channel.expect()
        control = self.config.dut.control  # type: ignore[union-attr]
        run = None
        if control.kind == "command":
            run = self._run(control.actions["read"], control.timeout, beneficiary)
            stdout = run.stdout
        else:
            assert self._prompt is not None
            self._prompt.perform("read", who=who)
            stdout = ""
        text = self.channel.collect(self.output.timeout, stdout)
        if text is None:
            ran = f" (the read command exited with {run.exit_code})" if run is not None else ""
            where = f"{self.output.kind} output {self.channel.address}".strip()
            raise TerminalSilent(f"the terminal reported nothing on its {where} within "
                                 f"{self.output.timeout:g} s{ran}")
        report = parse_report(text, where=f"the terminal's report on its {self.output.kind} output")
        if run is not None and self.output.kind == "command" and run.exit_code != EXIT_CODES[report.outcome]:
            raise ReportError(f"the terminal reported {report.outcome!r} but exited with {run.exit_code} "
                              f"(expected {EXIT_CODES[report.outcome]})")
        return TerminalRead(report, run)

    def _run(self, template: str, timeout: float, beneficiary: int) -> DutRun:
        argv = fill_template(template, self.placeholders(beneficiary), action="read")
        variant = self.config.dut.variant if self.config.dut is not None else None
        if variant:
            argv += ["--variant", variant]
        run = RunningBilling(argv, min(timeout, self.output.timeout), self.sandbox.workdir, with_stdin=False,
                             action="read", sandbox=self.sandbox).finish()
        self.runs.append(run)
        label = f"terminal run {len(self.runs)}"
        self._record(f"{label} command", " ".join(run.argv))
        self._record(f"{label} exit", "timed out" if run.exit_code is None else run.exit_code)
        self._record(f"{label} stdout", run.stdout[-4000:])
        self._record(f"{label} stderr", run.stderr[-4000:])
        return run
