"""The network layer alone: retries, Retry-After, pacing, caps, redirects and the loopback guard,
on a fake clock so waits cost nothing and can be asserted exactly."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from provisioning.verify.options import VerifyOptions
from provisioning.verify.results import Category
from provisioning.verify.transport import ExchangeFailed, SafeHttp, guard_target
from tests.support.fake_clock import FakeClock

PAYLOAD = {"prompt": "an apple", "size": "1024x1024", "output_format": "png"}


def make_http(fake: FakeClock, deadline_in: float | None = None, **overrides: Any) -> SafeHttp:
    values: dict[str, Any] = {"timeout_s": 2.0, "retries": 2, "seed": 3, "backoff_base_s": 0.5}
    values.update(overrides)
    options = VerifyOptions(**values)
    deadline = None if deadline_in is None else fake.now + deadline_in
    return SafeHttp(options, deadline_at=deadline, sleep=fake.async_sleep, clock=fake)


async def post(http: SafeHttp, url: str, key: str | None) -> Any:
    gate = http.gate(url)
    try:
        return await http.post_json(gate, url, PAYLOAD, SecretStr(key) if key else None), gate
    finally:
        await http.aclose()


def url_of(hostile: Any, route: str = "/images/generations") -> str:
    return f"{hostile.server.base}/m/stable-image-core{route}"


async def test_retry_after_is_honoured(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("throttle_once")
    answer, gate = await post(make_http(fake), url_of(hostile), helpers.key)
    assert answer.status == 200 and answer.attempts == 2
    assert fake.slept == [7.0]  # the server's Retry-After, once: the pause is shared, not doubled
    assert gate.requests == 2


async def test_retry_after_is_capped(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("throttle_once")
    answer, _ = await post(make_http(fake, max_retry_after_s=2), url_of(hostile), helpers.key)
    assert answer.status == 200 and fake.slept == [2.0]


async def test_throttle_storm_gives_up_after_bounded_retries(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("throttle")
    answer, gate = await post(make_http(fake, retries=2), url_of(hostile), helpers.key)
    assert answer.status == 429 and answer.attempts == 3
    assert len(hostile.state.requests) == 3 == gate.requests


async def test_no_retry_past_the_deadline(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("throttle")
    answer, _ = await post(make_http(fake, deadline_in=5), url_of(hostile), helpers.key)
    assert answer.status == 429 and answer.attempts == 1 and fake.slept == []


@pytest.mark.parametrize(("mode", "status"), [("error500", 500), ("accept_anything", 200), ("good", 401)])
async def test_contract_answers_are_never_retried(mode: str, status: int, hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set(mode)
    key = None if status == 401 else helpers.key
    answer, _ = await post(make_http(fake), url_of(hostile), key)
    assert answer.status == status and answer.attempts == 1 and fake.slept == []
    assert len(hostile.state.requests) == 1


async def test_invalid_size_4xx_is_not_retried(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    http = make_http(fake)
    gate = http.gate(url_of(hostile))
    try:
        answer = await http.post_json(gate, url_of(hostile), PAYLOAD | {"size": "13x13"}, SecretStr(helpers.key))
    finally:
        await http.aclose()
    assert answer.status == 400 and answer.attempts == 1 and len(hostile.state.requests) == 1


async def test_bad_gateway_is_retried_with_jittered_backoff(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("bad_gateway_once")
    answer, _ = await post(make_http(fake, backoff_base_s=0.5), url_of(hostile), helpers.key)
    assert answer.status == 200 and answer.attempts == 2
    assert len(fake.slept) == 1 and 0 <= fake.slept[0] <= 0.5


async def test_connect_errors_are_retried_then_transport(helpers: Any) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    fake = FakeClock()
    with pytest.raises(ExchangeFailed) as caught:
        await post(make_http(fake, retries=2), f"http://127.0.0.1:{port}/x", helpers.key)
    assert caught.value.category is Category.TRANSPORT and caught.value.attempts == 3
    assert len(fake.slept) == 2
    helpers.no_key(str(caught.value))


async def test_pacing_never_exceeds_requests_per_minute(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    http = make_http(fake, requests_per_minute=2)
    gate = http.gate(url_of(hostile))
    try:
        for _ in range(3):
            await http.post_json(gate, url_of(hostile), PAYLOAD, SecretStr(helpers.key))
    finally:
        await http.aclose()
    assert gate.requests == 3
    assert len(fake.slept) == 1 and 59.9 <= fake.slept[0] <= 60.0  # the third waited for the window


async def test_declared_oversize_body_is_refused_without_reading(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    with pytest.raises(ExchangeFailed) as caught:
        await post(make_http(fake, max_body_bytes=2048), url_of(hostile), helpers.key)
    assert caught.value.category is Category.SCHEMA and "larger than 2048 bytes" in caught.value.detail


async def test_redirect_loop_is_followed_once_only(hostile: Any, helpers: Any) -> None:
    fake = FakeClock()
    hostile.set("redirect_loop")
    with pytest.raises(ExchangeFailed) as caught:
        await post(make_http(fake), url_of(hostile), helpers.key)
    assert caught.value.category is Category.ROUTE and "more than one redirect" in caught.value.detail
    assert len(hostile.state.requests) == 2


async def test_slow_answer_times_out_without_retry(hostile: Any, helpers: Any) -> None:
    hostile.set("slow")
    http = make_http(FakeClock(), timeout_s=0.2)
    with pytest.raises(ExchangeFailed) as caught:
        await post(http, url_of(hostile), helpers.key)
    assert caught.value.category is Category.TIMEOUT and caught.value.attempts == 1


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/x", "http://example.com/x", "ftp://127.0.0.1/x", "http://127.0.0.1.example.com/x"],
)
def test_plain_http_only_to_loopback(url: str) -> None:
    with pytest.raises(ExchangeFailed) as caught:
        guard_target(httpx.URL(url))
    assert caught.value.category is Category.TRANSPORT


@pytest.mark.parametrize(
    "url", ["https://x.eastus.models.ai.azure.com", "http://127.0.0.9:8/x", "http://[::1]:9/x", "http://localhost:1/x"]
)
def test_allowed_targets(url: str) -> None:
    guard_target(httpx.URL(url))


class HeldTime:
    """A clock that stands still, and sleeps that last until the test releases them: an endpoint
    that must wait (Retry-After, its rate) waits exactly as long as the test wants."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.waiting = 0
        self.released = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waiting += 1
        await self.released.wait()
        self.now += seconds


@pytest.mark.parametrize("why", ["retry-after pause", "rate limit"])
async def test_a_waiting_endpoint_holds_no_global_slot(why: str, hostile: Any, helpers: Any) -> None:
    held = HeldTime()
    options = VerifyOptions(max_in_flight=1, requests_per_minute=1, timeout_s=2.0, retries=0, seed=3)
    http = SafeHttp(options, sleep=held.sleep, clock=held.clock)
    paced_url, other_url = url_of(hostile), f"{hostile.server.base}/m/stable-image-ultra/images/generations"
    paced_gate, other_gate = http.gate(paced_url), http.gate(other_url)
    if why == "retry-after pause":
        paced_gate.limiter.pause_until(held.now + 30)  # as after a 429 with Retry-After: 30
    else:
        assert paced_gate.limiter.try_acquire()  # this minute's one request is spent
    key = SecretStr(helpers.key)
    try:
        paced = asyncio.create_task(http.post_json(paced_gate, paced_url, PAYLOAD, key))
        for _ in range(1000):  # until the paced request is waiting
            if held.waiting:
                break
            await asyncio.sleep(0)
        assert held.waiting == 1
        # The only global slot is free: the other endpoint goes at once, the paced one still waits.
        answer = await asyncio.wait_for(http.post_json(other_gate, other_url, PAYLOAD, key), timeout=3)
        assert answer.status == 200 and not paced.done()
        held.released.set()
        assert (await asyncio.wait_for(paced, timeout=3)).status == 200
    finally:
        await http.aclose()
    paths = [r["path"] for r in hostile.state.requests]
    assert len(paths) == 2 and "stable-image-ultra" in paths[0] and "stable-image-core" in paths[1]
