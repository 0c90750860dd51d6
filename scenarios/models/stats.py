"""Confidence intervals: batch means within one long run, Student t across replications."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from scenarios.models.errors import ModelError


@dataclass(frozen=True)
class Estimate:
    """A mean with the half-width of its confidence interval."""

    mean: float
    half_width: float
    confidence: float = 0.95

    @property
    def low(self) -> float:
        """Lower bound of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper bound of the interval."""
        return self.mean + self.half_width

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high

    def to_json(self) -> dict[str, float]:
        """Plain numbers for JSON output."""
        return {"mean": self.mean, "low": self.low, "high": self.high, "confidence": self.confidence}


def t_interval(samples: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Mean of independent samples with a Student-t interval (half-width 0 for one sample)."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ModelError("no samples to estimate from")
    mean = float(values.mean())
    if values.size == 1:
        return Estimate(mean, 0.0, confidence)
    sem = float(values.std(ddof=1)) / math.sqrt(values.size)
    quantile = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1))
    return Estimate(mean, quantile * sem, confidence)


def batch_means(samples: Sequence[float], batches: int = 30, warmup: float = 0.05,
                confidence: float = 0.95) -> Estimate:
    """Batch-means interval for a correlated series: drop the warm-up, cut into batches."""
    values = np.asarray(samples, dtype=float)
    values = values[int(values.size * warmup):]
    size = values.size // batches
    if size < 2:
        raise ModelError(f"too few samples ({values.size}) for {batches} batches")
    means = values[: size * batches].reshape(batches, size).mean(axis=1)
    return t_interval(means.tolist(), confidence)
