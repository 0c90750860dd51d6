"""Writing report files without ever leaving a half-written one behind."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``, creating parent directories; returns ``path``.

    The text goes to a temporary file that replaces ``path`` only once complete, so a
    crash mid-write keeps the previous report intact.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path
