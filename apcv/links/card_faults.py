"""Faults a card-side link injects, described as data in the link URL.

``vpcd://127.0.0.1:35963?fault=drop@3,corrupt@5&latency=20`` reads: answer every APDU 20 ms
late, flip a byte of the answer to the 5th APDU, and leave the field when the 3rd APDU
arrives. APDUs are counted from 1 since the device was attached; each fault fires once
per link (a device presented again is not faulted again).

Kinds:
- ``drop@N``    RF drop: the device leaves the field instead of answering APDU N;
- ``reset@N``   the device resets (loses its session) just before APDU N;
- ``corrupt@N`` the first byte of the answer to APDU N is inverted;
- ``garbage@N`` the answer to APDU N is one meaningless byte;
- ``mute@N``    the device never answers APDU N (until it is taken away).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apcv.links.base import LinkError

KINDS = ("drop", "reset", "corrupt", "garbage", "mute")
FAULT_PARAMS = ("fault", "latency")
"""The query parameters that describe a card-side link's faults."""
GARBAGE_ANSWER = b"\x01"
MAX_LATENCY_MS = 60_000


@dataclass(frozen=True)
class CardFaults:
    """The faults of one card-side link: latency on every answer, one-shot faults by APDU."""

    latency_ms: float = 0.0
    at: dict[int, str] = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the active faults, for logs and reports."""
        parts = [f"latency {self.latency_ms:g} ms"] if self.latency_ms else []
        parts += [f"{kind} at APDU {n}" for n, kind in sorted(self.at.items())]
        return ", ".join(parts) or "none"

    def take(self, apdu_number: int, fired: set[int]) -> str | None:
        """The fault kind due at ``apdu_number``, unless it is in ``fired`` (it fires once
        per link); a fault returned is added to ``fired``."""
        kind = self.at.get(apdu_number)
        if kind is None or apdu_number in fired:
            return None
        fired.add(apdu_number)
        return kind


def parse_card_faults(params: dict[str, str], url: str) -> CardFaults:
    """Read ``fault=`` and ``latency=`` from a link URL's query; LinkError names a bad item."""
    latency = 0.0
    if "latency" in params:
        try:
            latency = float(params["latency"])
        except ValueError:
            latency = -1.0
        if not 0 <= latency <= MAX_LATENCY_MS:
            raise LinkError(f"{url}: latency={params['latency']!r} must be milliseconds, "
                            f"0..{MAX_LATENCY_MS}")
    at: dict[int, str] = {}
    for item in filter(None, params.get("fault", "").split(",")):
        kind, _, index = item.strip().partition("@")
        if kind not in KINDS or not index.isdigit() or int(index) < 1:
            raise LinkError(f"{url}: fault {item!r} is not KIND@N with KIND one of "
                            f"{', '.join(KINDS)} and N an APDU number from 1 (e.g. drop@3)")
        if int(index) in at:
            raise LinkError(f"{url}: two faults at APDU {index}")
        at[int(index)] = kind
    return CardFaults(latency, at)


def spoil_answer(fault: str | None, answer: bytes, apdu_number: int, note: Callable[[str], None]) -> bytes:
    """``answer`` to APDU ``apdu_number`` as a ``corrupt`` or ``garbage`` fault turns it (noted
    through ``note``); unchanged for any other fault or none."""
    if fault == "corrupt" and answer:
        note(f"fault: byte 0 of the answer to APDU {apdu_number} inverted")
        return bytes([answer[0] ^ 0xFF]) + answer[1:]
    if fault == "garbage":
        note(f"fault: the device answered garbage to APDU {apdu_number}")
        return GARBAGE_ANSWER
    return answer
