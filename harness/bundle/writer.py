"""Assembling a bundle atomically: everything goes to a hidden temporary directory beside the
target, the signed manifest is written last, and only then is the directory renamed to the
target. An interrupted run leaves no directory under the target's name, and a leftover
temporary one has no signature.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.bundle.errors import BundleError
from harness.bundle.manifest import Manifest, sign_directory


def write_json(path: Path, document: Any) -> Path:
    """Write ``document`` as indented UTF-8 JSON at ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def check_target(target: Path) -> None:
    """BundleError when ``target`` exists (a bundle is never overwritten) or its parent cannot
    take it."""
    if target.exists() or target.is_symlink():
        raise BundleError(f"bundle {target}: already exists; give another --out "
                          "(bundles are never overwritten)")
    parent = target.parent if str(target.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise BundleError(f"bundle {target}: {parent} is not a directory")


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A temporary directory beside ``target``, removed unless :func:`seal` renamed it."""
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield folder
    finally:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)


def seal(folder: Path, target: Path, key: Ed25519PrivateKey) -> Manifest:
    """Sign everything in ``folder`` and rename it to ``target``."""
    manifest = sign_directory(folder, key)
    os.chmod(folder, 0o755)  # mkdtemp makes it private
    check_target(target)
    os.rename(folder, target)
    return manifest
