"""The check suite for one endpoint, and how each answer is judged (docs/architecture.md, Verification
and the emulator).

Order: text-to-image first, because it also discovers the working route (the configured one, then
once the other on 404/405) and is the check everything else depends on; then, bounded by the
endpoint's concurrency, the auth negative, image-to-image (models with that capability),
invalid size and capability mismatch (text-only models given an image prompt).

One cause, one failure: when no route works the remaining checks are `skip`, not a cascade of 404s.
Any 2xx to a generation request counts as a billable image, even when we then reject the answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from infra.catalog import Capability, Route
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.ui.plural import count
from provisioning.verify.classify import category_for_status, excerpt, parse_json, readable_message
from provisioning.verify.dialects import SAFETY_PROBE_PROMPT, DialectSpec, GenerationRequest, SchemaProblem
from provisioning.verify.imaging import ImageProblem, Inspections, probe_image_base64
from provisioning.verify.options import VerifyOptions, route_option
from provisioning.verify.results import Category, CheckName, CheckResult, CheckStatus, EndpointResult, Thumbnail
from provisioning.verify.transport import Answer, EndpointGate, ExchangeFailed, SafeHttp, describe

log = logging.getLogger("maas.verify.checks")

# Categories that say the request never got a contract answer: they win over the check's own verdict.
_NOT_AN_ANSWER = frozenset(
    {Category.AUTH, Category.ROUTE, Category.THROTTLED, Category.TIMEOUT, Category.SERVER_ERROR, Category.TRANSPORT}
)


@dataclass(frozen=True)
class Target:
    endpoint: InventoryEndpoint
    dialect: DialectSpec


def plan_checks(target: Target, options: VerifyOptions | None = None) -> tuple[CheckName, ...]:
    d, model = target.dialect, target.endpoint.model
    names = [CheckName.ROUTE, CheckName.AUTH, CheckName.TEXT_TO_IMAGE, CheckName.IMAGE]
    if d.supports(model, Capability.IMAGE_TO_IMAGE):
        names.append(CheckName.IMAGE_TO_IMAGE)
    names.append(CheckName.INVALID_SIZE)
    if d.name == "azure" and not d.supports(model, Capability.IMAGE_TO_IMAGE):
        names.append(CheckName.CAPABILITY_MISMATCH)
    if options is not None and options.content_safety_probe:
        names.append(CheckName.CONTENT_SAFETY)
    return tuple(names)


def expected_images(target: Target, options: VerifyOptions) -> list[float]:
    """Prices of the images a healthy endpoint generates for the suite (the cost guard's input)."""
    planned = plan_checks(target, options)
    # The content-safety probe is billed only if the filter fails to refuse it: counted, to be safe.
    billable = [CheckName.TEXT_TO_IMAGE, CheckName.IMAGE_TO_IMAGE, CheckName.CONTENT_SAFETY]
    price = target.dialect.price_usd(target.endpoint.model, options.size)
    return [price for name in billable if name in planned]


def _rid(answer: Answer) -> str:
    return f" (request id {answer.request_id})" if answer.request_id else ""


def _http(answer: Answer) -> str:
    return f"HTTP {answer.status}: {excerpt(answer.body)}{_rid(answer)}"


@dataclass
class RunContext:
    """What every endpoint's suite in one run shares."""

    http: SafeHttp
    options: VerifyOptions
    seed: int  # one seed per run: every endpoint of a model is asked for the same picture
    inspections: Inspections = field(default_factory=Inspections)
    on_check: Callable[[EndpointResult, CheckResult], None] | None = None
    wall_clock: Callable[[], float] = time.time


class Suite:
    def __init__(self, target: Target, result: EndpointResult, run: RunContext) -> None:
        self.target = target
        self.endpoint = target.endpoint
        self.dialect = target.dialect
        self.http = run.http
        self.gate: EndpointGate = run.http.gate(target.endpoint.uri)
        self.options = run.options
        self.result = result
        self.seed = run.seed
        self.inspections = run.inspections
        self._on_check = run.on_check
        self._now = run.wall_clock

    # ------------------------------------------------------------------ plumbing

    def _record(self, check: CheckResult) -> None:
        self.result.record(check)
        if self._on_check is not None:
            self._on_check(self.result, check)

    def _seed(self) -> int:
        """The run's seed: the contact sheet compares like with like, a rerun reproduces it."""
        return self.seed

    def _url(self, route: Route) -> str:
        return self.endpoint.uri + route.value

    async def _send(self, request: GenerationRequest, with_key: bool = True) -> Answer:
        answer = await self.http.post_json(
            self.gate, self._url(request.route), request.payload, self.endpoint.key if with_key else None
        )
        if answer.ok:  # the endpoint generated (and billed) an image, whatever we think of it
            self.result.add_image(self.dialect.price_usd(self.endpoint.model, request.size))
        return answer

    async def _guarded(self, name: CheckName, check: Callable[[], Awaitable[CheckResult]]) -> None:
        """Run one check; an answer that breaks our processing is the answer's fault (schema)."""
        try:
            result = await check()
        except ExchangeFailed as failure:
            result = CheckResult.failed(name, failure.category, failure.detail, failure.latency_ms)
        except Exception as exc:  # noqa: BLE001 - recorded, never raised past the report
            log.debug("check %s on %s could not process the answer: %s", name, self.result.label, describe(exc))
            result = CheckResult.failed(name, Category.SCHEMA, f"answer could not be processed ({describe(exc)})", None)
        self._record(result)

    # ------------------------------------------------------------------ the suite

    async def run(self) -> None:
        route, image_check = await self._discover()
        planned = self.result.planned
        if route is None:
            for name in planned:
                if name not in self.result.checks:
                    self._record(CheckResult.skipped(name, "not run: no working route"))
            return
        # The text-to-image picture is decoded while the next requests are already on their way.
        later: list[Awaitable[None]] = [image_check] if image_check is not None else []
        later.append(self._guarded(CheckName.AUTH, lambda: self._auth(route)))
        if CheckName.IMAGE_TO_IMAGE in planned:
            later.append(self._guarded(CheckName.IMAGE_TO_IMAGE, lambda: self._image_to_image(route)))
        later.append(self._guarded(CheckName.INVALID_SIZE, lambda: self._invalid_size(route)))
        if CheckName.CAPABILITY_MISMATCH in planned:
            later.append(self._guarded(CheckName.CAPABILITY_MISMATCH, lambda: self._mismatch(route)))
        if CheckName.CONTENT_SAFETY in planned:
            later.append(self._guarded(CheckName.CONTENT_SAFETY, lambda: self._content_safety(route)))
        await asyncio.gather(*later)

    async def _discover(self) -> tuple[Route | None, Awaitable[None] | None]:
        """Text-to-image on the configured route, falling back once; records route and text-to-image.
        Returns the route the later checks use (None when no route works) and the image check of
        the picture it got, still to be awaited (None when it was recorded as skipped)."""
        routes = self.dialect.routes(self.options.route)
        tried: list[str] = []
        spent = 0.0
        for route in routes:
            request = self.dialect.text_to_image(route, self.options.size, self.options.output_format, self._seed())
            try:
                answer = await self._send(request)
            except ExchangeFailed as failure:
                spent += failure.latency_ms or 0.0
                t2i = CheckResult.failed(CheckName.TEXT_TO_IMAGE, failure.category, failure.detail, failure.latency_ms)
                if failure.category is Category.ROUTE:
                    self._record(CheckResult.failed(CheckName.ROUTE, Category.ROUTE, failure.detail, spent))
                    return None, None
                if failure.category is Category.SCHEMA:  # answered 2xx, but unusable: the route works
                    self.result.route = route.value
                    self._record(CheckResult.passed(CheckName.ROUTE, f"POST {route.value} answered", spent))
                else:
                    self._record(
                        CheckResult.skipped(CheckName.ROUTE, f"undetermined: POST {route.value} gave no answer")
                    )
                self._record(t2i)
                self._record(CheckResult.skipped(CheckName.IMAGE, "not run: text-to-image returned no image"))
                return route, None
            spent += answer.latency_ms
            if answer.status in (404, 405):
                tried.append(f"POST {route.value} -> HTTP {answer.status}")
                continue
            self.result.route = route.value
            detail = f"POST {route.value} answered HTTP {answer.status}"
            if tried:
                detail += f" after {'; '.join(tried)}: configure this route (--route {route_option(route)})"
            self._record(CheckResult.passed(CheckName.ROUTE, detail, spent))
            image_b64, verdict = self._judge_generation(CheckName.TEXT_TO_IMAGE, answer)
            self._record(verdict)
            if image_b64 is None:
                why = "was content-filtered" if verdict.category is Category.CONTENT_FILTER else "returned no image"
                self._record(CheckResult.skipped(CheckName.IMAGE, f"not run: text-to-image {why}"))
                return route, None
            check = functools.partial(self._judge_image, CheckName.IMAGE, image_b64, request, None)
            return route, self._guarded(CheckName.IMAGE, check)
        self._record(CheckResult.failed(CheckName.ROUTE, Category.ROUTE, "; ".join(tried) + ": no route", spent))
        return None, None

    def _judge_generation(self, name: CheckName, answer: Answer) -> tuple[str | None, CheckResult]:
        """HTTP status and JSON shape of a generation answer; the base64 image when both hold."""
        if not answer.ok:
            category = category_for_status(answer.status, answer.body) or Category.SCHEMA
            return None, CheckResult.failed(name, category, _http(answer), answer.latency_ms)
        document = parse_json(answer.body)
        if document is None:
            detail = f"HTTP {answer.status} body is not JSON ({len(answer.body)} bytes){_rid(answer)}"
            return None, CheckResult.failed(name, Category.SCHEMA, detail, answer.latency_ms)
        try:
            image_b64, created = self.dialect.parse(document)
        except SchemaProblem as problem:
            return None, CheckResult.failed(name, Category.SCHEMA, f"{problem}{_rid(answer)}", answer.latency_ms)
        skew = created - self._now()
        if abs(skew) > self.options.created_tolerance_s:
            hint = " (milliseconds instead of seconds?)" if created > 10**11 else ""
            detail = f"`created` {created} is {skew:+.0f}s from now{hint}{_rid(answer)}"
            return image_b64, CheckResult.failed(name, Category.SCHEMA, detail, answer.latency_ms)
        retries = f" after {count(answer.attempts - 1, 'retry')}" if answer.attempts > 1 else ""
        return image_b64, CheckResult.passed(name, f"HTTP {answer.status}{retries}", answer.latency_ms)

    async def _judge_image(
        self, name: CheckName, image_b64: str, request: GenerationRequest, latency_ms: float | None
    ) -> CheckResult:
        started = time.perf_counter()
        try:
            facts = await self.inspections.inspect(image_b64, request.formats, request.size)
        except ImageProblem as problem:
            return CheckResult.failed(name, Category.IMAGE, str(problem), latency_ms)
        if latency_ms is None:
            latency_ms = (time.perf_counter() - started) * 1000
        if facts.thumbnail is not None:
            self.result.thumbnails.append(Thumbnail(name, facts.thumbnail, facts.width, facts.height, facts.format))
        if not facts.ok:
            return CheckResult.failed(name, Category.IMAGE, "; ".join(facts.problems), latency_ms)
        return CheckResult.passed(name, f"{facts.format} {facts.width}x{facts.height}, not blank", latency_ms)

    async def _auth(self, route: Route) -> CheckResult:
        name = CheckName.AUTH
        request = self.dialect.text_to_image(route, self.options.size, self.options.output_format, self._seed())
        answer = await self._send(request, with_key=False)
        if answer.status in (401, 403):
            return CheckResult.passed(name, f"HTTP {answer.status} without a key", answer.latency_ms)
        if answer.ok:
            return CheckResult.failed(
                name, Category.AUTH, f"HTTP {answer.status} without a key: the endpoint is open", answer.latency_ms
            )
        category = category_for_status(answer.status, answer.body)
        if category in _NOT_AN_ANSWER or category is Category.CONTENT_FILTER:
            assert category is not None
            return CheckResult.failed(name, category, _http(answer), answer.latency_ms)
        return CheckResult.failed(
            name, Category.AUTH, f"expected 401/403 without a key, got {_http(answer)}", answer.latency_ms
        )

    async def _image_to_image(self, route: Route) -> CheckResult:
        name = CheckName.IMAGE_TO_IMAGE
        size = self.options.size
        request = self.dialect.image_to_image(
            route, size, self.options.output_format, self._seed(), probe_image_base64(size)
        )
        answer = await self._send(request)
        image_b64, verdict = self._judge_generation(name, answer)
        if image_b64 is None or verdict.status is not CheckStatus.PASS:
            return verdict
        return await self._judge_image(name, image_b64, request, answer.latency_ms)

    async def _invalid_size(self, route: Route) -> CheckResult:
        request = self.dialect.invalid_size(route, self.options.output_format, self._seed())
        answer = await self._send(request)
        return self._judge_rejection(CheckName.INVALID_SIZE, answer, f"unsupported size {request.size}")

    async def _mismatch(self, route: Route) -> CheckResult:
        size = self.options.size
        request = self.dialect.image_to_image(
            route, size, self.options.output_format, self._seed(), probe_image_base64(size)
        )
        answer = await self._send(request)
        return self._judge_rejection(CheckName.CAPABILITY_MISMATCH, answer, "an image prompt for a text-only model")

    async def _content_safety(self, route: Route) -> CheckResult:
        """The one check where a content-filter answer is the good outcome: it proves the filter is on."""
        name = CheckName.CONTENT_SAFETY
        request = self.dialect.text_to_image(
            route, self.options.size, self.options.output_format, self._seed(), SAFETY_PROBE_PROMPT
        )
        answer = await self._send(request)
        category = category_for_status(answer.status, answer.body)
        if category is Category.CONTENT_FILTER:
            return CheckResult.passed(name, f"HTTP {answer.status} content_filter: content safety refused the "
                                            "probe prompt, as it must", answer.latency_ms)
        if answer.ok:
            detail = (f"HTTP {answer.status}: generated an image for a prompt content safety must refuse; "
                      f"the endpoint's content filter is not working{_rid(answer)}")
            return CheckResult.failed(name, Category.CONTENT_FILTER, detail, answer.latency_ms)
        assert category is not None
        return CheckResult.failed(name, category, f"expected a content_filter refusal, got {_http(answer)}",
                                  answer.latency_ms)

    def _judge_rejection(self, name: CheckName, answer: Answer, what: str) -> CheckResult:
        """A request the contract says to refuse: 4xx with a message a person can read."""
        if answer.ok:
            detail = f"accepted {what} (HTTP {answer.status}); expected a 4xx refusal"
            return CheckResult.failed(name, Category.SCHEMA, detail, answer.latency_ms)
        category = category_for_status(answer.status, answer.body)
        if category in _NOT_AN_ANSWER or category is Category.CONTENT_FILTER:
            assert category is not None
            return CheckResult.failed(name, category, _http(answer), answer.latency_ms)
        if not 400 <= answer.status < 500:
            return CheckResult.failed(
                name, Category.SCHEMA, f"expected a 4xx for {what}, got {_http(answer)}", answer.latency_ms
            )
        message = readable_message(answer.body)
        if message is None:
            detail = f"HTTP {answer.status} for {what} without a readable body{_rid(answer)}"
            return CheckResult.failed(name, Category.SCHEMA, detail, answer.latency_ms)
        return CheckResult.passed(name, f"HTTP {answer.status} for {what}: {message}", answer.latency_ms)
