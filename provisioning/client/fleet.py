"""The fleet client: one call, every endpoint of the model behind it.

How a call is served:
- Pick: endpoints of the model in rotation, skipping open circuits and endpoints that already failed
  this call; the first whose sliding window (provisioning.verify.ratelimit, the limiter the verifier
  uses) has a slot now takes the request. No slot anywhere: wait for the first one to free up. Callers
  pick one at a time (a FIFO lock per model), so under load nobody starves and the deployments are
  used up to their limit, never beyond it.
- Answer: 200 -> the decoded image with the endpoint and region that served it. 429 -> that endpoint
  pauses for Retry-After (retry-after-ms when sent) and the call goes to another; 5xx, timeouts,
  transport errors, 401/403 (a key the endpoint does not take) and 404 (wrong URI) -> the endpoint's
  circuit counts a failure and the call goes to another. A content-filter answer raises
  ContentFilteredError at once (the prompt, not the endpoint); any other 4xx raises
  RequestRejectedError (the request, not the endpoint).
- Dialects: `azure` (`/images/generations`, then once `/image/generations` on 404/405) and `hosted`,
  with the request shapes of provisioning.verify.dialects.

`FleetClient` (provisioning/client/sync.py) is the same client for synchronous code.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from infra.catalog import REQUESTS_PER_MINUTE, Route, Size
from provisioning.client.breaker import CircuitBreaker
from provisioning.client.errors import (
    ContentFilteredError,
    FleetClientError,
    FleetUnavailableError,
    RequestRejectedError,
)
from provisioning.client.keys import SecretReaderFactory, resolve_keys
from provisioning.client.routes import FleetRoute, routes_from_inventory
from provisioning.inputs.inventory import InventoryEndpoint, load_inventory, parse_inventory
from provisioning.retry_after import retry_after_s
from provisioning.verify.classify import error_code, is_content_filter, parse_json, readable_message
from provisioning.verify.dialects import DIALECTS, DialectSpec, SchemaProblem
from provisioning.verify.ratelimit import SlidingWindowLimiter

DEFAULT_SIZE = Size(1024, 1024)
_PNG, _JPEG = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
# Answers that say the endpoint (not the request) is the problem: fail over and count it against
# the endpoint's circuit.
_ENDPOINT_FAULTS = frozenset({401, 403, 404, 405, 408})


@dataclass(frozen=True)
class FleetImage:
    """A generated image, decoded, and where it came from."""

    image: bytes
    format: str  # "png" or "jpeg", read from the bytes
    model: str
    endpoint: str
    region: str
    project: str
    created: int
    latency_ms: float  # the whole call: waiting for a slot, failed attempts, the answer
    attempts: int
    attempt_ms: float = 0.0  # the exchange that produced the image, alone

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.image)
        return path


@dataclass
class EndpointStats:
    succeeded: int = 0
    throttled: int = 0
    failed: int = 0


@dataclass
class _Endpoint:
    route: FleetRoute
    key: str = field(repr=False)
    limiter: SlidingWindowLimiter
    breaker: CircuitBreaker
    dialect: DialectSpec
    paths: list[Route]
    stats: EndpointStats = field(default_factory=EndpointStats)

    @property
    def where(self) -> str:
        return f"{self.route.name} ({self.route.region})"


class _Outcome:
    """What one HTTP exchange came to (internal)."""

    def __init__(self, kind: str, detail: str = "", status: int = 0, image: bytes = b"", wait_s: float = 0.0):
        self.kind, self.detail, self.status, self.image, self.wait_s = kind, detail, status, image, wait_s


def _image_format(data: bytes) -> str:
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    return "unknown"


Inventory = str | Path | Sequence[InventoryEndpoint] | Mapping[str, Any]


def routes_and_keys(
    inventory: Inventory, rpm_limit: int, credential: Any, secret_readers: SecretReaderFactory | None
) -> tuple[dict[str, list[FleetRoute]], dict[str, str]]:
    """An inventory file, parsed entries or stack outputs -> the routing table and every key."""
    if isinstance(inventory, str | Path):
        endpoints = load_inventory(inventory)
    elif isinstance(inventory, Mapping):
        endpoints = parse_inventory(inventory, "stack outputs")
    else:
        endpoints = list(inventory)
    keys = resolve_keys(endpoints, credential=credential, secret_readers=secret_readers)
    return routes_from_inventory(endpoints, rpm_limit), keys


class AsyncFleetClient:
    """Calls a model on every endpoint of the fleet that serves it. Use `async with` or `aclose()`."""

    def __init__(
        self,
        routes: Mapping[str, Sequence[FleetRoute]],
        keys: Mapping[str, str],
        *,
        rate_window_s: float = 60.0,
        timeout_s: float = 120.0,
        deadline_s: float = 300.0,
        max_attempts: int | None = None,
        failure_threshold: int = 5,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self.deadline_s = deadline_s
        self._max_attempts = max_attempts
        self._endpoints: dict[str, list[_Endpoint]] = {}
        for model, model_routes in routes.items():
            built = []
            for route in model_routes:
                if route.uri is None:
                    raise FleetClientError(f"{route.name} ({route.region}) has no URI: deploy it first")
                if route.uri not in keys:
                    raise FleetClientError(f"no key for {route.name} ({route.region})")
                dialect = DIALECTS[route.dialect]
                built.append(
                    _Endpoint(
                        route=route,
                        key=keys[route.uri],
                        limiter=SlidingWindowLimiter(route.rpm_limit, rate_window_s, clock=clock),
                        breaker=CircuitBreaker(failure_threshold, reset_after_s, clock=clock),
                        dialect=dialect,
                        paths=list(dialect.routes(Route.IMAGES_GENERATIONS)),
                    )
                )
            if built:
                self._endpoints[model] = built
        self._cursor = {model: itertools.count() for model in self._endpoints}
        self._pick_locks: dict[str, asyncio.Lock] = {}
        self.throttled_retries = 0
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,  # a redirect must never carry the key to another host
            trust_env=False,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=256),
            transport=transport,
        )

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def from_inventory(
        cls,
        inventory: Inventory,
        *,
        rpm_limit: int = REQUESTS_PER_MINUTE,
        credential: Any = None,
        secret_readers: SecretReaderFactory | None = None,
        **options: Any,
    ) -> AsyncFleetClient:
        """From an inventory file, its parsed entries, or stack outputs (`{"endpoints": [...]}` as
        `pulumi stack output --json` prints them). Keys come from the entries, else from each entry's
        Key Vault secret (DefaultAzureCredential unless `credential` is given)."""
        routes, keys = routes_and_keys(inventory, rpm_limit, credential, secret_readers)
        return cls(routes, keys, **options)

    from_stack_outputs = from_inventory

    # -- what callers read ---------------------------------------------------------------------------

    @property
    def models(self) -> list[str]:
        return list(self._endpoints)

    def endpoints(self, model: str) -> list[FleetRoute]:
        return [e.route for e in self._endpoints.get(model, [])]

    def stats(self, model: str) -> list[tuple[FleetRoute, EndpointStats, str]]:
        """Per endpoint of the model: its counters and circuit state."""
        return [(e.route, e.stats, str(e.breaker.state)) for e in self._endpoints.get(model, [])]

    # -- the call ------------------------------------------------------------------------------------

    async def generate(
        self,
        model: str,
        prompt: str,
        *,
        size: Size | str = DEFAULT_SIZE,
        output_format: str = "png",
        seed: int = 0,
        negative_prompt: str = "",
        deadline_s: float | None = None,
    ) -> FleetImage:
        """One text-to-image call on the model's fleet; see the module docstring for fail-over."""
        endpoints = self._endpoints.get(model)
        if not endpoints:
            known = ", ".join(self._endpoints) or "none"
            raise FleetClientError(f"no endpoint serves {model!r} (models with endpoints: {known})")
        if isinstance(size, str):
            size = Size.parse(size)
        started = self._clock()
        deadline = started + (self.deadline_s if deadline_s is None else deadline_s)
        max_attempts = self._max_attempts or 3 * len(endpoints) + 3
        failed_here: set[int] = set()
        failures: list[str] = []
        attempts = 0
        while attempts < max_attempts:
            endpoint = await self._pick(model, endpoints, failed_here, deadline, attempts, failures)
            attempts += 1
            sent_at = self._clock()
            outcome = await self._exchange(endpoint, prompt, negative_prompt, size, output_format, seed)
            if outcome.kind == "ok":
                endpoint.breaker.on_success()
                endpoint.stats.succeeded += 1
                data, created = outcome.image, outcome.status
                return FleetImage(
                    image=data,
                    format=_image_format(data),
                    model=model,
                    endpoint=endpoint.route.name,
                    region=endpoint.route.region,
                    project=endpoint.route.project,
                    created=created,
                    latency_ms=(self._clock() - started) * 1000,
                    attempts=attempts,
                    attempt_ms=(self._clock() - sent_at) * 1000,
                )
            if outcome.kind == "content_filter":
                endpoint.breaker.on_success()  # it answered, and correctly
                raise ContentFilteredError(endpoint.route.name, endpoint.route.region, outcome.detail)
            if outcome.kind == "rejected":
                endpoint.breaker.on_success()
                raise RequestRejectedError(endpoint.route.name, endpoint.route.region, outcome.status, outcome.detail)
            if outcome.kind == "throttled":
                endpoint.breaker.on_neutral()
                endpoint.stats.throttled += 1
                self.throttled_retries += 1
                endpoint.limiter.refund()  # refused, not admitted: it does not count against the window
                endpoint.limiter.pause_until(self._clock() + outcome.wait_s)
                failures.append(f"{endpoint.where}: throttled")
                continue
            endpoint.breaker.on_failure()
            endpoint.stats.failed += 1
            failed_here.add(id(endpoint))
            failures.append(f"{endpoint.where}: {outcome.detail}")
            if self._clock() >= deadline:
                break
        raise FleetUnavailableError(model, attempts, failures)

    async def _pick(
        self,
        model: str,
        endpoints: list[_Endpoint],
        failed_here: set[int],
        deadline: float,
        attempts: int,
        failures: list[str],
    ) -> _Endpoint:
        """The next endpoint with a free slot (taken), waiting for one when all are busy."""
        lock = self._pick_locks.setdefault(model, asyncio.Lock())
        async with lock:
            while True:
                usable = [e for e in endpoints if e.breaker.allows()]
                fresh = [e for e in usable if id(e) not in failed_here]
                candidates = fresh or usable
                if candidates:
                    start = next(self._cursor[model]) % len(candidates)
                    for endpoint in candidates[start:] + candidates[:start]:
                        if endpoint.limiter.try_acquire():
                            endpoint.breaker.on_send()
                            return endpoint
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise FleetUnavailableError(model, attempts, failures or ["deadline passed waiting for a slot"])
                await self._wait_for_slot(candidates, endpoints, remaining)

    async def _wait_for_slot(self, candidates: list[_Endpoint], endpoints: list[_Endpoint], limit: float) -> None:
        if not candidates:  # every circuit open: wait for the first probe to be due
            due = min(e.breaker.seconds_until_probe() for e in endpoints)
            await asyncio.sleep(min(max(due, 0.001), limit))
            return
        waiters = [asyncio.ensure_future(e.limiter.ready()) for e in candidates]
        try:
            await asyncio.wait(waiters, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _exchange(
        self, endpoint: _Endpoint, prompt: str, negative: str, size: Size, output_format: str, seed: int
    ) -> _Outcome:
        headers = {"Authorization": f"Bearer {endpoint.key}", "Accept": "application/json"}
        tried_other_route = False
        while True:
            path = endpoint.paths[0]
            request = endpoint.dialect.text_to_image(path, size, output_format, seed)
            prompt_field = "prompt" if "prompt" in request.payload else "positive_prompt"
            payload = {**request.payload, prompt_field: prompt, "negative_prompt": negative}
            if not negative:
                payload.pop("negative_prompt")
            try:
                response = await self._http.post(f"{endpoint.route.uri}{path}", json=payload, headers=headers)
            except httpx.TimeoutException:
                return _Outcome("failed", "timed out")
            except httpx.HTTPError as exc:
                return _Outcome("failed", f"transport error ({type(exc).__name__})")
            status, body = response.status_code, response.content
            if status in (404, 405) and len(endpoint.paths) > 1 and not tried_other_route:
                # The docs and the working clients disagree on the route: the other spelling, once,
                # and remember the one that answers.
                tried_other_route = True
                endpoint.paths.reverse()
                if not endpoint.limiter.try_acquire():  # the retry is a request too: only within the limit
                    return _Outcome("failed", f"HTTP {status} on {path}")
                continue
            return self._classify(endpoint, status, body, response.headers)

    def _classify(self, endpoint: _Endpoint, status: int, body: bytes, headers: httpx.Headers) -> _Outcome:
        if status == 200:
            try:
                image, created = endpoint.dialect.parse(parse_json(body))
                data = base64.b64decode(image, validate=True)
            except (SchemaProblem, binascii.Error, ValueError) as exc:
                return _Outcome("failed", f"unusable answer ({exc})")
            return _Outcome("ok", status=created, image=data)
        message = readable_message(body) or error_code(body) or "no message"
        if status == 429:
            wait = retry_after_s(headers.items())
            return _Outcome("throttled", message, status, wait_s=1.0 if wait is None else wait)
        if is_content_filter(status, body):
            return _Outcome("content_filter", message, status)
        if 400 <= status < 500 and status not in _ENDPOINT_FAULTS:
            return _Outcome("rejected", message, status)
        return _Outcome("failed", f"HTTP {status}", status)

    # -- lifecycle -----------------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncFleetClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
