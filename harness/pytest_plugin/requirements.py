"""Requirement ids and their catalogue entries, read from the profile's requirement catalogue."""

from __future__ import annotations

from apcv.profile.catalogue import Requirement, load_catalogue
from harness.report.record import RequirementInfo


def requirement_info(requirement: Requirement) -> RequirementInfo:
    """The record's copy of a catalogue entry."""
    return RequirementInfo(requirement.title, requirement.level, requirement.kind,
                           list(requirement.roles), requirement.budget_ms)


def requirement_infos(role: str | None = None) -> dict[str, RequirementInfo]:
    """Catalogue entries by id: the plan of ``role``, or the whole catalogue."""
    catalogue = load_catalogue()
    chosen = catalogue.plan(role) if role else catalogue.requirements
    return {r.id: requirement_info(r) for r in chosen}
