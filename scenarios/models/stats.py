"""Confidence intervals that mean what they say, or say why there is none.

- :func:`t_interval`: mean of independent samples (replications) with a Student-t interval;
  for a quantity that cannot be negative, when the t interval would reach below zero (a
  skewed sample, many zeros), the percentile bootstrap interval instead, which stays within
  the values seen.
- :func:`pooled_percentile`: a percentile of values pooled over replications, with a
  bootstrap interval that resamples whole replications (values within one replication are
  correlated; replications are independent).
- :func:`paired_difference`: the mean difference between two variants run on the same random
  numbers, replication by replication, with its t interval.
- :func:`batch_means`: the mean of one long correlated run, cut into batches (interval on the
  log scale).

An :class:`Estimate` without an interval carries the reason (one replication, nobody waited,
no spread), never a zero-width interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from harness.cli.output import readable
from scenarios.models.errors import ModelError

BOOTSTRAP_RESAMPLES = 999
BOOTSTRAP_SEED = 20_260_101
"""Bootstrap intervals are seeded: the same results give the same interval."""


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval, or the reason it has none."""

    mean: float
    low: float | None = None
    high: float | None = None
    confidence: float = 0.95
    method: str = ""
    reason: str = ""

    @property
    def has_interval(self) -> bool:
        """Whether there is an interval (otherwise :attr:`reason` says why)."""
        return self.low is not None and self.high is not None

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval (False when there is none)."""
        return self.has_interval and self.low <= value <= self.high  # type: ignore[operator]

    def scaled(self, factor: float) -> Estimate:
        """The same estimate in another unit (``factor`` > 0), e.g. seconds to hours."""
        return replace(self, mean=self.mean * factor,
                       low=None if self.low is None else self.low * factor,
                       high=None if self.high is None else self.high * factor)

    def text(self, digits: int = 1) -> str:
        """``12.3 [11.0, 13.6]``, or ``12.3 (no interval: one replication)``."""
        if not self.has_interval:
            return f"{self.mean:,.{digits}f} (no interval: {self.reason})"
        return f"{self.mean:,.{digits}f} [{self.low:,.{digits}f}, {self.high:,.{digits}f}]"

    def to_json(self) -> dict[str, float | str | None]:
        """Plain data: mean, low, high (None without an interval), confidence, method or reason."""
        data: dict[str, float | str | None] = {"mean": self.mean, "low": self.low, "high": self.high,
                                               "confidence": self.confidence}
        if self.has_interval:
            data["method"] = self.method
        else:
            data["no_interval"] = self.reason
        return data


def _values(samples: Sequence[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ModelError("no samples to estimate from")
    return values


def t_interval(samples: Sequence[float] | np.ndarray, confidence: float = 0.95, *,
               nonnegative: bool = False, what: str = "replication") -> Estimate:
    """Mean of independent samples with a Student-t interval.

    One sample, or samples all equal, give no interval (the reason says which). With
    ``nonnegative``, a t interval reaching below zero is replaced by the percentile bootstrap
    interval. ``what`` names one sample in the reasons (``replication``, ``batch``).
    """
    values = _values(samples)
    mean = float(values.mean())
    if values.size == 1:
        return Estimate(mean, confidence=confidence, reason=f"one {what}, no spread to measure")
    if np.all(values == values[0]):
        return Estimate(mean, confidence=confidence, reason=f"every {what} gave {readable(float(values[0]))}")
    sem = float(values.std(ddof=1)) / math.sqrt(values.size)
    half = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1)) * sem
    if nonnegative and mean - half < 0:
        low, high = _bootstrap(values, np.mean, confidence)
        return Estimate(mean, low, high, confidence, "percentile bootstrap")
    return Estimate(mean, mean - half, mean + half, confidence, "Student t")


def _bootstrap(values: np.ndarray, statistic, confidence: float) -> tuple[float, float]:
    result = stats.bootstrap((values,), statistic, confidence_level=confidence, method="percentile",
                             n_resamples=BOOTSTRAP_RESAMPLES, random_state=BOOTSTRAP_SEED)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Inverted-CDF percentile of sorted ``values`` under each row of ``weights``."""
    cumulative = np.cumsum(weights, axis=-1)
    target = q / 100 * cumulative[..., -1:]
    index = np.minimum((cumulative < target).sum(axis=-1), values.size - 1)
    return values[index]


def pooled_percentile(groups: Sequence[Sequence[float] | np.ndarray], q: float, confidence: float = 0.95,
                      ) -> Estimate:
    """The ``q``-th percentile of every value of ``groups`` (replications) pooled.

    Its interval resamples whole groups (percentile bootstrap), so it never leaves the range
    of the values (never negative for waits). One group, or no positive value, gives no interval.
    """
    arrays = [np.asarray(g, dtype=float) for g in groups]
    values = np.concatenate(arrays) if arrays else np.empty(0)
    if values.size == 0:
        return Estimate(0.0, confidence=confidence, reason="nobody was served")
    owner = np.repeat(np.arange(len(arrays)), [a.size for a in arrays])
    order = np.argsort(values, kind="stable")
    values, owner = values[order], owner[order]
    point = float(_weighted_percentile(values, np.ones(values.size), q))
    if not np.any(values > 0):
        return Estimate(point, confidence=confidence, reason="nobody waited")
    if len(arrays) == 1:
        return Estimate(point, confidence=confidence, reason="one replication, no spread to measure")

    def statistic(picked: np.ndarray, axis: int = -1) -> np.ndarray:
        counts = (picked[..., None] == np.arange(len(arrays))).sum(axis=-2)
        return _weighted_percentile(values, counts[..., owner], q)

    result = stats.bootstrap((np.arange(len(arrays)),), statistic, vectorized=True, batch=50,
                             confidence_level=confidence, method="percentile",
                             n_resamples=BOOTSTRAP_RESAMPLES, random_state=BOOTSTRAP_SEED)
    interval = result.confidence_interval
    if interval.low == interval.high == point:
        share = float(np.mean(values <= point)) if point == 0 else None
        why = (f"{share:.0%} of waits are 0" if share is not None
               else f"every resample of the replications gives {readable(point)}")
        return Estimate(point, confidence=confidence, reason=why)
    return Estimate(point, float(interval.low), float(interval.high), confidence,
                    "bootstrap over replications")


def paired_difference(base: Sequence[float], other: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Mean of ``other − base``, replication by replication (both on the same random numbers)."""
    if len(base) != len(other):
        raise ModelError(f"paired samples differ in length ({len(base)} and {len(other)})")
    return t_interval(np.asarray(other, dtype=float) - np.asarray(base, dtype=float), confidence)


BATCHES = 10
"""Batches of a batch-means interval: few long batches stay nearly independent under heavy load."""


@dataclass(frozen=True)
class BatchMeans:
    """A batch-means estimate, and how far its batches are from independent."""

    estimate: Estimate
    batches: int
    batch_size: int
    lag1: float
    """Lag-1 autocorrelation of the batch means (0 for independent batches)."""

    @property
    def correlated(self) -> bool:
        """Whether the lag-1 autocorrelation is significant at 5 % (one-sided): batches too short."""
        return self.lag1 > float(stats.norm.ppf(0.95)) / math.sqrt(self.batches)


def batch_means(samples: Sequence[float] | np.ndarray, batches: int = BATCHES, warmup: float = 0.05,
                confidence: float = 0.95, *, proportion: bool = False) -> BatchMeans:
    """Mean of a correlated non-negative series: drop the warm-up, cut into ``batches``.

    The interval is the Student-t interval of the batch means on the log scale (delta method:
    mean × exp(± t × standard error / mean)): never negative, and longer on the high side,
    where the mean of a heavily loaded queue is skewed. A ``proportion`` (a series of 0 and 1)
    gets it on the logit scale instead, so it stays within 0 and 1.
    """
    values = np.asarray(samples, dtype=float)
    values = values[int(values.size * warmup):]
    size = values.size // batches
    if batches < 2 or size < 2:
        raise ModelError(f"too few samples ({values.size}) for {batches} batches")
    means = values[: size * batches].reshape(batches, size).mean(axis=1)
    mean = float(means.mean())
    centred = means - mean
    spread = float(np.sum(centred**2))
    lag1 = float(np.sum(centred[1:] * centred[:-1]) / spread) if spread > 0 else 0.0
    plain = t_interval(means, confidence, what="batch")
    if not plain.has_interval or mean <= 0:
        return BatchMeans(plain, batches, size, lag1)
    half = plain.high - mean  # type: ignore[operator]
    if proportion and mean < 1:
        centre, spread_logit = math.log(mean / (1 - mean)), half / (mean * (1 - mean))
        low, high = (1 / (1 + math.exp(-(centre + sign * spread_logit))) for sign in (-1, 1))
        estimate = Estimate(mean, low, high, confidence, "batch means, logit scale")
        return BatchMeans(estimate, batches, size, lag1)
    relative = half / mean
    estimate = Estimate(mean, mean * math.exp(-relative), mean * math.exp(relative), confidence,
                        "batch means, log scale")
    return BatchMeans(estimate, batches, size, lag1)
