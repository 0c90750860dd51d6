"""The served backend's log: uvicorn's format on stderr, with every NIR-shaped number masked.

The access log names each request's path, and ``GET /v1/rights/{nir}`` puts a NIR in its path;
an error's message or traceback may quote one too. Both formatters mask, in the finished line,
every run shaped like a NIR (13 to 15 characters, with or without its key, valid or not) after
its first five characters, and every valid NIR (right key) even when letters touch it (a caller
may send ``/v1/rights/<nir>x``), and every NIR-shaped number spelled with separators or
percent-encoded (``1 84 12 75 ...``, ``%31%38%34...``), so no log line the service writes holds
one. Hex ids, which a shape alone would often cut into, are left whole unless a valid NIR stands
in them.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter, DefaultFormatter

from apcv.redact import mask_nir_spellings, redact_nirs

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
"""Levels of ``--log-level``; the access log shows at ``info`` and ``debug``."""

KEPT = 5
"""Characters of a NIR left readable: sex, year and month of birth."""

_NIR_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-9]{5}(?:[0-9]{2}|2[ABab])[0-9]{6,8}(?![0-9A-Za-z])")


def mask_nirs(text: str) -> str:
    """``text`` with each NIR-shaped run and each valid NIR masked after its first five characters,
    whatever its spelling (percent-encoded, spaced, dotted, dashed)."""
    shaped = _NIR_SHAPED.sub(lambda m: m.group()[:KEPT] + "*" * (len(m.group()) - KEPT), redact_nirs(text))
    return mask_nir_spellings(shaped)


class MaskingFormatter(DefaultFormatter):
    """uvicorn's default formatter, NIRs masked."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line (and traceback), NIRs masked."""
        return mask_nirs(super().format(record))


class MaskingAccessFormatter(AccessFormatter):
    """uvicorn's access-log formatter (client, request line, status), NIRs masked."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted access line, NIRs masked."""
        return mask_nirs(super().format(record))


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with masking formatters, everything on stderr."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["()"] = f"{__name__}.MaskingFormatter"
    config["formatters"]["access"]["()"] = f"{__name__}.MaskingAccessFormatter"
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return config
