"""The requirement catalogue of a profile: package data, one YAML file per profile.

Every requirement has an id, a title, the device-under-test roles it binds, a level
(mandatory or optional), a kind (functional, negative, robustness, timing) and, for timing
requirements, a budget. Plans, markers and reports all read it from here.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from apcv.errors import ApcvError
from apcv.input_files import load_yaml

Role = Literal["phone", "card", "reader", "practice-software", "scanner", "backend"]
ROLES: tuple[str, ...] = Role.__args__
REQUIREMENT_ID = re.compile(r"^APCV-[A-Z]+-\d{3}$")
MAX_CATALOGUE_BYTES = 1 << 20


class CatalogueError(ApcvError):
    """The catalogue file is missing, not YAML, or has a bad entry (the message names it)."""


class Requirement(BaseModel):
    """One line of the profile: what a device under test of ``roles`` must do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=REQUIREMENT_ID.pattern)
    title: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    level: Literal["mandatory", "optional"]
    kind: Literal["functional", "negative", "robustness", "timing"]
    budget_ms: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _budget_for_timing(self) -> Requirement:
        if (self.kind == "timing") != (self.budget_ms is not None):
            raise ValueError("budget_ms is required for timing requirements and only for them")
        return self


class Catalogue(BaseModel):
    """All requirements of one profile, by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str
    version: int
    requirements: tuple[Requirement, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        seen: set[str] = set()
        for requirement in self.requirements:
            if requirement.id in seen:
                raise ValueError(f"duplicate requirement id {requirement.id}")
            seen.add(requirement.id)
        return self

    def by_id(self) -> dict[str, Requirement]:
        """Requirements keyed by id."""
        return {r.id: r for r in self.requirements}

    def plan(self, role: str) -> list[Requirement]:
        """The requirements binding ``role``, mandatory first, then by id."""
        if role not in ROLES:
            raise CatalogueError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        chosen = [r for r in self.requirements if role in r.roles]
        return sorted(chosen, key=lambda r: (r.level != "mandatory", r.id))


def parse_catalogue(text: str, source: str) -> Catalogue:
    """Validate catalogue YAML ``text``; errors name ``source`` and the bad entry."""
    if len(text) > MAX_CATALOGUE_BYTES:
        raise CatalogueError(f"{source}: larger than {MAX_CATALOGUE_BYTES} bytes")
    data = load_yaml(text, source, CatalogueError)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        where = []
        for error in exc.errors():
            loc = list(error["loc"])
            if len(loc) >= 2 and loc[0] == "requirements" and isinstance(loc[1], int):
                entries = (data or {}).get("requirements") or []
                entry = entries[loc[1]] if loc[1] < len(entries) else None
                ident = entry.get("id") if isinstance(entry, dict) else None
                loc[1] = ident or f"#{loc[1] + 1}"
            where.append(f"{'.'.join(str(part) for part in loc) or 'catalogue'}: {error['msg']}")
        raise CatalogueError(f"{source}: " + "; ".join(where)) from None


@cache
def load_catalogue(profile: str = "r1") -> Catalogue:
    """The built-in catalogue of ``profile`` (package data of ``apcv.profile.<profile>``)."""
    resource = files("apcv.profile") / profile / "requirements.yaml"
    try:
        text = resource.read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        raise CatalogueError(f"no requirement catalogue for profile '{profile}'") from None
    return parse_catalogue(text, f"apcv/profile/{profile}/requirements.yaml")
