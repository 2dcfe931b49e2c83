"""The per-endpoint limiter keeps its promise in every window, and a Retry-After pause holds everyone."""

from __future__ import annotations

import asyncio

from provisioning.verify.ratelimit import SlidingWindowLimiter
from tests.support.fake_clock import FakeClock


async def test_no_window_holds_more_than_the_limit() -> None:
    clock = FakeClock(now=0.0)
    limiter = SlidingWindowLimiter(3, 1.0, clock=clock, sleep=clock.async_sleep)
    stamps = []
    for _ in range(10):
        await limiter.acquire()
        stamps.append(clock.now)
        clock.now += 0.1
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 1.0) <= 3
    assert stamps[3] >= stamps[0] + 1.0


async def test_concurrent_callers_share_the_budget() -> None:
    clock = FakeClock(now=0.0)
    limiter = SlidingWindowLimiter(5, 60.0, clock=clock, sleep=clock.async_sleep)
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        stamps.append(clock.now)

    await asyncio.gather(*(one() for _ in range(12)))
    assert sorted(stamps)[:5] == [0.0] * 5
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 60.0) <= 5


async def test_pause_until_delays_every_caller() -> None:
    clock = FakeClock(now=0.0)
    limiter = SlidingWindowLimiter(100, 60.0, clock=clock, sleep=clock.async_sleep)
    limiter.pause_until(4.0)
    await limiter.acquire()
    assert clock.now == 4.0
    await limiter.acquire()
    assert clock.now == 4.0 and limiter.sent_in_window() == 2


async def test_ready_waits_without_taking_and_try_acquire_takes_only_when_free() -> None:
    clock = FakeClock(now=0.0)
    limiter = SlidingWindowLimiter(1, 10.0, clock=clock, sleep=clock.async_sleep)
    await limiter.ready()
    assert clock.now == 0.0 and limiter.sent_in_window() == 0  # ready() took nothing
    assert limiter.try_acquire() and not limiter.try_acquire()
    await limiter.ready()
    assert clock.now == 10.0 and limiter.try_acquire()
    limiter.pause_until(15.0)
    assert not limiter.try_acquire()
    await limiter.ready()
    assert clock.now == 20.0  # the window (10 + 10) outlasts the pause (15)
