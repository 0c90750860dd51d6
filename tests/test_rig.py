"""Unit tests of rig files (harness/rig.py) and of the bench built from them (harness/bench.py)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from apcv.clock import FrozenClock
from apcv.links import NoCardPresent
from harness.bench import Bench, RoleUnavailable
from harness.rig import DEFAULT_RIG, RIGS_DIR, RigConfig, RigError, load_rig, parse_rig

SOFTWARE = RIGS_DIR / "software.yaml"


def _minimal() -> dict[str, Any]:
    return {"name": "unit", "roles": {"reader": {"link": "sim:unit"}}}


def _with(path: str, value: Any) -> dict[str, Any]:
    """The minimal rig with ``value`` set at the dotted ``path``."""
    data = copy.deepcopy(_minimal())
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return data


def test_load_the_software_rig() -> None:
    rig = load_rig(SOFTWARE)
    assert rig.name == "software" and rig.profile == "APCV-R1" and rig.path == str(SOFTWARE)
    assert rig.roles.phone is not None and rig.roles.phone.seed == 2 and rig.roles.phone.code == "0000"
    assert rig.roles.card is not None and rig.roles.card.seed == 5
    assert rig.roles.reader.link == "sim:bench" and rig.roles.reader.max_le == 256


def test_default_rig_and_bare_name() -> None:
    assert load_rig() == load_rig(DEFAULT_RIG)
    assert load_rig("software") == load_rig(SOFTWARE)


def test_minimal_rig_defaults() -> None:
    rig = parse_rig(_minimal(), "unit.yaml")
    assert rig.roles.phone is None and rig.roles.card is None
    assert rig.roles.reader.extended_length is False and rig.roles.reader.max_le == 256
    assert rig.features == () and rig.all_features() == set()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**_minimal(), "bogus": 1}, "unit.yaml: bogus: unknown key"),
        (_with("roles.reader.foo", 1), "unit.yaml: roles.reader.foo: unknown key"),
        (_with("roles.phone", {"link": "sim:x", "lnk": "sim:y"}), "unit.yaml: roles.phone.lnk: unknown key"),
        ({"name": "unit", "roles": {}}, "unit.yaml: roles.reader: required key is missing"),
        ({"roles": {"reader": {"link": "sim:x"}}}, "unit.yaml: name: required key is missing"),
        (_with("roles.reader.max_le", 0), "unit.yaml: roles.reader.max_le: .*greater than or equal to 1"),
        (_with("roles.reader.max_le", 300), "unit.yaml: roles.reader.max_le: .*less than or equal to 256"),
        (_with("roles.phone", {"link": "sim:x", "code": "12a4"}), "unit.yaml: roles.phone.code:"),
        (_with("roles.phone", {"link": "sim:x", "code": "١٢٣٤"}), "unit.yaml: roles.phone.code:"),
        (_with("roles.reader.link", "bench"), "unit.yaml: roles.reader.link: .*'bench' has no scheme"),
        (_with("roles.reader.link", "s1m:x"), "unit.yaml: roles.reader.link: .*no valid scheme"),
        (_with("roles.card", {"link": "foo:"}), "unit.yaml: roles.card.link: unknown link scheme 'foo'"),
        (_with("roles.reader.link", "sim:x?a"), "unit.yaml: roles.reader.link: .*malformed query"),
        (_with("roles.display", {"link": "projector:"}),
         "unit.yaml: roles.display.link: unknown display link scheme 'projector'; known: frames, screen"),
        (_with("roles.display", {"link": "screen"}), "unit.yaml: roles.display.link: .*has no scheme"),
        (_with("roles.display", {"link": "screen:", "size": 3}),
         "unit.yaml: roles.display.size: unknown key"),
        (_with("roles.reader.raw_link", "pcsc://Virtual PCD 00 00"),
         "unit.yaml: roles.reader.raw_link: .*PC/SC cannot carry commands of 0 or 1 byte"),
        (_with("roles.reader.raw_link", "vpcd://127.0.0.1:35963"),
         "unit.yaml: roles.reader.raw_link: .*PC/SC"),
        (_with("roles.reader.raw_link", "udp:1"),
         "unit.yaml: roles.reader.raw_link: unknown link scheme 'udp'"),
        (_with("profile", "APCV-R2"), "unit.yaml: profile:"),
        (_with("name", "has space"), "unit.yaml: name:"),
    ],
)
def test_parse_rig_errors_name_the_bad_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RigError, match=message):
        parse_rig(data, "unit.yaml")


def test_several_errors_are_all_reported() -> None:
    data = _with("roles.reader.max_le", 0)
    data["bogus"] = True
    with pytest.raises(RigError) as info:
        parse_rig(data, "unit.yaml")
    assert "bogus: unknown key" in str(info.value) and "roles.reader.max_le" in str(info.value)


@pytest.mark.parametrize("data", [[1, 2], "software", None, 3])
def test_non_mapping_yaml(data: Any) -> None:
    with pytest.raises(RigError, match=f"unit.yaml: a rig must be a YAML mapping, got {type(data).__name__}"):
        parse_rig(data, "unit.yaml")


def test_invalid_yaml_text(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\nroles: {\n", encoding="utf-8")
    with pytest.raises(RigError, match="not valid YAML") as info:
        load_rig(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


def test_empty_file_is_not_a_mapping(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(RigError, match="must be a YAML mapping, got NoneType"):
        load_rig(empty)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="not found"):
        load_rig(tmp_path / "missing.yaml")
    with pytest.raises(RigError, match="rig file nosuchrig not found"):
        load_rig("nosuchrig")


def test_not_utf8_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(RigError, match="is not UTF-8 text"):
        load_rig(binary)


def test_rig_from_a_tmp_file_keeps_its_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(_minimal()), encoding="utf-8")
    assert load_rig(path).path == str(path)


def test_features_with_implied_simulated_roles() -> None:
    rig = load_rig(SOFTWARE)
    assert rig.all_features() == {"nfc-hce", "tiny-apdus", "sim-phone", "sim-card", "qr-scanner", "qr-camera",
                                  "test-clock", "insurer-key"}
    assert rig.has_feature("nfc-hce") and rig.has_feature("sim-phone") and rig.has_feature("sim-card")
    assert not rig.has_feature("hardware")


def test_real_devices_imply_no_sim_feature() -> None:
    data = _with("roles.phone", {"link": "sim:x", "simulated": False})
    data["roles"]["card"] = {"link": "sim:x"}
    data["features"] = ["hardware"]
    rig = parse_rig(data)
    assert rig.all_features() == {"hardware", "sim-card"}
    assert not rig.has_feature("sim-phone")


def test_only_our_own_backend_implies_the_test_clock() -> None:
    data = _minimal()
    data["roles"]["backend"] = {"link": "embedded:"}
    assert {"test-clock", "insurer-key"} <= parse_rig(data).all_features()
    data["roles"]["backend"] = {"link": "http://127.0.0.1:8600"}
    assert not {"test-clock", "insurer-key"} & parse_rig(data).all_features()
    data["features"] = ["test-clock"]  # a remote backend that serves /v1/test/clock says so
    assert "test-clock" in parse_rig(data).all_features()


def test_a_raw_reader_link_gives_the_tiny_apdus_feature() -> None:
    on_pcsc = _with("roles.reader.link", "pcsc://Virtual PCD 00 00")
    assert "tiny-apdus" not in parse_rig(on_pcsc).all_features()
    data = _with("roles.reader.raw_link", "nfc://udp:127.0.0.1:35966")
    assert "tiny-apdus" in parse_rig(data).all_features()


def test_the_bench_opens_the_raw_link_only_when_the_rig_has_one() -> None:
    with Bench(_software_on_own_medium(), clock=FrozenClock()) as bench:
        assert bench.raw_reader_link is bench.reader_link
    data = yaml.safe_load(SOFTWARE.read_text(encoding="utf-8"))
    data["roles"]["reader"]["raw_link"] = f"sim:raw-{uuid.uuid4().hex}"
    with Bench(parse_rig(data), clock=FrozenClock()) as bench:
        raw = bench.raw_reader_link
        assert raw is not bench.reader_link and raw.url == data["roles"]["reader"]["raw_link"]
        assert bench.raw_reader_link is raw


def _software_on_own_medium() -> RigConfig:
    """The software rig on a medium of its own, so benches of other tests never interfere."""
    data = yaml.safe_load(SOFTWARE.read_text(encoding="utf-8"))
    medium = f"sim:rig-test-{uuid.uuid4().hex}"
    for role in ("phone", "card", "reader"):
        data["roles"][role]["link"] = medium
    return parse_rig(data, str(SOFTWARE))


def test_bench_present_phone_then_read() -> None:
    with Bench(_software_on_own_medium(), clock=FrozenClock()) as bench:
        bench.present("phone")
        result = bench.reader.read()
        assert result.kind == "phone"
        assert bench.phone is not None and result.holder == bench.phone.wallet.insured.identity
        assert bench.recorder.events  # the exchange was traced


def test_bench_present_card_then_read() -> None:
    with Bench(_software_on_own_medium(), clock=FrozenClock()) as bench:
        bench.present("phone")
        bench.present("card")  # the card replaces the phone on the shared medium
        result = bench.reader.read()
        assert result.kind == "card"
        assert bench.card is not None and result.holder == bench.card.insured.identity


def test_bench_withdraw_leaves_nothing_to_read() -> None:
    with Bench(_software_on_own_medium(), clock=FrozenClock()) as bench:
        bench.present("phone")
        bench.withdraw("phone")
        with pytest.raises(NoCardPresent):
            bench.reader.read()


def test_require_a_role_the_rig_lacks() -> None:
    data = _with("roles.card", {"link": "sim:x"})
    data["name"] = "cardonly"
    with Bench(parse_rig(data), clock=FrozenClock()) as bench:
        assert bench.require("card") is bench.card
        with pytest.raises(RoleUnavailable, match="rig 'cardonly' has no simulated phone"):
            bench.require("phone")
        with pytest.raises(RoleUnavailable):
            bench.present("phone")
        with pytest.raises(RoleUnavailable, match="no simulated scanner"):
            bench.require("scanner")


def test_real_phone_is_not_simulated() -> None:
    data = _with("roles.phone", {"link": "sim:x", "simulated": False})
    with Bench(parse_rig(data), clock=FrozenClock()) as bench:
        assert bench.phone is None
        with pytest.raises(RoleUnavailable):
            bench.require("phone")


def test_locked_phone_from_the_rig() -> None:
    data = _with("roles.phone", {"link": "sim:x", "locked": True, "code": "4321"})
    with Bench(parse_rig(data), clock=FrozenClock()) as bench:
        assert bench.phone is not None
        assert not bench.phone.lock.unlocked and bench.phone.lock.code == "4321"


def test_close_is_idempotent() -> None:
    bench = Bench(_software_on_own_medium(), clock=FrozenClock())
    bench.present("phone")
    bench.close()
    bench.close()
    with bench:
        pass
