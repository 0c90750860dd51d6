"""Faulty scanners: the reference simulated scanner with one thing broken each.

They prove the scanner plan can fail: each must fail it on the requirement in ``breaks``.
The faults are those met on real desks: a fixed-size buffer that cuts long codes, a suffix
setting that does not match the host's, a keyboard layout that does not match the host's, a
stale frame sent again, and a character lost when a long code overruns the send buffer.
"""

from __future__ import annotations

from apcv.keyboard_layouts import typed_on_azerty
from simulators.scanner.device import FRAME_RATE, SimulatedScanner
from simulators.variant import Variant

ROLE = "scanner"
TRUNCATED_LENGTH = 256
"""Characters a truncating scanner keeps of each code (a 256-byte buffer)."""
SEND_BUFFER = 272
"""Bytes the dropping scanner's send buffer holds; the byte that overruns it is lost."""


class _Truncates(SimulatedScanner):
    def message_for(self, text: str) -> bytes:
        return super().message_for(text[:TRUNCATED_LENGTH])


class _WrongTerminator(SimulatedScanner):
    def message_for(self, text: str) -> bytes:
        return (text + ("\r" if self.terminator == "\n" else "\n")).encode("utf-8")


class _QwertyOnAzerty(SimulatedScanner):
    def message_for(self, text: str) -> bytes:
        return super().message_for(typed_on_azerty(text))


class _RepeatsPrevious(SimulatedScanner):
    """Sends the code it sent before again, then the new one (a stale frame in its buffer)."""

    _previous: bytes | None = None

    def next_message(self, max_frames: int = 5 * FRAME_RATE) -> bytes | None:
        message = super().next_message(max_frames)
        if message is None:
            return None
        stale, self._previous = self._previous, message
        return (stale or b"") + message


class _DropsUnderLoad(SimulatedScanner):
    def message_for(self, text: str) -> bytes:
        message = super().message_for(text)
        if len(message) <= SEND_BUFFER:
            return message
        return message[:SEND_BUFFER] + message[SEND_BUFFER + 1:]


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("scanner-truncates-long-codes", ROLE,
            f"cuts every code after {TRUNCATED_LENGTH} characters", ("APCV-SCN-001",),
            maker=_Truncates.under),
    Variant("scanner-wrong-terminator", ROLE,
            "ends each code with LF where CR is configured", ("APCV-SCN-002",),
            maker=_WrongTerminator.under),
    Variant("scanner-qwerty-on-azerty", ROLE,
            "types with a US QWERTY layout into a French AZERTY host", ("APCV-SCN-003",),
            maker=_QwertyOnAzerty.under),
    Variant("scanner-repeats-previous-code", ROLE,
            "sends the previous code again before each new one", ("APCV-SCN-004",),
            maker=_RepeatsPrevious.under),
    Variant("scanner-drops-under-load", ROLE,
            f"loses the character that overruns its {SEND_BUFFER}-byte send buffer on a long code",
            ("APCV-SCN-001",),
            maker=_DropsUnderLoad.under),
)}
"""The scanner's faulty variants by name; ``VARIANTS[name].build(condition, decoder, ...)`` is the
scanner, built as :meth:`SimulatedScanner.under` builds the reference."""
