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
METHODS: tuple[MethodName, ...] = (*CHOSEN, "paper")
"""Every method; a method's code in vectorised arrays is its index here."""

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
        return np.array(CHOSEN)[self.choose_codes(rng, size)]

    def choose_codes(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """The starting methods of ``size`` patients as codes (indices in :data:`METHODS`), as ``pick``."""
        edges = np.cumsum([self.shares[name] for name in CHOSEN])[:-1]
        return np.searchsorted(edges, rng.random(size), side="right").astype(np.int8)


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


def _check_fallbacks() -> None:
    """What :meth:`Identifier.identify_codes` relies on: a patient falls to a method only from a
    failure listed before every failure that method shares with the one left."""
    for method, failures in FALLBACKS.items():
        names = [name for name, _ in failures]
        for position, (_, fallback) in enumerate(failures):
            if fallback is not None:
                shared = {name for name, _ in FALLBACKS[fallback]} & set(names)
                assert all(names.index(name) > position for name in shared), (method, fallback)


_check_fallbacks()


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

    def identify_many(self, methods: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`identify` for many patients at once: (seconds, final methods), by method name."""
        names, inverse = np.unique(np.asarray(methods), return_inverse=True)
        codes = np.array([METHODS.index(name) for name in names], dtype=np.int8)[inverse]
        seconds, final = self.identify_codes(codes, rng)
        return seconds, np.array(METHODS)[final]

    def identify_codes(self, codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`identify` for many patients at once, methods as codes (indices in :data:`METHODS`)."""
        codes = np.asarray(codes)
        seconds = np.zeros(codes.size)
        final = np.empty(codes.size, dtype=np.int8)
        starters = {method: np.flatnonzero(codes == METHODS.index(method)) for method in CHOSEN}
        for method, who, spent in self._follow(starters, rng):
            seconds[who] = spent
            final[who] = METHODS.index(method)
        return seconds, final

    def sample_durations(self, mix: Mix, size: int, rng: np.random.Generator) -> np.ndarray:
        """Identification seconds of ``size`` patients of ``mix``, each drawn independently.

        Faster than :meth:`identify_codes` for a national day, which needs each patient's
        duration but not their method: a patient's path (starting method, failures met, method
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

    def _follow(self, starters: Mapping[str, np.ndarray], rng: np.random.Generator
                ) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Every patient's path, many at once: (final method, who, seconds) per method.

        ``starters`` gives, per starting method, an array naming its patients (carried along).
        Fallbacks only ever move down ``nfc → qr → card → paper``, and a patient leaves a method
        before meeting any failure the next method checks too (:func:`_check_fallbacks`), so
        handling each method's failures once, in that order, on the patients who start there
        or fell to it follows every patient's path as :meth:`identify` does.
        """
        arriving: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {method: [] for method in METHODS}
        finished = []
        for method in ("nfc", "qr", "card", "paper"):
            start = starters.get(method, np.empty(0, dtype=np.int8))
            parts = [(start, np.zeros(start.size)), *arriving[method]]
            who = np.concatenate([part[0] for part in parts])
            spent = np.concatenate([part[1] for part in parts])
            for failure, fallback in FALLBACKS[method]:
                probability, penalty = self.failures[failure]
                hit = rng.random(who.size, dtype=np.float32) < probability
                spent[hit] += penalty.sample(rng, int(hit.sum()))
                if fallback is not None:
                    arriving[fallback].append((who[hit], spent[hit]))
                    who, spent = who[~hit], spent[~hit]
            spent += self.handling[method].sample(rng, who.size) + self.read[method].sample(rng, who.size)
            finished.append((method, who, spent))
        return finished

    def step_time(self, method: str, rng: np.random.Generator) -> float:
        """Handling plus reading time of a method that works."""
        return float(self.handling[method].sample(rng, 1)[0] + self.read[method].sample(rng, 1)[0])
