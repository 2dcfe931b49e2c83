"""Per-endpoint request pacing: never more than the catalog's requests per minute, and a shared
pause when the endpoint says `Retry-After`.

The window itself is provisioning.sliding_window's (the emulator enforces the same cap with it): in
*any* window of `period` seconds at most `limit` requests leave for one deployment, retries included.

Two ways to take a slot: `acquire()` waits and takes (FIFO); `ready()` + `try_acquire()` lets a
caller wait for the pacing first, then take another resource (the global in-flight bound), then
the slot at the moment the request really leaves, without holding that resource while it waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from provisioning.sliding_window import Clock, SlidingWindow

Sleep = Callable[[float], Awaitable[None]]


class SlidingWindowLimiter:
    """The shared sliding window, plus what a client needs on top: waiting (async) and a pause
    every caller honours when the endpoint says `Retry-After`."""

    def __init__(
        self,
        limit: int,
        period_s: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._window = SlidingWindow(limit, period_s, clock=clock)
        self.limit = limit
        self.period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._resume_at = 0.0

    def pause_until(self, when: float) -> None:
        """The endpoint asked us to wait (429 + Retry-After): every caller waits, not just the one
        that was told."""
        self._resume_at = max(self._resume_at, when)

    def _wait_s(self, now: float) -> float:
        """Seconds until a request may leave (<= 0: now)."""
        return max(self._resume_at - now, self._window.wait_s(now))

    async def ready(self) -> None:
        """Wait until a slot is free and no pause holds, without taking the slot."""
        while (wait := self._wait_s(self._clock())) > 0:
            await self._sleep(wait)

    def try_acquire(self) -> bool:
        """Take a slot if one is free right now."""
        now = self._clock()
        if self._wait_s(now) > 0:
            return False
        self._window.record(now)
        return True

    def refund(self) -> None:
        """Give back the latest slot: the endpoint refused that request (429) without admitting it,
        so it is not in the endpoint's own window either. Keeps the two windows alike; the pause the
        endpoint asked for still holds."""
        self._window.forget_latest()

    async def acquire(self) -> None:
        """Wait for a slot, then take it. FIFO through the lock, so nobody starves."""
        async with self._lock:
            while not self.try_acquire():
                await self.ready()

    def sent_in_window(self) -> int:
        return self._window.in_window()
