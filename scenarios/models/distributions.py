"""Step-time distributions: given by mean and spread, or measured samples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from scenarios.models.units import Duration


class StepTime(BaseModel):
    """A step's time in the parameter files, in seconds: lognormal with this mean and standard
    deviation (sd 0: fixed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mean: float = Field(ge=0)
    sd: float = Field(default=0.0, ge=0)

    SECONDS_PER_UNIT: ClassVar[float] = 1.0
    """Seconds in the unit ``mean`` and ``sd`` are given in."""

    def sampler(self) -> Sampler:
        """Something that draws values from this distribution, always in seconds."""
        mean, sd = self.mean * self.SECONDS_PER_UNIT, self.sd * self.SECONDS_PER_UNIT
        if sd == 0 or mean == 0:
            return Fixed(mean)
        sigma2 = math.log1p((sd / mean) ** 2)
        return Lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


class StepTimeMinutes(StepTime):
    """A step time given in minutes in the parameter files (``mean``, ``sd``); it samples in
    seconds like every :class:`StepTime`, so no caller converts (or forgets to)."""

    SECONDS_PER_UNIT: ClassVar[float] = 60.0


class Sampler:
    """Draws durations with a NumPy generator: arrays of seconds (plain floats, for speed)."""

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws, in seconds."""
        raise TypeError(f"{type(self).__name__} does not sample")

    def mean(self) -> Duration:
        """The expected value."""
        raise TypeError(f"{type(self).__name__} has no mean")

    def add_to(self, out: np.ndarray, rng: np.random.Generator) -> None:
        """Add one independent draw to each element of ``out`` (in place)."""
        out += self.sample(rng, out.size)


@dataclass(frozen=True)
class Fixed(Sampler):
    """Always the same value."""

    value: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def add_to(self, out: np.ndarray, rng: np.random.Generator) -> None:
        if self.value:
            out += self.value

    def mean(self) -> Duration:
        return Duration.of_seconds(self.value)


@dataclass(frozen=True)
class Lognormal(Sampler):
    """exp(N(mu, sigma²))."""

    mu: float
    sigma: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self._single(rng, size).astype(float)

    def add_to(self, out: np.ndarray, rng: np.random.Generator) -> None:
        out += self._single(rng, out.size)

    def _single(self, rng: np.random.Generator, size: int) -> np.ndarray:
        # single precision (7 digits) is plenty for durations and halves the cost of national days
        values = rng.standard_normal(size, dtype=np.float32)
        values *= np.float32(self.sigma)
        values += np.float32(self.mu)
        return np.exp(values, out=values)

    def mean(self) -> Duration:
        return Duration.of_seconds(math.exp(self.mu + self.sigma**2 / 2))


class Empirical(Sampler):
    """Resamples measured values (bootstrap), e.g. read times recorded on a rig.

    ``origin`` says where they were measured (a file, the simulators), for the outputs.
    """

    def __init__(self, values: Sequence[float], origin: str = "measurements") -> None:
        self.values = np.asarray(values, dtype=float)
        self.origin = origin

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(self.values, size)

    def mean(self) -> Duration:
        return Duration.of_seconds(float(self.values.mean()))
