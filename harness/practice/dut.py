"""Making the billing program under test do one identification and billing, and what came of it.

With a ``command`` control the rig's ``bill`` template runs (:mod:`.runner`); with ``prompt`` a
person operates the (windowed) program when asked. Either way the harness presents what the
test chose (a phone or card already on the reader, or a QR through the program's scanner) and
then reads the insurer's audit log: the record of what the program asked the insurer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apcv.errors import ApcvError
from harness.dut.control import DutControl
from harness.practice.keyboard import VirtualKeyboard
from harness.practice.runner import DutRun, RunningBilling, fill_template
from harness.practice.world import PracticeWorld
from simulators.practice.contract import ContractError, Result

DEFAULT_AMOUNT_CENTS = 2500
DEFAULT_ACT = "G"
ACKNOWLEDGED = (200, 201)
SCANNER_OPEN_TIMEOUT_S = 15.0
OUTPUT_IN_MESSAGE = 400
"""Characters of each output stream quoted in a contract failure (the whole run is in the properties)."""


class QrInputUnavailable(ApcvError):
    """The program takes no QR the way the rig says, or the machine cannot type one (the message says why)."""


@dataclass
class Billing:
    """One billing run: the program's result (None when a person operated it), the audit entries of
    the run, when the presentation reached the program, and the run itself (command control)."""

    result: Result | None
    audit: list[dict[str, Any]]
    presented_at: float | None
    run: DutRun | None = None
    asked: tuple[int, str] = (DEFAULT_AMOUNT_CENTS, DEFAULT_ACT)
    """The amount (cents) and act code the program was asked to bill."""

    def operations(self, *names: str) -> list[dict[str, Any]]:
        """Audit entries of these operations (all of them when none is named)."""
        return [e for e in self.audit if not names or e["operation"] in names]

    def verifications(self) -> list[dict[str, Any]]:
        """Verification requests (NFC, QR, card)."""
        return [e for e in self.audit if e["operation"].startswith("verify-")]

    def claims(self) -> list[dict[str, Any]]:
        """Claim requests, whatever their outcome."""
        return self.operations("claim")

    def acknowledged_claims(self) -> list[dict[str, Any]]:
        """Claim requests the insurer acknowledged (stored, or the same claim again)."""
        return [e for e in self.claims() if e["status"] in ACKNOWLEDGED]

    def claim_acknowledged_at(self) -> float | None:
        """When the insurer first acknowledged a claim of this run (service clock)."""
        times = [e["at"] for e in self.acknowledged_claims()]
        return min(times) if times else None

    def output(self) -> str:
        """Everything the program printed (standard output then standard error)."""
        return "" if self.run is None else self.run.stdout + "\n" + self.run.stderr

    def properties(self, label: str = "dut run") -> dict[str, object]:
        """The run for the report, beside the test's verdict (report writers mask NIRs)."""
        return {} if self.run is None else run_properties(self.run, label)


def run_properties(run: DutRun, label: str) -> dict[str, object]:
    """Command, exit status, duration and output (the last 4,000 characters) of a run."""
    return {f"{label} command": " ".join(run.argv),
            f"{label} exit": "timed out" if run.exit_code is None else run.exit_code,
            f"{label} seconds": round(run.ended_at - run.started_at, 3),
            f"{label} stdout": run.stdout[-4000:], f"{label} stderr": run.stderr[-4000:]}


class BillingDut:
    """The program under test, driven the way the rig says."""

    def __init__(self, world: PracticeWorld, prompt: DutControl | None, record: Callable[[str, object], None],
                 workdir: Path) -> None:
        self.world = world
        self.config = world.config
        self._prompt = prompt
        self._record = record
        self._workdir = workdir
        self.runs: list[DutRun] = []

    @property
    def qr_input(self) -> str:
        """How the program takes QR codes (the rig's ``dut.qr_input``)."""
        return self.config.dut.qr_input if self.config.dut is not None else "none"

    def qr_problem(self) -> str | None:
        """Why the program cannot be handed a QR on this bench, or None."""
        if self.qr_input == "none":
            return f"rig '{self.config.name}' says the billing program takes no QR (dut.qr_input: none)"
        if self.qr_input == "keyboard":
            from harness.practice.keyboard import keyboard_problem

            problem = keyboard_problem()
            return f"no virtual keyboard to type QR codes with: {problem}" if problem else None
        return None

    def bill(self, *, beneficiary: int = 0, amount: int = DEFAULT_AMOUNT_CENTS, act: str = DEFAULT_ACT,
             qr: str | None = None, during: Callable[[], None] | None = None,
             who: str = "the patient") -> Billing:
        """One identification and billing. The phone or card must be on the reader already, unless
        ``qr`` is given: then it is handed to the program through its scanner. ``during`` runs while
        the program works (e.g. unlocking a locked phone once the program met the lock)."""
        if qr is not None and (problem := self.qr_problem()):
            raise QrInputUnavailable(problem)
        mark = self.world.audit_mark()
        control = self.config.dut.control if self.config.dut is not None else None
        if control is not None and control.kind == "command":
            run, presented_at = self._run_command(control.actions["bill"], control.timeout, beneficiary,
                                                  amount, act, qr, during)
            result = self._judged(run)
        else:
            presented_at = self._run_by_hand(beneficiary, amount, act, qr, during, who)
            run, result = None, None
        audit = self.world.audit_since(mark)
        if qr is None:
            on_reader = self.world.act("status")["on_reader"]
            presented_at = self.world.device_state(on_reader)["first_apdu_at"] if on_reader else None
        return Billing(result, audit, presented_at, run, (amount, act))

    def _run_command(self, template: str, timeout: float, beneficiary: int, amount: int, act: str,
                     qr: str | None, during: Callable[[], None] | None) -> tuple[DutRun, float | None]:
        placeholders = self.world.placeholders(beneficiary, amount, act, qr_input=self.qr_input)
        argv = fill_template(template, placeholders)
        variant = self.config.dut.variant if self.config.dut is not None else None
        if variant:
            argv += ["--variant", variant]
        scanner = self.world.scanner
        if qr is not None and scanner is not None:
            scanner.discard_pending()
        running = RunningBilling(argv, timeout, self._workdir, with_stdin=self.qr_input == "stdin",
                                 sandbox=self.world.sandbox)
        presented_at = None
        try:
            if qr is not None:
                presented_at = self._hand_qr(running, qr)
            if during is not None:
                during()
        finally:
            run = running.finish()
            self.runs.append(run)
            self._keep(run)
        return run, presented_at

    def _hand_qr(self, running: RunningBilling | None, qr: str) -> float:
        scanner = self.world.scanner
        if self.qr_input == "serial" and scanner is not None:
            if not scanner.wait_ready(min(SCANNER_OPEN_TIMEOUT_S, running.remaining() if running else 60)):
                raise ContractError(f"the program never opened its scanner port {scanner.path} ({{scanner}})")
            presented_at = time.time()
            scanner.send(qr)
            return presented_at
        if self.qr_input == "stdin" and running is not None:
            presented_at = time.time()
            running.type_line(qr)
            return presented_at
        keyboard = VirtualKeyboard()
        try:
            presented_at = time.time()
            keyboard.type_line(qr)
        finally:
            keyboard.close()
        return presented_at

    def _run_by_hand(self, beneficiary: int, amount: int, act: str, qr: str | None,
                     during: Callable[[], None] | None, who: str) -> float | None:
        assert self._prompt is not None
        presented_at = None
        if qr is not None:
            self._prompt.perform("scan_ready")
            presented_at = self._hand_qr(None, qr)
        how = ("the QR just scanned" if qr is not None
               else f"the phone or card on the reader, beneficiary {beneficiary}")
        if during is not None:
            during()
        self._prompt.perform("bill", amount=str(amount), act=act, who=who, how=how)
        return presented_at

    def _judged(self, run: DutRun) -> Result:
        try:
            return run.result()
        except ContractError as exc:
            raise ContractError(f"{exc}; command: {' '.join(run.argv)}; its standard output ended "
                                f"{run.stdout[-OUTPUT_IN_MESSAGE:]!r}, its standard error "
                                f"{run.stderr[-OUTPUT_IN_MESSAGE:]!r}") from None

    def _keep(self, run: DutRun) -> None:
        for name, value in run_properties(run, f"dut run {len(self.runs)}").items():
            self._record(name, value)
