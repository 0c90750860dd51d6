"""Best-effort decoding of APDUs for trace summaries; never raises on garbage.

Commands are split into CLA/INS/P1/P2/Lc/Le following the ISO 7816-4 cases (short and
extended length); responses are split into data and status word with its meaning.
"""

from __future__ import annotations

from typing import Any

from apcv.profile.iso7816 import INSTRUCTIONS, sw_meaning
from apcv.profile.r1.apdu import ApduFormatError, parse_command


def _lengths(apdu: bytes) -> tuple[str, int | None, int | None] | None:
    """(case, Lc, Le) of a command, or None if its length bytes do not add up."""
    try:
        cmd = parse_command(apdu)
    except ApduFormatError:
        return None
    case = {(False, False): "1", (False, True): "2", (True, False): "3", (True, True): "4"}[
        (bool(cmd.data), cmd.le is not None)
    ]
    if case != "1":
        case += "E" if cmd.extended else "S"
    return case, len(cmd.data) if cmd.data else None, cmd.le


def describe_command(apdu: bytes) -> dict[str, Any]:
    """Header fields, case, Lc and Le of a command APDU, with a one-line summary.

    A command too short or whose length bytes do not add up gets an ``error`` entry
    naming the problem instead of the fields that could not be read.
    """
    if len(apdu) < 4:
        return {"error": f"command of {len(apdu)} bytes, shorter than a 4-byte header"}
    cla, ins, p1, p2 = apdu[:4]
    info: dict[str, Any] = {
        "cla": f"{cla:02X}",
        "ins": f"{ins:02X}",
        "p1": f"{p1:02X}",
        "p2": f"{p2:02X}",
        "name": INSTRUCTIONS.get(ins, "unknown"),
    }
    lengths = _lengths(apdu)
    summary = f"{info['name']} CLA={cla:02X} INS={ins:02X} P1={p1:02X} P2={p2:02X}"
    if lengths is None:
        info["error"] = f"length bytes do not match the {len(apdu) - 4}-byte body"
        info["summary"] = summary + " (malformed body)"
        return info
    case, lc, le = lengths
    info.update(case=case, lc=lc, le=le)
    if lc is not None:
        summary += f" Lc={lc}"
    if le is not None:
        summary += f" Le={le}"
    info["summary"] = summary
    return info


def describe_response(rapdu: bytes) -> dict[str, Any]:
    """Status word (4 hex digits), its meaning and the data length of a response APDU."""
    if len(rapdu) < 2:
        return {"error": f"response of {len(rapdu)} bytes, shorter than a status word"}
    sw = int.from_bytes(rapdu[-2:])
    return {"sw": f"{sw:04X}", "meaning": sw_meaning(sw), "data_length": len(rapdu) - 2}
