"""Device-under-test roles are registered objects keyed by the catalogue's role id: every role of
the catalogue has its module and its plan folder, and a bad role name is one line."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from apcv.profile.catalogue import ROLES
from harness.rig import RigError, load_rig
from harness.roles import UnknownRole, get_role, registered
from harness.roles.base import REGISTRY
from scenarios.conformance.plans import plan_dir
from simulators.variant import UnknownVariant


def test_every_catalogue_role_has_a_module_and_a_plan_folder() -> None:
    assert [role.id for role in registered()] == list(ROLES)
    for role_id in ROLES:
        assert plan_dir(role_id).is_dir()
    folders = {p.name for p in Path(str(files("scenarios.conformance"))).iterdir()
               if p.is_dir() and not p.name.startswith("_")}
    assert folders == {role_id.replace("-", "_") for role_id in ROLES}, "a plan folder without its role"


def test_an_unknown_role_or_one_without_a_module_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnknownRole, match=r"^unknown role 'printer'; roles: phone, card, reader"):
        get_role("printer")
    monkeypatch.delitem(REGISTRY, "card")
    with pytest.raises(UnknownRole, match=r"^role 'card' has no module in harness/roles/"):
        get_role("card")
    with pytest.raises(RigError, match=r"^no conformance plan for role 'printer'"):
        plan_dir("printer")


def test_a_role_knows_its_acts_reach_variants_and_rig() -> None:
    phone, practice = get_role("phone"), get_role("practice-software")
    assert phone.acts == ("tap", "lock", "unlock", "enter_code", "biometric", "reactivate")
    assert practice.acts == ("bill",)
    assert practice.default_rig == "practice-software" and phone.default_rig == "software"
    software = load_rig("software")
    assert phone.reach_problem(software) is None and phone.simulated(software)
    assert "needs roles.scanner" in get_role("scanner").reach_problem(load_rig("pcsc-vpcd"))
    assert {v.role for v in phone.variants()} == {"phone"} and phone.variants()
    with pytest.raises(UnknownVariant, match=r"^unknown phone variant 'nope'; the phone variants are: "):
        phone.find_variant("nope")
    assert {v.role for v in get_role("card").variants()} == {"card"} and len(get_role("card").variants()) >= 3
