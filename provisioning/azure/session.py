"""The one place that builds Azure credentials and management clients.

Why one place: every Azure-facing command must agree on which identity it uses, which management
endpoint it talks to (public, sovereign cloud, or a loopback fake in tests), which token scope
matches that endpoint, which CA bundle it trusts, and how it retries. Getting one of those wrong in
one command is how a pipeline ends up with a token for the wrong audience or a key in a log.

SDK imports happen inside functions: `azure.ai.ml` alone costs ~2 s and `maas --help` must not pay it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from infra.naming import GUID_PATTERN
from provisioning import __version__
from provisioning.azure.errors import credential_error as credential_error  # re-exported for callers
from provisioning.azure.errors import from_sdk_error
from provisioning.azure.settings import (  # re-exported: callers read settings through the session module
    CA_BUNDLE_ENV as CA_BUNDLE_ENV,
)
from provisioning.azure.settings import ENV_ACCESS_TOKEN as ENV_ACCESS_TOKEN
from provisioning.azure.settings import ENV_ARM_ENDPOINT as ENV_ARM_ENDPOINT
from provisioning.azure.settings import ENV_RETRY_BACKOFF as ENV_RETRY_BACKOFF
from provisioning.azure.settings import PUBLIC_ARM_ENDPOINT as PUBLIC_ARM_ENDPOINT
from provisioning.azure.settings import SUBSCRIPTION_ENV as SUBSCRIPTION_ENV
from provisioning.azure.settings import AzureSettings as AzureSettings
from provisioning.azure.settings import normalise_endpoint as normalise_endpoint
from provisioning.errors import BadInput, CredentialError
from provisioning.redact import REDACTOR, RedactingFilter, install_log_redaction

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential, TokenRequestOptions
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    from infra.config import FleetConfig
    from provisioning.azure.arm import ArmRest

# Management endpoints whose clouds azure-ai-ml knows by name (anything else gets a custom cloud).
_KNOWN_CLOUDS: Final = {
    "management.azure.com": "AzureCloud",
    "management.usgovcloudapi.net": "AzureUSGovernment",
    "management.chinacloudapi.cn": "AzureChinaCloud",
}


class ApiVersion:
    """REST api-versions for the calls we make ourselves (the SDK clients bring their own)."""

    MACHINE_LEARNING: Final = "2024-10-01"
    KEY_VAULT: Final = "2023-07-01"
    AUTHORIZATION: Final = "2022-04-01"


def enum_value(value: Any) -> str:
    """SDK models return str-Enums; `str()` of those is `Class.MEMBER`, we want the wire value."""
    return str(getattr(value, "value", value) or "")


def validate_subscription_id(value: str, source: str) -> str:
    if not GUID_PATTERN.fullmatch(value.strip()):
        raise BadInput(f"{source} {value!r} is not a subscription id "
                       "(a GUID like 00000000-0000-0000-0000-000000000000)")
    return value.strip().lower()


# --------------------------------------------------------------------------------------------------
# Credentials
# --------------------------------------------------------------------------------------------------


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT access token, unverified: only for saying *who* we are, never for trust."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, json.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


class StaticTokenCredential:
    """A credential for pipelines that already hold an ARM access token (MAAS_ACCESS_TOKEN).

    Implements both `get_token` and `get_token_info` (azure-core prefers the latter). The token is
    registered with the redactor at once and never appears in repr, logs or errors.
    """

    def __init__(self, token: str, source: str = ENV_ACCESS_TOKEN) -> None:
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            raise CredentialError(f"{source} is set but empty; unset it to use DefaultAzureCredential")
        REDACTOR.add(token)
        self._token = token
        self.source = source
        exp = jwt_claims(token).get("exp")
        self.expires_on = int(exp) if isinstance(exp, int | float) else int(time.time()) + 3600
        if self.expires_on <= time.time():
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.expires_on))
            raise CredentialError(f"{source} expired at {when}; fetch a fresh one "
                                  "(e.g. `az account get-access-token --query accessToken -o tsv`)")

    def __repr__(self) -> str:
        return f"StaticTokenCredential(source={self.source!r}, token=****)"

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, self.expires_on)

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, self.expires_on)

    def close(self) -> None:
        """Nothing to release; present because SDK clients call it on exit."""

    def __enter__(self) -> StaticTokenCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Identity:
    """Who the token says we are (from its claims; nothing here is secret)."""

    kind: str  # user | service principal | managed identity | unknown
    name: str
    object_id: str
    tenant_id: str
    app_id: str = ""

    def describe(self) -> str:
        bits = [f"object id {self.object_id}" if self.object_id else "", f"app id {self.app_id}" if self.app_id else "",
                f"tenant {self.tenant_id}" if self.tenant_id else ""]
        detail = ", ".join(b for b in bits if b)
        return f"{self.kind} {self.name}" + (f" ({detail})" if detail else "")

    @classmethod
    def from_token(cls, token: str) -> Identity:
        claims = jwt_claims(token)
        if not claims:
            return cls("unknown", "(the token is not a JWT; identity not shown)", "", "")
        oid, tid = str(claims.get("oid", "")), str(claims.get("tid", ""))
        app_id = str(claims.get("appid") or claims.get("azp") or "")
        user = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username") or claims.get("email")
        if user and claims.get("idtyp") != "app":
            return cls("user", str(user), oid, tid)
        mi = str(claims.get("xms_mirid", ""))
        if mi:
            return cls("managed identity", mi.rsplit("/", 1)[-1], oid, tid, app_id)
        return cls("service principal", str(claims.get("app_displayname") or app_id or oid), oid, tid, app_id)


def build_credential(environ: Mapping[str, str] | None = None) -> TokenCredential:
    """MAAS_ACCESS_TOKEN when set, else DefaultAzureCredential (az login, managed identity, workload
    identity, environment). Interactive browser login is never attempted: pipelines must not hang."""
    env = os.environ if environ is None else environ
    token = env.get(ENV_ACCESS_TOKEN)
    if token is not None:
        return StaticTokenCredential(token)
    from azure.identity import DefaultAzureCredential

    from provisioning.azure.registered_credential import RegisteredCredential

    return RegisteredCredential(DefaultAzureCredential(exclude_interactive_browser_credential=True))


# --------------------------------------------------------------------------------------------------
# The session: credential + clients
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedSubscription:
    id: str
    source: str  # where it came from, for messages: --subscription, azure-native:subscriptionId, ...
    note: str = ""


def _quiet_azure_logging() -> None:
    """SDK loggers must not print HTTP traces or experimental-feature banners into our output, and
    anything they (or their children, httpx, urllib3, msal) do print passes the secret scrubber:
    redaction is installed on the record factory, which every logger goes through."""
    install_log_redaction()
    logging.getLogger("azure").setLevel(logging.ERROR)
    logging.getLogger("azure.ai.ml").setLevel(logging.ERROR)
    logging.getLogger("azure.identity").setLevel(logging.ERROR)


def _quiet_ml_logging() -> None:
    """azure-ai-ml's import gives its package logger an INFO stderr handler of its own (and logs an
    "experimental method" banner per call): silence it; its failures reach us as exceptions."""
    logger = logging.getLogger("azure.ai.ml")
    logger.setLevel(logging.CRITICAL)
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


@dataclass
class AzureSession:
    """Credential and client factories for one command run. Close it (or use `with`)."""

    settings: AzureSettings = field(default_factory=AzureSettings.from_env)
    _credential: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ml_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _resource_clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _ml_clients: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _quiet_azure_logging()

    def __enter__(self) -> AzureSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- identity
    @property
    def credential(self) -> TokenCredential:
        with self._lock:
            if self._credential is None:
                self._credential = build_credential()
            return self._credential

    def access_token(self) -> str:
        """A token for the management endpoint's scope; CredentialError (exit 2) when there is none."""
        from azure.core.exceptions import ClientAuthenticationError

        try:
            token = self.credential.get_token(self.settings.scope).token
        except CredentialError:
            raise
        except ClientAuthenticationError as exc:
            raise credential_error(exc) from None
        except (OSError, ValueError) as exc:
            raise credential_error(exc) from None
        REDACTOR.add(token)
        return token

    def identity(self) -> Identity:
        return Identity.from_token(self.access_token())

    # ---------------------------------------------------------------- clients
    def client_kwargs(self) -> dict[str, Any]:
        """What every azure-core based client gets: endpoint, scope, CA bundle, retries, timeouts."""
        kwargs: dict[str, Any] = {
            "base_url": self.settings.arm_endpoint,
            "credential_scopes": [self.settings.scope],
            "retry_total": self.settings.retry_total,
            "retry_backoff_factor": self.settings.retry_backoff,
            "retry_backoff_max": 30,
            "connection_timeout": self.settings.connection_timeout,
            "read_timeout": self.settings.read_timeout,
            "user_agent": f"maas-fleet/{__version__}",
            "logging_enable": False,
        }
        if self.settings.ca_bundle:
            kwargs["connection_verify"] = self.settings.ca_bundle
        return kwargs

    def subscriptions(self) -> SubscriptionClient:
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return SubscriptionClient(self.credential, **self.client_kwargs())

    def resources(self, subscription_id: str) -> ResourceManagementClient:
        """azure-mgmt-resource: providers, resource groups, generic resources (cached per subscription)."""
        from azure.mgmt.resource.resources import ResourceManagementClient

        credential = self.credential
        with self._lock:
            client = self._resource_clients.get(subscription_id)
            if client is None:
                client = ResourceManagementClient(credential, subscription_id, **self.client_kwargs())
                self._resource_clients[subscription_id] = client
            return client

    def ml(self, subscription_id: str, resource_group: str, workspace: str) -> Any:
        """azure-ai-ml `MLClient` for one workspace (serverless endpoints, keys, marketplace
        subscriptions), pointed at our management endpoint through a custom cloud when needed."""
        key = (subscription_id, resource_group.lower(), workspace.lower())
        credential = self.credential
        with self._ml_lock:  # MLClient registers clouds in a module-global table: one at a time
            cached = self._ml_clients.get(key)
            if cached is not None:
                return cached
            with warnings.catch_warnings():  # azure-ai-ml's schema modules warn on import (marshmallow 4)
                warnings.simplefilter("ignore")
                from azure.ai.ml import MLClient
            _quiet_ml_logging()

            kwargs = self.client_kwargs()
            kwargs.pop("base_url")
            kwargs.pop("credential_scopes")
            kwargs.update(self._ml_cloud())
            client = MLClient(credential, subscription_id, resource_group, workspace,
                              enable_telemetry=False, show_progress=False, **kwargs)
            self._ml_clients[key] = client
            return client

    def _ml_cloud(self) -> dict[str, Any]:
        known = _KNOWN_CLOUDS.get(self.settings.host)
        if known:
            return {"cloud": known}
        endpoint = self.settings.arm_endpoint
        name = "maas-" + hashlib.sha256(endpoint.encode()).hexdigest()[:12]
        authority = os.environ.get("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com")
        return {
            "cloud": name,
            "cloud_metadata": {
                "azure_portal": endpoint,
                "resource_manager": endpoint + "/",
                "active_directory": authority,
                "aml_resource_id": endpoint + "/",
                "storage_endpoint": "core.windows.net",
                "registry_discovery_endpoint": endpoint,
            },
        }

    @cached_property
    def arm(self) -> ArmRest:
        """The thin ARM pipeline for calls the SDKs lack or get wrong (see provisioning/azure/arm.py)."""
        from provisioning.azure.arm import ArmRest

        return ArmRest(self.settings, self.credential)

    # ---------------------------------------------------------------- subscriptions
    def resolve_subscriptions(self, explicit: Sequence[str] = (), config: FleetConfig | None = None,
                              environ: Mapping[str, str] | None = None) -> list[ResolvedSubscription]:
        """Subscription resolution (docs/architecture.md, Contracts): --subscription, else
        azure-native:subscriptionId, else AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, else the credential's
        default (its first enabled subscription)."""
        env = os.environ if environ is None else environ
        if explicit:
            seen: dict[str, ResolvedSubscription] = {}
            for value in explicit:
                sub = validate_subscription_id(value, "--subscription")
                seen.setdefault(sub, ResolvedSubscription(sub, "--subscription"))
            return list(seen.values())
        if config is not None and config.subscription_id:
            source = "azure-native:subscriptionId"
            return [ResolvedSubscription(validate_subscription_id(config.subscription_id, source), source)]
        for name in SUBSCRIPTION_ENV:
            if env.get(name):
                return [ResolvedSubscription(validate_subscription_id(env[name], name), name)]
        return [self.default_subscription()]

    def default_subscription(self) -> ResolvedSubscription:
        from azure.core.exceptions import HttpResponseError

        try:
            subs = list(self.subscriptions().subscriptions.list())
        except HttpResponseError as exc:
            raise from_sdk_error(exc, "listing subscriptions") from None
        enabled = [s for s in subs if enum_value(s.state).lower() == "enabled"]
        if not enabled:
            raise CredentialError(f"{self.identity().describe()} sees no enabled subscription -> pass "
                                  "--subscription, set azure-native:subscriptionId in the stack or "
                                  "AZURE_SUBSCRIPTION_ID")
        chosen = enabled[0]
        note = ""
        if len(enabled) > 1:
            note = (f"using subscription {chosen.display_name} ({chosen.subscription_id}), the first of "
                    f"{len(enabled)} enabled; pass --subscription to choose")
        return ResolvedSubscription(str(chosen.subscription_id).lower(), "credential default", note)

    # ---------------------------------------------------------------- cleanup
    def close(self) -> None:
        for client in [*self._resource_clients.values(), *self._ml_clients.values()]:
            with contextlib.suppress(Exception):
                client.close()
        self._resource_clients.clear()
        self._ml_clients.clear()
        if "arm" in self.__dict__:
            self.arm.close()
        credential = self._credential
        if credential is not None and hasattr(credential, "close"):
            with contextlib.suppress(Exception):
                credential.close()


def open_session(arm_endpoint: str | None = None) -> AzureSession:
    """Settings from options + environment; validation errors surface before any network call."""
    return AzureSession(AzureSettings.from_env(arm_endpoint))
