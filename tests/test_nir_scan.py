"""No NIR in clear in anything a run writes: reports, traces, logs, CSV, HTML, the backend's log.

One run of the user's commands, each writing into a scratch folder: the scenarios with a report
(JUnit, HTML, JSON, traces), card and phone reads traced through a reader asking for 7 bytes at
a time (so NIRs come in pieces), a detailed waiting-room day against the embedded backend, the
rollout's exports and plots; then a served backend is driven with good, bad and replayed
requests and made to fail on database errors (a table dropped under it). Every file written,
every output printed and the backend's log are scanned for any valid NIR with its key, in every
spelling :mod:`apcv.nir_spellings` knows (packed, grouped with spaces, dots or dashes,
percent-encoded), in text or in bytes, and in the bytes that hex dumps (APDUs in traces and
reports) stand for. (Keyless spellings are left out here: any NIR may be meant, and a 13-digit
millisecond timestamp reads as one; the billing plan looks for the bench's own people keyless too.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from apcv.nir_spellings import find_nirs
from apcv.redact import is_nir
from harness.rig import RIGS_DIR
from simulators.backend.client import BackendRefused, Signer, open_backend
from simulators.backend.db import make_engine
from simulators.backend.process import ServerProcess
from simulators.identity.france_identite import FranceIdentite
from simulators.phone.offline import wallet_presentation
from simulators.phone.wallet import Wallet
from simulators.population.generator import generate_population, generate_practitioners

APCV_HIL = str(Path(sys.executable).parent / "apcv-hil")
_HEX_DUMP = re.compile(rb"[0-9A-Fa-f]{32,}")
"""A hex dump: read for the bytes it stands for, not for the digits it happens to show (an APDU
header such as ``8050000051`` and a few random digits can spell a valid NIR)."""


def _nirs_written(data: bytes) -> set[str]:
    return {f.nir for f in find_nirs(data.decode("latin-1")) if len(f.nir) == 15}


def nirs_in(data: bytes) -> set[str]:
    """Every valid NIR written whole in ``data``, or in the bytes of a hex dump in it."""
    dumps = b"\n".join(bytes.fromhex(d[: len(d) // 2 * 2].decode()) for d in _HEX_DUMP.findall(data))
    return _nirs_written(_HEX_DUMP.sub(b" ", data)) | _nirs_written(dumps)


def test_the_scanner_finds_what_it_must() -> None:
    assert nirs_in(b'{"nir": "184127511203416"}') == {"184127511203416"}
    assert nirs_in("né 1 84 12 75 112 034 16".encode()) == {"184127511203416"}
    url_and_dots = b"/v1/rights/1%2084%2012%2075%20112%20034%2016 1.84.12.75.112.034.16"
    assert nirs_in(url_and_dots) == {"184127511203416"}
    assert nirs_in(b"18412*********** 1 84 12 ** *** *** ** 184127511203417 1841275112034160") == set()
    in_hex = b"184127511203416".hex().upper()
    assert nirs_in(f'{{"data": "80B0000000{in_hex}9000"}}'.encode()) == {"184127511203416"}
    establish = b'{"data": "805000005104313' + b"4E" * 40 + b'00"}'  # digits of a hex dump, no NIR
    assert is_nir("805000005104313") and nirs_in(establish) == set()


def _cli(*args: str, cwd: Path) -> str:
    done = subprocess.run([APCV_HIL, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False, env={**os.environ, "COLUMNS": "200"})
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.stdout + done.stderr


def _small_le_rig(folder: Path) -> Path:
    rig = (RIGS_DIR / "software.yaml").read_text(encoding="utf-8").replace("max_le: 256", "max_le: 7")
    path = folder / "small-le.yaml"
    path.write_text(rig.replace("name: software", "name: small-le"), encoding="utf-8")
    return path


def _drive_and_break_a_served_backend(folder: Path) -> str:
    """Good, bad and replayed requests, then database errors under every kind of statement; the log."""
    url = f"sqlite:///{folder / 'scan.sqlite3'}"
    people = [p for p in generate_population(30, 11) if p.beneficiaries and not p.under_guardianship
              and p.identity.birth_date.year < 1995]
    person = people[0]
    doctor, operator = Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps), Signer.operator()
    with ServerProcess(url, log_level="info", access_log=True) as server:  # as `backend serve` logs
        client = open_backend(server.url, timeout=10)
        for p in people:
            client.provision(operator, p)
        key = ec.generate_private_key(ec.SECP256R1())
        nir = person.identity.nir
        proof = FranceIdentite().prove(nir, key.public_key())
        done = client.enrol(key, nir, "france_identite", identity_assertion=proof)
        wallet = Wallet.from_activation(person, key, done)
        presentation = wallet_presentation(wallet, client.clock.now(), selected=1)
        client.verify(doctor, presentation)
        statuses = []

        def attempt(call) -> None:
            try:
                call()
                statuses.append(200)
            except BackendRefused as exc:
                statuses.append(exc.status)
                assert nir not in exc.detail

        attempt(lambda: client.verify(doctor, presentation))  # replay: logged, masked
        attempt(lambda: client.rights(doctor, "100000000000099"))
        attempt(lambda: client.rights(doctor, nir))  # the NIR in the path: the access log masks it
        attempt(lambda: client.enrol(ec.generate_private_key(ec.SECP256R1()), nir, "france_identite"))
        attempt(lambda: client.call("PUT", "/v1/insured", {**person.to_dict(), "beneficiaries": [
            person.beneficiaries[0].to_dict()] * 2}, operator))
        engine = make_engine(url)
        with engine.begin() as conn:  # the database breaks under the running service
            conn.execute(text("DROP TABLE beneficiary"))
            conn.execute(text("DROP TABLE used_token"))
        engine.dispose()
        attempt(lambda: client.verify(doctor, wallet_presentation(wallet, client.clock.now(), selected=1)))
        attempt(lambda: client.provision(operator, people[1]))
        attempt(lambda: client.delegate(key, people[1].identity.nir, [person.beneficiaries[0].identity.nir],
                                        client.clock.now(), client.clock.now() + 60))
        claim = {"claim_id": "c1", "token_id": "0" * 32, "acts": [{"code": "G", "amount_cents": 1}]}
        attempt(lambda: client.call("POST", "/v1/claims", claim, doctor))
        client.close()
        assert 500 in statuses, statuses  # the database errors happened (and were answered as JSON)
        log = server.log()
    assert "Exception in ASGI application" in log  # logged, with its traceback
    return log


@pytest.mark.apcv_requirement("APCV-BE-074")
def test_nothing_a_run_writes_holds_a_nir(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rig = _small_le_rig(tmp_path)
    printed = [
        _cli("run", "--rig", str(rig), "--report", str(out / "report"), "--suite", "conformance",
             cwd=tmp_path),
        _cli("read", "--rig", str(rig), "--device", "card", "--count", "2", "--trace", str(out / "card"),
             cwd=tmp_path),
        _cli("read", "--rig", str(rig), "--device", "card", "--json", cwd=tmp_path),
        _cli("read", "--rig", str(rig), "--beneficiary", "1", "--trace", str(out / "phone"), cwd=tmp_path),
        _cli("waiting-room", "--detailed", "--days", "1", "--replications", "1", "--workers", "1",
             "--mix", "card=50,nfc=25,qr=25", "--plot", str(out / "waiting-room"), cwd=tmp_path),
        _cli("rollout", "--until", "2026-03-31", "--step-days", "30", "--review-replications", "1",
             "--workers", "1", "--plot", str(out / "rollout"), "--export", str(out / "rollout"),
             cwd=tmp_path),
        _drive_and_break_a_served_backend(tmp_path),
    ]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite3"
               and not p.name.endswith((".sqlite3-wal", ".sqlite3-shm")) and p.name != "small-le.yaml"]
    kinds = {p.suffix for p in written}
    assert {".jsonl", ".pcapng", ".html", ".xml", ".json", ".csv"} <= kinds, kinds
    leaks = {str(p.relative_to(tmp_path)): nirs_in(p.read_bytes()) for p in written}
    leaks |= {f"output {i}": nirs_in(o.encode()) for i, o in enumerate(printed)}
    assert not {where: found for where, found in leaks.items() if found}


def test_card_data_read_seven_bytes_at_a_time_is_masked_in_the_trace(tmp_path: Path) -> None:
    """The raw card file does hold NIRs split across READ BINARY answers: the trace masks each half."""
    trace = tmp_path / "card"
    _cli("read", "--rig", str(_small_le_rig(tmp_path)), "--device", "card", "--trace", str(trace),
         cwd=tmp_path)
    responses = [line for line in (tmp_path / "card.jsonl").read_text().splitlines() if '"response"' in line]
    hex_data = [re.search(r'"data": "([0-9A-F]*)"', line).group(1) for line in responses]
    joined = b"".join(bytes.fromhex(h)[:-2] for h in hex_data)
    assert len(responses) > 20 and not nirs_in(joined) and b"*" * 10 in joined
