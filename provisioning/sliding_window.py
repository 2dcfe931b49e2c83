"""A sliding-window log: at most `limit` events in any `period_s` seconds.

One implementation for both sides of the per-deployment request cap: the verifier paces its own
requests with it (so it never exceeds the catalog's requests per minute, retries included), and the
emulator enforces the same cap on what it admits (so a client that ignores the cap meets the 429 a
real deployment would send). A log rather than a token bucket because the promise is absolute: no
window of `period_s` seconds, wherever it starts, holds more than `limit` events.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class SlidingWindow:
    def __init__(self, limit: int, period_s: float = 60.0, *, clock: Clock = time.monotonic) -> None:
        if limit < 1 or period_s <= 0:
            raise ValueError("limit must be >= 1 and period positive")
        self.limit = limit
        self.period_s = period_s
        self._clock = clock
        self._times: deque[float] = deque()

    def now(self) -> float:
        return self._clock()

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until another event fits (<= 0: now). Forgets events older than the window."""
        now = self._clock() if now is None else now
        while self._times and now - self._times[0] >= self.period_s:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return self._times[0] + self.period_s - now
        return 0.0

    def record(self, now: float | None = None) -> None:
        self._times.append(self._clock() if now is None else now)

    def forget_latest(self) -> None:
        """Drop the most recent event: it turned out not to count (the other side refused it)."""
        if self._times:
            self._times.pop()

    def admit(self) -> float | None:
        """Record an event if it fits: None when admitted, else the seconds until one would."""
        now = self._clock()
        wait = self.wait_s(now)
        if wait > 0:
            return wait
        self.record(now)
        return None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - len(self._times))

    def in_window(self) -> int:
        now = self._clock()
        return sum(1 for t in self._times if now - t < self.period_s)
