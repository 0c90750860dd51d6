"""Waiting-room parameters: pydantic models read from YAML files in ``params/``.

Unknown keys, negative rates and probabilities above 1 are rejected with a message that
names the key.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from apcv.input_files import load_yaml, read_text
from apcv.validation import first_error
from scenarios.models.distributions import StepTime, StepTimeMinutes
from scenarios.models.errors import ModelError

PARAMS_DIR = files("scenarios.models") / "params"
MAX_PARAMS_BYTES = 256 * 1024
"""Parameter files are a page or two of YAML; larger ones are refused unread."""
Probability = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Method(_Strict):
    """One way of identifying: the human part (unlock, hand over) and the reading itself."""

    handling: StepTime
    read: StepTime


class Methods(_Strict):
    """The four ways a patient ends up identified."""

    card: Method
    qr: Method
    nfc: Method
    paper: Method


class Failure(_Strict):
    """A failure: how often it happens, the time it costs before falling back."""

    probability: Probability
    penalty: StepTime


class Failures(_Strict):
    """Failures seen in the field; each applies to the methods named in ``identification``."""

    forgotten_card: Failure
    app_not_activated: Failure
    app_locked: Failure
    biometric_failed: Failure
    battery_dead: Failure
    no_compatible_reader: Failure
    phone_without_nfc: Failure
    network_down: Failure


class Identification(_Strict):
    """Identification step times and failures."""

    methods: Methods
    failures: Failures


class Opening(_Strict):
    """Opening hours (hours of the day, 0-24) and days open per week."""

    start_hour: float = Field(ge=0, le=24)
    end_hour: float = Field(ge=0, le=24)
    days_per_week: int = Field(ge=1, le=7)

    @field_validator("end_hour")
    @classmethod
    def _after_start(cls, end: float, info: ValidationInfo) -> float:
        start = info.data.get("start_hour")
        if start is not None and end <= start:
            raise ValueError(f"closing hour must come after the opening hour ({start} to {end})")
        return end


class GpScenario(_Strict):
    """A GP practice: booked appointments, one practitioner, an optional secretary."""

    kind: Literal["gp"]
    name: str
    opening: Opening
    slot_minutes: float = Field(gt=0)
    lateness: StepTimeMinutes
    early_share: Probability
    no_show: Probability
    consultation: StepTime
    secretary: bool
    identification: Identification


class WalkInScenario(_Strict):
    """A pharmacy or an admissions desk: walk-ins by hour of day, several counters."""

    kind: Literal["pharmacy", "hospital"]
    name: str
    opening: Opening
    servers: int = Field(ge=1)
    arrivals_per_hour: dict[int, Annotated[float, Field(ge=0)]]
    service: StepTime
    identification: Identification

    @field_validator("arrivals_per_hour")
    @classmethod
    def _hours(cls, value: dict[int, float]) -> dict[int, float]:
        bad = [hour for hour in value if not 0 <= hour <= 23]
        if bad:
            raise ValueError(f"hours must be 0..23, not {bad}")
        return value


Scenario = Annotated[GpScenario | WalkInScenario, Field(discriminator="kind")]
_SCENARIO = TypeAdapter(Scenario)
BUILTIN = ("gp", "pharmacy", "hospital")


def parse_scenario(data: object, source: str = "parameters") -> GpScenario | WalkInScenario:
    """Validate already-parsed YAML; the error names the first bad key."""
    try:
        return _SCENARIO.validate_python(data)
    except ValidationError as exc:  # a built-in kind's name is the discriminator tag pydantic puts first
        raise ModelError(f"{source}: {first_error(exc, tags=BUILTIN)}") from None


def load_scenario(name_or_path: str) -> GpScenario | WalkInScenario:
    """A built-in scenario by name (gp, pharmacy, hospital) or a YAML file by path.

    A file of the user's must be a regular file of at most :data:`MAX_PARAMS_BYTES`, its
    YAML without aliases. Without an ``identification`` block, the file gets
    ``params/identification.yaml``.
    """
    if name_or_path in BUILTIN:
        path: Path | Traversable = PARAMS_DIR / f"{name_or_path}.yaml"
        text = path.read_text(encoding="utf-8")
    else:
        path = Path(name_or_path)
        text = read_text(path, limit=MAX_PARAMS_BYTES, what="scenario file", error=ModelError)
    data = load_yaml(text, str(path), ModelError)
    if isinstance(data, dict) and "identification" not in data:
        data = {**data, "identification": _default_identification()}
    return parse_scenario(data, str(path))


def default_identification() -> Identification:
    """The built-in step times and failures (``params/identification.yaml``)."""
    return Identification.model_validate(_default_identification())


def _default_identification() -> object:
    return yaml.safe_load((PARAMS_DIR / "identification.yaml").read_text(encoding="utf-8"))
