"""A trace as the rows a report shows: each APDU by name, each status word with its meaning.

Rows keep the time since the trace's first event and a response's turnaround from its
command. A trace longer than :data:`MAX_ROWS` is cut there, the cut noted in a last row.
"""

from __future__ import annotations

from collections.abc import Sequence

from apcv.trace.apdu import describe_command, describe_response
from apcv.trace.events import TraceEvent, iso_time
from harness.report.record import TraceRow

MAX_ROWS = 400
MAX_DATA_BYTES = 40


def _hex(data: bytes) -> str:
    text = data[:MAX_DATA_BYTES].hex(" ").upper()
    return text + (" …" if len(data) > MAX_DATA_BYTES else "")


def trace_rows(events: Sequence[TraceEvent]) -> list[TraceRow]:
    """The report rows of ``events``: commands named, responses with their status word."""
    if not events:
        return []
    start = events[0].timestamp
    rows: list[TraceRow] = []
    command: TraceEvent | None = None
    command_name = ""
    for event in events[:MAX_ROWS]:
        row = TraceRow(t_ms=round((event.timestamp - start) * 1000, 3), kind=event.kind,
                       at=iso_time(event.timestamp), data=_hex(event.data), length=len(event.data),
                       detail=event.detail)
        if event.kind == "command":
            info = describe_command(event.data)
            command, command_name = event, info.get("name", "")
            row.name = command_name
            row.meaning = info.get("error", "")
        elif event.kind == "response":
            info = describe_response(event.data)
            row.name = command_name
            row.sw = info.get("sw", "")
            row.meaning = info.get("meaning", info.get("error", ""))
            if command is not None:
                row.elapsed_ms = round((event.timestamp - command.timestamp) * 1000, 3)
            command = None
        rows.append(row)
    if len(events) > MAX_ROWS:
        rows.append(TraceRow(t_ms=rows[-1].t_ms, kind="note",
                             detail=f"{len(events) - MAX_ROWS} more events in the trace files"))
    return rows


def turnarounds_ms(rows: Sequence[TraceRow]) -> list[float]:
    """Every response's turnaround (ms) in ``rows``."""
    return [row.elapsed_ms for row in rows if row.kind == "response" and row.elapsed_ms is not None]
