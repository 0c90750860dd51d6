"""Load-test estimates (``params/load.yaml``) added to the rollout model, validated with pydantic."""

from __future__ import annotations

from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenarios.load.errors import LoadError


class LoadParams(BaseModel):
    """What the rollout model does not say about the users of a load test."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    qr_share: float = Field(ge=0, le=1)
    receipt_syncs_per_visit: float = Field(ge=0)
    delegations_per_holder_per_day: float = Field(ge=0)
    video_status_polls: int = Field(ge=0, le=10)
    review_rejection_share: float = Field(ge=0, le=1)
    minimum_user_share: float = Field(ge=0, lt=0.25)


def load_params() -> LoadParams:
    """The built-in load estimates."""
    text = (files("scenarios.load") / "params" / "load.yaml").read_text(encoding="utf-8")
    try:
        return LoadParams.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a broken package, not a user's mistake: still one line
        raise LoadError(f"scenarios/load/params/load.yaml: {exc.errors()[0]['msg']}") from None
