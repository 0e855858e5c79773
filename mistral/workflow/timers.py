"""Clocks and timers for the timing policies (wait-before, wait-after,
retry delay, timeout) of the pure core.

The policies say how long to wait; a `TimerQueue` turns that into due
times read from an injected `Clock`. With a `ManualClock`, tests move time
forward themselves instead of sleeping. (The engine keeps its timers as
scheduler jobs in the database; this is for code that runs the pure core
without storage.)
"""
from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError('a clock does not go backwards')
        self._now += seconds

    def advance_to(self, when: float) -> None:
        self.advance(max(0.0, when - self._now))


@dataclass(frozen=True, order=True)
class Timer:
    due: float
    seq: int                       # equal due times fire in schedule order
    kind: str = field(compare=False)
    payload: Any = field(compare=False, default=None)


class TimerQueue:
    """Timers due after a delay on a clock, fired in due order."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def schedule(self, kind: str, delay: float, payload: Any = None
                 ) -> Timer:
        timer = Timer(self.clock.now() + delay, next(self._seq), kind,
                      payload)
        heapq.heappush(self._heap, timer)
        return timer

    def __len__(self) -> int:
        return len(self._heap)

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def pop_due(self) -> Timer | None:
        """The earliest timer if it is due now, else None."""
        if self._heap and self._heap[0].due <= self.clock.now():
            return heapq.heappop(self._heap)
        return None
