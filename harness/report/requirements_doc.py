"""``docs/requirements.md``, generated from the requirement catalogue:
``python -m harness.report.requirements_doc docs/requirements.md``."""

from __future__ import annotations

import sys
from pathlib import Path

from apcv.profile.catalogue import ROLES, Catalogue, load_catalogue


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(catalogue: Catalogue) -> str:
    """The catalogue as Markdown: one table per role, mandatory first."""
    lines = [
        f"# Requirement catalogue — {catalogue.profile} (version {catalogue.version})",
        "",
        "Generated from `apcv/profile/r1/requirements.yaml` by",
        "`python -m harness.report.requirements_doc docs/requirements.md`; a test fails when it drifts.",
        "A role's plan is its requirements here (`apcv-hil plan ROLE`); the tests carry the ids with",
        "`@pytest.mark.apcv_requirement(...)`.",
    ]
    for role in ROLES:
        plan = catalogue.plan(role)
        if not plan:
            continue
        lines += ["", f"## {role}", "", "| id | level | kind | budget | title |", "|---|---|---|---|---|"]
        for r in plan:
            budget = f"{r.budget_ms:g} ms" if r.budget_ms is not None else ""
            lines.append(f"| {r.id} | {r.level} | {r.kind} | {budget} | {_cell(r.title)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1] if len(sys.argv) > 1 else "docs/requirements.md").write_text(
        render(load_catalogue()), encoding="utf-8")
