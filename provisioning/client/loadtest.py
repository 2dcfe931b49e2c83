"""`maas loadtest`: drive the fleet client at an offered rate for a duration and measure what the
fleet carried against what its limits allow.

Open loop: request i is offered at `start + i / rps` whatever happened to the earlier ones (a closed
loop would slow down with the fleet and hide saturation). Calls the fleet cannot take at once wait in
the client for a free slot; the run ends when the last call has finished. `achievedRps` counts the
successful requests by the moment they were sent (what the endpoints' limits govern), over the whole
rate-limit windows between the end of the first and the last send: a sliding window starts empty, so
the first window may carry a whole window's worth at once, which says nothing about the sustained
rate. Runs shorter than two windows are measured whole, by completion. `aggregateLimitRps` counts
healthy endpoints only (not in a failing region, circuit not open at the end), and
`ratio = achievedRps / min(offeredRps, aggregateLimitRps)`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from provisioning.camel_document import camel_document
from provisioning.client.breaker import CircuitState
from provisioning.client.errors import FleetClientError
from provisioning.client.fleet import AsyncFleetClient

PROMPT = "a lighthouse on a cliff at dawn, photograph"
SIZE = "1024x1024"


@dataclass(frozen=True)
class EndpointFigures:
    name: str
    region: str
    succeeded: int
    throttled: int
    failed: int


@dataclass(frozen=True)
class LoadTestResult:
    model: str
    offered_rps: float
    duration_s: float
    sent: int
    succeeded: int
    failed: int
    throttled_retries: int
    achieved_rps: float
    aggregate_limit_rps: float
    p50_ms: float
    p95_ms: float
    per_endpoint: tuple[EndpointFigures, ...]
    failures: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        ceiling = min(self.offered_rps, self.aggregate_limit_rps)
        return self.achieved_rps / ceiling if ceiling > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return camel_document(
            self,
            omit=("p50_ms", "p95_ms", "per_endpoint", "failures"),
            values={"achieved_rps": lambda rps: round(rps, 3), "aggregate_limit_rps": lambda rps: round(rps, 3)},
        ) | {
            "ratio": round(self.ratio, 4),
            "latencyMs": {"p50": round(self.p50_ms, 1), "p95": round(self.p95_ms, 1)},
            "perEndpoint": [camel_document(e) for e in self.per_endpoint],
        }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def run_load(
    client: AsyncFleetClient,
    model: str,
    rps: float,
    duration_s: float,
    *,
    rate_window_s: float,
    failing_regions: Collection[str] = (),
    size: str = SIZE,
    output_format: str = "jpeg",
    call_deadline_s: float | None = None,
) -> LoadTestResult:
    """Offer `rps` calls per second for `duration_s` seconds to `model` and wait for all of them."""
    if not client.endpoints(model):
        raise FleetClientError(f"no endpoint serves {model!r}")
    total = max(1, round(rps * duration_s))
    latencies: list[float] = []
    completed: list[float] = []
    sends: list[float] = []  # when each successful request left, from the start
    failures: list[str] = []
    loop_clock = time.monotonic
    start = loop_clock()

    async def one(i: int) -> bool:
        delay = start + i / rps - loop_clock()
        if delay > 0:
            await asyncio.sleep(delay)
        sent_at = loop_clock()
        try:
            image = await client.generate(
                model, PROMPT, size=size, output_format=output_format, deadline_s=call_deadline_s
            )
        except FleetClientError as exc:
            failures.append(str(exc))
            return False
        done = loop_clock()
        latencies.append((done - sent_at) * 1000)
        completed.append(done - start)
        sends.append(done - start - image.attempt_ms / 1000)
        return True

    outcomes = await asyncio.gather(*(one(i) for i in range(total)))
    wall = max(loop_clock() - start, duration_s)
    succeeded = sum(outcomes)
    # Whole windows only: in any k windows a deployment takes at most k x its limit, so the figure
    # compares like with like (a partial window at either end would let an edge burst count double).
    windows = int((max(sends, default=0.0) - rate_window_s) // rate_window_s)
    if windows >= 1:
        end = rate_window_s * (windows + 1)
        achieved = sum(1 for t in sends if rate_window_s <= t < end) / (windows * rate_window_s)
    else:
        achieved = succeeded / wall
    per_endpoint = []
    healthy_rpm = 0.0
    for route, stats, state in client.stats(model):
        per_endpoint.append(EndpointFigures(route.name, route.region, stats.succeeded, stats.throttled, stats.failed))
        if route.region not in failing_regions and state != CircuitState.OPEN:
            healthy_rpm += route.rpm_limit
    return LoadTestResult(
        model=model,
        offered_rps=rps,
        duration_s=duration_s,
        sent=total,
        succeeded=succeeded,
        failed=total - succeeded,
        throttled_retries=client.throttled_retries,
        achieved_rps=achieved,
        aggregate_limit_rps=healthy_rpm / rate_window_s,
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
        per_endpoint=tuple(per_endpoint),
        failures=tuple(failures[:5]),
    )
