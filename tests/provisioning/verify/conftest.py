"""Hostile image-API servers on loopback, and helpers to verify against them.

One Starlette app, parameterised by a `mode`, plays a well-behaved endpoint or one specific way of
misbehaving (500s, 429 storms, slow answers, broken JSON, wrong images, huge bodies, redirects to
another host, echoing the key). Servers bind 127.0.0.1 (or 127.0.0.2) on port 0, run uvicorn in a
thread, and stop at the end of the module; every test resets the mode and the request log.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import brotli  # type: ignore[import-untyped]
import pytest
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route as StarletteRoute

from infra.catalog import MODELS, SIZES, Capability, Route, Size
from provisioning.inputs.inventory import InventoryEndpoint, write_inventory
from provisioning.verify.checks import Target
from provisioning.verify.dialects import DIALECTS
from provisioning.verify.options import VerifyOptions
from provisioning.verify.reports import write_reports
from provisioning.verify.results import CheckName, VerifyReport
from provisioning.verify.runner import VerifyRun
from tests.support.loopback_server import LoopbackServer

KEY = "hostile-test-key-" + secrets.token_hex(16)  # registered with the redactor by InventoryEndpoint
MAX_STREAM = 32 * 1024 * 1024  # the huge-body mode never sends more than this


@cache
def make_image(size: Size, fmt: str, blank: bool = False) -> bytes:
    img = Image.new("RGB", (size.width, size.height), (90, 120, 160))
    if not blank:
        draw = ImageDraw.Draw(img)
        draw.ellipse((size.width // 5, size.height // 5, size.width // 2, size.height // 2), fill=(230, 60, 40))
        draw.rectangle((size.width // 2, size.height // 2, size.width - 9, size.height - 9), fill=(20, 200, 90))
    out = io.BytesIO()
    img.save(out, format={"png": "PNG", "jpeg": "JPEG"}[fmt], **({"compress_level": 1} if fmt == "png" else {}))
    return out.getvalue()


@dataclass
class ServerState:
    mode: str = "good"
    key: str = KEY
    redirect_to: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    epoch: int = 0  # requests left over from an earlier test do not count towards this one's figures
    in_flight: int = 0
    max_in_flight: int = 0

    def reset(self, mode: str = "good") -> None:
        with self.lock:
            self.mode, self.redirect_to = mode, ""
            self.requests.clear()
            self.epoch += 1
            self.in_flight = self.max_in_flight = 0

    def log(self, request: Request, body: bytes) -> int:
        with self.lock:
            self.requests.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
            return len(self.requests)

    def generation_count(self) -> int:
        with self.lock:
            return sum(1 for r in self.requests if "authorization" in r["headers"])


def _error(status: int, code: str, message: str, wrapped: bool = True) -> JSONResponse:
    if wrapped:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    return JSONResponse({"status": status, "code": code, "message": message}, status_code=status)


def _deflate_raw(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # what some servers send as "deflate"
    return packer.compress(data) + packer.flush()


# Correctly encoded answers (each must verify like the plain one).
ENCODED: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": ("gzip", gzip.compress),
    "deflate": ("deflate", zlib.compress),
    "deflate_raw": ("deflate", _deflate_raw),
    "br": ("br", brotli.compress),
    "identity_listed": ("identity", lambda data: data),
}
BOMB_BYTES = 8 * 1024 * 1024  # what one layer of the bombs expands to: 32x the tests' body cap


@cache
def gzip_bomb() -> bytes:
    """8 MiB of zeros as ~8 kB of gzip: one layer, ratio ~1000:1."""
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9)


@cache
def stacked_bomb() -> bytes:
    """The same bomb gzipped again (`Content-Encoding: gzip, gzip`): a few hundred bytes on the wire."""
    return gzip.compress(gzip_bomb(), compresslevel=9)


@cache
def br_bomb() -> bytes:
    return bytes(brotli.compress(b"\0" * BOMB_BYTES, quality=5))


BOMBS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "gzip_bomb": ("gzip", gzip_bomb),
    "br_bomb": ("br", br_bomb),
    "gzip_gzip": ("gzip, gzip", stacked_bomb),
    "zstd": ("zstd", gzip_bomb),
    "gzip_garbage": ("gzip", lambda: b"this is not gzip at all"),
}


def build_app(state: ServerState) -> Starlette:
    async def handle(request: Request) -> Response:
        with state.lock:
            epoch = state.epoch
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.mode == "latency":
                await asyncio.sleep(0.05)
            return await answer(request)
        finally:
            with state.lock:
                if state.epoch == epoch:
                    state.in_flight -= 1

    async def answer(request: Request) -> Response:
        body = await request.body()
        count = state.log(request, body)
        mode, path = state.mode, request.url.path
        auth = request.headers.get("authorization")
        if mode == "redirect_other_host":
            return RedirectResponse(state.redirect_to + path, status_code=307)
        if mode == "redirect_same_host" and not path.startswith("/moved"):
            return RedirectResponse("/moved" + path, status_code=307)
        if mode == "redirect_loop":
            return RedirectResponse(path + "/again", status_code=307)
        if mode == "redirect_302":
            return RedirectResponse("/elsewhere" + path, status_code=302)
        if mode == "echo_key":  # the worst server: quotes the credential back, in body and header
            return JSONResponse(
                {"error": {"code": "bad_request", "message": f"rejected Authorization: {auth}"}},
                status_code=400 if auth else 401,
                headers={"x-echo": auth or "none"},
            )
        if mode == "echo_key_encoded":  # the key back percent-encoded (both cases) and JSON-escaped (`\/`)
            key = (auth or "none").removeprefix("Bearer ")
            forms = [quote(key, safe=""), quote(key, safe="").lower(), key.replace("/", "\\/")]
            message = "rejected " + " and ".join(forms)
            body = b'{"error": {"code": "bad_request", "message": "' + message.encode() + b'"}}'
            return Response(body, status_code=400 if auth else 401, media_type="application/json",
                            headers={"x-echo": forms[0]})
        if mode in ("echo_key_at_cut", "echo_key_at_cut_text"):
            # The key quoted where a message is shortened for the report: 230 characters in, so a
            # cut at 240 would keep its first ten characters.
            key = (auth or "none").removeprefix("Bearer ")
            message = "x" * 225 + f" key={key} rejected"
            if mode == "echo_key_at_cut_text":
                return Response(message.encode(), status_code=400, media_type="text/plain")
            return JSONResponse({"error": {"code": "bad_request", "message": message}}, status_code=400)
        path = path.removeprefix("/moved")
        parts = path.strip("/").split("/", 2)  # m/<slug>/<route>
        if len(parts) != 3 or parts[0] != "m" or parts[1] not in MODELS:
            return _error(404, "NotFound", "no such endpoint")
        slug, route = parts[1], "/" + parts[2]
        allowed = {Route.IMAGE_GENERATIONS.value} if mode == "legacy_route" else {r.value for r in Route}
        if mode == "no_routes" or route not in allowed:
            return _error(404, "NotFound", f"no route {route}")
        if mode != "open_auth" and auth != f"Bearer {state.key}":
            return _error(401, "Unauthorized", "missing or invalid key")
        try:
            doc = json.loads(body)
        except ValueError:
            return _error(400, "BadRequest", "body is not JSON")
        if route == Route.HOSTED_GENERATION.value:
            size = Size(int(doc.get("width", 0)), int(doc.get("height", 0)))
        else:
            size = Size.parse(str(doc.get("size", "1024x1024")))
        fmt = doc.get("output_format", "png")
        if size not in SIZES and mode != "accept_anything":
            if mode == "unreadable_errors":
                return Response(b"", status_code=400)
            return _error(400, "invalid_size", f"size {size} is not supported; use one of the catalog sizes")
        text_only = not MODELS[slug].supports(Capability.IMAGE_TO_IMAGE)
        if "image_prompt" in doc and text_only and mode != "accept_anything":
            return JSONResponse(
                {
                    "code": "parameter_not_supported",
                    "detail": [{"loc": ["body", "image_prompt"], "msg": "image_prompt is not supported"}],
                },
                status_code=422,
            )
        created = int(time.time())
        if mode == "error500":
            return _error(500, "InternalServerError", "boom")
        if mode == "bad_gateway_once" and state.generation_count() <= 1:
            return _error(502, "BadGateway", "upstream hiccup")
        if mode == "throttle" or (mode == "throttle_once" and count <= 1):
            return JSONResponse({"error": {"code": "429", "message": "slow down"}}, 429, headers={"Retry-After": "7"})
        if mode == "slow":
            await asyncio.sleep(1.5)
        if mode == "content_filter_flat":
            return _error(400, "content_filter", "The response was filtered", wrapped=False)
        if mode == "content_filter_wrapped":
            return _error(400, "content_filter", "The response was filtered")
        if mode == "invalid_json":
            return Response(b"<html>upstream error</html>", media_type="application/json")
        if mode == "huge":

            async def stream() -> Any:
                chunk = b'{"image": "' + b"A" * 65536
                for _ in range(MAX_STREAM // len(chunk)):
                    yield chunk

            return StreamingResponse(stream(), media_type="application/json")
        if mode == "wrong_size":
            size = Size(64, 64)
        image_fmt = "jpeg" if mode == "jpeg" else fmt
        image = base64.b64encode(make_image(size, image_fmt, blank=mode == "blank")).decode()
        if mode == "not_base64":
            image = "this is not base64!"
        if mode == "created_ms":
            created *= 1000
        payload = json.dumps({"image": image, "created": created}).encode()
        if mode == "truncated_json":
            payload = payload[: len(payload) // 2]
        if mode in ENCODED:
            coding, encode = ENCODED[mode]
            return Response(encode(payload), media_type="application/json", headers={"content-encoding": coding})
        if mode in BOMBS:
            coding, bomb = BOMBS[mode]
            return Response(bomb(), media_type="application/json", headers={"content-encoding": coding})
        return Response(payload, media_type="application/json")

    return Starlette(routes=[StarletteRoute("/{path:path}", handle, methods=["POST", "GET"])])


@dataclass
class Hostile:
    server: LoopbackServer
    state: ServerState

    def set(self, mode: str) -> Hostile:
        self.state.reset(mode)
        return self

    def endpoint(
        self,
        model: str = "stable-image-core",
        name: str = "",
        region: str = "eastus",
        dialect: str | None = None,
        host: str | None = None,
    ) -> InventoryEndpoint:
        base = self.server.base if host is None else f"{self.server.scheme}://{host}:{self.server.port}"
        data: dict[str, Any] = {
            "region": region,
            "model": model,
            "name": name or f"{MODELS[model].short}-{region}",
            "uri": f"{base}/m/{model}",
            "key": self.state.key,
        }
        if dialect:
            data["dialect"] = dialect
        return InventoryEndpoint.model_validate(data)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[tuple[LoopbackServer, ServerState]]:
    state = ServerState()
    server = LoopbackServer(name="hostile server")
    server.start(build_app(state))
    try:
        yield server, state
    finally:
        server.stop()


@pytest.fixture
def hostile(hostile_server: tuple[LoopbackServer, ServerState]) -> Hostile:
    server, state = hostile_server
    state.reset()
    return Hostile(server, state)


@pytest.fixture
def inventory_file(hostile: Hostile, tmp_path: Path) -> Path:
    """An inventory file of two of the hostile server's endpoints (Core and SD 3.5 Large)."""
    path = tmp_path / "inventory.json"
    write_inventory(path, [hostile.endpoint("stable-image-core"), hostile.endpoint("stable-diffusion-3.5-large")])
    return path


@pytest.fixture
def server_factory() -> Iterator[Callable[..., tuple[LoopbackServer, ServerState]]]:
    """Extra servers for one test (redirect targets, TLS), stopped afterwards."""
    started: list[LoopbackServer] = []

    def start(
        host: str = "127.0.0.1", port: int = 0, mode: str = "good", **ssl: Any
    ) -> tuple[LoopbackServer, ServerState]:
        state = ServerState(mode=mode)
        server = LoopbackServer(host, port, name="extra test server")
        started.append(server)
        server.start(build_app(state), **ssl)
        return server, state

    yield start
    for server in started:
        server.stop()


def fast_options(**overrides: Any) -> VerifyOptions:
    """Small timeouts and backoffs: hostile behaviour shows in milliseconds, not minutes."""
    values: dict[str, Any] = {
        "timeout_s": 1.0,
        "deadline_s": 15.0,
        "retries": 1,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.02,
        "max_retry_after_s": 0.02,
        "seed": 7,
    }
    values.update(overrides)
    return VerifyOptions(**values)


@pytest.fixture
def run_verify() -> Callable[..., Any]:
    async def run(endpoints: list[InventoryEndpoint], **overrides: Any) -> VerifyReport:
        options = fast_options(**overrides)
        targets = [Target(e, DIALECTS[e.dialect or options.dialect]) for e in endpoints]
        return await VerifyRun(targets, options).execute()

    return run


def checks_of(report: VerifyReport, index: int = 0) -> dict[str, tuple[str, str | None]]:
    """{check name: (status, category)} of one endpoint, for compact assertions."""
    return {
        str(c.name): (str(c.status), None if c.category is None else str(c.category))
        for c in report.endpoints[index].ordered_checks()
    }


def assert_no_key(*texts: str | bytes) -> None:
    for text in texts:
        raw = text if isinstance(text, bytes) else text.encode()
        assert KEY.encode() not in raw, "the endpoint key leaked"


def assert_no_key_fragment(*texts: str, key: str = KEY, window: int = 8) -> None:
    """Not even part of the key: no run of `window` consecutive key characters anywhere."""
    for text in texts:
        for start in range(len(key) - window + 1):
            fragment = key[start : start + window]
            assert fragment not in text, f"part of the key leaked: {fragment!r}"


def written_reports(report: VerifyReport, directory: Path) -> dict[str, str]:
    paths = write_reports(report, directory)
    return {name: path.read_text(encoding="utf-8") for name, path in paths.items()}


@pytest.fixture
def helpers() -> Any:
    class H:
        key = KEY
        checks = staticmethod(checks_of)
        no_key = staticmethod(assert_no_key)
        no_key_fragment = staticmethod(assert_no_key_fragment)
        reports = staticmethod(written_reports)
        options = staticmethod(fast_options)
        CheckName = CheckName

    return H
