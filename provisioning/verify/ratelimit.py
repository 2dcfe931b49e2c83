"""Per-endpoint request pacing: never more than the catalog's requests per minute, and a shared
pause when the endpoint says `Retry-After`.

A sliding-window log (not a token bucket) because the promise is absolute: in *any* window of
`period` seconds at most `limit` requests leave for one deployment, retries included.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int,
        period_s: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1 or period_s <= 0:
            raise ValueError("limit must be >= 1 and period positive")
        self.limit = limit
        self.period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._resume_at = 0.0

    def pause_until(self, when: float) -> None:
        """The endpoint asked us to wait (429 + Retry-After): every caller waits, not just the one
        that was told."""
        self._resume_at = max(self._resume_at, when)

    async def acquire(self) -> None:
        """Wait for a slot, then take it. FIFO through the lock, so nobody starves."""
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.period_s:
                    self._sent.popleft()
                wait = self._resume_at - now
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.period_s - now)
                if wait <= 0:
                    self._sent.append(now)
                    return
                await self._sleep(wait)

    def sent_in_window(self) -> int:
        now = self._clock()
        return sum(1 for t in self._sent if now - t < self.period_s)
