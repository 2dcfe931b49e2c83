"""Fleet client figures: share of the aggregate rate limit achieved under overload (all regions up, and
one region failing every request), caller-visible failures, and the client's overhead over a direct call.

6 endpoints of one model (6 regions x 1 project), each capped by the emulator at 10 requests per 1 s
window (the same cap the client paces itself to), offered ~1.3x the aggregate limit for a few seconds.
Prints figures measured in one run; asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from infra.catalog import REGIONS, Route
from infra.config import parse_stack_config
from provisioning.client import AsyncFleetClient
from provisioning.client.loadtest import LoadTestResult, run_load
from provisioning.emulator import planned_fleet, running_emulator, settings_for_config

MODEL = "stable-image-core"
LIMIT, WINDOW_S = 10, 1.0
DURATION_S = 6.0
CONFIG = parse_stack_config(
    {"maas-fleet:prefix": "bench", "maas-fleet:regions": list(REGIONS), "maas-fleet:models": [MODEL]}, stack="bench"
)


def overload(failing: tuple[str, ...]) -> LoadTestResult:
    healthy = len(CONFIG.regions) - len(failing)
    offered = round(1.3 * healthy * LIMIT / WINDOW_S)
    settings = settings_for_config(CONFIG, requests_per_minute=LIMIT, rate_window_s=WINDOW_S, failing_regions=failing)
    with running_emulator(settings, planned_fleet(CONFIG)) as emu:

        async def drive() -> LoadTestResult:
            async with AsyncFleetClient.from_inventory(emu.inventory, rpm_limit=LIMIT, rate_window_s=WINDOW_S) as fleet:
                return await run_load(fleet, MODEL, offered, DURATION_S, rate_window_s=WINDOW_S,
                                      failing_regions=failing)

        return asyncio.run(drive())


def overhead(calls: int = 60) -> tuple[float, float]:
    """p50 of a direct httpx call and of the same call through the fleet client (one endpoint, no
    latency knob, low load: one call at a time), interleaved so drift hits both alike."""
    config = CONFIG.model_copy(update={"regions": ("eastus",)})
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu:
        endpoint = emu.inventory[0]
        key = endpoint.key.get_secret_value() if endpoint.key else ""
        body = {"prompt": "overhead", "size": "1024x1024", "output_format": "jpeg", "seed": 0}

        async def measure() -> tuple[list[float], list[float]]:
            direct, client = [], []
            async with httpx.AsyncClient(timeout=30, trust_env=False) as http, \
                    AsyncFleetClient.from_inventory(emu.inventory) as fleet:
                for i in range(calls + 5):
                    started = time.perf_counter()
                    answer = await http.post(endpoint.uri + Route.IMAGES_GENERATIONS, json=body,
                                             headers={"Authorization": f"Bearer {key}"})
                    answer.json()
                    d = time.perf_counter() - started
                    started = time.perf_counter()
                    await fleet.generate(MODEL, "overhead", size="1024x1024", output_format="jpeg")
                    c = time.perf_counter() - started
                    if i >= 5:  # warm-up: connections, image cache
                        direct.append(d * 1000)
                        client.append(c * 1000)
            return direct, client

        direct, client = asyncio.run(measure())
    return statistics.median(direct), statistics.median(client)


def report(label: str, result: LoadTestResult) -> None:
    doc = result.as_dict()
    print(f"{label}: offered {result.offered_rps:g}/s for {result.duration_s:g} s, aggregate limit "
          f"{doc['aggregateLimitRps']}/s, achieved {doc['achievedRps']}/s, ratio {doc['ratio']:.3f} "
          f"(bar >= 0.95); caller-visible failures {result.failed} of {result.sent} (bar 0); "
          f"throttled retries {result.throttled_retries}; p50 {doc['latencyMs']['p50']} ms")


def main() -> None:
    report("client, 6 endpoints, all regions up", overload(()))
    report("client, 6 endpoints, westus3 failing every request", overload(("westus3",)))
    direct, through = overhead()
    print(f"client overhead at low load: p50 direct {direct:.2f} ms, through the client {through:.2f} ms, "
          f"added {through - direct:.2f} ms ({through / direct:.2f}x)")


if __name__ == "__main__":
    main()
