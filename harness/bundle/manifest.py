"""The manifest of a bundle: every file's SHA-256 and size, signed with Ed25519.

``MANIFEST.json`` lists the files (POSIX paths relative to the bundle) and the signer's public
key; ``MANIFEST.sig`` holds the base64 Ed25519 signature of the exact bytes of
``MANIFEST.json``. Both are written last, so a bundle without them is not complete.
Each file's permission bits are signed too. Checking names every file changed, added or
removed, every entry the manifest does not list (an empty folder included), every entry that is
not a plain regular file (a symbolic link, a FIFO, a device, a hard link), every entry it cannot
read, a folder nested deeper than :data:`MAX_DEPTH`, a signature that does not verify and a key
nobody trusts; names are shown escaped (a control character cannot forge an output line).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
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
MAX_DEPTH = 32
"""Deepest folder nesting a bundle may have (a report needs 3)."""


class FileEntry(BaseModel):
    """One file of the bundle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    mode: int | None = Field(None, ge=0, le=0o7777)
    """Permission bits (``stat.S_IMODE``); absent in bundles signed before they were recorded."""


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


def shown(name: str) -> str:
    """``name`` with every character that is not printable escaped (``\\n``, ``\\x1b``, ...), so
    that a file name cannot end an output line or forge one."""
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


@dataclass
class Scan:
    """What a bundle folder holds: its regular files, its folders, and the entries it refuses."""

    files: dict[str, tuple[Path, os.stat_result]] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    """Names of the entries a problem is about."""

    def refuse(self, name: str, problem: str) -> None:
        """Record ``problem`` about the entry ``name``."""
        self.refused.add(name)
        self.problems.append(problem)


_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def scan(directory: Path) -> Scan:
    """Every entry under ``directory`` but the manifest and signature, by POSIX relative path,
    without following links: regular files with their ``lstat``, folders, and one problem for
    each entry that cannot be read, is not a regular file or a folder, is a hard link, or lies
    deeper than :data:`MAX_DEPTH` folders."""
    found = Scan()
    pending: list[tuple[Path, str, int]] = [(directory, "", 0)]
    while pending:
        folder, prefix, depth = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            found.refuse(prefix.rstrip("/"), f"unreadable: {shown(prefix or '.')} ({exc.strerror or exc})")
            continue
        for entry in listed:
            name = f"{prefix}{entry.name}"
            if name in (MANIFEST, SIGNATURE, SSH_SIGNATURE):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                found.refuse(name, f"unreadable: {shown(name)} ({exc.strerror or exc})")
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 >= MAX_DEPTH:
                    found.refuse(name, f"too deep: {shown(name)} (folders nest over {MAX_DEPTH} levels)")
                    continue
                found.folders.add(name)
                pending.append((Path(entry.path), f"{name}/", depth + 1))
            elif not stat.S_ISREG(info.st_mode):
                kind = next((k for test, k in _KINDS if test(info.st_mode)), "not a regular file")
                found.refuse(name, f"not a regular file: {shown(name)} ({kind})")
            elif info.st_nlink > 1:
                found.refuse(name, f"not a regular file: {shown(name)} (a hard link: {info.st_nlink} names)")
            else:
                found.files[name] = (Path(entry.path), info)
    found.files = dict(sorted(found.files.items()))
    return found


def sign_directory(directory: Path, key: Ed25519PrivateKey) -> Manifest:
    """Hash every file of ``directory`` (with its size and permission bits), write
    ``MANIFEST.json``, its ``MANIFEST.sig`` and the same signature for ``ssh-keygen -Y verify``
    (``MANIFEST.json.sshsig``); BundleError if an entry cannot be signed."""
    public = key.public_key()
    found = scan(directory)
    if found.problems:
        raise BundleError(f"cannot sign {directory}: {found.problems[0]}")
    files = {name: FileEntry(sha256=digest(path), size=info.st_size, mode=stat.S_IMODE(info.st_mode))
             for name, (path, info) in found.files.items()}
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
    found = scan(check.directory)
    check.problems.extend(found.problems)
    for name, entry in manifest.files.items():
        if name not in found.files:
            if name not in found.refused and not any(name.startswith(f"{r}/") for r in found.refused):
                check.problems.append(f"removed: {shown(name)}")
            continue
        path, info = found.files[name]
        if info.st_size != entry.size:
            how = "truncated" if info.st_size < entry.size else "grown"
            check.problems.append(f"changed: {shown(name)} ({how}: {info.st_size} bytes, "
                                  f"signed with {entry.size})")
            continue
        if entry.mode is not None and stat.S_IMODE(info.st_mode) != entry.mode:
            check.problems.append(f"changed: {shown(name)} (mode {stat.S_IMODE(info.st_mode):04o}, "
                                  f"signed with {entry.mode:04o})")
        try:
            same = digest(path) == entry.sha256
        except OSError as exc:
            check.problems.append(f"unreadable: {shown(name)} ({exc.strerror or exc})")
            continue
        if not same:
            check.problems.append(f"changed: {shown(name)} (content differs from its signed SHA-256)")
    listed_folders = {str(parent) for name in manifest.files for parent in PurePosixPath(name).parents
                      if str(parent) != "."}
    for name in found.files:
        if name not in manifest.files:
            check.problems.append(f"added: {shown(name)}")
    for name in sorted(found.folders - listed_folders):
        check.problems.append(f"added: {shown(name)}/ (a folder the manifest does not list)")


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
