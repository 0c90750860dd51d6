"""Requirement ids and titles, read from the profile document (docs/protocol.md)."""

from __future__ import annotations

import re
from pathlib import Path

PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
_ROW = re.compile(r"^\|\s*(APCV-[A-Z]+-\d{3})\s*\|\s*(.+?)\s*\|", re.MULTILINE)


def load_requirements(path: Path = PROTOCOL_DOC) -> dict[str, str]:
    """Map requirement id -> one-line title from the document's requirement tables."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    return {m.group(1): m.group(2) for m in _ROW.finditer(text)}
