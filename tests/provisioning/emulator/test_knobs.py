"""Fault knobs (throttle, errors, per-minute cap, latency), concurrency and the server lifecycle."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import httpx
import pytest

from infra.catalog import Route
from provisioning.emulator import Emulator, EmulatorSettings, running_emulator
from provisioning.emulator.server import bind_socket
from provisioning.errors import BadInput
from provisioning.sliding_window import SlidingWindow
from tests.support.emulator_calls import TIMEOUT, bearer, decode, key_of

ONE = {"regions": ("eastus",), "models": ("stable-image-core",), "hosted": False}
SMALL = {"prompt": "tiny", "size": "1366x768", "output_format": "jpeg"}


def statuses(settings: EmulatorSettings, count: int) -> list[tuple[int, httpx.Headers, dict[str, object]]]:
    with running_emulator(settings) as emu, httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
        ep = emu.inventory[0]
        answers = []
        for _ in range(count):
            r = client.post(ep.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=bearer(ep))
            answers.append((r.status_code, r.headers, r.json()))
        return answers


def test_throttle_rate_one_always_429_with_retry_after() -> None:
    answers = statuses(EmulatorSettings(**ONE, throttle_rate=1.0, retry_after_s=7), 5)
    for status, headers, body in answers:
        assert status == 429
        assert headers["retry-after"] == "7" and headers["retry-after-ms"] == "7000"
        assert body["error"]["code"] == "too_many_requests"  # type: ignore[index]


def test_throttle_rate_is_partial_and_reproducible_with_the_seed() -> None:
    settings = EmulatorSettings(**ONE, throttle_rate=0.5, seed=3)
    first = [s for s, _, _ in statuses(settings, 20)]
    assert set(first) == {200, 429} and 3 <= first.count(429) <= 17
    assert [s for s, _, _ in statuses(settings, 20)] == first
    other_seed = [s for s, _, _ in statuses(EmulatorSettings(**ONE, throttle_rate=0.5, seed=4), 20)]
    assert other_seed != first


def test_error_rate_answers_500_in_both_shapes() -> None:
    answers = statuses(EmulatorSettings(**ONE, error_rate=1.0), 12)
    assert {s for s, _, _ in answers} == {500}
    flat = [b for _, _, b in answers if "error" not in b]
    wrapped = [b["error"] for _, _, b in answers if "error" in b]
    assert flat and wrapped
    assert all(b["status"] == 500 and b["code"] and b["message"] for b in flat)
    assert all(e["code"] and e["message"] for e in wrapped)  # type: ignore[index]
    partial = [s for s, _, _ in statuses(EmulatorSettings(**ONE, error_rate=0.3, seed=1), 20)]
    assert set(partial) == {200, 500}


def test_per_minute_cap_answers_429_until_the_window_frees() -> None:
    settings = EmulatorSettings(regions=("eastus",), models=("stable-image-core", "stable-image-ultra"), hosted=False,
                                requests_per_minute=3)
    with running_emulator(settings) as emu, httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
        core, ultra = emu.inventory
        answers = [client.post(core.uri + Route.IMAGE_GENERATIONS, json=SMALL, headers=bearer(core)) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-ratelimit-remaining-requests"] for a in answers[:3]] == ["2", "1", "0"]
        capped = answers[3]
        assert 1 <= int(capped.headers["retry-after"]) <= 60
        assert "3 per minute" in capped.json()["error"]["message"]
        # Each endpoint has its own window; unauthenticated requests do not use it up.
        assert client.post(ultra.uri + Route.IMAGE_GENERATIONS, json=SMALL).status_code == 401
        assert client.post(ultra.uri + Route.IMAGE_GENERATIONS, json=SMALL, headers=bearer(ultra)).status_code == 200
        assert emu.statuses()[f"eastus/{core.name}"] == {200: 3, 429: 1}


def test_minute_window_frees_slots_after_sixty_seconds() -> None:
    now = [1000.0]
    window = SlidingWindow(2, 60.0, clock=lambda: now[0])
    assert window.admit() is None and window.admit() is None
    now[0] += 20
    assert window.admit() == pytest.approx(40)
    now[0] += 40
    assert window.admit() is None and window.remaining == 1  # the two at t=0 expired


def test_latency_is_added_to_image_requests_not_to_gateway_rejections() -> None:
    with running_emulator(EmulatorSettings(**ONE, latency_ms=300)) as emu, httpx.Client(timeout=TIMEOUT) as client:
        ep = emu.inventory[0]
        started = time.perf_counter()
        assert client.post(ep.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=bearer(ep)).status_code == 200
        assert time.perf_counter() - started >= 0.3
        assert client.post(ep.uri + Route.IMAGES_GENERATIONS, json=SMALL).status_code == 401


def test_fifty_concurrent_requests_from_inside_a_running_loop() -> None:
    """`running_emulator` entered inside a running event loop (as `maas verify --emulate` does).

    The loop runs in a worker thread: an `async def` test would leave the main thread without a
    current event loop afterwards, which breaks Pulumi's mocks in later tests of the same process.
    """

    async def scenario() -> tuple[list[int], list[tuple[int, int]], int, int]:
        settings = EmulatorSettings(regions=("eastus", "westus"), jitter_ms=20)
        with running_emulator(settings) as emu:
            endpoints = [e for e in emu.inventory if e.dialect == "azure"]
            async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:

                async def one(i: int) -> httpx.Response:
                    ep = endpoints[i % len(endpoints)]
                    body = {"prompt": f"scene {i % 10}", "seed": i % 10, "output_format": "jpeg"}
                    return await client.post(ep.uri + Route.IMAGES_GENERATIONS, json=body, headers=bearer(ep))

                answers = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(50))), timeout=60)
            distinct = {(endpoints[i % len(endpoints)].model, i % 10) for i in range(50)}
            return (
                [a.status_code for a in answers],
                [decode(a.json()).size for a in answers[:10]],
                emu.state.cache.computed,
                len(distinct),
            )

    outcome: list[tuple[list[int], list[tuple[int, int]], int, int]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(scenario()))
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(90)
    if failure:
        raise failure[0]
    assert outcome, "the concurrent scenario did not finish in time"
    codes, sizes, renders, distinct = outcome[0]
    assert codes == [200] * 50
    assert sizes == [(1024, 1024)] * 10
    # One rendering per distinct picture (model x prompt/seed), however many requests asked for it.
    assert renders == distinct


def test_listening_socket_is_loopback_tcp_so_answers_get_tcp_nodelay() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto is TCP; without it small answers stall ~40 ms.
    sock = bind_socket(0)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_port_in_use_is_a_clear_bad_input_and_stop_frees_the_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(BadInput, match=f"127.0.0.1:{port} is already in use"):
            Emulator(EmulatorSettings(**ONE, port=port)).start()
    with running_emulator(EmulatorSettings(**ONE, port=port)) as emu:
        assert emu.base_url == f"http://127.0.0.1:{port}"
    with running_emulator(EmulatorSettings(**ONE, port=port)) as again:
        assert again.running
    assert not again.running


def test_keys_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running_emulator(EmulatorSettings(**ONE, error_rate=0.5)) as emu, httpx.Client(timeout=TIMEOUT) as client:
        ep = emu.inventory[0]
        for headers in (bearer(ep), {"api-key": key_of(ep)}, {"Authorization": "Bearer wrong-but-long-key"}):
            client.post(ep.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=headers)
        client.post(ep.uri + Route.IMAGES_GENERATIONS, content=b"{", headers=bearer(ep))
    assert key_of(ep) not in caplog.text and "wrong-but-long-key" not in caplog.text
    assert key_of(ep) not in repr(ep) and key_of(ep) not in str(emu.inventory)
