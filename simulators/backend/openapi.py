"""The backend's OpenAPI document, as served at /openapi.json and checked in as docs/openapi.json.

``python -m simulators.backend.openapi docs/openapi.json`` rewrites the checked-in copy.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from simulators.backend.app import create_app
from simulators.backend.db import make_engine


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app (built on a scratch database)."""
    with tempfile.TemporaryDirectory(prefix="apcv-openapi-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.sqlite3'}")
        try:
            return create_app(engine).openapi()
        finally:
            engine.dispose()


def render(document: dict[str, Any]) -> str:
    """The document as checked in: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi.json").write_text(
        render(openapi_document()), encoding="utf-8")
