"""The emulator's ASGI application (Starlette): routing, auth, limits, fault knobs, image answers.

Order of decisions for one request, as a gateway in front of a model would take them:
route -> endpoint exists and speaks this dialect (404) -> region outage (503) -> key (401) -> body read
with a running cap (413) and a deadline (408) -> per-window cap (429) -> random throttle (429) -> JSON
(400) -> parameters (400/422) -> content filter (400) -> latency + jitter -> random server error (500)
-> image (200).

The key is checked from the headers alone, before a byte of the body is read: an unauthenticated
client never gets the server to hold its body. What is left of a body after an early answer is read
and dropped when its declared length is at most DRAIN_MAX_BYTES and it arrives within the body
deadline (so a keep-alive client can send its next request); otherwise the answer says
`Connection: close` and the rest is never read.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from infra.catalog import CONTENT_FILTER_CODE, Route
from provisioning.emulator import azure_dialect, hosted_dialect
from provisioning.emulator.fleet import FakeEndpoint
from provisioning.emulator.images import ImageCache, ImageJob, InitImageError, image_cache, init_image_cache
from provisioning.emulator.settings import EmulatorSettings
from provisioning.emulator.wire import (
    INTERNAL_ERROR,
    INVALID_BODY,
    INVALID_JSON,
    INVALID_VALUE,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    REQUEST_TIMEOUT,
    SERVICE_UNAVAILABLE,
    TOO_LARGE,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    ApiError,
    Shape,
    json_response,
    quoted,
)
from provisioning.inputs.inventory import Dialect
from provisioning.sliding_window import SlidingWindow

MAX_BODY_BYTES: Final = 16 * 1024 * 1024
DRAIN_MAX_BYTES: Final = 32 * 1024 * 1024  # read and dropped after an early answer, never kept
WINDOW_S: Final = 60.0
HEALTH_PATH: Final = "/healthz"
CONTENT_FILTER_MESSAGE: Final = (
    "The response was filtered due to the prompt triggering Azure's content management policy. "
    "Please modify your prompt and retry."
)
_ROUTE_DIALECT: Final[dict[str, Dialect]] = {
    Route.IMAGES_GENERATIONS: "azure",
    Route.IMAGE_GENERATIONS: "azure",
    Route.HOSTED_GENERATION: "hosted",
}


@dataclass
class EndpointRuntime:
    """Per-endpoint state: its key check, request window, seeded knobs and answer counts."""

    endpoint: FakeEndpoint
    window: SlidingWindow  # the documented per-deployment request cap, per minute (or a shorter window)
    throttle_rng: random.Random
    error_rng: random.Random
    jitter_rng: random.Random
    statuses: Counter[int] = field(default_factory=Counter)

    def authorised(self, request: Request) -> bool | None:
        """None: no key sent; False: wrong key; True: one of the accepted forms carries the key."""
        offered: list[str] = []
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, rest = authorization.strip().partition(" ")
            offered.append(rest.strip() if scheme.lower() == "bearer" and rest else authorization.strip())
        api_key = request.headers.get("api-key")
        if api_key is not None:
            offered.append(api_key.strip())
        offered = [o for o in offered if o]
        if not offered:
            return None
        expected = self.endpoint.key.encode()
        return any(secrets.compare_digest(o.encode(), expected) for o in offered)


class EmulatorState:
    """Everything the app needs, shared by all requests (one event loop: no locks needed)."""

    def __init__(self, fleet: tuple[FakeEndpoint, ...], settings: EmulatorSettings, cache: ImageCache | None = None):
        self.settings = settings
        self.cache = cache or image_cache()
        self.init_images = init_image_cache()
        self.runtimes: dict[tuple[str, str], EndpointRuntime] = {}
        for ep in fleet:
            seed = f"{settings.seed}|{ep.region}|{ep.name}"
            self.runtimes[(ep.region, ep.name)] = EndpointRuntime(
                endpoint=ep,
                window=SlidingWindow(settings.requests_per_minute, settings.rate_window_s),
                throttle_rng=random.Random(f"{seed}|throttle"),
                error_rng=random.Random(f"{seed}|error"),
                jitter_rng=random.Random(f"{seed}|jitter"),
            )

    def statuses(self) -> dict[str, dict[int, int]]:
        """Answers given so far per endpoint name, by HTTP status."""
        return {f"{r.endpoint.region}/{r.endpoint.name}": dict(r.statuses) for r in self.runtimes.values()}


def _gateway_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, code, message, shape="wrapped", headers=headers)


class Body:
    """One request's body, read straight from ASGI `receive` under one deadline, so the handler
    knows at every moment how much it holds and whether anything is left to read."""

    def __init__(self, request: Request, timeout_s: float) -> None:
        self._receive = request.receive
        self._declared = request.headers.get("content-length")
        self.deadline = asyncio.get_running_loop().time() + timeout_s
        self.timeout_s = timeout_s
        self.done = False  # the last chunk (or a disconnect) was received
        self.received = 0

    async def _next(self) -> bytes:
        async with asyncio.timeout_at(self.deadline):
            message = await self._receive()
        if message["type"] != "http.request":  # http.disconnect: nothing more will come
            self.done = True
            return b""
        if not message.get("more_body", False):
            self.done = True
        chunk = bytes(message.get("body", b""))
        self.received += len(chunk)
        return chunk

    async def read(self, shape: Shape) -> bytes:
        """The whole body, refused (413) the moment it passes MAX_BODY_BYTES and (408) when it does
        not arrive within the deadline."""
        if self._declared is not None and self._declared.isdigit() and int(self._declared) > MAX_BODY_BYTES:
            raise _too_large(shape)
        chunks: list[bytes] = []
        size = 0
        try:
            while not self.done:
                chunk = await self._next()
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise _too_large(shape)
                chunks.append(chunk)
        except TimeoutError:
            raise ApiError(
                408, REQUEST_TIMEOUT, f"the request body did not arrive within {self.timeout_s:g} s", shape=shape
            ) from None
        return b"".join(chunks)

    async def discard(self, limit: int = DRAIN_MAX_BYTES) -> bool:
        """Read and drop what is left when its declared length says it is at most `limit` bytes,
        within the deadline; True when nothing is left (the connection can serve the next request).
        A body of unknown length (chunked) or a larger one is not read at all."""
        if self.done:
            return True
        declared = int(self._declared) if self._declared is not None and self._declared.isdigit() else None
        if declared is None or declared - self.received > limit:
            return False
        try:
            while not self.done:
                await self._next()
        except TimeoutError:
            return False
        return True


def _parse_json(body: bytes, shape: Shape) -> Any:
    if not body.strip():
        raise ApiError(400, INVALID_BODY, "the request body is empty; send a JSON object", shape=shape)
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise ApiError(400, INVALID_JSON, "the request body is not UTF-8 JSON", shape=shape) from None
    except json.JSONDecodeError as exc:
        message = f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno})"
        raise ApiError(400, INVALID_JSON, message, shape=shape) from None


async def _finished(response: Response, body: Body) -> Response:
    """The answer, once what is left of the body has been dropped; `Connection: close` when too much
    is left (or it is too slow) to drop, so the server never reads it."""
    if not await body.discard():
        response.headers["connection"] = "close"
    return response


def _too_large(shape: Shape) -> ApiError:
    return ApiError(413, TOO_LARGE, f"the request body exceeds {MAX_BODY_BYTES // (1024 * 1024)} MiB", shape=shape)


class ImageApi:
    """The request handlers, bound to one EmulatorState."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "endpoints": len(self.state.runtimes)})

    def handler_for(self, route: Route) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            return await self.serve(request, route)

        return handle

    async def serve(self, request: Request, route: Route) -> Response:
        headers = {"x-request-id": str(uuid.uuid4())}
        region, name = request.path_params["region"], request.path_params["name"]
        runtime = self.state.runtimes.get((region, name))
        body = Body(request, self.state.settings.body_timeout_s)
        if runtime is None:
            error = _gateway_error(404, NOT_FOUND, f"no endpoint {name!r} in region {region!r} on this emulator")
            return await _finished(error.response(headers), body)
        try:
            response = await self._serve_endpoint(request, route, runtime, headers, body)
        except ApiError as error:
            response = error.response(headers)
        runtime.statuses[response.status_code] += 1
        return await _finished(response, body)

    async def _serve_endpoint(
        self, request: Request, route: Route, runtime: EndpointRuntime, headers: dict[str, str], body: Body
    ) -> Response:
        settings, endpoint = self.state.settings, runtime.endpoint
        if _ROUTE_DIALECT[route] != endpoint.dialect:
            routes = (
                f"{Route.IMAGES_GENERATIONS} or {Route.IMAGE_GENERATIONS}"
                if endpoint.dialect == "azure"
                else str(Route.HOSTED_GENERATION)
            )
            raise _gateway_error(
                404, NOT_FOUND, f"{endpoint.name} speaks the {endpoint.dialect} dialect: POST {routes} under its target"
            )
        shape: Shape = "flat" if endpoint.dialect == "azure" else "wrapped"
        if endpoint.region in settings.failing_regions:
            message = f"The service in {endpoint.region} is temporarily unavailable."
            raise _gateway_error(503, SERVICE_UNAVAILABLE, message)

        authorised = runtime.authorised(request)
        if not authorised:
            problem = "No endpoint key was sent" if authorised is None else "The endpoint key is not valid"
            raise _gateway_error(
                401,
                UNAUTHORIZED,
                f"{problem}. Send it as 'Authorization: Bearer <key>' or in the 'api-key' header.",
                {"WWW-Authenticate": 'Bearer realm="endpoint"'},
            )
        raw = await body.read(shape)

        wait = runtime.window.admit()
        headers["x-ratelimit-limit-requests"] = str(runtime.window.limit)
        headers["x-ratelimit-remaining-requests"] = str(runtime.window.remaining)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            per = "minute" if runtime.window.period_s == WINDOW_S else f"{runtime.window.period_s:g} seconds"
            raise self._throttled(
                seconds, f"Requests to this endpoint exceed {runtime.window.limit} per {per}. "
                f"Try again in {seconds} seconds.", retry_ms=max(1, math.ceil(wait * 1000)),
            )
        if settings.throttle_rate and runtime.throttle_rng.random() < settings.throttle_rate:
            raise self._throttled(
                settings.retry_after_s,
                f"Rate limit is exceeded. Try again in {settings.retry_after_s} seconds.",
            )

        body = _parse_json(raw, shape)
        job, meta = await self._job(body, request, endpoint)

        word = settings.content_filter_word.lower()
        if word and (word in job.prompt.lower() or word in job.negative_prompt.lower()):
            param = "prompt" if endpoint.dialect == "azure" else "positive_prompt"
            if word not in job.prompt.lower():
                param = "negative_prompt"
            raise ApiError(400, CONTENT_FILTER_CODE, CONTENT_FILTER_MESSAGE, shape=shape, param=param)

        delay_ms = settings.latency_ms
        if settings.jitter_ms:
            delay_ms += runtime.jitter_rng.uniform(0, settings.jitter_ms)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)

        if settings.error_rate and runtime.error_rng.random() < settings.error_rate:
            # Both shapes occur in the wild for server errors; clients must read either.
            error_shape: Shape = "wrapped" if runtime.error_rng.random() < 0.5 else "flat"
            raise ApiError(
                500,
                INTERNAL_ERROR,
                "The server had an error while processing your request. Please retry.",
                shape=error_shape,
            )

        image_b64 = await self.state.cache.get(job)
        # Spliced rather than json.dumps'd: base64 needs no escaping, and encoding a megabyte-sized
        # string per answer would cost more than everything else the emulator does for it.
        created = str(int(time.time())).encode()
        extra = json.dumps(meta, separators=(",", ":")).encode()[1:-1] if meta else b""
        answer = b'{"image":"' + image_b64 + b'","created":' + created + (b"," + extra if extra else b"") + b"}"
        return Response(answer, 200, headers, "application/json")

    @staticmethod
    def _throttled(seconds: int, message: str, retry_ms: int | None = None) -> ApiError:
        # retry-after-ms carries the precise wait (Azure sends it next to the whole-second Retry-After).
        return _gateway_error(
            429,
            TOO_MANY_REQUESTS,
            message,
            {"Retry-After": str(seconds), "retry-after-ms": str(seconds * 1000 if retry_ms is None else retry_ms)},
        )

    async def _job(self, body: Any, request: Request, endpoint: FakeEndpoint) -> tuple[ImageJob, dict[str, Any]]:
        if endpoint.dialect == "hosted":
            hosted = hosted_dialect.parse_request(body)
            job = ImageJob.from_request(
                endpoint.model.name, hosted, extras=(("steps", str(hosted.steps)), ("cfg", repr(hosted.cfg)))
            )
            meta = {
                "model": endpoint.model.slug,
                "seed": hosted.seed,
                "width": hosted.size.width,
                "height": hosted.size.height,
                "steps": hosted.steps,
                "cfg": hosted.cfg,
                "output_format": hosted.output_format,
                "cost_usd": hosted.cost_usd,
            }
            return job, meta

        azure = azure_dialect.parse_request(body, endpoint.model, request.headers.get("extra-parameters"))
        init = None
        if azure.image_b64 is not None:
            try:
                init = await self.state.init_images.get(azure.image_b64)
            except InitImageError as exc:
                raise ApiError(
                    400, INVALID_VALUE, f"image_prompt.image {exc}", loc=["body", "image_prompt", "image"]
                ) from None
        return ImageJob.from_request(endpoint.model.name, azure, init=init, strength=azure.strength), {}


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = _gateway_error(405, METHOD_NOT_ALLOWED, f"{request.method} is not allowed here; use POST")
    elif exc.status_code == 404:
        error = _gateway_error(404, NOT_FOUND, f"nothing is served at {quoted(request.url.path, 200)}")
    else:
        error = _gateway_error(exc.status_code, str(exc.status_code), str(exc.detail))
    return error.response(dict(exc.headers or {}))


async def _server_error(request: Request, exc: Exception) -> Response:
    return _gateway_error(500, INTERNAL_ERROR, "the emulator failed unexpectedly; see its log").response()


def build_app(state: EmulatorState) -> Starlette:
    api = ImageApi(state)
    routes = [StarletteRoute(HEALTH_PATH, api.health, methods=["GET"])]
    for route in Route:
        routes.append(StarletteRoute("/{region}/{name}" + str(route), api.handler_for(route), methods=["POST"]))
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
    )
