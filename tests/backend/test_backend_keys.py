"""A served backend's keys are its own secret unless test keys are asked for (issue 24).

On ``main`` every key of ``backend serve`` came from ``--seed`` (default 0) by a public formula:
anyone could sign an identity assertion, act as the review operator, or mint a device's QR.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from apcv.profile.r1.credentials import TrustAnchor
from apcv.seeded_keys import synthetic_insurer
from harness.cli import cli
from simulators.backend.client import Signer, open_backend
from simulators.backend.keys import PUBLIC_SEED_WARNING, SECRET_FILE, secret_keys
from simulators.backend.process import ServerProcess, ServerStartError
from simulators.backend.signing import operator_key, public_key_der
from simulators.identity.france_identite import FranceIdentite
from simulators.population.generator import generate_population

PERSON = next(p for p in generate_population(30, 4) if not p.under_guardianship
              and p.identity.birth_date.year < 1995)


def _export(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["backend", "keys", "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.split()


@pytest.mark.slow  # serves the backend
@pytest.mark.apcv_requirement("APCV-BE-071", "APCV-BE-051")
def test_a_served_backend_makes_and_keeps_its_own_secret_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    folder = tmp_path / "b.sqlite3.keys"
    with ServerProcess(url, seed=None) as server:
        assert f"secret keys in {folder}" in server.log()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / SECRET_FILE).stat().st_mode) == 0o600
        secret = secret_keys(folder, create=False).seed
        client = open_backend(server.url)
        # the public formula's keys open nothing: the seed-0 operator, the seed-0 provider
        refused = client.send("PUT", "/v1/insured", PERSON.to_dict(), Signer.operator())
        assert refused.status_code == 403, refused.text
        operator = Signer(operator_key("review-1", secret), "operator:review-1")
        assert client.send("PUT", "/v1/insured", PERSON.to_dict(), operator).status_code in (200, 201)
        key = ec.generate_private_key(ec.SECP256R1())
        nir = PERSON.identity.nir
        forged = client.send("POST", "/v1/activations", _enrolment(key, nir, FranceIdentite(0)),
                             Signer.device(key), {"Idempotency-Key": "keys-1"})
        assert forged.status_code == 403 and forged.json()["error"] == "identity_not_proven"
        done = client.send("POST", "/v1/activations", _enrolment(key, nir, FranceIdentite(secret)),
                           Signer.device(key), {"Idempotency-Key": "keys-2"})
        assert done.status_code == 201, done.text
        certificate = base64.b64decode(done.json()["device_certificate"])
    # the exported anchor is the root the served backend signs with, and no small seed's
    root_pem, provider_pem = _export("--db", url, "--out", str(tmp_path / "anchors"))
    anchor = TrustAnchor.from_pem(Path(root_pem).read_bytes())
    issued = x509.load_der_x509_certificate(certificate).not_valid_before_utc
    anchor.verify_device_certificate(certificate, issued)
    assert "PUBLIC KEY" in Path(provider_pem).read_text()
    published = anchor.public_key.public_numbers()
    assert all(synthetic_insurer(seed).key.public_key().public_numbers() != published for seed in range(200))
    with ServerProcess(url, seed=None):  # a restart keeps the same keys
        assert secret_keys(folder, create=False).seed == secret


def _enrolment(key: ec.EllipticCurvePrivateKey, nir: str, provider: FranceIdentite) -> dict:
    return {"nir": nir, "proof": "france_identite",
            "identity_assertion": provider.prove(nir, key.public_key()),
            "device_public_key": base64.b64encode(public_key_der(key.public_key())).decode()}


@pytest.mark.slow  # serves the backend
def test_test_keys_are_served_only_when_asked_and_say_so(tmp_path):
    with ServerProcess(f"sqlite:///{tmp_path / 'seeded.sqlite3'}", seed=7) as server:
        assert f"{PUBLIC_SEED_WARNING} (7)" in server.log()
    assert not (tmp_path / "seeded.sqlite3.keys").exists()
    result = CliRunner().invoke(cli, ["backend", "keys", "export", "--seed", "7", "--out", str(tmp_path)])
    assert result.exit_code == 0 and PUBLIC_SEED_WARNING in result.stderr


@pytest.mark.slow  # serves the backend four times
def test_keys_that_do_not_fit_are_one_line_refusals(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    with ServerProcess(url, seed=0):
        pass
    with pytest.raises(ServerStartError, match="set up with other keys"):  # public directory, secret keys
        ServerProcess(url, seed=None)
    folder = tmp_path / "keys"
    with ServerProcess(f"sqlite:///{tmp_path / 'c.sqlite3'}", seed=None, keys=str(folder)):
        pass
    os.chmod(folder / SECRET_FILE, 0o644)
    with pytest.raises(ServerStartError, match=r"readable by other users .* chmod 600"):
        ServerProcess(f"sqlite:///{tmp_path / 'c.sqlite3'}", seed=None, keys=str(folder))
    os.chmod(folder / SECRET_FILE, 0o600)
    os.chmod(folder, 0o755)
    with pytest.raises(ServerStartError, match=r"open to other users .* chmod 700"):
        ServerProcess(f"sqlite:///{tmp_path / 'c.sqlite3'}", seed=None, keys=str(folder))
    missing = CliRunner().invoke(cli, ["backend", "keys", "export", "--db",
                                       f"sqlite:///{tmp_path / 'none.db'}", "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "creates it at its first start" in missing.stderr
