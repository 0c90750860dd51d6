"""Fast weighted choice for generators that draw millions of times."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

_SLOTS = 10_000


class Picker(Generic[T]):
    """Pick items with given weights from a uniform draw in [0, 1).

    The weights are spread once over a table of slots, so a pick is one multiplication and
    one index, several times faster than ``random.choices``; the error on each weight is
    below one slot in ten thousand.
    """

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("Picker needs as many weights as items, and at least one item")
        bounds = list(accumulate(weights))
        step = bounds[-1] / _SLOTS
        self._table = tuple(
            items[min(bisect_right(bounds, (i + 0.5) * step), len(items) - 1)]
            for i in range(_SLOTS)
        )

    def pick(self, uniform: Callable[[], float]) -> T:
        """Return an item, drawing from ``uniform`` (e.g. ``random.Random().random``)."""
        return self._table[int(uniform() * _SLOTS)]
