"""A thin ARM REST client on azure-core's pipeline, for what the SDK clients lack or get wrong.

Used for: the permissions API at any scope (no SDK covers subscription scope), serverless
endpoint listing with the full REST shape (MLClient's entity drops contentSafety and
endpointState), regenerateKeys with only `keyType` (MLClient sends the *current* key as
`keyValue`, which the spec defines as "the value the key is set to"), and Key Vault secrets
through the control plane. Same policies as the generated SDKs: ARM bearer challenge auth,
Retry-After-aware retries, no redirects (a bearer token must not follow one), and it refuses to
follow links (nextLink, Azure-AsyncOperation, Location) to any host but the management endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from provisioning import __version__
from provisioning.azure.errors import ArmError, from_response, from_transport_error
from provisioning.azure.polling import Poll, WaitTimeout, wait_for
from provisioning.azure.session import AzureSettings, credential_error
from provisioning.errors import CredentialError, ExitCode
from provisioning.retry_after import parse_retry_after as parse_retry_after  # re-exported for callers
from provisioning.retry_after import retry_after_s

MAX_PAGES: Final = 10_000
_TERMINAL_FAILURES: Final = ("failed", "canceled", "cancelled")
_NON_TERMINAL: Final = ("creating", "updating", "deleting", "accepted", "running", "inprogress", "registering")


@dataclass(frozen=True)
class ArmResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    url: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def retry_after(self) -> float | None:
        """Seconds ARM asked us to wait (`retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`)."""
        return retry_after_s(self.headers)


class ArmRest:
    """Synchronous ARM calls: `get`, `post`, `put`, `delete`, `list` (follows nextLink), `wait` (LROs)."""

    def __init__(self, settings: AzureSettings, credential: Any) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline import policies
        from azure.core.pipeline.transport import RequestsTransport
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

        self.settings = settings
        transport_kwargs: dict[str, Any] = {"connection_timeout": settings.connection_timeout,
                                            "read_timeout": settings.read_timeout}
        if settings.ca_bundle:
            transport_kwargs["connection_verify"] = settings.ca_bundle
        pipeline_policies = [
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker=f"maas-fleet/{__version__}"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy(),
            policies.RedirectPolicy.no_redirects(),
            policies.RetryPolicy(retry_total=settings.retry_total, retry_backoff_factor=settings.retry_backoff,
                                 retry_backoff_max=30),
            ARMChallengeAuthenticationPolicy(credential, settings.scope),
            policies.CustomHookPolicy(),
            ARMHttpLoggingPolicy(),
        ]
        self._client: PipelineClient[Any, Any] = PipelineClient(settings.arm_endpoint, policies=pipeline_policies,
                                      transport=RequestsTransport(**transport_kwargs))
        self.calls = 0  # requests sent (retries inside the pipeline not counted): for call budgets

    def close(self) -> None:
        self._client.close()

    # ---------------------------------------------------------------- plumbing
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("https://", "http://")):
            parts = urlsplit(path_or_url)
            ours = urlsplit(self.settings.arm_endpoint)
            if parts.scheme != "https" or (parts.hostname, parts.port or 443) != (ours.hostname, ours.port or 443):
                raise ArmError("following an Azure link", None, "UntrustedLink",
                               f"refusing to send the token to {parts.scheme}://{parts.netloc} (not "
                               f"{self.settings.arm_endpoint})", "report this answer; ARM links stay on its host")
            return path_or_url
        if not path_or_url.startswith("/"):
            path_or_url = "/" + path_or_url
        return self.settings.arm_endpoint + path_or_url

    def request(self, method: str, path_or_url: str, *, what: str, api_version: str | None = None,
                body: Any = None, ok: tuple[int, ...] = (200,)) -> ArmResponse:
        from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest

        url = self._url(path_or_url)
        params = {}
        if api_version and "api-version=" not in url:
            params["api-version"] = api_version
        request = HttpRequest(method, url, params=params, json=body) if body is not None else HttpRequest(
            method, url, params=params)
        request.headers["Accept"] = "application/json"
        self.calls += 1
        try:
            response = self._client.send_request(request)
        except ClientAuthenticationError as exc:
            raise credential_error(exc) from None
        except CredentialError:
            raise
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise from_transport_error(exc, what, self.settings.arm_endpoint) from None
        headers = dict(response.headers)
        raw = response.content
        try:
            parsed: Any = response.json() if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        if response.status_code not in ok:
            raise from_response(what, response.status_code, parsed if parsed is not None else b"", headers)
        return ArmResponse(response.status_code, headers, parsed, url)

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
        """Every item of a `{value, nextLink}` collection, page by page."""
        url: str | None = path
        seen: set[str] = set()
        first = True
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self.request("GET", url, api_version=api_version if first else None, what=what)
            first = False
            body = page.body if isinstance(page.body, Mapping) else {}
            for item in body.get("value") or []:
                if isinstance(item, Mapping):
                    yield dict(item)
            link = body.get("nextLink")
            if link and link in seen:
                raise ArmError(what, page.status, "PagingLoop", "the service returned the same nextLink twice",
                               "retry; if it persists, report it to Azure support")
            if link:
                seen.add(link)
            url = link or None
        raise ArmError(what, None, "TooManyPages", f"more than {MAX_PAGES} pages", "narrow the query")

    # ---------------------------------------------------------------- long-running operations
    def wait(self, initial: ArmResponse, *, method: str, what: str, timeout: float,
             resource_url: str | None = None, api_version: str | None = None) -> ArmResponse | None:
        """Follow an LRO to its end (Azure-AsyncOperation, else Location, else provisioningState),
        with a progress bar and a deadline; returns the final answer (None when there is no body)."""
        async_url = initial.header("Azure-AsyncOperation")
        location = initial.header("Location")
        try:
            if async_url:
                self._wait_status(async_url, initial.retry_after, what, timeout)
                if method == "POST" and location:
                    return self.request("GET", location, what=f"{what} (result)", ok=(200, 204))
                if method in ("PUT", "PATCH") and resource_url:
                    return self.get(resource_url, api_version or "", what=f"{what} (result)")
                return None
            if location and initial.status == 202:
                return self._wait_location(location, initial.retry_after, what, timeout)
            state = _provisioning_state(initial.body)
            if method in ("PUT", "PATCH") and resource_url and state.lower() in _NON_TERMINAL:
                return self._wait_resource(resource_url, api_version or "", what, timeout)
        except WaitTimeout as exc:
            raise ArmError(what, None, "Timeout", str(exc),
                           "it may still finish on Azure's side: check again later, or allow more time "
                           "(--regenerate-timeout, --fix-timeout)") from None
        return initial

    def _wait_status(self, url: str, first_delay: float | None, what: str, timeout: float) -> None:
        def check() -> Poll[ArmResponse]:
            answer = self.request("GET", url, what=f"{what} (status)")
            body = answer.body if isinstance(answer.body, Mapping) else {}
            status = str(body.get("status", ""))
            if status.lower() == "succeeded":
                return Poll(True, answer, status)
            if status.lower() in _TERMINAL_FAILURES:
                error = from_response(what, answer.status, body)
                raise ArmError(what, None, error.code or status, error.message or f"operation {status}", error.hint)
            return Poll(False, None, status or "InProgress", answer.retry_after)

        _first_sleep(first_delay)
        wait_for(check, what, timeout)

    def _wait_location(self, url: str, first_delay: float | None, what: str, timeout: float) -> ArmResponse | None:
        def check() -> Poll[ArmResponse]:
            answer = self.request("GET", url, what=f"{what} (status)", ok=(200, 201, 202, 204))
            if answer.status == 202:
                return Poll(False, None, "InProgress", answer.retry_after)
            return Poll(True, answer, "Succeeded")

        _first_sleep(first_delay)
        return wait_for(check, what, timeout)

    def _wait_resource(self, url: str, api_version: str, what: str, timeout: float) -> ArmResponse | None:
        def check() -> Poll[ArmResponse]:
            answer = self.get(url, api_version, what=f"{what} (state)")
            state = _provisioning_state(answer.body)
            if state.lower() in _TERMINAL_FAILURES:
                raise ArmError(what, None, state, f"provisioningState is {state}",
                               "see the resource's activity log in the portal", ExitCode.FAILED)
            return Poll(state.lower() not in _NON_TERMINAL, answer, state, answer.retry_after)

        return wait_for(check, what, timeout)


def _first_sleep(delay: float | None) -> None:
    if delay:
        time.sleep(min(delay, 10.0))


def _provisioning_state(body: Any) -> str:
    if isinstance(body, Mapping):
        props = body.get("properties")
        if isinstance(props, Mapping):
            return str(props.get("provisioningState") or "")
    return ""


# --------------------------------------------------------------------------------------------------
# Resource ids
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmId:
    """The parts of `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}]`."""

    subscription: str
    resource_group: str = ""
    namespace: str = ""
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> ArmId:
        parts = [p for p in value.strip().split("/") if p]
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            raise ValueError(f"{value!r} is not an Azure resource id")
        sub, rest = parts[1], parts[2:]
        rg = ""
        if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
            rg, rest = rest[1], rest[2:]
        if not rest:
            return cls(sub, rg)
        if rest[0].lower() != "providers" or len(rest) < 4 or len(rest) % 2:
            raise ValueError(f"{value!r} is not an Azure resource id")
        namespace, pairs = rest[1], rest[2:]
        return cls(sub, rg, namespace, tuple(pairs[0::2]), tuple(pairs[1::2]))

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else (self.resource_group or self.subscription)

    @property
    def type(self) -> str:
        return f"{self.namespace}/{'/'.join(self.types)}" if self.namespace else ""

    def __str__(self) -> str:
        out = f"/subscriptions/{self.subscription}"
        if self.resource_group:
            out += f"/resourceGroups/{self.resource_group}"
        if self.namespace:
            out += f"/providers/{self.namespace}" + "".join(f"/{t}/{n}" for t, n in zip(self.types, self.names,
                                                                                         strict=True))
        return out

    def parent(self) -> ArmId:
        if len(self.names) > 1:
            return ArmId(self.subscription, self.resource_group, self.namespace, self.types[:-1], self.names[:-1])
        if self.names:
            return ArmId(self.subscription, self.resource_group)
        return ArmId(self.subscription)


def subscription_scope(subscription: str) -> str:
    return f"/subscriptions/{subscription}"


def resource_group_scope(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}"


def workspace_scope(subscription: str, resource_group: str, workspace: str) -> str:
    return (f"{resource_group_scope(subscription, resource_group)}/providers/"
            f"Microsoft.MachineLearningServices/workspaces/{workspace}")


def endpoint_scope(subscription: str, resource_group: str, workspace: str, name: str) -> str:
    return f"{workspace_scope(subscription, resource_group, workspace)}/serverlessEndpoints/{name}"
