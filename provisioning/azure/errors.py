"""Azure error answers -> one readable line each: what failed, status, ARM code, message, what to do.

Why: ARM's errors are precise but long, nested and phrased for Azure engineers; a pipeline log
needs one line that says which call failed and the next step (which role, which command, which
model id). Secrets never reach these lines: every string passes the redactor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from infra.catalog import MODELS, REGISTRY, RESOURCE_PROVIDERS
from provisioning.azure.permissions import who_grants
from provisioning.azure.settings import ENV_ACCESS_TOKEN
from provisioning.errors import CredentialError, ExitCode, MaasError
from provisioning.redact import REDACTOR

_MAX_MESSAGE: Final = 300
_AUTHZ = re.compile(r"perform action '([^']+)' over scope '([^']+)'", re.I)
_NAMESPACE = re.compile(r"namespace '([^']+)'", re.I)

_CREDENTIAL_CODES: Final = frozenset({
    "invalidauthenticationtoken", "expiredauthenticationtoken", "authenticationfailed",
    "invalidauthenticationtokenaudience", "invalidauthenticationtokentenant", "authenticationfailedmissingtoken",
})
_REGISTRATION_CODES: Final = frozenset({
    "missingsubscriptionregistration", "subscriptionnotregistered", "noregisteredproviderfound",
})
# The ML service's answer to an endpoint name already held in the region, by any Azure customer:
# serverless endpoints "UserError: Serverless endpoint name '<name>' is not available. Please select a
# different name." (Azure-Samples/azureai-foundry-finetuning-raft#45); batch endpoints "The specified
# endpoint name '<name>' is not available. Endpoint names must be unique within the region."
# (ansible-collections/azure#2231); online endpoints "There is already an endpoint with this name,
# Endpoint name needs to be unique within a region." (Azure/azureml-examples#1931). The code is the
# generic UserError, so the words decide.
_ENDPOINT_NAME_TAKEN = re.compile(
    r"endpoint name '[^']*' is not available|already an endpoint with this name|unique within (a|the) region", re.I)
ENDPOINT_NAME_TAKEN_FIX: Final = (
    "the endpoint name is taken in this region, possibly by another Azure customer (names are unique per region "
    "across all of Azure, and no listing shows other tenants' endpoints): change maas-fleet:prefix, environment or "
    "the project name, then run `maas preflight` and `pulumi up` again")
_NOT_FOUND_CODES: Final = frozenset({
    "resourcenotfound", "resourcegroupnotfound", "parentresourcenotfound", "notfound", "subscriptionnotfound",
    "operationnotfound",
})


class ArmError(MaasError):
    """An Azure call failed; `str()` is the one line to print. 401s are unusable credentials (exit 2)."""

    def __init__(self, what: str, status: int | None, code: str, message: str, hint: str,
                 exit_code: ExitCode = ExitCode.FAILED) -> None:
        self.what, self.status, self.code, self.message, self.hint = what, status, code, message, hint
        self.exit_code = exit_code
        status_text = f"HTTP {status} " if status else ""
        line = f"{what}: {status_text}{code}: {message}" if code else f"{what}: {status_text}{message}"
        super().__init__(REDACTOR.scrub(line), fix=REDACTOR.scrub(hint))

    @property
    def not_found(self) -> bool:
        return self.status == 404 or self.code.lower() in _NOT_FOUND_CODES

    @property
    def forbidden(self) -> bool:
        return self.status == 403


def _clean(message: str) -> str:
    message = " ".join(REDACTOR.scrub(message).split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def _model_id_fix() -> str:
    example = next(iter(MODELS.values())).asset_id
    return (f"use the registry model id (azureml://registries/{REGISTRY}/models/<Name>, e.g. {example}) in the "
            "marketplace subscription and the endpoint, not a marketplace publisher/offer id")


def hint_for(status: int | None, code: str, message: str) -> str:
    """What to do next, from the ARM error code (and the message where the code is generic)."""
    low, text = code.lower(), message.lower()
    if low in _CREDENTIAL_CODES or status == 401:
        return ("the credential was rejected: sign in again (`az login`) or refresh MAAS_ACCESS_TOKEN, and make "
                "sure its audience matches --arm-endpoint / MAAS_ARM_ENDPOINT")
    if low == "authorizationfailed" or (status == 403 and "authoriz" in text):
        found = _AUTHZ.search(message)
        if found:
            action, scope = found.groups()
            return f"grant {who_grants(action).describe()} at {scope} (needs {action}); `maas preflight` lists all"
        return "the identity lacks a permission here; `maas preflight` names the missing actions and roles"
    if low == "linkedauthorizationfailed":
        return "the identity lacks a permission on a linked resource; see the message for the action and scope"
    if low in _REGISTRATION_CODES:
        namespace = _NAMESPACE.search(message)
        which = namespace.group(1) if namespace else "the resource providers"
        return f"register {which}: run `maas preflight --fix` (registers {', '.join(RESOURCE_PROVIDERS)})"
    if _ENDPOINT_NAME_TAKEN.search(message):
        return ENDPOINT_NAME_TAKEN_FIX
    if low == "invalidactionornotaction":
        return ("a custom role holds an action Azure does not list, so ARM refused the whole role: `maas preflight` "
                "names it; correct infra/catalog/access.py PERMISSIONS and run `pulumi up` again")
    if low == "roledefinitiondoesnotexist":
        return ("the custom role was created seconds ago and has not reached every ARM region yet: wait a minute and "
                "run `pulumi up` again (it creates only what is missing)")
    if low == "principalnotfound":
        return ("the principal is new and not yet visible to ARM: wait a minute and run `pulumi up` again; a "
                "principalType on the assignment lets ARM skip the lookup")
    if low == "serverlessmodelnotavailableinregion":
        regions = sorted({r for m in MODELS.values() for r in m.regions})
        return f"deploy this model only in the catalog's regions ({', '.join(regions)}); fix maas-fleet:regions"
    if (low in ("serverlessoffernotfound", "marketplaceoffernotfound") or "model mapping properties not found" in text
            or "offer" in text and ("not found" in text or "deprecated" in text or "retired" in text)):
        return _model_id_fix()
    if low == "subscriptionnotfound":
        return "check --subscription / azure-native:subscriptionId and that this identity can see that subscription"
    if low == "resourcegroupnotfound":
        return "the resource group does not exist (yet): run `pulumi up`, or check --resource-group"
    if low in _NOT_FOUND_CODES or status == 404:
        return "it does not exist (yet): check the names, or run `pulumi up` first"
    if low in ("conflict", "anotheroperationinprogress", "resourcenotinsucceededstate") or status == 409:
        return "another operation is changing this resource or the name is taken; wait and retry, or pick another name"
    if low in ("toomanyrequests", "throttled", "subscriptionrequeststhrottled") or status == 429:
        return "Azure is throttling this identity; retries honoured Retry-After and gave up, try again in a minute"
    if status is not None and status >= 500:
        return "Azure failed on its side; retry, and if it persists quote the request id to Azure support"
    if low in ("invalidapiversionparameter", "noregisteredproviderfound"):
        return "this endpoint does not serve the api-version used; check --arm-endpoint (sovereign clouds lag)"
    return ""


def parse_error_body(body: Any) -> tuple[str, str]:
    """(code, message) from ARM's `{"error": {...}}`, a flat `{"code","message"}`, or an LRO status."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body) if body else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            text = body.decode(errors="replace") if isinstance(body, bytes) else body
            return "", text.strip()
    if not isinstance(body, Mapping):
        return "", ""
    error = body.get("error", body)
    if not isinstance(error, Mapping):
        return "", str(error)
    code = str(error.get("code") or "")
    message = str(error.get("message") or "")
    details = error.get("details")
    # Marketplace and ML errors often hide the useful code one level down.
    if isinstance(details, list) and details and isinstance(details[0], Mapping):
        inner_code = str(details[0].get("code") or "")
        inner_message = str(details[0].get("message") or "")
        if inner_code and (not code or code.lower() in ("badrequest", "usererror", "internalservererror",
                                                         "deploymentfailed", "validationerror")):
            code, message = inner_code, inner_message or message
    return code, message


def from_response(what: str, status: int, body: Any, headers: Mapping[str, str] | None = None) -> ArmError:
    code, message = parse_error_body(body)
    if not message:
        message = {401: "unauthorized", 403: "forbidden", 404: "not found", 409: "conflict",
                   429: "too many requests"}.get(status, "no error details in the answer")
    hint = hint_for(status, code, message)
    if status >= 500 and headers is not None:
        request_id = headers.get("x-ms-correlation-request-id") or headers.get("x-ms-request-id")
        if request_id:
            hint += f" (request id {request_id})"
    exit_code = ExitCode.BAD_INPUT if status == 401 or code.lower() in _CREDENTIAL_CODES else ExitCode.FAILED
    return ArmError(what, status, code, _clean(message), hint, exit_code)


def from_sdk_error(exc: Exception, what: str) -> ArmError:
    """An azure-core HttpResponseError (SDK clients, MLClient) -> ArmError.

    A credential that could not get a token also arrives here (ClientAuthenticationError is an
    HttpResponseError without a status): that is raised as the sign-in CredentialError, never
    returned as a network problem."""
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    body: Any = None
    if response is not None:
        try:
            body = response.text()
        except Exception:  # noqa: BLE001 - a body we cannot read still leaves status and message
            body = None
    code, message = parse_error_body(body) if body else ("", "")
    error = getattr(exc, "error", None)
    if not code and error is not None:
        code, message = str(getattr(error, "code", "") or ""), str(getattr(error, "message", "") or "")
    if not message:
        message = str(getattr(exc, "message", "") or exc).splitlines()[0]
    if status is None and _raised_by_credential(exc):
        raise credential_error(exc)
    if status is None:
        return ArmError(what, None, code, _clean(message), hint_for(None, code, message) or
                        "check --arm-endpoint / MAAS_ARM_ENDPOINT and the network", ExitCode.BAD_INPUT)
    headers = dict(response.headers) if response is not None else None
    return from_response(what, int(status), {"error": {"code": code, "message": message}}, headers)


def _raised_by_credential(exc: Exception) -> bool:
    """A credential's failure to get a token (no HTTP answer from ARM): a sign-in problem, not the network's."""
    from azure.core.exceptions import ClientAuthenticationError

    return isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None


SIGN_IN_FIX: Final = (
    "run `az login` (and `az account set --subscription ID`), or set AZURE_CLIENT_ID/AZURE_TENANT_ID/"
    "AZURE_CLIENT_SECRET for a service principal (AZURE_FEDERATED_TOKEN_FILE instead of the secret for "
    f"workload identity), use a managed identity, or set {ENV_ACCESS_TOKEN} to a token you already hold")

# DefaultAzureCredential reports each credential it tried on a line `\t<Name>Credential: <reason>`,
# followed by links to troubleshooting guides. The reasons are what the user can act on.
_ATTEMPT = re.compile(r"^\s*(\w+Credential):\s*(.+)$")
_GUIDE = re.compile(r"\s*(Visit|See the troubleshooting guide|To mitigate this issue)\b.*$", re.I)
_UNCONFIGURED = ("not fully configured", "not configured", "environment variables are not")


def credential_attempts(message: str) -> list[tuple[str, str]]:
    """(credential, reason) for each credential of the chain, from DefaultAzureCredential's message."""
    attempts: list[tuple[str, str]] = []
    for line in message.splitlines():
        found = _ATTEMPT.match(line)
        if found:
            reason = _GUIDE.sub("", found.group(2)).strip().rstrip(".")
            attempts.append((found.group(1), reason))
    return attempts


def credential_error(exc: Exception) -> CredentialError:
    """No token: what each credential said (the actionable part, whole), and how to sign in."""
    text = REDACTOR.scrub(str(exc).strip())
    attempts = credential_attempts(text)
    if attempts:
        # Credentials that are simply not set up here say so at length; the others say what went wrong.
        telling = [a for a in attempts if not any(word in a[1].lower() for word in _UNCONFIGURED)] or attempts
        detail = "; ".join(f"{name}: {' '.join(reason.split())}" for name, reason in telling)
    else:
        first = text.splitlines()[0] if text else exc.__class__.__name__
        detail = " ".join(_GUIDE.sub("", first).split())
    return CredentialError(f"not signed in to Azure: no credential could get a token ({detail})", fix=SIGN_IN_FIX)


@contextmanager
def azure_errors(endpoint: str) -> Iterator[None]:
    """Around a command's Azure work: whatever the SDKs raise becomes one readable line."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    try:
        yield
    except ClientAuthenticationError as exc:
        if getattr(exc, "status_code", None) is None:  # raised by a credential, not by ARM
            raise credential_error(exc) from None
        raise from_sdk_error(exc, "authenticating to Azure") from None
    except HttpResponseError as exc:
        raise from_sdk_error(exc, "calling Azure Resource Manager") from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise from_transport_error(exc, "calling Azure Resource Manager", endpoint) from None


def from_transport_error(exc: Exception, what: str, endpoint: str) -> ArmError:
    """Cannot reach ARM at all (DNS, TLS, refused): nothing was evaluated, so exit 2."""
    reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    hint = f"check --arm-endpoint / MAAS_ARM_ENDPOINT ({endpoint}), the network and proxy"
    if "certificate" in reason.lower() or "ssl" in reason.lower():
        hint = "TLS verification failed: point REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) at your CA bundle"
    return ArmError(what, None, "", _clean(f"cannot reach Azure Resource Manager: {reason}"), hint,
                    ExitCode.BAD_INPUT)
