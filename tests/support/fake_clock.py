"""A clock for tests: time passes only when the test moves it or the code under test sleeps.

No test waits for real, and every sleep is recorded (`slept`), so a wait can be asserted exactly. Pass the
clock itself where code takes `clock=` (calling it reads the time), `sleep` where it takes a blocking
sleep and `async_sleep` where it awaits one.
"""

from __future__ import annotations

import asyncio


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # other tasks run meanwhile, as they would during a real sleep
