"""docs/backend.md lists the APCV-BE requirements and the backend variants as the code has them."""

from __future__ import annotations

import re
from pathlib import Path

from apcv.profile.catalogue import load_catalogue
from simulators.backend.variants import VARIANTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "backend.md"
ROW = re.compile(r"^\| (?P<first>[^|]+?) \| (?P<second>[^|]+?) \| (?P<third>.+?) \|$", re.MULTILINE)


def _rows() -> list[tuple[str, str, str]]:
    return [(m["first"], m["second"], m["third"]) for m in ROW.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_requirement_table_matches_the_catalogue():
    documented = {first: third for first, _, third in _rows() if first.startswith("APCV-BE-")}
    catalogue = {r.id: r.title for r in load_catalogue().requirements if r.id.startswith("APCV-BE-")}
    assert documented == catalogue, "docs/backend.md: the APCV-BE table differs from requirements.yaml"


def test_the_variant_table_names_every_variant_and_the_requirement_it_breaks():
    documented = {first.strip("`"): third for first, _, third in _rows() if first.strip("`") in VARIANTS}
    assert set(documented) == set(VARIANTS)
    for name, caught in documented.items():
        assert set(VARIANTS[name].breaks) <= set(caught.split(", ")), name
