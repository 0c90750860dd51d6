"""Fuzzing what devices and the harness read from outside: the APDU applet, the card, the rig loader.

The phone applet gets arbitrary CBOR inside a correctly sealed GET PRESENTATION request and
arbitrary command sequences; the card arbitrary commands; the rig loader arbitrary text and
arbitrary YAML documents. Only status words of the profile (never 6F00, the internal-failure
answer) and only :class:`apcv.errors.ApcvError` come out. Bounded: a fixed number of examples.
"""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path
from typing import Any

import cbor2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apcv.errors import ApcvError
from apcv.profile.r1.apdu import CommandApdu, parse_response
from apcv.profile.r1.constants import AID_CARD, SW
from apcv.profile.r1.session import (
    SecureChannel,
    derive_session_keys,
    encode_point,
    new_ephemeral_key,
    transcript,
)
from apcv.seeded_keys import synthetic_insurer
from harness.rig import RigConfig, load_rig
from simulators.card.card import VitaleCard
from simulators.factory import synthetic_insured, synthetic_phone
from simulators.phone.applet import HceApplet
from simulators.phone.phone import Phone

pytestmark = pytest.mark.slow  # hundreds of generated inputs per test (hypothesis)

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
KNOWN_SW = {int(sw) for sw in SW} | {0x6986}
SELECT_APCV = bytes.fromhex("00A4040006F0415043560100")
CARD_HEADERS = [bytes.fromhex(h) for h in ("00A40400", "00A40204", "00B00000", "00C00000", "80520000")]

cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
    | st.binary(max_size=40) | st.text(max_size=20),
    lambda inner: (st.lists(inner, max_size=5)
                   | st.dictionaries(st.integers(-2, 4) | st.text(max_size=4), inner, max_size=5)
                   | st.builds(cbor2.CBORTag, st.integers(min_value=0, max_value=2**32), inner)),
    max_leaves=12)


@cache
def _phone() -> Phone:
    return synthetic_phone(2, synthetic_insurer(0))


def _session(applet: HceApplet) -> SecureChannel:
    """SELECT and ESTABLISH SESSION as a reader; the reader's end of the channel."""
    assert parse_response(applet.process_apdu(SELECT_APCV)).sw == SW.OK
    key = new_ephemeral_key()
    point, nonce = encode_point(key.public_key()), b"N" * 16
    rsp = parse_response(applet.process_apdu(CommandApdu(0x80, 0x50, 0, 0, point + nonce, le=256).encode()))
    assert rsp.sw == SW.OK
    keys = derive_session_keys(key, rsp.data[:65], transcript(point, nonce, rsp.data[:65], rsp.data[65:]))
    return SecureChannel(keys, "reader")


def _status(applet_or_card: Any, apdu: bytes) -> int:
    rsp = applet_or_card.process_apdu(apdu)
    assert len(rsp) >= 2
    return parse_response(rsp).sw


@FUZZ
@given(cbor_values, st.integers(min_value=1, max_value=256))
def test_arbitrary_cbor_in_a_sealed_presentation_request(value: Any, le: int) -> None:
    phone = _phone()
    applet = HceApplet(phone.wallet, phone.lock, phone.clock)
    sealed = _session(applet).seal(cbor2.dumps(value))
    sw = _status(applet, CommandApdu(0x80, 0x52, 0, 0, sealed, le=le).encode())
    assert sw in (SW.OK, SW.WRONG_DATA, SW.REFERENCED_DATA_NOT_FOUND) or sw >> 8 == 0x61, f"{sw:04X}"


@FUZZ
@given(st.integers(min_value=-(2**70), max_value=2**70) | st.booleans() | st.floats() | st.none())
def test_any_beneficiary_index_in_a_valid_request(index: Any) -> None:
    phone = _phone()
    applet = HceApplet(phone.wallet, phone.lock, phone.clock)
    sealed = _session(applet).seal(cbor2.dumps({1: b"C" * 16, 2: index}))
    sw = _status(applet, CommandApdu(0x80, 0x52, 0, 0, sealed, le=256).encode())
    assert sw in (SW.WRONG_DATA, SW.REFERENCED_DATA_NOT_FOUND) or sw >> 8 == 0x61, f"{index!r}: {sw:04X}"


@FUZZ
@given(st.lists(st.binary(max_size=300) | st.builds(lambda h, d: h + d, st.sampled_from(CARD_HEADERS),
                                                     st.binary(max_size=40)), max_size=10))
def test_the_card_answers_any_command_sequence(apdus: list[bytes]) -> None:
    card = VitaleCard(synthetic_insured(5), synthetic_insurer(0))
    card.process_apdu(bytes.fromhex("00A4040C06") + AID_CARD)
    for apdu in apdus:
        sw = _status(card, apdu)
        assert sw in KNOWN_SW or sw >> 8 == 0x61, f"{apdu.hex()} -> {sw:04X}"


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(ApcvError):
        assert isinstance(load_rig(path), RigConfig)


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text_as_a_rig(tmp_path_factory, text: str) -> None:
    _load(tmp_path_factory.mktemp("rig"), text)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.sampled_from(["sim:x", "vpcd://127.0.0.1:35963", "pcsc://Virtual PCD 00 00", "embedded:",
                       "http://127.0.0.1:8600", "serial:///dev/null", "camera://0", "image:", "nosuch:x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=15)
rig_keys = st.sampled_from(["name", "description", "profile", "seed", "roles", "features", "calibration"])
role_keys = st.sampled_from(["phone", "card", "reader", "backend", "scanner"])
role_fields = st.sampled_from(["link", "simulated", "seed", "locked", "code", "extended_length", "max_le",
                               "timeout"])


@FUZZ
@given(st.dictionaries(rig_keys, yaml_values, max_size=7),
       st.dictionaries(role_keys, st.dictionaries(role_fields, yaml_values, max_size=5), max_size=5))
def test_arbitrary_rig_documents(tmp_path_factory, top: dict, roles: dict) -> None:
    document = {**top, "roles": roles} if roles else top
    _load(tmp_path_factory.mktemp("rig"), yaml.safe_dump(document, allow_unicode=True))
