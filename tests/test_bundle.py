"""Certification bundles: signing, checking (every way a bundle can be wrong), keys, atomic
writing, and ``apcv-hil certify`` / ``apcv-hil verify-bundle`` end to end on the software rig."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.bundle.errors import BundleError
from harness.bundle.keys import fingerprint, load_signing_key, trusted_fingerprint
from harness.bundle.manifest import MANIFEST, SIGNATURE, check_bundle, sign_directory
from harness.bundle.writer import seal, staging
from harness.cli import cli

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
TRUSTED = {fingerprint(KEY.public_key())}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def error_lines(result: Result) -> list[str]:
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    (folder / "report" / "traces").mkdir(parents=True)
    (folder / "verdict.json").write_text('{"certified": true}\n')
    (folder / "report" / "index.html").write_text("<html></html>\n")
    (folder / "report" / "traces" / "t1.pcapng").write_bytes(bytes(range(256)) * 4)
    sign_directory(folder, KEY)
    return folder


def problems(folder: Path, trusted: set[str] = TRUSTED) -> list[str]:
    return check_bundle(folder, trusted).problems


def test_an_intact_bundle_signed_by_a_trusted_key_checks(bundle: Path) -> None:
    check = check_bundle(bundle, TRUSTED)
    assert check.intact and check.files == 3 and check.fingerprint in TRUSTED
    manifest = json.loads((bundle / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["report/index.html", "report/traces/t1.pcapng", "verdict.json"]


def test_each_changed_added_or_removed_file_is_named(bundle: Path) -> None:
    (bundle / "verdict.json").write_text('{"certified": fals}\n')  # same size, edited
    trace = bundle / "report" / "traces" / "t1.pcapng"
    trace.write_bytes(trace.read_bytes()[:100])
    (bundle / "report" / "index.html").unlink()
    (bundle / "report" / "extra.txt").write_text("x")
    assert sorted(problems(bundle)) == [
        "added: report/extra.txt",
        "changed: report/traces/t1.pcapng (truncated: 100 bytes, signed with 1024)",
        "changed: verdict.json (content differs from its signed SHA-256)",
        "removed: report/index.html",
    ]


def test_a_symlink_in_place_of_a_file_is_refused(bundle: Path) -> None:
    target = bundle / "verdict.json"
    copy = bundle.parent / "verdict-copy.json"
    copy.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(copy)
    assert problems(bundle) == ["not a regular file: verdict.json (a symbolic link)"]


def test_an_edited_manifest_fails_the_signature(bundle: Path) -> None:
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"]["verdict.json"]["size"] += 0  # same content, other bytes
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    [problem] = problems(bundle)
    assert problem.startswith("signature: MANIFEST.sig does not verify MANIFEST.json with key SHA256:")


def test_a_bundle_resigned_with_another_key_names_that_key(bundle: Path) -> None:
    (bundle / "verdict.json").write_text('{"certified": false}\n')
    sign_directory(bundle, OTHER)
    other = fingerprint(OTHER.public_key())
    assert problems(bundle) == [f"key: signed by {other}, which is not a trusted key"]
    assert problems(bundle, set())[0].endswith("(give it with --trust)")


def test_a_signature_by_another_key_over_the_same_manifest_fails(bundle: Path) -> None:
    body = (bundle / MANIFEST).read_bytes()
    (bundle / SIGNATURE).write_text(base64.b64encode(OTHER.sign(body)).decode())
    assert problems(bundle)[0].startswith("signature: MANIFEST.sig does not verify")


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: (b / MANIFEST).unlink(), "MANIFEST.json is missing: not a bundle"),
    (lambda b: (b / MANIFEST).write_text("{not json"), "MANIFEST.json does not parse"),
    (lambda b: (b / MANIFEST).write_text("[]"), "MANIFEST.json: (top level): Input should be"),
    (lambda b: (b / MANIFEST).write_bytes(b"\xff\xfe"), "MANIFEST.json does not parse"),
])
def test_a_manifest_that_does_not_parse_is_one_line(bundle: Path, change, message: str) -> None:
    change(bundle)
    [problem] = problems(bundle)
    assert problem.startswith(message)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda m: m["files"].update({"../outside": m["files"]["verdict.json"]}), "not a plain relative path"),
    (lambda m: m["files"].update({"/etc/passwd": m["files"]["verdict.json"]}), "not a plain relative path"),
    (lambda m: m["files"]["verdict.json"].update(sha256="abc"), "files.verdict.json.sha256"),
    (lambda m: m.update(algorithm="RSA"), "algorithm 'RSA' is not Ed25519"),
    (lambda m: m.update(format="other/2"), "format 'other/2'"),
    (lambda m: m.update(public_key="AAAA"), "public_key is not a base64 Ed25519 public key"),
    (lambda m: m.update(extra=1), "extra: Extra inputs are not permitted"),
])
def test_a_malformed_manifest_names_the_field(bundle: Path, edit, message: str) -> None:
    manifest = json.loads((bundle / MANIFEST).read_text())
    edit(manifest)
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    [problem] = problems(bundle)
    assert message in problem


def test_a_fifo_in_a_bundle_is_refused_unread(bundle: Path) -> None:
    (bundle / SIGNATURE).unlink()
    os.mkfifo(bundle / SIGNATURE)
    assert problems(bundle) == [f"{SIGNATURE} is not a regular file"]


@pytest.mark.parametrize(("signature", "message"), [
    (None, "MANIFEST.sig is missing"),
    ("not base64!", "MANIFEST.sig is not a base64 Ed25519 signature"),
    (base64.b64encode(b"short").decode(), "MANIFEST.sig is not a base64 Ed25519 signature"),
    ("A" * 4000, "MANIFEST.sig is 4000 bytes, more than the 1024"),
])
def test_a_bad_signature_file_is_named(bundle: Path, signature: str | None, message: str) -> None:
    if signature is None:
        (bundle / SIGNATURE).unlink()
    else:
        (bundle / SIGNATURE).write_text(signature)
    assert problems(bundle) == [message] or problems(bundle)[0].startswith(message)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not a directory"):
        check_bundle(tmp_path / "nothing", TRUSTED)


# --- keys -------------------------------------------------------------------


def pem(key, public: bool = False) -> bytes:
    if public:
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_keys_from_pem_openssh_and_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "k.pem").write_bytes(pem(KEY))
    (tmp_path / "k_ssh").write_bytes(KEY.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.OpenSSH,
                                                       serialization.NoEncryption()))
    (tmp_path / "k.pub").write_bytes(pem(KEY, public=True))
    (tmp_path / "k_ssh.pub").write_bytes(KEY.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                                       serialization.PublicFormat.OpenSSH))
    expected = fingerprint(KEY.public_key())
    assert fingerprint(load_signing_key(tmp_path / "k.pem").public_key()) == expected
    assert fingerprint(load_signing_key(tmp_path / "k_ssh").public_key()) == expected
    for name in ("k.pub", "k_ssh.pub", "k.pem"):
        assert trusted_fingerprint(str(tmp_path / name)) == expected
    assert trusted_fingerprint(expected) == expected


def test_an_openssl_key_signs(tmp_path: Path) -> None:
    key = tmp_path / "openssl.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    assert isinstance(load_signing_key(key), Ed25519PrivateKey)


@pytest.mark.parametrize(("content", "message"), [
    (None, "not found"),
    (b"garbage", "not a PEM or OpenSSH private key"),
    (b"x" * 70_000, "over the 65,536-byte limit"),
    ("ec", "not an Ed25519 key"),
    ("encrypted", "encrypted keys are not supported"),
])
def test_bad_signing_keys(tmp_path: Path, content, message: str) -> None:
    path = tmp_path / "key"
    if content == "ec":
        path.write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    elif content == "encrypted":
        path.write_bytes(KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.BestAvailableEncryption(b"pw")))
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(BundleError, match=message) as error:
        load_signing_key(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(("value", "message"), [
    ("SHA256:short", "not a SHA256: fingerprint of 32 bytes"),
    ("missing.pub", "not found"),
    ("garbage", "not a public key file"),
])
def test_bad_trusted_keys(tmp_path: Path, value: str, message: str) -> None:
    os.chdir(tmp_path)
    (tmp_path / "garbage").write_text("hello")
    with pytest.raises(BundleError, match=message):
        trusted_fingerprint(value)


# --- atomic writing ---------------------------------------------------------


def test_an_interrupted_bundle_leaves_nothing_that_looks_complete(tmp_path: Path) -> None:
    target = tmp_path / "out" / "b"
    with pytest.raises(KeyboardInterrupt), staging(target) as folder:
        (folder / "verdict.json").write_text("{}")
        raise KeyboardInterrupt
    assert not target.exists() and list((tmp_path / "out").iterdir()) == []
    with staging(target) as folder:
        (folder / "verdict.json").write_text("{}")
        seal(folder, target, KEY)
    assert check_bundle(target, TRUSTED).intact
    with pytest.raises(BundleError, match="already exists"), staging(target):
        pass


# --- the commands -----------------------------------------------------------


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    folder = tmp_path_factory.mktemp("certify")
    key = folder / "vendor.pem"
    key.write_bytes(pem(KEY))
    out = folder / "phone-bundle"
    result = invoke("certify", "--rig", "software", "--role", "phone", "--key", str(key), "--out", str(out))
    return out, result


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
@pytest.mark.xdist_group("certified-bundle")  # one certify run for these (--dist loadgroup)
def test_certify_writes_a_verified_bundle(certified: tuple[Path, Result]) -> None:
    out, result = certified
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verdict: PASSED (certified: all ")
    assert f"signed by {fingerprint(KEY.public_key())}" in result.stdout
    for name in ("verdict.json", "dut.json", "environment.json", "rig/software.yaml",
                 "catalogue/requirements.yaml", "report/index.html", "report/junit.xml",
                 "report/results.json", "report/traceability.csv", MANIFEST, SIGNATURE):
        assert (out / name).is_file(), name
    assert list((out / "report" / "traces").glob("*.pcapng"))
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["certified"] and verdict["role"] == "phone" and verdict["catalogue_version"] == 1
    assert verdict["blocking"] == {} and "APCV-NFC-010" in verdict["mandatory"]
    assert not any(rid.startswith(("APCV-CARD", "APCV-RDR")) for rid in verdict["mandatory"])
    dut = json.loads((out / "dut.json").read_text())
    assert dut["role"] == "phone" and dut["link.atr"] and dut["link.reader_link"] == "sim:bench"
    environment = json.loads((out / "environment.json").read_text())
    assert environment["harness"] and "cryptography" in environment["python_packages"]
    assert {"pcscd", "vsmartcard-vpcd"} <= environment["system_packages"].keys()
    results = json.loads((out / "report" / "results.json").read_text())
    assert results["role"] == "phone" and results["dut"]["link.atr"] == dut["link.atr"]
    assert all("phone" in results["requirements"][rid]["roles"] for r in results["results"]
               for rid in r["requirement_ids"] if rid in results["requirements"])

    verified = invoke("verify-bundle", str(out), "--trust", fingerprint(KEY.public_key()))
    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.stdout and "phone on rig software: certified" in verified.stdout


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
@pytest.mark.xdist_group("certified-bundle")  # one certify run for these (--dist loadgroup)
def test_verify_bundle_refuses_an_edited_bundle(certified: tuple[Path, Result], tmp_path: Path) -> None:
    out, _ = certified
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(copy)], check=True)
    (copy / "report" / "index.html").write_text("<html>all green</html>")
    result = invoke("verify-bundle", str(copy), "--trust", fingerprint(KEY.public_key()))
    assert result.exit_code == 1
    signed = (out / "report" / "index.html").stat().st_size
    assert error_lines(result) == [f"apcv-hil: error: bundle {copy}: changed: report/index.html "
                                   f"(truncated: 22 bytes, signed with {signed})"]


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
@pytest.mark.xdist_group("certified-bundle")  # one certify run for these (--dist loadgroup)
def test_verify_bundle_without_trust_or_with_another_key(certified: tuple[Path, Result],
                                                         tmp_path: Path) -> None:
    out, _ = certified
    untrusted = invoke("verify-bundle", str(out))
    assert untrusted.exit_code == 1
    assert "which is not a trusted key (give it with --trust)" in untrusted.stderr
    other = invoke("verify-bundle", str(out), "--trust", fingerprint(OTHER.public_key()))
    assert other.exit_code == 1 and f"signed by {fingerprint(KEY.public_key())}" in other.stderr
    bad = invoke("verify-bundle", str(out), "--trust", "SHA256:nope")
    assert bad.exit_code == 2 and len(error_lines(bad)) == 1 and "SHA256:nope" in bad.stderr
    missing = invoke("verify-bundle", str(tmp_path / "none"), "--trust", fingerprint(KEY.public_key()))
    assert missing.exit_code == 2 and "not a directory" in missing.stderr


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
def test_certify_generates_a_key_and_prints_its_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "backend"
    result = invoke("certify", "--rig", "software", "--role", "backend", "--out", str(out))
    assert result.exit_code == 0, result.output
    printed = result.stdout.split("signed by ")[1].split()[0]
    assert "a key generated for this bundle and not kept" in result.stdout
    assert invoke("verify-bundle", str(out), "--trust", printed).exit_code == 0
    dut = json.loads((out / "dut.json").read_text())
    assert dut["link.backend_link"] == "embedded:" and dut["link.health_status"] == "ok"


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
def test_certify_on_an_unreachable_dut_is_one_line(tmp_path: Path) -> None:
    rig = tmp_path / "far.yaml"
    rig.write_text("name: far\nroles:\n  reader: {link: 'sim:far'}\n  backend: {link: 'http://127.0.0.1:9'}\n")
    result = invoke("certify", "--rig", str(rig), "--role", "backend", "--out", str(tmp_path / "b"))
    assert result.exit_code != 0
    [line] = error_lines(result)
    assert "the backend under test cannot be reached on http://127.0.0.1:9" in line
    assert not (tmp_path / "b").exists()
    no_phone = invoke("certify", "--rig", str(rig), "--role", "phone", "--out", str(tmp_path / "b"))
    assert no_phone.exit_code != 0 and "the phone under test cannot be reached" in error_lines(no_phone)[0]


@pytest.mark.slow  # apcv-hil certify runs the plan in a subprocess
@pytest.mark.xdist_group("certified-bundle")  # one certify run for these (--dist loadgroup)
def test_certify_refuses_an_existing_bundle_and_a_bad_key(certified: tuple[Path, Result],
                                                          tmp_path: Path) -> None:
    out, _ = certified
    again = invoke("certify", "--rig", "software", "--role", "phone", "--out", str(out))
    assert again.exit_code != 0 and "already exists" in error_lines(again)[0]
    (tmp_path / "bad.pem").write_text("nope")
    bad_key = invoke("certify", "--rig", "software", "--role", "phone", "--key", str(tmp_path / "bad.pem"),
                     "--out", str(tmp_path / "x"))
    assert bad_key.exit_code != 0 and "not a PEM or OpenSSH private key" in error_lines(bad_key)[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow  # starts pcscd
@pytest.mark.parametrize("rig", ["nfc-udp", "pcsc-vpcd"])
def test_the_probe_reports_what_the_link_says(rig: str, request: pytest.FixtureRequest) -> None:
    from harness.bundle.identity import probe_dut
    from harness.rig import load_rig

    if rig == "pcsc-vpcd":
        request.getfixturevalue("pcscd")
    found = probe_dut(load_rig(rig), "phone")
    assert found["atr"].startswith("3B") and found["phone_link"]
    if rig == "nfc-udp":
        assert found["reader_name"].startswith("apcv-hil loopback UDP") and found["reader_ats"]
    else:
        assert found["reader_name"] == "Virtual PCD 00 00"


# --- what a non-root checker, odd entries and odd names do (issue 24) --------------------------

def test_an_unreadable_extra_folder_is_reported(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run by a non-root user, the check said "intact" for a bundle with a folder it could not list."""
    (bundle / "secret").mkdir()
    real = os.scandir

    def scandir(path):  # what a non-root user meets on a folder of mode 000 (root reads it anyway)
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr("harness.bundle.manifest.os.scandir", scandir)
    assert "unreadable: secret/ (Permission denied)" in problems(bundle)


def test_empty_folders_hard_links_and_mode_changes_are_refused(bundle: Path) -> None:
    (bundle / "report" / "empty").mkdir()
    os.link(bundle / "verdict.json", bundle / "report" / "again.json")
    (bundle / "report" / "index.html").chmod(0o777)
    found = problems(bundle)
    assert "added: report/empty/ (a folder the manifest does not list)" in found
    assert "not a regular file: report/again.json (a hard link: 2 names)" in found
    assert "not a regular file: verdict.json (a hard link: 2 names)" in found
    assert any(p.startswith("changed: report/index.html (mode 0777, signed with 06") for p in found), found


def test_a_deep_folder_is_a_clear_problem(bundle: Path) -> None:
    """A folder 1,100 deep gave "internal error: RecursionError"."""
    _chain(bundle, 1100)
    try:
        found = problems(bundle)
    finally:
        _chain(bundle, 1100, remove=True)  # shutil.rmtree (pytest's clean-up) recurses: it would fail
    assert any(p.startswith("too deep: d/d/d/") and "over 32 levels" in p for p in found), found[:3]


def _chain(top: Path, depth: int, remove: bool = False) -> None:
    """Make (or remove) ``top/d/d/.../d``, ``depth`` folders deep, walking by relative steps: the
    path grows past PATH_MAX, and removing it bottom-up needs no recursion."""
    back = os.open(".", os.O_RDONLY)
    try:
        os.chdir(top)
        for _ in range(depth):
            if not remove:
                os.mkdir("d")
            os.chdir("d")
        if remove:
            for _ in range(depth):
                os.chdir("..")
                os.rmdir("d")
    finally:
        os.fchdir(back)
        os.close(back)


def test_names_with_control_characters_are_printed_escaped(bundle: Path) -> None:
    forged = "x\napcv-hil: bundle ok: intact\x1b[2K"
    (bundle / forged).write_text("1")
    result = invoke("verify-bundle", str(bundle), "--trust", fingerprint(KEY.public_key()))
    lines = error_lines(result)
    assert result.exit_code == 1 and lines == [
        f"apcv-hil: error: bundle {bundle}: added: x\\napcv-hil: bundle ok: intact\\x1b[2K"]
