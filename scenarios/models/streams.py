"""Random streams for common random numbers: one stream per patient attribute, per day.

Comparing adoption mixes (or read-time files) is only fair if every variant sees the same
patients. A single generator shared by every draw breaks that as soon as two variants
consume a different number of draws (an NFC patient falls back to QR under one mix and not
under another), and every later draw shifts. Here each attribute has its own stream, keyed
by (seed, replication, day, attribute), and each patient's identification has its own
stream keyed by the patient's rank in arrival order: who arrives, when, how long their
consultation lasts, which method they would choose and what happens when they identify no
longer depends on what other patients did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARRIVALS, WORK, METHOD, IDENTIFICATION = range(4)
"""Attribute keys of the streams."""


@dataclass(frozen=True)
class DayStreams:
    """The random streams of one simulated day."""

    key: tuple[int, ...]

    @classmethod
    def for_day(cls, seed: int, replication: int, day: int) -> DayStreams:
        """Streams of day ``day`` (from 0) of replication ``replication`` under ``seed``."""
        return cls((seed, replication, day))

    @classmethod
    def drawn_from(cls, rng: np.random.Generator) -> DayStreams:
        """Streams keyed by one draw of ``rng`` (one draw per day, whatever the day does)."""
        return cls((int(rng.integers(2**63)),))

    def _stream(self, *attribute: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([*self.key, *attribute]))

    def arrivals(self) -> np.random.Generator:
        """Who comes and when (appointments kept, lateness, walk-in counts and times)."""
        return self._stream(ARRIVALS)

    def work(self) -> np.random.Generator:
        """Consultation or service times, one per patient in arrival order."""
        return self._stream(WORK)

    def methods(self) -> np.random.Generator:
        """One uniform draw per patient that places them in the mix (:meth:`Mix.pick`)."""
        return self._stream(METHOD)

    def patient(self, rank: int) -> np.random.Generator:
        """The identification of the ``rank``-th patient to arrive: failures met, step times."""
        return self._stream(IDENTIFICATION, rank)
