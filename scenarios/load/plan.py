"""The plan of a load run, shared by ``apcv-hil load`` and every Locust process it starts.

Written as JSON in the report folder (``plan.json``) and passed to Locust with
``--apcv-plan``: the target, the directory seed, the shape with its numbers, and for each
kind of user its weight, pace and choices.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from scenarios.load.mix import UserMix, UserPlan
from scenarios.load.shapes import ShapeSpec
from scenarios.load.written_files import read_written_file

FORMAT = "apcv-load-plan/1"


@dataclass(frozen=True)
class LoadPlan:
    """Everything a Locust process needs to know about the run, besides its material."""

    target: str
    seed: int
    """Seed of the synthetic caller directory (the backend's ``--seed``): practitioner and operator keys."""
    run_id: str
    """Prefix of this run's claim ids."""
    shape: ShapeSpec
    users: dict[str, UserPlan]
    mix: UserMix
    requests_per_user_s: float
    report_dir: str | None = None
    """Where the master writes the timeline, the ledger and the generator's CPU (None: nowhere)."""

    def to_json(self) -> dict:
        """Plain data."""
        return {"format": FORMAT, "target": self.target, "seed": self.seed, "run_id": self.run_id,
                "shape": self.shape.to_json(), "users": {k: asdict(v) for k, v in self.users.items()},
                "mix": asdict(self.mix), "requests_per_user_s": self.requests_per_user_s,
                "report_dir": self.report_dir}

    @classmethod
    def from_json(cls, data: dict) -> LoadPlan:
        """From :meth:`to_json`."""
        return cls(str(data["target"]), int(data["seed"]), str(data["run_id"]),
                   ShapeSpec.from_json(data["shape"]),
                   {k: UserPlan(**v) for k, v in data["users"].items()}, UserMix(**data["mix"]),
                   float(data["requests_per_user_s"]), data.get("report_dir"))

    def write(self, path: Path) -> Path:
        """Write as JSON."""
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        return path

    def user_share(self, kind: str) -> float:
        """Share of the users that are of ``kind``."""
        total = sum(p.weight for p in self.users.values())
        return self.users[kind].weight / total if kind in self.users else 0.0


def read_plan(path: str | Path) -> LoadPlan:
    """Read a plan file; :class:`LoadError` naming what is wrong."""
    return read_written_file(path, file_format=FORMAT, what="plan file", kind="load plan",
                             build=LoadPlan.from_json)
