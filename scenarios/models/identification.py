"""How a patient gets identified: the chosen method, the failures met, the fallbacks taken."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import simpy

from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.params import Identification

MethodName = Literal["card", "qr", "nfc", "paper"]
CHOSEN: tuple[MethodName, ...] = ("card", "qr", "nfc")

_APP_FAILURES = (("battery_dead", "card"), ("app_not_activated", "card"), ("app_locked", "card"),
                 ("biometric_failed", None), ("network_down", "paper"))
FALLBACKS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "card": (("forgotten_card", "paper"),),
    "qr": _APP_FAILURES,
    "nfc": (("phone_without_nfc", "qr"), ("no_compatible_reader", "qr"), *_APP_FAILURES),
    "paper": (),
}
"""Failures checked for each method, in order, and where each falls back (None: same method,
after the penalty, e.g. the secret code typed after the fingerprint failed)."""


@dataclass(frozen=True)
class Mix:
    """Shares of patients who start with the card, the QR code and NFC (summing to 1)."""

    shares: Mapping[str, float]

    @classmethod
    def parse(cls, text: str) -> Mix:
        """``card=50,qr=25,nfc=25`` (percentages; methods left out count 0)."""
        shares: dict[str, float] = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in CHOSEN:
                raise ModelError(f"mix {text!r}: unknown method {name!r} (use card, qr, nfc)")
            try:
                shares[name] = float(value) / 100
            except ValueError:
                raise ModelError(f"mix {text!r}: {name} needs a percentage, not {value!r}") from None
            if shares[name] < 0:
                raise ModelError(f"mix {text!r}: {name} share is negative")
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise ModelError(f"mix {text!r}: shares add up to {sum(shares.values()):.0%}, not 100 %")
        return cls({name: shares.get(name, 0.0) for name in CHOSEN})

    @property
    def label(self) -> str:
        """``card 50% qr 25% nfc 25%`` (methods at zero left out)."""
        return " ".join(f"{n} {s:.0%}" for n, s in self.shares.items() if s > 0)

    def choose(self, rng: np.random.Generator) -> MethodName:
        """The method a patient starts with."""
        return self.pick(rng.random())

    def pick(self, draw: float) -> MethodName:
        """The method of the patient whose uniform draw is ``draw``: methods take the unit
        interval in the order card, QR, NFC, so a patient keeps their place between mixes
        (with common random numbers, a patient who starts with the card under ``card=50,nfc=50``
        does so under ``card=50,qr=50`` too)."""
        for name in CHOSEN:
            draw -= self.shares[name]
            if draw < 0:
                return name
        return "card"

    def choose_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """The starting methods of ``size`` patients (an array of method names)."""
        return rng.choice(np.array(CHOSEN), size, p=[self.shares[name] for name in CHOSEN])


DEFAULT_MIXES = ("card=100", "card=75,qr=25", "card=50,qr=50", "qr=100", "nfc=100")


@dataclass
class Outcome:
    """One identification: its duration, the method that worked, the failures met."""

    seconds: float
    started_with: str
    method: str
    failures: list[str] = field(default_factory=list)


class Identifier:
    """Samples identifications from step-time distributions (fast mode)."""

    def __init__(self, params: Identification, read_overrides: Mapping[str, Sampler] | None = None) -> None:
        methods = params.methods
        self.handling = {name: getattr(methods, name).handling.sampler() for name in (*CHOSEN, "paper")}
        self.read = {name: getattr(methods, name).read.sampler() for name in (*CHOSEN, "paper")}
        self.read.update(read_overrides or {})
        self.failures = {name: (getattr(params.failures, name).probability,
                                getattr(params.failures, name).penalty.sampler())
                         for name in type(params.failures).model_fields}

    def start_day(self, env: simpy.Environment) -> None:
        """Called when a simulated day starts; sampling needs nothing (the detailed mode does)."""

    def close(self) -> None:
        """Release what the identifier holds once its days are simulated; sampling holds nothing."""

    def identify(self, method: str, rng: np.random.Generator) -> Outcome:
        """Identify a patient who starts with ``method``."""
        outcome = Outcome(0.0, method, method)
        checked: set[str] = set()
        current = method
        moved = True
        while moved:
            moved = False
            for failure, fallback in FALLBACKS[current]:
                if failure in checked:
                    continue
                checked.add(failure)
                if self.meets(failure, current, rng):
                    outcome.failures.append(failure)
                    outcome.seconds += float(self.failures[failure][1].sample(rng, 1)[0])
                    if fallback is not None:
                        current, moved = fallback, True
                        break
        outcome.method = current
        outcome.seconds += self.step_time(current, rng)
        return outcome

    def meets(self, failure: str, method: str, rng: np.random.Generator) -> bool:
        """Whether the patient trying ``method`` meets ``failure``: drawn with its probability."""
        return bool(rng.random() < self.failures[failure][0])

    def identify_many(self, methods: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`identify` for many patients at once: (seconds, final methods).

        Fallbacks only ever move down ``nfc → qr → card → paper``, so handling each method's
        failures once, in that order, follows every patient's path as :meth:`identify` does.
        """
        current = np.asarray(methods).astype("<U5")
        seconds = np.zeros(current.size)
        checked: dict[str, np.ndarray] = {name: np.zeros(current.size, bool) for name in self.failures}
        for method in ("nfc", "qr", "card", "paper"):
            here = current == method
            for failure, fallback in FALLBACKS[method]:
                probability, penalty = self.failures[failure]
                candidates = here & ~checked[failure]
                checked[failure] |= candidates
                hit = candidates & (rng.random(current.size) < probability)
                seconds[hit] += penalty.sample(rng, int(hit.sum()))
                if fallback is not None:
                    current[hit] = fallback
                    here &= ~hit
        for method in (*CHOSEN, "paper"):
            chosen = current == method
            count = int(chosen.sum())
            seconds[chosen] += self.handling[method].sample(rng, count) + self.read[method].sample(rng, count)
        return seconds, current

    def step_time(self, method: str, rng: np.random.Generator) -> float:
        """Handling plus reading time of a method that works."""
        return float(self.handling[method].sample(rng, 1)[0] + self.read[method].sample(rng, 1)[0])
