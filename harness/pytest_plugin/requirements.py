"""Requirement ids and titles, read from the profile's requirement catalogue (package data)."""

from __future__ import annotations

from apcv.profile.catalogue import load_catalogue


def load_requirements() -> dict[str, str]:
    """Map requirement id -> one-line title from the catalogue."""
    return {r.id: r.title for r in load_catalogue().requirements}
