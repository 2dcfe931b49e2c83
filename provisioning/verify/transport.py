"""The verifier's only way onto the network, with every safety rule in one place.

- The key travels only as `Authorization: Bearer <key>`, only to the endpoint's own origin: redirects
  are never followed automatically; a same-origin 307/308 is followed once by hand, anything that
  leaves the origin is refused (and nothing at all is sent there).
- Plain http only to loopback (the inventory checks this too; this is the second guard).
- TLS verification always on; custom CA bundles through `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE` /
  `SSL_CERT_DIR`.
- Bodies are streamed and abandoned past a cap, so a hostile or broken server cannot exhaust memory;
  the cap counts decoded bytes, one Content-Encoding at most is accepted, and decompression is bounded
  by the room left under the cap (a decompression bomb costs the cap, not its expanded size).
- Retries only for transient answers (429, 502, 503, 504, connection failures), bounded, with full
  jitter; `Retry-After` is honoured up to a cap and pauses the whole endpoint, not one request.
- Exception text is rebuilt from the exception's class and a scrubbed message, never passed through.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import random
import ssl
import string
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import certifi
import h11
import httpcore
import httpx
from pydantic import SecretStr

from provisioning import __version__
from provisioning.errors import BadInput
from provisioning.inputs.inventory import is_loopback_host
from provisioning.redact import REDACTOR, install_log_redaction
from provisioning.retry_after import PACING_HEADERS, retry_after_s
from provisioning.verify.decoding import DecodeFailed, EncodingRefused, coding_of, read_decoded
from provisioning.verify.options import VerifyOptions
from provisioning.verify.ratelimit import Sleep, SlidingWindowLimiter
from provisioning.verify.results import Category, clean_detail

log = logging.getLogger("maas.verify.http")

# httpcore logs response headers at DEBUG, and a hostile server can echo the key there: every log
# record of the process is scrubbed (the one mechanism in provisioning.redact), also when the
# verifier is used as a library without the CLI.
install_log_redaction()

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-ms-request-id")
USER_AGENT = f"maas-fleet-verify/{__version__}"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, fully read (or capped, for error bodies)."""

    status: int
    body: bytes = field(repr=False)  # up to 16 MiB: never in a repr
    content_type: str
    request_id: str | None
    latency_ms: float  # of the attempt that produced this answer
    attempts: int = 1
    truncated: bool = False
    retry_after: tuple[tuple[str, str], ...] = ()  # the pacing headers, for the retry loop

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ExchangeFailed(Exception):
    """No usable HTTP answer: timeout, transport failure, refused redirect, oversized body."""

    def __init__(self, category: Category, detail: str, latency_ms: float | None = None, attempts: int = 1):
        self.category = category
        self.detail = clean_detail(detail)
        self.latency_ms = latency_ms
        self.attempts = attempts
        super().__init__(self.detail)


class _Retryable(Exception):
    """A connection that never carried the request: safe to try again."""

    def __init__(self, failure: ExchangeFailed) -> None:
        self.failure = failure


DESCRIBE_CHARS = 200
# Errors raised while a request is encoded quote the offending value: h11 prints the whole header
# (`Illegal header value b'Bearer <key>'`, with control characters escaped, so the scrubber no
# longer recognises the key), a codec error names a character of the key and its position.
# Their text is never used; their class and a fixed sentence say enough.
_ENCODING_ERRORS: tuple[type[BaseException], ...] = (
    httpx.LocalProtocolError,
    httpcore.LocalProtocolError,  # the same error, should it ever arrive unwrapped
    h11.LocalProtocolError,
    UnicodeError,
)
ENCODING_ERROR_TEXT = "the request could not be encoded: a header value holds characters HTTP cannot carry"
KEY_NOT_SENDABLE = (
    "the key cannot be sent: it holds control or non-ASCII characters, which an HTTP header cannot carry; "
    "check the inventory's key (nothing was sent)"
)


def describe(exc: BaseException) -> str:
    """An exception as a short line with no secrets: httpx errors can quote URLs and requests.
    Scrubbed whole before it is shortened; encoding errors are described, never quoted."""
    name = type(exc).__name__
    if isinstance(exc, _ENCODING_ERRORS):
        return f"{name}: {ENCODING_ERROR_TEXT}"
    text = str(exc).strip()
    return REDACTOR.scrub(f"{name}: {text}" if text else name)[:DESCRIBE_CHARS]


def authorization(key: SecretStr | None) -> str | None:
    """The `Authorization` value for `key`; a key no header can carry fails here, before any
    request exists (so no library ever gets to quote it in an error)."""
    if key is None:
        return None
    value = key.get_secret_value()
    if not (value.isascii() and value.isprintable()):
        raise ExchangeFailed(Category.TRANSPORT, KEY_NOT_SENDABLE)
    return f"Bearer {value}"


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


def origin_text(url: httpx.URL) -> str:
    scheme, host, port = origin(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}"


@functools.lru_cache(maxsize=1024)
def _loopback(host: str) -> bool:
    """`is_loopback_host`, remembered: every request passes the guard, and parsing an address each
    time is measurable at fleet scale."""
    return is_loopback_host(host)


def guard_target(url: httpx.URL) -> None:
    if url.scheme == "https" or (url.scheme == "http" and _loopback(url.host)):
        return
    raise ExchangeFailed(
        Category.TRANSPORT, f"refusing to send to {origin_text(url)}: plain http is only allowed to loopback"
    )


def ssl_context() -> ssl.SSLContext:
    """Verification on, with the CA bundle the user's environment names (else certifi's)."""
    cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    try:
        if cafile or capath:
            return ssl.create_default_context(cafile=cafile, capath=capath)
        return ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        raise BadInput(f"CA bundle {cafile or capath!r} cannot be loaded ({describe(exc)})") from None


class EndpointGate:
    """What every request to one endpoint goes through: its concurrency bound, its pacing and its
    own small connection pool. One pool per endpoint, not one shared pool: httpcore assigns
    requests to connections by scanning the whole pool, which is quadratic for a fleet-sized pool
    (measured: 50 endpoints took 7x the time of one through a shared pool)."""

    def __init__(self, concurrency: int, limiter: SlidingWindowLimiter, client: httpx.AsyncClient) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.limiter = limiter
        self.client = client
        self.requests = 0  # attempts actually sent


class SafeHttp:
    def __init__(
        self,
        options: VerifyOptions,
        *,
        deadline_at: float | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Any = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options
        self.deadline_at = deadline_at
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random(options.seed)
        self._global = asyncio.Semaphore(options.max_in_flight)
        self._ssl: ssl.SSLContext | None = None  # loaded once (on the first https endpoint), then shared
        # Plain-http (loopback) pools never speak TLS (a scheme change is a refused cross-origin
        # redirect); they get a strict context that trusts nothing instead of loading a CA bundle each.
        self._no_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._clients: list[httpx.AsyncClient] = []

    async def __aenter__(self) -> SafeHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients), return_exceptions=True)
        self._clients.clear()

    def gate(self, uri: str) -> EndpointGate:
        """The gate for the endpoint at `uri`. Remote endpoints may sit behind the user's proxy
        (trust_env); loopback never does."""
        concurrency = self.options.concurrency
        context = self._no_tls
        if httpx.URL(uri).scheme == "https":
            self._ssl = self._ssl or ssl_context()
            context = self._ssl
        client = httpx.AsyncClient(
            verify=context,
            trust_env=not _loopback(httpx.URL(uri).host),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            # The whole exchange runs under one asyncio.timeout (see _timed_exchange); per-operation
            # read/write/pool timers inside httpcore would only repeat it, at a cost per socket operation.
            timeout=httpx.Timeout(None, connect=self.options.timeout_s),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
        )
        self._clients.append(client)
        limiter = SlidingWindowLimiter(self.options.requests_per_minute, 60.0, clock=self._clock, sleep=self._sleep)
        return EndpointGate(concurrency, limiter, client)

    # ------------------------------------------------------------------ retries

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_cap_s, self.options.backoff_base_s * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)  # full jitter: retries of many endpoints spread out

    def _fits(self, delay: float) -> bool:
        return self.deadline_at is None or self._clock() + delay < self.deadline_at

    async def post_json(
        self, gate: EndpointGate, url: str, payload: Mapping[str, Any], key: SecretStr | None
    ) -> Answer:
        """POST a JSON body and return the final answer after transient retries; raises
        ExchangeFailed when there is no usable answer."""
        target = httpx.URL(url)
        guard_target(target)
        auth = authorization(key)
        content = json.dumps(payload).encode()
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._attempt(gate, target, content, auth)
            except _Retryable as retry:
                delay = self._backoff(attempt)
                if attempt > self.options.retries or not self._fits(delay):
                    failure = retry.failure
                    failure.attempts = attempt
                    raise failure from None
                log.debug("retrying %s after %s in %.2fs", target.path, retry.failure.detail, delay)
                await self._sleep(delay)
                continue
            except ExchangeFailed as failure:
                failure.attempts = attempt
                raise
            answer = replace(answer, attempts=attempt)
            if answer.status not in RETRYABLE_STATUS or attempt > self.options.retries:
                return answer
            asked = retry_after_s(answer.retry_after)
            delay = self._backoff(attempt) if asked is None else min(asked, self.options.max_retry_after_s)
            if not self._fits(delay):
                return answer
            if answer.status == 429:
                gate.limiter.pause_until(self._clock() + delay)
            log.debug("HTTP %d on %s; retry %d in %.2fs", answer.status, target.path, attempt, delay)
            await self._sleep(delay)

    # ------------------------------------------------------------------ one attempt

    async def _slot(self, gate: EndpointGate) -> None:
        """Take a global in-flight slot and this endpoint's next request slot, in that order of
        waiting: the endpoint's pacing (its rate, a Retry-After pause) is waited out *before* the
        global slot is taken, so a throttled endpoint never holds a slot other endpoints need.
        The request slot is taken in the same step as the global one, so the rate window records
        the moment the request really leaves."""
        while True:
            await gate.limiter.ready()
            await self._global.acquire()
            if gate.limiter.try_acquire():
                return
            self._global.release()  # a sibling request took the last slot, or a pause began: wait again

    async def _attempt(self, gate: EndpointGate, url: httpx.URL, content: bytes, auth: str | None) -> Answer:
        async with gate.semaphore:
            await self._slot(gate)
            try:
                return await self._timed_exchange(gate, url, content, auth)
            finally:
                self._global.release()

    async def _timed_exchange(self, gate: EndpointGate, url: httpx.URL, content: bytes, auth: str | None) -> Answer:
        gate.requests += 1
        started = self._clock()

        def elapsed() -> float:
            return (self._clock() - started) * 1000

        try:
            async with asyncio.timeout(self.options.timeout_s):
                return await self._exchange(gate.client, url, content, auth, started)
        except TimeoutError:
            raise ExchangeFailed(
                Category.TIMEOUT, f"no complete answer within {self.options.timeout_s:g}s", elapsed()
            ) from None
        except httpx.TimeoutException as exc:
            failure = ExchangeFailed(Category.TIMEOUT, describe(exc), elapsed())
            if isinstance(exc, httpx.ConnectTimeout):
                raise _Retryable(failure) from None
            raise failure from None
        except httpx.ConnectError as exc:
            failure = ExchangeFailed(Category.TRANSPORT, describe(exc), elapsed())
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "SSL" in str(exc):
                raise failure from None  # a bad certificate does not heal by retrying
            raise _Retryable(failure) from None
        except (httpx.HTTPError, OSError, ssl.SSLError, UnicodeError) as exc:
            # UnicodeEncodeError: httpx encodes header values as ASCII while building the request.
            raise ExchangeFailed(Category.TRANSPORT, describe(exc), elapsed()) from None

    async def _exchange(
        self, client: httpx.AsyncClient, url: httpx.URL, content: bytes, auth: str | None, started: float
    ) -> Answer:
        headers = {
            "content-type": "application/json",
            "accept": "application/json",
            "accept-encoding": "identity",
            "x-ms-client-request-id": str(uuid.uuid4()),
        }
        if auth is not None:
            headers["authorization"] = auth
        redirects_left = 1
        while True:
            request = client.build_request("POST", url, content=content, headers=headers)
            response = await client.send(request, stream=True)
            try:
                if response.is_redirect:
                    url = self._redirect_target(url, response, redirects_left)
                    redirects_left -= 1
                    log.debug("following same-origin %d to %s", response.status_code, url.path)
                    continue
                ok = 200 <= response.status_code < 300
                cap = self.options.max_body_bytes if ok else self.options.max_error_body_bytes
                try:
                    body, truncated = await _read_capped(response, cap)
                except (EncodingRefused, DecodeFailed) as exc:
                    latency = (self._clock() - started) * 1000
                    raise ExchangeFailed(
                        Category.TRANSPORT, f"HTTP {response.status_code} answer not read: {exc}", latency
                    ) from None
                latency = (self._clock() - started) * 1000
                if truncated and ok:
                    raise ExchangeFailed(
                        Category.SCHEMA, f"HTTP {response.status_code} body larger than {cap} bytes; aborted", latency
                    )
                return Answer(
                    status=response.status_code,
                    body=body,
                    content_type=response.headers.get("content-type", ""),
                    request_id=next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None),
                    latency_ms=latency,
                    truncated=truncated,
                    retry_after=_retry_headers(response.headers),
                )
            finally:
                await response.aclose()

    def _redirect_target(self, url: httpx.URL, response: httpx.Response, redirects_left: int) -> httpx.URL:
        status = response.status_code
        location = response.headers.get("location", "")
        try:
            target = url.join(location)
        except httpx.InvalidURL:
            raise ExchangeFailed(Category.ROUTE, f"HTTP {status} redirect with an unreadable Location") from None
        if origin(target) != origin(url):
            raise ExchangeFailed(
                Category.TRANSPORT,
                f"HTTP {status} redirect to another origin ({origin_text(target)}) refused: "
                "not followed, the key was not sent there",
            )
        if status not in (307, 308):
            raise ExchangeFailed(Category.ROUTE, f"HTTP {status} redirect would turn the POST into a GET; not followed")
        if redirects_left <= 0:
            raise ExchangeFailed(Category.ROUTE, "more than one redirect; not followed")
        guard_target(target)
        return target


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The decoded body up to `cap` bytes; True when there was more (the rest is never read).
    EncodingRefused/DecodeFailed when the declared Content-Encoding is not one we decode."""
    coding = coding_of(response.headers.get_list("content-encoding"))
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap and 200 <= response.status_code < 300:
        return b"", True
    body, truncated = await read_decoded(response.aiter_raw(), coding, cap)
    if truncated:
        return cut_at_token_boundary(body), True
    return body, False


_KEY_LIKE_BYTES = (string.ascii_letters + string.digits + "._~+/=-").encode()


def cut_at_token_boundary(data: bytes) -> bytes:
    """A body cut at the cap may end inside a key the server echoed, and a key's first half is no
    longer a secret the scrubber can recognise: drop the trailing run of key-like characters."""
    return data.rstrip(_KEY_LIKE_BYTES)


def _retry_headers(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    return tuple((n, headers[n]) for n in PACING_HEADERS if n in headers)
