"""A role's plan: the catalogue's requirements binding the role, and the tests that check them.

This is the one place that decides which tests a plan runs: a test belongs to the plan of
``role`` when one of its ``@pytest.mark.apcv_requirement`` ids is a requirement of that role.
"""

from __future__ import annotations

import pytest

from apcv.profile.catalogue import ROLES, CatalogueError, Requirement, load_catalogue


def plan_requirements(role: str) -> list[Requirement]:
    """The requirements of ``role``'s plan, mandatory first; UsageError for an unknown role."""
    try:
        return load_catalogue().plan(role)
    except CatalogueError as exc:
        raise pytest.UsageError(f"--apcv-role: {exc}") from None


def select_plan_items(items: list[pytest.Item], role: str) -> tuple[list[pytest.Item], list[pytest.Item]]:
    """``(selected, deselected)``: the items whose requirement markers name a requirement of
    ``role``'s plan, and the others."""
    wanted = {requirement.id for requirement in plan_requirements(role)}
    selected, deselected = [], []
    for item in items:
        ids = {ident for marker in item.iter_markers("apcv_requirement") for ident in marker.args}
        (selected if ids & wanted else deselected).append(item)
    return selected, deselected


__all__ = ["ROLES", "plan_requirements", "select_plan_items"]
