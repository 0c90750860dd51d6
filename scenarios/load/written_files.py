"""Reading back the JSON files ``apcv-hil load`` writes for its workers (plans, material).

Each file names its format (``"format": "apcv-load-plan/1"``); one that cannot be read, is
not JSON, is of another format or does not build is a :class:`LoadError` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scenarios.load.errors import LoadError

Built = TypeVar("Built")


def read_written_file(path: str | Path, *, file_format: str, what: str, kind: str,
                      build: Callable[[dict], Built]) -> Built:
    """``build`` applied to the JSON object in ``path``, a ``what`` (e.g. "plan file") of
    ``file_format``; ``kind`` names such a file where it is of another format (e.g. "load plan")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoadError(f"cannot read {what} {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise LoadError(f"{what} {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != file_format:
        raise LoadError(f"{path} is not a {kind} ({file_format}); apcv-hil load writes them")
    try:
        return build(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise LoadError(f"{what} {path} is damaged: {exc!r}") from None
