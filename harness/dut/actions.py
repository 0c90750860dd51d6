"""The physical acts a test asks of the device under test, routed to the right control.

A device the bench simulates in this process is acted on directly; any other device goes
through the rig's ``dut.control`` (a person, a command, or a simulator's control channel).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TextIO

from harness.bench import Bench
from harness.dut.control import (
    ApiControl,
    CommandControl,
    DutControl,
    InProcessControl,
    PromptControl,
)
from harness.rig import RigConfig

OPERATOR_MODES = ("prompt", "auto", "skip")


def in_process_control(bench: Bench) -> InProcessControl | None:
    """Direct control of the bench's simulated phone, when it has one."""
    phone = bench.phone
    if phone is None:
        return None
    return InProcessControl({
        "tap": lambda: bench.present("phone"),
        "remove": lambda: bench.withdraw("phone"),
        "lock": phone.lock.lock,
        "unlock": phone.unlock,
        "show_qr": phone.unlock,
        "enter_code": phone.enter_code,
        "biometric": phone.biometric,
        "reactivate": phone.reactivate,
    })


@contextlib.contextmanager
def _terminal() -> Iterator[tuple[TextIO, TextIO] | None]:
    try:
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError:
        yield None
        return
    with tty:
        yield tty, tty


CaptureSuspender = Callable[[], contextlib.AbstractContextManager]


def rig_control(config: RigConfig, operator: str, suspend_capture: CaptureSuspender) -> DutControl:
    """The control the rig declares for its DUT (a person at the terminal by default)."""
    settings = config.dut.control if config.dut is not None else None
    if settings is not None and settings.kind == "command":
        return CommandControl(settings.actions, settings.timeout)
    if settings is not None and settings.kind == "api" and settings.url:
        return ApiControl(settings.url, settings.timeout)
    timeout = settings.timeout if settings is not None else 60.0
    return _TerminalPrompt(timeout, operator, suspend_capture)


class _TerminalPrompt:
    """A :class:`PromptControl` on the controlling terminal, with pytest's capture suspended."""

    def __init__(self, timeout: float, operator: str, suspend_capture: CaptureSuspender) -> None:
        self._timeout = timeout
        self._operator = operator
        self._suspend = suspend_capture

    def perform(self, action: str, **placeholders: str) -> str | None:
        with self._suspend(), _terminal() as streams:
            present = self._operator != "skip" and streams is not None
            stdin, stdout = streams if streams is not None else (None, None)
            prompt = PromptControl(self._timeout, present=present, stdin=stdin, stdout=stdout)
            return prompt.perform(action, **placeholders)
