"""A thin ARM REST client on azure-mgmt-core's pipeline, for what the SDK clients lack or get wrong.

Used for: the permissions API at any scope (no SDK covers subscription scope), serverless
endpoint listing with the full REST shape (MLClient's entity drops contentSafety and
endpointState), regenerateKeys with only `keyType` (MLClient sends the *current* key as
`keyValue`, which the spec defines as "the value the key is set to"), Key Vault secrets
through the control plane, and Resource Graph queries.

The plumbing is azure-core's and azure-mgmt-core's, as in the generated SDKs: `ARMPipelineClient`
with ARM bearer challenge auth, Retry-After-aware retries and no redirects (a bearer token must not
follow one); `LROPoller` + `ARMPolling` for long-running operations (Azure-AsyncOperation, Location,
provisioningState); `ItemPaged` for `{value, nextLink}` collections (resource ids:
provisioning/azure/resource_ids.py). What we add: `SameHostPolicy`, which refuses any request (first call,
nextLink page, operation-status poll, final Location GET) to a host other than the management
endpoint, and a deadline on every wait that a large Retry-After cannot stretch.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlsplit

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.paging import ItemPaged
from azure.core.pipeline import PipelineContext, PipelineRequest, PipelineResponse, policies
from azure.core.pipeline.transport import RequestsTransport
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import OperationFailed
from azure.core.rest import HttpRequest
from azure.core.utils import case_insensitive_dict
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy
from azure.mgmt.core.polling.arm_polling import ARMPolling

from provisioning import __version__
from provisioning.azure.errors import (
    ArmError,
    credential_error,
    from_response,
    from_sdk_error,
    from_transport_error,
    hint_for,
    parse_error_body,
)
from provisioning.azure.polling import MAX_INTERVAL, WaitTimeout, next_delay, progress_bar
from provisioning.azure.settings import AzureSettings
from provisioning.errors import CredentialError, ExitCode
from provisioning.retry_after import parse_retry_after as parse_retry_after  # re-exported for callers
from provisioning.retry_after import retry_after_s

T = TypeVar("T")

MAX_PAGES: Final = 10_000
FIRST_POLL_INTERVAL: Final = 0.25  # without Retry-After: 0.25 s, growing x1.5 up to MAX_INTERVAL
_JOIN_GRACE: Final = 2.0  # seconds past the deadline for the poller thread to report its own timeout


@dataclass(frozen=True)
class ArmResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    url: str
    # The pipeline's own answer (request included), so ARMPolling can start from it.
    raw: PipelineResponse[Any, Any] | None = field(default=None, compare=False, repr=False)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def retry_after(self) -> float | None:
        """Seconds ARM asked us to wait (`retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`)."""
        return retry_after_s(self.headers)


def check_link(url: str, endpoint: str) -> None:
    """ArmError unless `url` is https on the management endpoint's host and port: a link in an
    answer (nextLink, Azure-AsyncOperation, Location) must not carry our token anywhere else."""
    parts, ours = urlsplit(url), urlsplit(endpoint)
    if parts.scheme != "https" or (parts.hostname, parts.port or 443) != (ours.hostname, ours.port or 443):
        raise ArmError("following an Azure link", None, "UntrustedLink",
                       f"refusing to send the token to {parts.scheme}://{parts.netloc} (not {endpoint})",
                       "report this answer; ARM links stay on its host")


class SameHostPolicy(policies.SansIOHTTPPolicy[Any, Any]):
    """Every request the pipeline sends, including LRO polls and nextLink pages, stays on the
    management endpoint; it runs before the bearer token is attached."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def on_request(self, request: PipelineRequest[Any]) -> None:
        check_link(request.http_request.url, self.endpoint)


class CallCounter(policies.SansIOHTTPPolicy[Any, Any]):
    """Counts requests sent (placed before RetryPolicy, so retries are not counted): call budgets."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        with self._lock:
            self.calls += 1


class ArmRest:
    """Synchronous ARM calls: `get`, `post`, `put`, `delete`, `list` (follows nextLink), `wait` (LROs)."""

    def __init__(self, settings: AzureSettings, credential: Any) -> None:
        self.settings = settings
        transport_kwargs: dict[str, Any] = {"connection_timeout": settings.connection_timeout,
                                            "read_timeout": settings.read_timeout}
        if settings.ca_bundle:
            transport_kwargs["connection_verify"] = settings.ca_bundle
        self._transport_kwargs = transport_kwargs
        self._credential = credential
        self._counter = CallCounter()
        self._sdk_clients: dict[type[Any], Any] = {}
        self._policies: list[Any] = [
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker=f"maas-fleet/{__version__}"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy(),
            SameHostPolicy(settings.arm_endpoint),
            self._counter,
            policies.RedirectPolicy.no_redirects(),
            policies.RetryPolicy(retry_total=settings.retry_total, retry_backoff_factor=settings.retry_backoff,
                                 retry_backoff_max=30),
            ARMChallengeAuthenticationPolicy(credential, settings.scope),
            policies.CustomHookPolicy(),
            ARMHttpLoggingPolicy(),
        ]
        # With explicit policies ARMPipelineClient adds no auto provider registration: registering
        # is `maas preflight --fix`'s decision, never a side effect of a read.
        self._client: ARMPipelineClient[Any, Any] = ARMPipelineClient(
            settings.arm_endpoint, policies=self._policies, transport=RequestsTransport(**transport_kwargs))

    @property
    def calls(self) -> int:
        """Requests sent, polls and pages included (retries inside the pipeline not counted)."""
        return self._counter.calls

    def sdk_client(self, client_type: Callable[..., T], **kwargs: Any) -> T:
        """A generated azure-mgmt client on this client's policies (same-host guard, call counter,
        retries, ARM auth) with a transport of its own and the same CA bundle and timeouts; one per
        type, closed with this client."""
        if client_type not in self._sdk_clients:
            self._sdk_clients[client_type] = client_type(  # type: ignore[index]
                self._credential, base_url=self.settings.arm_endpoint, credential_scopes=[self.settings.scope],
                policies=self._policies, transport=RequestsTransport(**self._transport_kwargs), **kwargs)
        return cast(T, self._sdk_clients[client_type])  # type: ignore[index]

    def close(self) -> None:
        for client in self._sdk_clients.values():
            client.close()
        self._sdk_clients.clear()
        self._client.close()

    # ---------------------------------------------------------------- plumbing
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("https://", "http://")):
            check_link(path_or_url, self.settings.arm_endpoint)
            return path_or_url
        if not path_or_url.startswith("/"):
            path_or_url = "/" + path_or_url
        return self.settings.arm_endpoint + path_or_url

    def request(self, method: str, path_or_url: str, *, what: str, api_version: str | None = None,
                body: Any = None, ok: tuple[int, ...] = (200,)) -> ArmResponse:
        url = self._url(path_or_url)
        params = {}
        if api_version and "api-version=" not in url:
            params["api-version"] = api_version
        request = HttpRequest(method, url, params=params, json=body) if body is not None else HttpRequest(
            method, url, params=params)
        request.headers["Accept"] = "application/json"
        with translated(what, self.settings.arm_endpoint):
            pipeline_response = self._client.send_request(request, _return_pipeline_response=True)
        answer = _to_answer(pipeline_response)
        if answer.status not in ok:
            raise from_response(what, answer.status, answer.body if answer.body is not None else b"",
                                answer.headers)
        return answer

    # ---------------------------------------------------------------- verbs
    def get(self, path: str, api_version: str, *, what: str, ok: tuple[int, ...] = (200,)) -> ArmResponse:
        return self.request("GET", path, api_version=api_version, what=what, ok=ok)

    def post(self, path: str, api_version: str, body: Any = None, *, what: str,
             ok: tuple[int, ...] = (200, 202)) -> ArmResponse:
        return self.request("POST", path, api_version=api_version, body=body if body is not None else {},
                            what=what, ok=ok)

    def put(self, path: str, api_version: str, body: Any, *, what: str,
            ok: tuple[int, ...] = (200, 201, 202)) -> ArmResponse:
        return self.request("PUT", path, api_version=api_version, body=body, what=what, ok=ok)

    def delete(self, path: str, api_version: str, *, what: str,
               ok: tuple[int, ...] = (200, 202, 204)) -> ArmResponse:
        return self.request("DELETE", path, api_version=api_version, what=what, ok=ok)

    def list(self, path: str, api_version: str, *, what: str) -> Iterator[dict[str, Any]]:
        """Every item of a `{value, nextLink}` collection, page by page (azure-core's ItemPaged; a
        nextLink carries its own api-version and is checked by SameHostPolicy like any request)."""
        seen: set[str] = set()

        def get_next(link: str | None) -> ArmResponse:
            if link is None:
                return self.request("GET", path, api_version=api_version, what=what)
            return self.request("GET", link, what=what)

        def extract(page: ArmResponse) -> tuple[str | None, Iterator[dict[str, Any]]]:
            if len(seen) >= MAX_PAGES:
                raise ArmError(what, None, "TooManyPages", f"more than {MAX_PAGES} pages", "narrow the query")
            body = page.body if isinstance(page.body, Mapping) else {}
            link = body.get("nextLink") or None
            if link is not None:
                if link in seen:
                    raise ArmError(what, page.status, "PagingLoop", "the service returned the same nextLink twice",
                                   "retry; if it persists, report it to Azure support")
                seen.add(link)
            return link, iter([dict(item) for item in body.get("value") or [] if isinstance(item, Mapping)])

        return ItemPaged(get_next, extract)

    # ---------------------------------------------------------------- long-running operations
    def wait(self, initial: ArmResponse, *, method: str, what: str, timeout: float,
             resource_url: str | None = None, api_version: str | None = None) -> ArmResponse | None:
        """Follow an LRO to its end with azure-mgmt-core's ARMPolling (Azure-AsyncOperation, else
        Location, else provisioningState), a progress bar and a deadline; returns the final answer
        (None when the operation has no result document).

        `method`, `resource_url` and `api_version` matter only for an `initial` built by hand: one
        that came from this client carries its own request."""
        start = time.monotonic()
        first = initial.raw or _recorded(initial, method, self._url(resource_url) if resource_url else initial.url,
                                         api_version)
        async_url = initial.header("Azure-AsyncOperation")

        def result(pipeline_response: PipelineResponse[Any, Any]) -> ArmResponse | None:
            if async_url and pipeline_response.http_response.request.url == async_url:
                return None  # the operation's status document is not its result
            return _to_answer(pipeline_response)

        with progress_bar(what, timeout) as update:
            polling = _DeadlinePolling(what, timeout, start, update)
            with translated(what, self.settings.arm_endpoint):
                poller: LROPoller[ArmResponse | None] = LROPoller(self._client, first, result, polling)
                poller.wait(max(0.0, timeout - (time.monotonic() - start)) + _JOIN_GRACE)
                if not poller.done():  # a status request still in flight at the deadline
                    raise WaitTimeout(what, timeout, polling.status())
                return poller.result()


class _DeadlinePolling(ARMPolling):
    """ARMPolling with our pacing: the initial answer's Retry-After honoured before the first poll,
    our growing interval when the server gives none, and a deadline no Retry-After can stretch."""

    def __init__(self, what: str, timeout: float, start: float,
                 update: Callable[[float, str], None]) -> None:
        super().__init__(timeout=FIRST_POLL_INTERVAL)
        self._what, self._limit, self._start, self._update = what, timeout, start, update
        self._interval = FIRST_POLL_INTERVAL

    def run(self) -> None:
        first = retry_after_s(self._pipeline_response.http_response.headers)
        if first:
            self._sleep(min(first, MAX_INTERVAL, max(self._limit - self._elapsed(), 0.0)))
        super().run()

    def _elapsed(self) -> float:
        return time.monotonic() - self._start

    def _delay(self) -> None:
        elapsed = self._elapsed()
        if elapsed >= self._limit:
            raise WaitTimeout(self._what, self._limit, self.status())
        retry_after = retry_after_s(self._pipeline_response.http_response.headers)
        self._sleep(next_delay(retry_after, self._interval, self._limit - elapsed))
        self._interval = min(self._interval * 1.5, MAX_INTERVAL)

    def update_status(self) -> None:
        super().update_status()
        self._update(self._elapsed(), self.status())


class translated:
    """Whatever azure-core raises on the way (transport, credential, LRO failure, timeout) becomes
    one ArmError line naming `what`."""

    def __init__(self, what: str, endpoint: str) -> None:
        self.what, self.endpoint = what, endpoint

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, ArmError | CredentialError):
            return
        what = self.what
        if isinstance(exc, WaitTimeout):
            raise ArmError(what, None, "Timeout", str(exc),
                           "it may still finish on Azure's side: check again later, or allow more time "
                           "(--regenerate-timeout, --fix-timeout)") from None
        if isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None:
            raise credential_error(exc) from None
        if isinstance(exc, HttpResponseError) and isinstance(exc.__cause__, OperationFailed):
            raise _operation_failed(what, exc) from None
        if isinstance(exc, HttpResponseError):
            raise from_sdk_error(exc, what) from None
        if isinstance(exc, ServiceRequestError | ServiceResponseError):
            raise from_transport_error(exc, what, self.endpoint) from None


def _operation_failed(what: str, exc: HttpResponseError) -> ArmError:
    """The operation ended Failed/Canceled: its status document (or resource) says why."""
    body: Any = None
    if exc.response is not None:
        try:
            body = json.loads(exc.response.text() or "null")
        except ValueError:
            body = None
    code, message = parse_error_body(body) if isinstance(body, Mapping) and body.get("error") else ("", "")
    state = ""
    if isinstance(body, Mapping):
        props = body.get("properties")
        state = str(body.get("status") or (props.get("provisioningState") if isinstance(props, Mapping) else "")
                    or "Failed")
    if not code and not message:
        return ArmError(what, None, state or "Failed", f"the operation ended {state or 'Failed'}",
                        "see the resource's activity log in the portal", ExitCode.FAILED)
    return ArmError(what, None, code or state, message or f"operation {state}", hint_for(None, code, message))


def _to_answer(pipeline_response: PipelineResponse[Any, Any]) -> ArmResponse:
    response = pipeline_response.http_response
    raw = response.content
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return ArmResponse(response.status_code, dict(response.headers), parsed, response.request.url, pipeline_response)


class _RecordedResponse:
    """An answer we hold only as status, headers and body (built by hand), in the shape of an
    azure-core rest response so ARMPolling can start from it."""

    is_stream_consumed = True

    def __init__(self, request: HttpRequest, status: int, headers: Mapping[str, str], body: Any) -> None:
        self.request = request
        self.status_code = status
        self.headers = case_insensitive_dict(dict(headers))
        self.content = b"" if body is None else json.dumps(body).encode()

    def text(self, encoding: str | None = None) -> str:
        return self.content.decode(encoding or "utf-8")

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


def _recorded(initial: ArmResponse, method: str, url: str, api_version: str | None) -> PipelineResponse[Any, Any]:
    if api_version and "api-version=" not in url:
        url += ("&" if "?" in url else "?") + f"api-version={api_version}"
    request = HttpRequest(method, url, headers={"x-ms-client-request-id": str(uuid.uuid4())})
    response: Any = _RecordedResponse(request, initial.status, initial.headers, initial.body)
    return PipelineResponse(request, response, PipelineContext(None))
