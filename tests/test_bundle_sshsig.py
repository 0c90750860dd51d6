"""A bundle's manifest signature checks with ``ssh-keygen -Y verify`` (OpenSSH), a tool a
reviewer already has, as well as with ``apcv-hil verify-bundle``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.bundle.keys import generate_key
from harness.bundle.manifest import MANIFEST, SSH_SIGNATURE, check_bundle, sign_directory
from harness.bundle.sshsig import NAMESPACE, ssh_public_key

SSH_KEYGEN = shutil.which("ssh-keygen")
pytestmark = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed (openssh-client)")


def verify(folder: Path, signers: Path, identity: str = "vendor") -> subprocess.CompletedProcess[str]:
    with (folder / MANIFEST).open("rb") as manifest:
        command = [SSH_KEYGEN, "-Y", "verify", "-f", str(signers), "-I", identity, "-n", NAMESPACE,
                   "-s", str(folder / SSH_SIGNATURE)]
        return subprocess.run(command, stdin=manifest, capture_output=True, text=True, timeout=30,
                              check=False)


def test_ssh_keygen_accepts_the_manifest_signature_and_refuses_a_changed_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    (folder / "report").mkdir(parents=True)
    (folder / "report" / "results.json").write_text("{}")
    key = generate_key()
    sign_directory(folder, key)
    assert check_bundle(folder, set()).files == 1  # the SSH signature is not a file of the bundle
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"vendor {ssh_public_key(key.public_key())}\n")
    done = verify(folder, signers)
    assert done.returncode == 0, done.stderr
    assert 'Good "apcv-hil-bundle" signature for vendor' in done.stdout + done.stderr
    manifest = folder / MANIFEST
    manifest.write_bytes(manifest.read_bytes().replace(b'"size": 2', b'"size": 3'))
    assert verify(folder, signers).returncode != 0
    other = tmp_path / "other_signers"
    other.write_text(f"vendor {ssh_public_key(generate_key().public_key())}\n")
    sign_directory(folder, key)
    assert verify(folder, other).returncode != 0  # another key is not the signer
