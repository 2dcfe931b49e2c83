"""Emulator figures: image rendering cost, concurrent throughput, latency scaling, small-answer latency.

Prints figures measured in one run; asserts nothing about time (docs/architecture.md, Quality bars: benchmarks, not
tests).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from infra.catalog import REGIONS, Route, Size
from provisioning.emulator import EmulatorSettings, running_emulator
from provisioning.emulator.images import ImageJob, render


def render_ms(fmt: str, runs: int = 8) -> float:
    samples = []
    for seed in range(runs):
        job = ImageJob(model="Stable-Image-Core", prompt="bench", size=Size(1024, 1024), output_format=fmt, seed=seed)
        started = time.perf_counter()
        render(job)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def burst(settings: EmulatorSettings, count: int, distinct: bool, per_endpoint: bool = False) -> float:
    with running_emulator(settings) as emu:
        endpoints = [e for e in emu.inventory if e.dialect == "azure"]
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=60, trust_env=False, limits=limits) as client:

            async def one(i: int) -> int:
                ep = endpoints[i % len(endpoints)] if per_endpoint else endpoints[0]
                body = {"prompt": f"burst {i if distinct else 0}", "output_format": "png"}
                key = ep.key.get_secret_value() if ep.key else ""
                r = await client.post(ep.uri + Route.IMAGES_GENERATIONS, json=body,
                                      headers={"Authorization": f"Bearer {key}"})
                return r.status_code

            await one(0)  # warm: connection pool, cache of the common image
            started = time.perf_counter()
            codes = await asyncio.gather(*(one(i + 1) for i in range(count)))
            wall = time.perf_counter() - started
        assert set(codes) == {200}, codes
    return wall


def small_answer_ms(requests: int = 50) -> float:
    with running_emulator(EmulatorSettings(regions=("eastus",), models=("stable-image-core",), hosted=False)) as emu:
        ep = emu.inventory[0]
        with httpx.Client(timeout=10, trust_env=False) as client:
            samples = []
            for _ in range(requests):
                started = time.perf_counter()
                client.post(ep.uri + Route.IMAGES_GENERATIONS, json={"prompt": "x"}, headers={"api-key": "wrong-key"})
                samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    png, jpeg = render_ms("png"), render_ms("jpeg")
    print(f"render 1024x1024: png {png:.1f} ms, jpeg {jpeg:.1f} ms (median of 8 distinct images)")

    one = EmulatorSettings(regions=("eastus",), hosted=False)
    cold = asyncio.run(burst(one, 50, distinct=True))
    warm = asyncio.run(burst(one, 50, distinct=False))
    print(f"50 concurrent 1024x1024 PNG requests: {cold:.2f} s all distinct, {warm:.2f} s cached "
          f"({cold / warm:.1f}x)")

    fleet = EmulatorSettings(regions=tuple(REGIONS), projects=("main", "p2", "p3"), hosted=False, latency_ms=200)
    single = asyncio.run(burst(fleet, 1, distinct=False))
    spread = asyncio.run(burst(fleet, 54, distinct=False, per_endpoint=True))
    print(f"200 ms latency: 1 request {single:.2f} s, 54 endpoints at once {spread:.2f} s "
          f"(ratio {spread / single:.2f}; httpx client and emulator share this process)")

    print(f"small answers (401) median: {small_answer_ms():.2f} ms per keep-alive request")


if __name__ == "__main__":
    main()
