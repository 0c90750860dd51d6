"""The served backend's keys: secret by default, seeded test keys only when asked.

Every key of the backend (insurer root, France Identité provider, review operator, the
practitioners of the caller directory) is derived from one *key seed*
(:mod:`apcv.seeded_keys`). With ``--seed N`` that seed is the public number N: test keys
anyone can derive, for rigs and tests that need the same keys in every process. Without it, a
served backend draws a 256-bit secret at its first start and keeps it in its key folder
(``secret-seed``, mode 0600, in a folder of mode 0700): the folder the user names, or
``<database file>.keys`` beside a SQLite database. Nobody without that file can derive a key,
and brute force over 2^256 values is out of reach. ``apcv-hil backend keys export`` writes the
public trust anchors (the insurer root certificate, the provider's public key) for verifiers.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import make_url

from apcv.errors import ApcvError
from apcv.input_files import read_text
from apcv.seeded_keys import france_identite_key, synthetic_insurer

SECRET_FILE = "secret-seed"
SECRET_BITS = 256
ROOT_FILE = "insurer-root.pem"
PROVIDER_FILE = "france-identite.pub.pem"
PUBLIC_SEED_WARNING = "test keys derived from a public seed"
"""What the backend prints when it serves seeded keys: anyone can sign as it."""


class BackendKeyError(ApcvError):
    """The backend's key folder cannot be used; the message names the folder and why."""


@dataclass(frozen=True)
class BackendKeys:
    """Where the keys of one backend come from: a public test seed, or a secret kept in a folder."""

    seed: int
    """The key seed every key is derived from."""
    folder: Path | None
    """The key folder holding the secret; None for a public test seed."""

    def describe(self) -> str:
        """One line for the start banner."""
        if self.folder is None:
            return f"{PUBLIC_SEED_WARNING} ({self.seed}): anyone can sign as this backend"
        return f"secret keys in {self.folder} (public anchors: apcv-hil backend keys export)"


def default_folder(db_url: str) -> Path:
    """``<file>.keys`` beside a SQLite database file; other databases need a named folder."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackendKeyError(f"database {url.render_as_string(hide_password=True)} has no folder for the "
                        "backend's secret keys: name one with --keys DIR (or serve test keys with --seed N)")
    return Path(url.database).resolve().with_name(Path(url.database).name + ".keys")


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (0700) or check that nobody but its owner can enter it."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = folder.stat()
    except OSError as exc:
        raise BackendKeyError(f"key folder {folder} cannot be created: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(mode.st_mode):
        raise BackendKeyError(f"key folder {folder} is not a folder")
    if mode.st_mode & 0o077:
        shown = f"{stat.S_IMODE(mode.st_mode):o}"
        raise BackendKeyError(f"key folder {folder} is open to other users (mode {shown}): chmod 700 it")


def secret_keys(folder: Path, *, create: bool = True) -> BackendKeys:
    """The secret seed kept in ``folder``, drawn and stored (0600) at the first start if ``create``."""
    path = folder / SECRET_FILE
    if create:
        _private_folder(folder)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            pass
        except OSError as exc:
            raise BackendKeyError(f"key file {path} cannot be created: {exc.strerror or exc}") from None
        else:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(f"{secrets.randbits(SECRET_BITS):064x}\n")
                file.flush()
                os.fsync(file.fileno())
    text = read_text(path, limit=100, what="key file", error=BackendKeyError,
                     missing_hint=" (the backend creates it at its first start)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise BackendKeyError(f"key file {path} is readable by other users (mode {mode:o}): chmod 600 it")
    digits = text.strip()
    if len(digits) != SECRET_BITS // 4 or any(c not in "0123456789abcdef" for c in digits):
        raise BackendKeyError(f"key file {path} does not hold a secret seed (64 hexadecimal digits)")
    return BackendKeys(int(digits, 16), folder)


def resolve(db_url: str, seed: int | None, folder: str, *, create: bool = True) -> BackendKeys:
    """The keys a backend serves with: the public ``seed`` when given, else its secret (drawn at
    the first start if ``create``)."""
    if seed is not None:
        return BackendKeys(seed, None)
    return secret_keys(Path(folder) if folder else default_folder(db_url), create=create)


def export_anchors(keys: BackendKeys, out: Path) -> list[Path]:
    """Write the public trust anchors of ``keys`` into ``out``: the insurer root certificate (PEM,
    what verifiers take with ``--trust``) and the France Identité provider's public key (PEM)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        root = out / ROOT_FILE
        root.write_bytes(synthetic_insurer(keys.seed).trust_anchor.to_pem())
        provider = out / PROVIDER_FILE
        provider.write_bytes(france_identite_key(keys.seed).public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    except OSError as exc:
        raise BackendKeyError(f"cannot write the trust anchors into {out}: {exc.strerror or exc}") from None
    return [root, provider]
