"""How a patient gets identified: the chosen method, the failures met, the fallbacks taken."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import simpy

from scenarios.models.distributions import Sampler
from scenarios.models.errors import ModelError
from scenarios.models.params import Identification
from scenarios.models.units import Duration

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


DEFAULT_MIXES = ("card=100", "card=75,qr=25", "card=50,qr=50", "qr=100", "nfc=100")


@dataclass(frozen=True)
class Path:
    """One way through identification: the failures met in order and the method that worked."""

    start: str
    failures: tuple[str, ...]
    final: str
    probability: float
    """Given the start."""


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
        self._paths: list[Path] | None = None

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

    def sample_durations(self, mix: Mix, size: int, rng: np.random.Generator) -> np.ndarray:
        """Identification seconds of ``size`` patients of ``mix``, each drawn independently.

        For a national day, which needs each patient's duration but not their method: a
        patient's path (starting method, failures met, method
        that worked) is one of a few dozen, each with a known probability (:meth:`paths`), so
        the number of patients on each path is one multinomial draw; the durations of each
        path's patients are drawn together, then shuffled over the patients.
        """
        paths = self.paths()
        weights = np.array([mix.shares[path.start] * path.probability for path in paths])
        counts = rng.multinomial(size, weights / weights.sum())
        durations = np.zeros(size)
        end = 0
        for path, count in zip(paths, counts, strict=True):
            if count:
                part = durations[end:end + count]
                for failure in path.failures:
                    self.failures[failure][1].add_to(part, rng)
                self.handling[path.final].add_to(part, rng)
                self.read[path.final].add_to(part, rng)
                end += count
        rng.shuffle(durations)
        return durations

    def expected(self, mix: Mix) -> Duration:
        """The mean identification time of a patient of ``mix``, exactly, from :meth:`paths`."""
        total = Duration.of_seconds(0)
        for path in self.paths():
            spent = self.handling[path.final].mean() + self.read[path.final].mean()
            for failure in path.failures:
                spent += self.failures[failure][1].mean()
            total += spent * (mix.shares[path.start] * path.probability)
        return total

    def paths(self) -> list[Path]:
        """Every path a patient can take, from each chosen method, with its probability.

        The same walk as :meth:`identify`, branching on each failure instead of drawing it;
        branches of probability 0 are left out. For each start the probabilities sum to 1.
        """
        if self._paths is None:
            self._paths = [Path(start, failures, final, probability) for start in CHOSEN
                           for failures, final, probability in self._walk(start, frozenset(), 0, (), 1.0)]
        return self._paths

    def _walk(self, current: str, checked: frozenset[str], position: int, failures: tuple[str, ...],
              probability: float) -> Iterator[tuple[tuple[str, ...], str, float]]:
        steps = FALLBACKS[current]
        while position < len(steps) and steps[position][0] in checked:
            position += 1
        if position == len(steps):
            yield failures, current, probability
            return
        failure, fallback = steps[position]
        chance = self.failures[failure][0]
        checked = checked | {failure}
        if chance < 1:
            yield from self._walk(current, checked, position + 1, failures, probability * (1 - chance))
        if chance > 0:
            met = (*failures, failure)
            if fallback is None:
                yield from self._walk(current, checked, position + 1, met, probability * chance)
            else:
                yield from self._walk(fallback, checked, 0, met, probability * chance)

    def step_time(self, method: str, rng: np.random.Generator) -> float:
        """Handling plus reading time of a method that works."""
        return float(self.handling[method].sample(rng, 1)[0] + self.read[method].sample(rng, 1)[0])
