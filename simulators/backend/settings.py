"""Settings names shared by the backend and its command line (kept free of heavy imports)."""

import os
from pathlib import Path

DATA_FOLDER_ENV = "XDG_DATA_HOME"
DB_FILE = "backend.sqlite3"


def data_folder() -> Path:
    """Where the backend keeps its default database: ``$XDG_DATA_HOME/apcv-hil``, else
    ``~/.local/share/apcv-hil`` (the XDG base directory rule), never the current folder."""
    base = os.environ.get(DATA_FOLDER_ENV) or str(Path.home() / ".local" / "share")
    return Path(base) / "apcv-hil"


def default_db() -> str:
    """``sqlite:///`` URL of the default database in :func:`data_folder`, the folder created."""
    folder = data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DB_FILE}"


DEFAULT_DB = "sqlite:///apcv-backend.sqlite3"
"""The database of an app built without a URL (tests and in-process use): ``backend serve``
uses :func:`default_db` instead."""
ENV_DB = "APCV_BACKEND_DB"
ENV_SEED = "APCV_BACKEND_SEED"
ENV_KEYS = "APCV_BACKEND_KEYS"
ENV_VARIANT = "APCV_BACKEND_VARIANT"
ENV_TEST_CLOCK = "APCV_BACKEND_TEST_CLOCK"
ENV_FAULTS = "APCV_BACKEND_FAULTS"
ENV_AUDIT = "APCV_BACKEND_AUDIT"
ENV_ALLOWED_HOSTS = "APCV_BACKEND_ALLOWED_HOSTS"
