"""The manifest of a bundle: every file's SHA-256 and size, signed with Ed25519.

``MANIFEST.json`` lists the files (POSIX paths relative to the bundle) and the signer's public
key; ``MANIFEST.sig`` holds the base64 Ed25519 signature of the exact bytes of
``MANIFEST.json``. Both are written last, so a bundle without them is not complete.
Checking names every file changed, added or removed, a signature that does not verify,
and a key nobody trusts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.bundle import sshsig
from harness.bundle.errors import BundleError
from harness.bundle.keys import fingerprint, raw_public

MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.sig"
SSH_SIGNATURE = "MANIFEST.json.sshsig"
"""The same signature in OpenSSH's format, for ``ssh-keygen -Y verify`` (:mod:`harness.bundle.sshsig`)."""
FORMAT = "apcv-hil-bundle/1"
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024


class FileEntry(BaseModel):
    """One file of the bundle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class Manifest(BaseModel):
    """``MANIFEST.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    created: str
    algorithm: str
    public_key: str
    fingerprint: str
    files: dict[str, FileEntry]

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"format {value!r} is not {FORMAT!r}")
        return value

    @field_validator("algorithm")
    @classmethod
    def _algorithm(cls, value: str) -> str:
        if value != "Ed25519":
            raise ValueError(f"algorithm {value!r} is not Ed25519")
        return value

    @field_validator("files")
    @classmethod
    def _paths(cls, value: dict[str, FileEntry]) -> dict[str, FileEntry]:
        for name in value:
            path = PurePosixPath(name)
            if (not name or path.is_absolute() or ".." in path.parts or "\\" in name
                    or str(path) != name or name in (MANIFEST, SIGNATURE)):
                raise ValueError(f"file path {name!r} is not a plain relative path inside the bundle")
        return value

    def key(self) -> Ed25519PublicKey:
        """The signer's public key; ValueError when it is not 32 base64 bytes."""
        raw = base64.b64decode(self.public_key, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)


def digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def bundle_files(directory: Path) -> dict[str, Path]:
    """Every entry under ``directory`` but the manifest and signature, by POSIX relative path
    (symbolic links and other non-regular files included, so a check can refuse them)."""
    found: dict[str, Path] = {}
    for root, dirs, names in os.walk(directory):
        base = Path(root)
        for name in names + [d for d in dirs if (base / d).is_symlink()]:
            path = base / name
            relative = path.relative_to(directory).as_posix()
            if relative not in (MANIFEST, SIGNATURE, SSH_SIGNATURE):
                found[relative] = path
    return dict(sorted(found.items()))


def sign_directory(directory: Path, key: Ed25519PrivateKey) -> Manifest:
    """Hash every file of ``directory``, write ``MANIFEST.json``, its ``MANIFEST.sig`` and the same
    signature for ``ssh-keygen -Y verify`` (``MANIFEST.json.sshsig``)."""
    public = key.public_key()
    files = {name: FileEntry(sha256=digest(path), size=path.stat().st_size)
             for name, path in bundle_files(directory).items()}
    manifest = Manifest(format=FORMAT, created=datetime.now(UTC).isoformat(timespec="seconds"),
                        algorithm="Ed25519", public_key=base64.b64encode(raw_public(public)).decode("ascii"),
                        fingerprint=fingerprint(public), files=files)
    body = (json.dumps(manifest.model_dump(), indent=1, sort_keys=True) + "\n").encode("utf-8")
    (directory / MANIFEST).write_bytes(body)
    (directory / SIGNATURE).write_text(base64.b64encode(key.sign(body)).decode("ascii") + "\n",
                                       encoding="ascii")
    (directory / SSH_SIGNATURE).write_text(sshsig.sign(body, key), encoding="ascii")
    return manifest


@dataclass
class Check:
    """What checking a bundle found: the signer's fingerprint and one line per problem."""

    directory: Path
    fingerprint: str = ""
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _read_limited(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():  # a FIFO or device would block or never end
            raise BundleError(f"{what} is not a regular file")
        if size > limit:
            raise BundleError(f"{what} is {size} bytes, more than the {limit} a bundle's may have")
        return path.read_bytes()
    except FileNotFoundError:
        raise BundleError(f"{what} is missing: not a bundle, or one whose writing never finished") from None
    except OSError as exc:
        raise BundleError(f"{what} cannot be read: {exc.strerror or exc}") from None


def _parse(body: bytes) -> Manifest:
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{MANIFEST} does not parse: {exc}") from None
    try:
        manifest = Manifest.model_validate(data)
        manifest.key()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise BundleError(f"{MANIFEST}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    except (ValueError, binascii.Error):
        raise BundleError(f"{MANIFEST}: public_key is not a base64 Ed25519 public key") from None
    return manifest


def _signature(directory: Path) -> bytes:
    text = _read_limited(directory / SIGNATURE, MAX_SIGNATURE_BYTES, SIGNATURE)
    try:
        signature = base64.b64decode(text.strip(), validate=True)
    except (ValueError, binascii.Error):
        signature = b""
    if len(signature) != 64:
        raise BundleError(f"{SIGNATURE} is not a base64 Ed25519 signature (64 bytes)")
    return signature


def _compare(check: Check, manifest: Manifest) -> None:
    present = bundle_files(check.directory)
    for name, entry in manifest.files.items():
        path = present.get(name)
        if path is None:
            check.problems.append(f"removed: {name}")
        elif path.is_symlink() or not path.is_file():
            check.problems.append(f"changed: {name} is no longer a regular file")
        elif (size := path.stat().st_size) != entry.size:
            how = "truncated" if size < entry.size else "grown"
            check.problems.append(f"changed: {name} ({how}: {size} bytes, signed with {entry.size})")
        elif digest(path) != entry.sha256:
            check.problems.append(f"changed: {name} (content differs from its signed SHA-256)")
    for name in present:
        if name not in manifest.files:
            check.problems.append(f"added: {name}")


def check_bundle(directory: str | Path, trusted: set[str]) -> Check:
    """Check the signature of ``directory``'s manifest, that its key is in ``trusted``
    (fingerprints) and every file against the manifest. Problems are listed, not raised;
    BundleError only when ``directory`` is not a directory."""
    folder = Path(directory)
    if not folder.is_dir():
        raise BundleError(f"bundle {folder}: not a directory")
    check = Check(folder)
    try:
        body = _read_limited(folder / MANIFEST, MAX_MANIFEST_BYTES, MANIFEST)
        manifest = _parse(body)
    except BundleError as exc:
        check.problems.append(str(exc))
        return check
    check.fingerprint = manifest.fingerprint
    check.files = len(manifest.files)
    actual = fingerprint(manifest.key())
    if actual != manifest.fingerprint:
        check.problems.append(
            f"{MANIFEST}: fingerprint {manifest.fingerprint} is not its public key's ({actual})")
        check.fingerprint = actual
    try:
        manifest.key().verify(_signature(folder), body)
    except BundleError as exc:
        check.problems.append(str(exc))
    except InvalidSignature:
        check.problems.append(f"signature: {SIGNATURE} does not verify {MANIFEST} with key {actual} "
                              f"(the manifest was edited, or signed by another key)")
    if actual not in trusted:
        check.problems.append(f"key: signed by {actual}, which is not a trusted key"
                              + (" (give it with --trust)" if not trusted else ""))
    _compare(check, manifest)
    return check
