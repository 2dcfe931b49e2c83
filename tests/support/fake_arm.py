"""A fake Azure Resource Manager on loopback HTTPS, shaped from the public REST examples.

Why a fake ARM rather than mocks: the code under test uses the real SDK clients
(ResourceManagementClient, SubscriptionClient, MLClient) and a real azure-core ARM pipeline, so
the only honest seam is the wire. Bodies follow Azure/azure-rest-api-specs examples
(machinelearningservices 2024-10-01 ServerlessEndpoint / MarketplaceSubscription / Workspace,
resources providers and generic resources, subscriptions, Microsoft.Authorization permissions
2022-04-01, Microsoft.KeyVault 2023-07-01 control-plane secrets). Any api-version is accepted
(MLClient sends its own) and recorded.

Scriptable state (all ids case-insensitive, like ARM):
    arm.add_subscription(sub, quota_id=..., state=..., grant_all=True)
    arm.set_provider(sub, namespace, "NotRegistered", registers_after=2)
    arm.add_workspace(sub, rg, name, location, tags=...)            -> Workspace (creates rg + vault)
    arm.add_endpoint(ws, name, model="stable-image-core", ...)      -> Endpoint (random keys)
    arm.add_marketplace_subscription(ws, name, model_id, status=...)
    arm.set_permissions(scope, [{"actions": [...], "notActions": [...]}])  (replaces that scope)
    arm.seed_fleet(config, sub)                                      -> what `pulumi up` would leave
Faults and behaviour:
    arm.fail(status, code=..., method=..., path=regex, times=1, headers={"Retry-After": "1"})
    arm.async_regenerate(polls=2, final="Succeeded")                 -> 202 + Azure-AsyncOperation
    arm.page_size = 2                                                -> lists paginate with nextLink
    arm.route("POST", r"^/providers/Microsoft.ResourceGraph/resources$")(handler)  -> extend
    arm.graph.mode = "forbidden" | "unregistered" | "absent"   -> Resource Graph 403 / 409 / 404
    arm.graph.max_page_size = 2; arm.graph.index_marketplace = False  -> paging; unindexed child type
Azure's rules a first deployment meets (sources cited next to each behaviour):
    GET /providers/Microsoft.Authorization/providerOperations/{ns} from tests/support/provider_operations.json
    (a snapshot of the published list); arm.absent_namespace_mode = "empty" | "not_found" for others
    role definitions: PUT validated against it (400 InvalidActionOrNotAction); arm.role_definition_lag = N
    reads/assignments answer RoleDefinitionDoesNotExist after a create
    arm.new_principals = {oid}: an assignment without principalType answers 400 PrincipalNotFound
    arm.take_name_elsewhere(region, name)                           -> endpoint PUT refused (UserError)
    arm.principal_token(oid), arm.set_principal_permissions(oid, scope, roles) -> another principal, e.g.
    a workspace identity (403 without a role; /keyvault/{vault}/secrets/{name} is the vault's data plane)
    arm.add_private_store("enabled"), arm.private_store_mode, arm.billing_policies[sub] = [...] | None
Observation: arm.requests (RecordedRequest: method, path, query, body, at, status), arm.calls(...),
    arm.resource_rows() (Resource Graph `resources` rows of everything, to answer a Graph route).

Resource Graph (POST /providers/Microsoft.ResourceGraph/resources, shaped from the 2022-10-01 spec and
its ResourcesBasicQuery / ResourcesFirstPageQuery / ResourcesNextPageQuery examples) answers
`{totalRecords, count, resultTruncated, facets, data[, $skipToken]}` from `resource_rows()`. It
understands the subset of KQL the audit sends (`type in~ (...)`, `project ...`, `order by id`), pages
with opaque skip tokens bound to the query and scopes, filters rows by the caller's read permission
(as ARG does), and has a 403 / not-registered / absent mode.

RBAC is enforced: every request needs an action the caller holds at the resource's scope or an
ancestor (wildcards and notActions as Azure applies them), else 403 AuthorizationFailed.
`add_subscription` grants `*` at the subscription unless grant_all=False.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.catalog import MODELS, REGIONS, RESOURCE_PROVIDERS
from tests.support.loopback_server import LoopbackServer, LoopbackTls

ML = "Microsoft.MachineLearningServices"
ENDPOINT_TYPE = f"{ML}/workspaces/serverlessEndpoints"
WORKSPACE_TYPE = f"{ML}/workspaces"
VAULT_TYPE = "Microsoft.KeyVault/vaults"
PAYG_QUOTA = "PayAsYouGo_2014-09-01"
SUB = "11111111-2222-4333-8444-555555555555"  # the subscription most tests use
OTHER_SUB = "99999999-8888-4777-8666-555555555555"
TENANT = "72f988bf-0000-4000-8000-000000000001"
CALLER_OID = "a1b2c3d4-0000-4000-8000-00000000c0de"

Handler = Callable[["FakeArm", Request, dict[str, str], Any], Awaitable[Response]]
_Found = TypeVar("_Found")


def _lower(value: str) -> str:
    return value.rstrip("/").lower()


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped token: the code under test only reads claims for display."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def default_token(**extra: Any) -> str:
    claims = {
        "aud": "https://management.azure.com",
        "iss": f"https://sts.windows.net/{TENANT}/",
        "oid": CALLER_OID,
        "tid": TENANT,
        "upn": "deployer@contoso.example",
        "name": "Dana Deployer",
        "idtyp": "user",
        "exp": int(time.time()) + 3600,
    }
    claims.update(extra)
    return make_jwt(claims)


def new_key() -> str:
    return secrets.token_hex(16)


def write_stack(directory: Path, stack: str = "dev", subscription: str | None = SUB, **config: Any) -> Path:
    """A Pulumi.<stack>.yaml like the example stack (2 regions x 3 models), with overrides."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    document = yaml.safe_load((root / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    if subscription:
        document["config"]["azure-native:subscriptionId"] = subscription
    document["config"].update({f"maas-fleet:{k}": v for k, v in config.items()})
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------------


@dataclass
class Subscription:
    id: str
    display_name: str
    state: str = "Enabled"
    quota_id: str = PAYG_QUOTA
    tenant_id: str = TENANT

    def body(self) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{self.id}",
            "subscriptionId": self.id,
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "state": self.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": self.quota_id,
                "spendingLimit": "Off",
            },
            "authorizationSource": "RoleBased",
        }


@dataclass
class Provider:
    namespace: str
    state: str = "Registered"
    registers_after: int = 1  # GETs after `register` until the state flips to Registered
    pending_polls: int = -1
    resource_types: dict[str, list[str]] = field(default_factory=dict)  # type -> display locations

    def body(self, sub: str) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{sub}/providers/{self.namespace}",
            "namespace": self.namespace,
            "registrationState": self.state,
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [
                {"resourceType": t, "locations": locs, "apiVersions": ["2024-10-01", "2024-04-01"]}
                for t, locs in self.resource_types.items()
            ],
        }


@dataclass
class Workspace:
    subscription: str
    resource_group: str
    name: str
    location: str
    key_vault_id: str
    tags: dict[str, str] = field(default_factory=dict)
    principal_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # its system-assigned identity

    @property
    def id(self) -> str:
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
                f"/providers/{ML}/workspaces/{self.name}")

    def body(self) -> dict[str, Any]:
        rg = f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
        return {
            "id": self.id,
            "name": self.name,
            "type": WORKSPACE_TYPE,
            "location": self.location,
            "tags": self.tags,
            "identity": {"type": "SystemAssigned", "principalId": self.principal_id, "tenantId": TENANT},
            "sku": {"name": "Basic", "tier": "Basic"},
            "properties": {
                "friendlyName": self.name,
                "keyVault": self.key_vault_id,
                "storageAccount": f"{rg}/providers/Microsoft.Storage/storageAccounts/st{self.name[:10]}",
                "applicationInsights": f"{rg}/providers/microsoft.insights/components/appi-{self.name}",
                "provisioningState": "Succeeded",
                "publicNetworkAccess": "Enabled",
                "hbiWorkspace": False,
            },
        }


@dataclass
class Endpoint:
    workspace: Workspace
    name: str
    model_id: str
    location: str
    provisioning_state: str = "Succeeded"
    endpoint_state: str = "Online"
    content_safety: str = "Enabled"
    auth_mode: str = "Key"
    primary_key: str = field(default_factory=new_key)
    secondary_key: str = field(default_factory=new_key)
    marketplace_subscription_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    host_suffix: str = field(default_factory=lambda: "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz")
                                                             for _ in range(5)))
    inference_uri: str = ""  # set to point the endpoint at a loopback emulator (audit --verify tests)

    @property
    def id(self) -> str:
        return f"{self.workspace.id}/serverlessEndpoints/{self.name}"

    @property
    def uri(self) -> str:
        return self.inference_uri or f"https://{self.name}-{self.host_suffix}.{self.location}.models.ai.azure.com"

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": ENDPOINT_TYPE,
            "location": self.location,
            "tags": self.tags,
            "kind": "ServerlessEndpoint",
            "sku": {"name": "Consumption"},
            "properties": {
                "modelSettings": {"modelId": self.model_id},
                "authMode": self.auth_mode,
                "inferenceEndpoint": {"uri": self.uri, "headers": {}},
                "provisioningState": self.provisioning_state,
                "endpointState": self.endpoint_state,
                "marketplaceSubscriptionId": self.marketplace_subscription_id,
                "contentSafety": {"contentSafetyStatus": self.content_safety},
            },
            "systemData": {"createdAt": "2025-01-01T12:00:00Z", "createdByType": "User"},
        }

    def keys(self) -> dict[str, str]:
        return {"primaryKey": self.primary_key, "secondaryKey": self.secondary_key}


@dataclass
class MarketplaceSubscription:
    workspace: Workspace
    name: str
    model_id: str
    status: str = "Subscribed"
    provisioning_state: str = "Succeeded"

    @property
    def id(self) -> str:
        return f"{self.workspace.id}/marketplaceSubscriptions/{self.name}"

    def body(self) -> dict[str, Any]:
        model = self.model_id.rsplit("/", 1)[-1].lower()
        return {
            "id": self.id,
            "name": self.name,
            "type": f"{ML}/workspaces/marketplaceSubscriptions",
            "properties": {
                "modelId": self.model_id,
                "marketplacePlan": {"publisherId": "stabilityai", "offerId": f"{model}-offer", "planId": model},
                "marketplaceSubscriptionStatus": self.status,
                "provisioningState": self.provisioning_state,
            },
            "systemData": {"createdAt": "2025-01-01T12:00:00Z", "createdByType": "User"},
        }


@dataclass
class Vault:
    subscription: str
    resource_group: str
    name: str
    location: str

    @property
    def id(self) -> str:
        return (f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.KeyVault/vaults/{self.name}")


@dataclass
class Secret:
    vault: Vault
    name: str
    value: str
    version: str = field(default_factory=lambda: uuid.uuid4().hex)
    content_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    updated: int = field(default_factory=lambda: int(time.time()))
    history: list[str] = field(default_factory=list)  # earlier values, oldest first
    # --- lifecycle (key expiry): `exp` and `created`, Unix seconds. Source: azure-rest-api-specs
    # keyvault/resource-manager/Microsoft.KeyVault/stable/2023-07-01/secrets.json `Attributes`
    # (enabled, nbf, exp writable; created, updated read-only) and examples/getSecret.json (the GET
    # answers `properties.attributes` with created/updated, and exp only when one was set).
    expires: int | None = None
    created: int | None = None

    def body(self) -> dict[str, Any]:
        uri = f"https://{self.vault.name}.vault.azure.net/secrets/{self.name}"
        attributes: dict[str, Any] = {"enabled": True, "created": self.created or self.updated,
                                      "updated": self.updated}
        if self.expires is not None:
            attributes["exp"] = self.expires
        return {
            "id": f"{self.vault.id}/secrets/{self.name}",
            "name": self.name,
            "type": "Microsoft.KeyVault/vaults/secrets",
            "location": self.vault.location,
            "tags": self.tags,
            "properties": {
                "contentType": self.content_type,
                "attributes": attributes,
                "secretUri": uri,
                "secretUriWithVersion": f"{uri}/{self.version}",
            },
        }


@dataclass
class Fault:
    status: int
    code: str | None
    message: str
    method: str | None
    path: re.Pattern[str]
    times: int | None  # None: forever
    headers: dict[str, str]
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.path.search(path))


@dataclass
class Operation:
    """An async operation behind Azure-AsyncOperation / Location polling."""

    id: str
    polls_left: int
    final: str
    on_success: Callable[[], Any]
    result: Any = None
    done: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float
    status: int = 0


@dataclass
class GraphSettings:
    """How the fake Resource Graph behaves (reset with the fake)."""

    mode: str = "ok"  # ok | forbidden (403) | unregistered (409) | absent (404, e.g. a cloud without ARG)
    default_page_size: int = 100  # rows per page when the request has no $top
    max_page_size: int = 1000  # rows per page at most, whatever $top says (the service also cuts large pages)
    index_endpoints: bool = True
    index_marketplace: bool = True  # False: marketplace subscriptions are not in the `resources` table


# --------------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------------


# ---- RBAC evaluation, written from Azure's documentation of role definitions -------------------
# Source: learn.microsoft.com/azure/role-based-access-control/role-definitions ("Actions",
# "NotActions", "Wildcard permissions"):
#  - an operation string may carry the wildcard `*` anywhere (`Microsoft.Compute/*`, `*/read`,
#    `Microsoft.Network/*/write`); `*` stands for any run of characters, `/` included;
#  - a role grants an operation its `actions` match unless its own `notActions` match it: "NotActions
#    is not a deny rule", so another role assigned to the same principal can still grant it;
#  - the caller's rights at a scope are the union over the role assignments at that scope and above.
# Case: Azure's own generated operations list spells one resource type both `onlineEndpoints` and
# `onlineendpoints` (permissions/ai-machine-learning.md), so operation names compare case-insensitively.


def _wildcard_match(pattern: str, operation: str) -> bool:
    """Does `pattern` (with `*` wildcards) match `operation` entirely? Greedy two-pointer scan with
    backtracking to the last `*` seen: linear in practice, no regular expressions."""
    p, o = pattern.lower(), operation.lower()
    i = j = 0
    star, mark = -1, 0
    while j < len(o):
        if i < len(p) and p[i] == o[j] and p[i] != "*":
            i, j = i + 1, j + 1
        elif i < len(p) and p[i] == "*":
            star, mark = i, j
            i += 1
        elif star >= 0:
            i, mark = star + 1, mark + 1
            j = mark
        else:
            return False
    while i < len(p) and p[i] == "*":
        i += 1
    return i == len(p)


def _role_grants(role: dict[str, Any], operation: str) -> bool:
    granted = any(_wildcard_match(a, operation) for a in role.get("actions") or ())
    return granted and not any(_wildcard_match(n, operation) for n in role.get("notActions") or ())


def _allowed(action: str, entries: list[dict[str, Any]]) -> bool:
    """Is `action` granted by any one of the roles in effect (each role's actions minus its own notActions)?"""
    return any(_role_grants(entry, action) for entry in entries)


def arm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


PROVIDER_OPERATIONS_SNAPSHOT = Path(__file__).with_name("provider_operations.json")


@dataclass(frozen=True)
class NamespaceOperations:
    """One namespace of the published operations snapshot (tests/support/provider_operations.json)."""

    namespace: str
    display_name: str
    operations: tuple[str, ...]  # control-plane operations: what role `actions` are checked against
    data_actions: tuple[str, ...]


def load_provider_operations() -> dict[str, NamespaceOperations]:
    """lower-case namespace -> its operations, from the checked-in snapshot (source and date inside)."""
    document = json.loads(PROVIDER_OPERATIONS_SNAPSHOT.read_text(encoding="utf-8"))
    return {
        ns.lower(): NamespaceOperations(ns, entry["displayName"], tuple(entry["operations"]),
                                        tuple(entry.get("dataActions") or ()))
        for ns, entry in document["namespaces"].items()
    }


class FakeArm:
    """State + routes; an ASGI app via `.app`. Served by FakeArmServer on 127.0.0.1."""

    def __init__(self, base_url: str = "https://127.0.0.1") -> None:
        self.base_url = base_url
        self._lock = threading.RLock()
        self._extra_routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.reset()
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch,
                                           methods=["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"])])

    # ---------------------------------------------------------------- state builders
    def reset(self) -> None:
        with self._lock:
            self.token = default_token()
            self.accepted_tokens: set[str] = {self.token}
            self.subscriptions: dict[str, Subscription] = {}
            self.providers: dict[tuple[str, str], Provider] = {}
            self.resource_groups: dict[tuple[str, str], tuple[str, str, str]] = {}  # -> (sub, rg, location)
            self.workspaces: dict[str, Workspace] = {}
            self.endpoints: dict[str, Endpoint] = {}
            self.marketplace: dict[str, MarketplaceSubscription] = {}
            self.vaults: dict[str, Vault] = {}
            self.secrets: dict[str, Secret] = {}
            self.permissions: dict[str, list[dict[str, Any]]] = {}
            self.faults: list[Fault] = []
            self.operations: dict[str, Operation] = {}
            self.regenerate_async: tuple[int, str] | None = None
            self.page_size = 100
            self.requests: list[RecordedRequest] = []
            self.enforce_rbac = True
            self.graph = GraphSettings()
            self.reset_azure_rules()

    def add_subscription(self, sub: str, name: str = "", *, quota_id: str = PAYG_QUOTA, state: str = "Enabled",
                         grant_all: bool = True, providers_registered: bool = True) -> Subscription:
        with self._lock:
            s = Subscription(sub, name or f"Subscription {sub[:8]}", state=state, quota_id=quota_id)
            self.subscriptions[sub.lower()] = s
            if grant_all:
                self.permissions[_lower(f"/subscriptions/{sub}")] = [{"actions": ["*"], "notActions": []}]
            locations = [REGIONS[r].display_name for r in REGIONS]
            for ns in (*RESOURCE_PROVIDERS, "Microsoft.Resources", "Microsoft.Authorization"):
                types: dict[str, list[str]] = {}
                if ns == ML:
                    types = {"workspaces": locations, "workspaces/serverlessEndpoints": locations,
                             "workspaces/marketplaceSubscriptions": locations}
                self.providers[(sub.lower(), ns.lower())] = Provider(
                    ns, "Registered" if providers_registered else "NotRegistered", resource_types=types)
            return s

    def set_provider(self, sub: str, namespace: str, state: str, *, registers_after: int = 1,
                     locations: dict[str, list[str]] | None = None) -> Provider:
        with self._lock:
            key = (sub.lower(), namespace.lower())
            provider = self.providers.get(key) or Provider(namespace)
            provider.state, provider.registers_after = state, registers_after
            if locations is not None:
                provider.resource_types = locations
            self.providers[key] = provider
            return provider

    def add_resource_group(self, sub: str, rg: str, location: str = "eastus2") -> None:
        with self._lock:
            self.resource_groups[(sub.lower(), rg.lower())] = (sub, rg, location)

    def add_vault(self, sub: str, rg: str, name: str, location: str = "eastus2") -> Vault:
        with self._lock:
            self.add_resource_group(sub, rg, location)
            vault = Vault(sub, rg, name, location)
            self.vaults[_lower(vault.id)] = vault
            return vault

    def add_workspace(self, sub: str, rg: str, name: str, location: str = "eastus2", *,
                      tags: dict[str, str] | None = None, vault_name: str | None = None) -> Workspace:
        with self._lock:
            self.add_resource_group(sub, rg, location)
            vault = self.add_vault(sub, rg, vault_name or f"kv-{name}"[:24], location)
            ws = Workspace(sub, rg, name, location, vault.id, dict(tags or {}))
            self.workspaces[_lower(ws.id)] = ws
            return ws

    def add_endpoint(self, ws: Workspace, name: str, model: str = "stable-image-core", *,
                     model_id: str | None = None, location: str | None = None, **fields: Any) -> Endpoint:
        with self._lock:
            model_id = model_id or MODELS[model].asset_id
            ep = Endpoint(ws, name, model_id, location or ws.location, **fields)
            self.endpoints[_lower(ep.id)] = ep
            return ep

    def add_marketplace_subscription(self, ws: Workspace, name: str, model_id: str, *,
                                     status: str = "Subscribed") -> MarketplaceSubscription:
        with self._lock:
            ms = MarketplaceSubscription(ws, name, model_id, status)
            self.marketplace[_lower(ms.id)] = ms
            return ms

    def put_secret(self, vault: Vault, name: str, value: str) -> Secret:
        with self._lock:
            secret = Secret(vault, name, value)
            self.secrets[_lower(f"{vault.id}/secrets/{name}")] = secret
            return secret

    def secret(self, vault_id: str, name: str) -> Secret | None:
        return self.secrets.get(_lower(f"{vault_id}/secrets/{name}"))

    def set_permissions(self, scope: str, entries: list[dict[str, Any]]) -> None:
        """Replace what the caller holds at exactly `scope` (ancestors still apply, as in Azure)."""
        with self._lock:
            self.permissions[_lower(scope)] = [
                {"actions": list(e.get("actions", [])), "notActions": list(e.get("notActions", []))}
                for e in entries
            ]

    def seed_fleet(self, config: Any, sub: str, *, endpoints: bool = True, secrets_: bool = True,
                   project_tag: bool = True) -> list[Endpoint]:
        """What `pulumi up` of `config` (a FleetConfig) leaves behind in `sub`."""
        made: list[Endpoint] = []
        namer = config.namer.for_subscription(sub)
        for region, project in config.units():
            names = namer.workspace_names(region, project, sub)  # global names hash the subscription in
            tags = config.tags_for(project) if project_tag else {}
            ws = self.add_workspace(sub, names.resource_group, names.workspace, region, tags=tags,
                                    vault_name=names.key_vault)
            for model in config.model_specs:
                ms = self.add_marketplace_subscription(ws, namer.marketplace_subscription(model), model.asset_id)
                if not endpoints:
                    continue
                ep = self.add_endpoint(ws, namer.endpoint(project, model), model.slug,
                                       marketplace_subscription_id=ms.id, tags=tags)
                made.append(ep)
                if secrets_:
                    self.put_secret(self.vaults[_lower(ws.key_vault_id)], namer.key_secret(ep.name), ep.primary_key)
        return made

    # ---------------------------------------------------------------- faults and behaviour
    def fail(self, status: int, code: str | None = None, message: str = "injected fault", *,
             method: str | None = None, path: str = "", times: int | None = 1,
             headers: dict[str, str] | None = None, body: Any = None) -> Fault:
        fault = Fault(status, code, message, method, re.compile(path, re.I), times, dict(headers or {}), body)
        with self._lock:
            self.faults.append(fault)
        return fault

    def async_regenerate(self, polls: int = 2, final: str = "Succeeded") -> None:
        """regenerateKeys answers 202 + Azure-AsyncOperation; the operation ends after `polls` polls."""
        self.regenerate_async = (polls, final)

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Add a route (checked before the built-in ones): handler(arm, request, groups, body)."""

        def register(handler: Handler) -> Handler:
            self._extra_routes.append((method.upper(), re.compile(pattern, re.I), handler))
            return handler

        return register

    def resource_rows(self, subscriptions: list[str] | None = None) -> list[dict[str, Any]]:
        """Every resource as an Azure Resource Graph `resources` row (type and resourceGroup lower-case,
        as ARG returns them) with the full ARM body under properties: the base for a Resource Graph
        route (POST /providers/Microsoft.ResourceGraph/resources) in the audit tests."""
        wanted = {s.lower() for s in subscriptions} if subscriptions is not None else None
        rows = []
        items: list[Any] = [*self.workspaces.values(), *self.endpoints.values(), *self.marketplace.values()]
        for item in items:
            body = item.body()
            rid = body["id"]
            parts = rid.split("/")
            sub, rg = parts[2], parts[4]
            if wanted is not None and sub.lower() not in wanted:
                continue
            rows.append({
                "id": rid, "name": body["name"], "type": body["type"].lower(), "tenantId": TENANT,
                "kind": body.get("kind", ""), "location": body.get("location", ""), "resourceGroup": rg.lower(),
                "subscriptionId": sub, "sku": body.get("sku"), "properties": body.get("properties", {}),
                "tags": body.get("tags") or {}, "identity": body.get("identity"),
            })
        return sorted(rows, key=lambda r: r["id"].lower())

    def calls(self, method: str | None = None, path: str = "") -> list[RecordedRequest]:
        rx = re.compile(path, re.I)
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method) and rx.search(r.path)]

    # ---------------------------------------------------------------- Azure's rules a first deployment meets
    # Operations list, role-definition validation, endpoint names unique per region across tenants,
    # other principals (workspace identities) with their own grants, private marketplace, billing policy.
    def reset_azure_rules(self) -> None:
        self.provider_operations = load_provider_operations()
        # A namespace the snapshot lacks: "empty" answers 200 with no operations, "not_found" a 404.
        self.absent_namespace_mode = "empty"
        self.role_definitions: dict[str, dict[str, Any]] = {}  # lower-case definition id -> body
        self.role_definition_reads_left: dict[str, int] = {}  # definition id -> reads still answered 404
        self.role_definition_lag = 0  # reads after a PUT that do not see the new definition yet
        self.role_assignments: dict[str, dict[str, Any]] = {}
        self.new_principals: set[str] = set()  # object ids the directory has not replicated yet (see below)
        self.names_taken_elsewhere: set[tuple[str, str]] = set()  # (region, endpoint name) held by other tenants
        self.token_principals: dict[str, str] = {}  # token -> object id of a principal other than the caller
        self.principal_permissions: dict[str, dict[str, list[dict[str, Any]]]] = {}  # oid -> scope -> roles
        self.private_stores: list[dict[str, Any]] = []
        self.private_store_mode = "ok"  # ok | forbidden | absent
        self.billing_policies: dict[str, list[dict[str, str]] | None] = {}  # sub -> policies (None: 404)

    def take_name_elsewhere(self, region: str, name: str) -> None:
        """An endpoint of this name exists in `region` in a subscription of another tenant: invisible
        to every listing the caller can make, yet ARM refuses the name."""
        self.names_taken_elsewhere.add((region.lower(), name.lower()))

    def principal_token(self, object_id: str) -> str:
        """A token for another principal (e.g. a workspace's system-assigned identity)."""
        token = default_token(oid=object_id, upn=None, name=None, idtyp="app", appid=str(uuid.uuid4()))
        with self._lock:
            self.accepted_tokens.add(token)
            self.token_principals[token] = object_id
        return token

    def set_principal_permissions(self, object_id: str, scope: str, entries: list[dict[str, Any]]) -> None:
        """Roles another principal holds at `scope`: actions/notActions (ARM) and dataActions/
        notDataActions (data planes such as Key Vault secrets), as role definitions spell them."""
        with self._lock:
            self.principal_permissions.setdefault(object_id, {})[_lower(scope)] = [
                {key: list(e.get(key, [])) for key in ("actions", "notActions", "dataActions", "notDataActions")}
                for e in entries
            ]

    def principal_effective_permissions(self, object_id: str, scope: str) -> list[dict[str, Any]]:
        scope = _lower(scope)
        grants = self.principal_permissions.get(object_id, {})
        return [e for granted, entries in grants.items()
                if scope == granted or scope.startswith(granted + "/") for e in entries]

    def add_private_store(self, availability: str = "enabled", store_id: str | None = None) -> dict[str, Any]:
        """A tenant's private Azure Marketplace, shaped as PrivateStore_Get in the Marketplace
        2023-01-01 spec (examples/GetPrivateStore.json)."""
        store_id = store_id or str(uuid.uuid4())
        store = {"id": f"/providers/Microsoft.Marketplace/privateStores/{store_id}",
                 "type": "Microsoft.Marketplace/privateStores", "name": store_id,
                 "properties": {"privateStoreId": store_id, "availability": availability, "tenantId": TENANT,
                                "isGov": False, "collectionIds": []}}
        self.private_stores.append(store)
        return store

    # ---------------------------------------------------------------- helpers
    def effective_permissions(self, scope: str) -> list[dict[str, Any]]:
        scope = _lower(scope)
        out: list[dict[str, Any]] = []
        for granted_scope, entries in self.permissions.items():
            if scope == granted_scope or scope.startswith(granted_scope + "/") or granted_scope == "":
                out.extend(entries)
        return out

    def page(self, request: Request, items: list[dict[str, Any]]) -> JSONResponse:
        start = int(request.query_params.get("$skipToken", "0") or 0)
        chunk = items[start:start + self.page_size]
        body: dict[str, Any] = {"value": chunk}
        if start + self.page_size < len(items):
            query = dict(request.query_params)
            query["$skipToken"] = str(start + self.page_size)
            body["nextLink"] = f"{self.base_url}{request.url.path}?{urlencode(query)}"
        return JSONResponse(body)

    def new_operation(self, sub: str, location: str, polls: int, final: str, on_success: Callable[[], Any],
                      api_version: str) -> dict[str, str]:
        op = Operation(uuid.uuid4().hex, polls, final, on_success)
        self.operations[op.id] = op
        base = f"{self.base_url}/subscriptions/{sub}/providers/{ML}/locations/{location}"
        return {
            "Azure-AsyncOperation": f"{base}/mfeOperationsStatus/{op.id}?api-version={api_version}",
            "Location": f"{base}/mfeOperationResults/{op.id}?api-version={api_version}",
            "Retry-After": "0",
        }

    # ---------------------------------------------------------------- dispatch
    async def _dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params["path"].rstrip("/")
        method = request.method
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")
        record = RecordedRequest(method, path, dict(parse_qsl(request.url.query)), body, time.monotonic())
        with self._lock:
            self.requests.append(record)
        response = await self._answer(request, method, path, body)
        record.status = response.status_code
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        response.headers.setdefault("x-ms-correlation-request-id", str(uuid.uuid4()))
        return response

    async def _answer(self, request: Request, method: str, path: str, body: Any) -> Response:
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        if token not in self.accepted_tokens:
            code = "AuthenticationFailed" if not token else "InvalidAuthenticationToken"
            return arm_error(401, code, "The access token is invalid." if token else
                             "Authentication failed. The 'Authorization' header is missing.",
                             {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/'
                                                  'common", error="invalid_token"'})
        if "api-version" not in request.query_params and not path.lower().endswith(("mfeoperationsstatus",)):
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        with self._lock:
            for fault in self.faults:
                if fault.times != 0 and fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    if fault.body is not None:
                        return JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)
                    if fault.code is None:
                        return Response(status_code=fault.status, headers=fault.headers)
                    return arm_error(fault.status, fault.code, fault.message, fault.headers)
        parts = path.split("/")
        if len(parts) > 2 and parts[1].lower() == "subscriptions" and parts[2].lower() not in self.subscriptions:
            return arm_error(404, "SubscriptionNotFound", f"The subscription '{parts[2]}' could not be found.")
        for route_method, pattern, handler in [*self._extra_routes, *_ROUTES]:
            if route_method != method and not (route_method == "GET" and method == "HEAD"):
                continue
            match = pattern.match(path)
            if match:
                groups = {k: v for k, v in match.groupdict().items() if v is not None}
                denied = self._check_rbac(method, path, groups, self.token_principals.get(token))
                if denied is not None:
                    return denied
                return await handler(self, request, groups, body)
        return arm_error(404, "InvalidResourceType", f"The resource type could not be found for path '{path}'.")

    def _check_rbac(self, method: str, path: str, groups: dict[str, str],
                    principal: str | None = None) -> Response | None:
        if not self.enforce_rbac:
            return None
        action, scope = required_action(method, path)
        if action is None:
            return None
        with self._lock:
            held = (self.effective_permissions(scope) if principal is None else
                    self.principal_effective_permissions(principal, scope))
            ok = _allowed(action, held)
        if ok:
            return None
        client = "deployer@contoso.example" if principal is None else principal
        return arm_error(403, "AuthorizationFailed",
                         f"The client '{client}' with object id '{principal or CALLER_OID}' does not have "
                         f"authorization to perform action '{action}' over scope '{scope}' or the scope is "
                         "invalid. If access was recently granted, please refresh your credentials.")


def required_action(method: str, path: str) -> tuple[str | None, str]:
    """The RBAC action ARM checks for a request, and the scope it checks it at."""
    lowered = path.lower()
    if lowered == "/subscriptions" or "/providers/microsoft.authorization/permissions" in lowered:
        return None, path
    if "/mfeoperation" in lowered:
        return None, path
    if lowered.startswith("/providers/microsoft.resourcegraph/"):
        return None, path  # Resource Graph filters its rows by the caller's read permission instead
    if lowered.startswith(("/providers/microsoft.authorization/provideroperations",
                           "/providers/microsoft.marketplace/privatestores")):
        # Tenant-level metadata: the specs put both under /providers with no subscription, so no
        # subscription or resource-group role assignment applies; the fake answers any signed-in
        # caller (private-store reads can be turned into a 403 with arm.private_store_mode).
        return None, path
    parts = path.strip("/").split("/")
    if len(parts) < 2:
        return None, path
    sub_scope = "/".join(parts[:2])
    rest = parts[2:]
    verb = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(method, "action")
    if not rest:
        return "Microsoft.Resources/subscriptions/read", "/" + sub_scope
    if rest[0].lower() == "resources":
        return "Microsoft.Resources/subscriptions/resources/read", "/" + sub_scope
    if rest[0].lower() == "providers" and len(rest) <= 2:
        return "Microsoft.Resources/subscriptions/providers/read", "/" + sub_scope
    if rest[0].lower() == "providers" and len(rest) == 3 and rest[2].lower() == "register":
        return f"{rest[1]}/register/action", "/" + sub_scope
    if rest[0].lower() == "resourcegroups" and len(rest) == 2:
        return f"Microsoft.Resources/subscriptions/resourceGroups/{verb}", "/" + "/".join(parts[:4])
    if rest[0].lower() == "resourcegroups" and len(rest) >= 3 and rest[2].lower() == "resources":
        return "Microsoft.Resources/subscriptions/resourceGroups/resources/read", "/" + "/".join(parts[:4])
    try:
        i = [p.lower() for p in parts].index("providers")
    except ValueError:
        return None, path
    namespace, tail = parts[i + 1], parts[i + 2:]
    types = tail[0::2]
    if method == "POST" and len(tail) % 2 == 1:  # .../{type}/{name}/{action}
        scope = "/" + "/".join(parts[: i + 2 + len(tail) - 1])
        return f"{namespace}/{'/'.join(types[:-1])}/{tail[-1]}/action", scope
    if method == "POST":
        return f"{namespace}/{'/'.join(types)}/action", "/" + "/".join(parts)
    return f"{namespace}/{'/'.join(types)}/{verb}", "/" + "/".join(parts)


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------

_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourcegroups/(?P<rg>[^/]+)"
_WS = _RG + r"/providers/microsoft\.machinelearningservices/workspaces/(?P<ws>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def _route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(pattern + r"\Z", re.I), handler))
        return handler

    return register


def _addressed(lookup: Callable[[FakeArm, dict[str, str]], _Found | Response]) -> Callable[
        [Callable[[FakeArm, Request, dict[str, str], Any, _Found], Awaitable[Response]]], Handler]:
    """A route on one addressed resource: `lookup` finds it from the path or answers ARM's error for a
    missing (or not yet usable) parent or resource; the handler runs only with what was found."""

    def wrap(handler: Callable[[FakeArm, Request, dict[str, str], Any, _Found], Awaitable[Response]]) -> Handler:
        async def resolved(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
            found = lookup(arm, g)
            return found if isinstance(found, Response) else await handler(arm, request, g, body, found)

        return resolved

    return wrap


def _subscription(arm: FakeArm, sub: str) -> Subscription | Response:
    found = arm.subscriptions.get(sub.lower())
    if found is None:
        return arm_error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
    return found


def _path_subscription(arm: FakeArm, g: dict[str, str]) -> Subscription | Response:
    return _subscription(arm, g["sub"])


def _workspace(arm: FakeArm, g: dict[str, str]) -> Workspace | Response:
    sub = _subscription(arm, g["sub"])
    if isinstance(sub, Response):
        return sub
    if (g["sub"].lower(), g["rg"].lower()) not in arm.resource_groups:
        return arm_error(404, "ResourceGroupNotFound", f"Resource group '{g['rg']}' could not be found.")
    ws = arm.workspaces.get(_lower(f"/subscriptions/{g['sub']}/resourceGroups/{g['rg']}/providers/{ML}/workspaces/"
                                   f"{g['ws']}"))
    if ws is None:
        return arm_error(404, "ResourceNotFound", f"The Resource '{ML}/workspaces/{g['ws']}' under resource group "
                                                  f"'{g['rg']}' was not found. For more details please go to "
                                                  "https://aka.ms/ARMResourceNotFoundFix")
    provider = arm.providers.get((g["sub"].lower(), ML.lower()))
    if provider is not None and provider.state != "Registered":
        return arm_error(409, "MissingSubscriptionRegistration",
                         f"The subscription is not registered to use namespace '{ML}'. See "
                         "https://aka.ms/rps-not-found for how to register subscriptions.")
    return ws


def _endpoint(arm: FakeArm, g: dict[str, str]) -> Endpoint | Response:
    ws = _workspace(arm, g)
    if isinstance(ws, Response):
        return ws
    ep = arm.endpoints.get(_lower(f"{ws.id}/serverlessEndpoints/{g['name']}"))
    if ep is None:
        return arm_error(404, "ResourceNotFound",
                         f"The Resource '{ENDPOINT_TYPE}/{g['name']}' under resource group '{g['rg']}' was not found.")
    return ep


@_route("GET", r"/subscriptions")
async def _list_subscriptions(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    return arm.page(request, [s.body() for s in arm.subscriptions.values()])


@_route("GET", _SUB)
@_addressed(_path_subscription)
async def _get_subscription(arm: FakeArm, request: Request, g: dict[str, str], body: Any,
                            sub: Subscription) -> Response:
    return JSONResponse(sub.body())


@_route("GET", _SUB + r"/providers")
@_addressed(_path_subscription)
async def _list_providers(arm: FakeArm, request: Request, g: dict[str, str], body: Any, sub: Subscription) -> Response:
    items = [p.body(sub.id) for (s, _), p in arm.providers.items() if s == sub.id.lower()]
    return arm.page(request, items)


def _tick_registration(provider: Provider) -> None:
    if provider.state == "Registering":
        provider.pending_polls -= 1
        if provider.pending_polls <= 0:
            provider.state = "Registered"


@_route("GET", _SUB + r"/providers/(?P<ns>[^/]+)")
@_addressed(_path_subscription)
async def _get_provider(arm: FakeArm, request: Request, g: dict[str, str], body: Any, sub: Subscription) -> Response:
    provider = arm.providers.get((sub.id.lower(), g["ns"].lower()))
    if provider is None:
        return arm_error(404, "InvalidResourceNamespace", f"The resource namespace '{g['ns']}' is invalid.")
    _tick_registration(provider)
    return JSONResponse(provider.body(sub.id))


@_route("POST", _SUB + r"/providers/(?P<ns>[^/]+)/register")
@_addressed(_path_subscription)
async def _register_provider(arm: FakeArm, request: Request, g: dict[str, str], body: Any,
                             sub: Subscription) -> Response:
    provider = arm.providers.get((sub.id.lower(), g["ns"].lower()))
    if provider is None:
        return arm_error(404, "InvalidResourceNamespace", f"The resource namespace '{g['ns']}' is invalid.")
    if provider.state != "Registered":
        provider.state = "Registering"
        provider.pending_polls = provider.registers_after
        if provider.pending_polls <= 0:
            provider.state = "Registered"
    return JSONResponse(provider.body(sub.id))


def _generic(item: Workspace | Endpoint | Vault) -> dict[str, Any]:
    kind = {Workspace: WORKSPACE_TYPE, Endpoint: ENDPOINT_TYPE, Vault: VAULT_TYPE}[type(item)]
    name = item.name
    body: dict[str, Any] = {"id": item.id, "name": name, "type": kind, "location": item.location}
    if isinstance(item, Workspace | Endpoint):
        body["tags"] = item.tags
    return body


_FILTER_TYPE = re.compile(r"resourceType\s+eq\s+'([^']+)'", re.I)


def _generic_list(arm: FakeArm, request: Request, sub: str, rg: str | None) -> Response:
    items: list[Workspace | Endpoint | Vault] = [
        *arm.workspaces.values(), *arm.endpoints.values(), *arm.vaults.values()]
    prefix = _lower(f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")) + "/"
    wanted = {t.lower() for t in _FILTER_TYPE.findall(request.query_params.get("$filter", ""))}
    rows = [_generic(i) for i in items if i.id.lower().startswith(prefix)]
    rows = [r for r in rows if not wanted or r["type"].lower() in wanted]
    return arm.page(request, sorted(rows, key=lambda r: r["id"].lower()))


@_route("GET", _SUB + r"/resources")
@_addressed(_path_subscription)
async def _list_resources(arm: FakeArm, request: Request, g: dict[str, str], body: Any, sub: Subscription) -> Response:
    return _generic_list(arm, request, sub.id, None)


@_route("GET", _RG + r"/resources")
async def _list_rg_resources(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    if (g["sub"].lower(), g["rg"].lower()) not in arm.resource_groups:
        return arm_error(404, "ResourceGroupNotFound", f"Resource group '{g['rg']}' could not be found.")
    return _generic_list(arm, request, g["sub"], g["rg"])


@_route("GET", _RG)
@_addressed(_path_subscription)
async def _get_resource_group(arm: FakeArm, request: Request, g: dict[str, str], body: Any,
                              sub: Subscription) -> Response:
    found = arm.resource_groups.get((g["sub"].lower(), g["rg"].lower()))
    if found is None:
        if request.method == "HEAD":
            return Response(status_code=404)
        return arm_error(404, "ResourceGroupNotFound", f"Resource group '{g['rg']}' could not be found.")
    if request.method == "HEAD":
        return Response(status_code=204)
    _, name, location = found
    return JSONResponse({"id": f"/subscriptions/{sub.id}/resourceGroups/{name}", "name": name,
                         "type": "Microsoft.Resources/resourceGroups", "location": location,
                         "properties": {"provisioningState": "Succeeded"}})


@_route("GET", r"(?P<scope>.*)/providers/microsoft\.authorization/permissions")
async def _permissions(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    scope = g["scope"]
    parts = scope.strip("/").split("/")
    sub = _subscription(arm, parts[1]) if len(parts) >= 2 else None
    if isinstance(sub, Response):
        return sub
    if len(parts) >= 4 and (parts[1].lower(), parts[3].lower()) not in arm.resource_groups:
        return arm_error(404, "ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found.")
    if len(parts) > 4 and _lower(scope) not in {*arm.workspaces, *arm.vaults, *arm.endpoints}:
        return arm_error(404, "ResourceNotFound", f"The Resource '{'/'.join(parts[5:])}' under resource group "
                                                  f"'{parts[3]}' was not found.")
    entries = [{**e, "dataActions": [], "notDataActions": []} for e in arm.effective_permissions(scope)]
    return arm.page(request, entries)


@_route("GET", _SUB + r"/providers/microsoft\.machinelearningservices/workspaces")
async def _list_workspaces_sub(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    prefix = _lower(f"/subscriptions/{g['sub']}") + "/"
    return arm.page(request, [w.body() for w in arm.workspaces.values() if w.id.lower().startswith(prefix)])


@_route("GET", _WS)
@_addressed(_workspace)
async def _get_workspace(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ws: Workspace) -> Response:
    return JSONResponse(ws.body())


@_route("GET", _WS + r"/(?P<kind>serverlessendpoints|marketplacesubscriptions)")
@_addressed(_workspace)
async def _list_children(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ws: Workspace) -> Response:
    """A workspace's child resources of one kind, paged (`{value, nextLink}`), as ARM lists them."""
    kind = g["kind"].lower()
    store: dict[str, Any] = {"serverlessendpoints": arm.endpoints, "marketplacesubscriptions": arm.marketplace}[kind]
    prefix = f"{_lower(ws.id)}/{kind}/"
    return arm.page(request, [item.body() for k, item in sorted(store.items()) if k.startswith(prefix)])


@_route("GET", _WS + r"/serverlessendpoints/(?P<name>[^/]+)")
@_addressed(_endpoint)
async def _get_endpoint(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ep: Endpoint) -> Response:
    return JSONResponse(ep.body())


@_route("PUT", _WS + r"/serverlessendpoints/(?P<name>[^/]+)")
@_addressed(_workspace)
async def _put_endpoint(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ws: Workspace) -> Response:
    props = (body or {}).get("properties", {})
    model_id = props.get("modelSettings", {}).get("modelId", "")
    location = (body or {}).get("location") or ws.location
    if not model_id.lower().startswith("azureml://registries/"):
        return arm_error(400, "ServerlessOfferNotFound", "Model mapping properties not found for the given model.")
    spec = next((m for m in MODELS.values() if m.asset_id.lower() == model_id.lower()), None)
    if spec is not None and location not in spec.regions:
        return arm_error(400, "ServerlessModelNotAvailableInRegion",
                         f"Model {spec.name} is not available in region {location}.")
    conflict = endpoint_name_conflict(arm, ws, g["name"], location)
    if conflict is not None:
        return conflict
    key = _lower(f"{ws.id}/serverlessEndpoints/{g['name']}")
    existed = key in arm.endpoints
    ep = arm.endpoints.get(key) or Endpoint(ws, g["name"], model_id, location)
    ep.model_id = model_id
    ep.content_safety = props.get("contentSafety", {}).get("contentSafetyStatus", ep.content_safety)
    arm.endpoints[key] = ep
    return JSONResponse(ep.body(), status_code=200 if existed else 201)


@_route("DELETE", _WS + r"/serverlessendpoints/(?P<name>[^/]+)")
async def _delete_endpoint(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    ep = _endpoint(arm, g)
    if isinstance(ep, Response):
        return Response(status_code=204) if ep.status_code == 404 else ep
    arm.endpoints.pop(_lower(ep.id), None)
    return Response(status_code=200)


@_route("POST", _WS + r"/serverlessendpoints/(?P<name>[^/]+)/listkeys")
@_addressed(_endpoint)
async def _list_keys(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ep: Endpoint) -> Response:
    return JSONResponse(ep.keys())


@_route("POST", _WS + r"/serverlessendpoints/(?P<name>[^/]+)/regeneratekeys")
@_addressed(_endpoint)
async def _regenerate_keys(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ep: Endpoint) -> Response:
    key_type = str((body or {}).get("keyType", ""))
    if key_type.lower() not in ("primary", "secondary"):
        return arm_error(400, "BadRequest", f"keyType '{key_type}' is invalid; expected Primary or Secondary.")
    value = (body or {}).get("keyValue") or new_key()  # the spec: keyValue is "the value the key is set to"

    def apply() -> dict[str, str]:
        if key_type.lower() == "primary":
            ep.primary_key = value
        else:
            ep.secondary_key = value
        return ep.keys()

    if arm.regenerate_async is None:
        return JSONResponse(apply())
    polls, final = arm.regenerate_async
    headers = arm.new_operation(g["sub"], ep.location, polls, final, apply,
                                request.query_params.get("api-version", ""))
    return Response(status_code=202, headers=headers)


def _operation(arm: FakeArm, g: dict[str, str]) -> Operation | Response:
    op = arm.operations.get(g["op"])
    if op is None:
        return arm_error(404, "OperationNotFound", f"Operation '{g['op']}' was not found.")
    if not op.done:
        op.polls_left -= 1
        if op.polls_left <= 0:
            op.done = True
            if op.final == "Succeeded":
                op.result = op.on_success()
    return op


@_route("GET", _SUB + r"/providers/microsoft\.machinelearningservices/locations/(?P<loc>[^/]+)/"
                      r"mfeoperationsstatus/(?P<op>[^/]+)")
@_addressed(_operation)
async def _operation_status(arm: FakeArm, request: Request, g: dict[str, str], body: Any, op: Operation) -> Response:
    status: dict[str, Any] = {"id": request.url.path, "name": op.id,
                              "status": op.final if op.done else "InProgress"}
    if op.done and op.final == "Failed":
        status["error"] = {"code": "InternalServerError", "message": "The key regeneration failed."}
    return JSONResponse(status, headers={} if op.done else {"Retry-After": "0"})


@_route("GET", _SUB + r"/providers/microsoft\.machinelearningservices/locations/(?P<loc>[^/]+)/"
                      r"mfeoperationresults/(?P<op>[^/]+)")
@_addressed(_operation)
async def _operation_result(arm: FakeArm, request: Request, g: dict[str, str], body: Any, op: Operation) -> Response:
    if not op.done:
        return Response(status_code=202, headers={"Retry-After": "0", "Location": str(request.url)})
    if op.final != "Succeeded":
        return arm_error(500, "InternalServerError", "The key regeneration failed.")
    return JSONResponse(op.result) if op.result is not None else Response(status_code=204)


@_route("GET", _WS + r"/marketplacesubscriptions/(?P<name>[^/]+)")
@_addressed(_workspace)
async def _get_marketplace(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ws: Workspace) -> Response:
    ms = arm.marketplace.get(_lower(f"{ws.id}/marketplaceSubscriptions/{g['name']}"))
    if ms is None:
        return arm_error(404, "ResourceNotFound", f"Marketplace subscription '{g['name']}' was not found.")
    return JSONResponse(ms.body())


@_route("PUT", _WS + r"/marketplacesubscriptions/(?P<name>[^/]+)")
@_addressed(_workspace)
async def _put_marketplace(arm: FakeArm, request: Request, g: dict[str, str], body: Any, ws: Workspace) -> Response:
    model_id = (body or {}).get("properties", {}).get("modelId", "")
    if not model_id.lower().startswith("azureml://registries/"):
        return arm_error(400, "ServerlessOfferNotFound", "Model mapping properties not found for the given model.")
    ms = arm.add_marketplace_subscription(ws, g["name"], model_id)
    return JSONResponse(ms.body(), status_code=201)


_VAULT = _RG + r"/providers/microsoft\.keyvault/vaults/(?P<vault>[^/]+)"


def _vault(arm: FakeArm, g: dict[str, str]) -> Vault | Response:
    vault = arm.vaults.get(_lower(f"/subscriptions/{g['sub']}/resourceGroups/{g['rg']}/providers/"
                                  f"Microsoft.KeyVault/vaults/{g['vault']}"))
    if vault is None:
        return arm_error(404, "ResourceNotFound", f"The Resource '{VAULT_TYPE}/{g['vault']}' under resource group "
                                                  f"'{g['rg']}' was not found.")
    return vault


@_route("GET", _VAULT)
@_addressed(_vault)
async def _get_vault(arm: FakeArm, request: Request, g: dict[str, str], body: Any, vault: Vault) -> Response:
    return JSONResponse({"id": vault.id, "name": vault.name, "type": VAULT_TYPE, "location": vault.location,
                         "properties": {"vaultUri": f"https://{vault.name}.vault.azure.net/",
                                        "enableRbacAuthorization": True, "enablePurgeProtection": True,
                                        "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}}})


@_route("GET", _VAULT + r"/secrets/(?P<name>[^/]+)")
@_addressed(_vault)
async def _get_secret(arm: FakeArm, request: Request, g: dict[str, str], body: Any, vault: Vault) -> Response:
    secret = arm.secret(vault.id, g["name"])
    if secret is None:
        return arm_error(404, "ResourceNotFound", f"The Resource '{VAULT_TYPE}/{vault.name}/secrets/{g['name']}' "
                                                  f"under resource group '{g['rg']}' was not found.")
    return JSONResponse(secret.body())  # the control plane never returns the value


@_route("PUT", _VAULT + r"/secrets/(?P<name>[^/]+)")
@_addressed(_vault)
async def _put_secret(arm: FakeArm, request: Request, g: dict[str, str], body: Any, vault: Vault) -> Response:
    value = (body or {}).get("properties", {}).get("value")
    if not isinstance(value, str) or not value:
        return arm_error(400, "BadRequest", "properties.value is required.")
    secret = arm.secret(vault.id, g["name"])
    created = secret is None
    if secret is None:
        secret = arm.put_secret(vault, g["name"], value)
    else:
        secret.history.append(secret.value)
        secret.value, secret.version, secret.updated = value, uuid.uuid4().hex, int(time.time())
    secret.content_type = (body or {}).get("properties", {}).get("contentType", secret.content_type) or ""
    secret.tags = dict((body or {}).get("tags") or secret.tags)
    # --- lifecycle (key expiry): a PUT makes a new version whose attributes are the ones sent (secrets.json
    # SecretCreateOrUpdateParameters -> SecretProperties.attributes); no `exp` sent, no expiry on the version.
    exp = ((body or {}).get("properties", {}).get("attributes") or {}).get("exp")
    secret.expires = int(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    if created:
        secret.created = secret.updated
    return JSONResponse(secret.body(), status_code=201 if created else 200)


# --------------------------------------------------------------------------------------------------
# Azure's rules a first deployment meets
# --------------------------------------------------------------------------------------------------

# GET /providers/Microsoft.Authorization/providerOperations/{ns}?api-version=2022-04-01&$expand=resourceTypes
# Shape: the ProviderOperationsMetadata definition of the 2022-04-01 spec
# (authorization-ProviderOperationsCalls.json; examples/GetProviderOperationsRP.json): {id, name, type,
# displayName, operations[], resourceTypes[{name, displayName, operations[]}]}, each operation
# {name, displayName, description, origin, isDataAction}. `$expand` defaults to resourceTypes.
# The published reference lists operations flat; here the namespace's own operations
# (`{ns}/register/action`, `{ns}/operations/read`) stay at the top and the rest are grouped by the
# resource type their name spells (`{ns}/{type...}/{verb}` or `{ns}/{type...}/{name}/action`).


def _resource_type_of(namespace: str, operation: str) -> str:
    segments = operation[len(namespace) + 1:].split("/")
    segments = segments[:-2] if segments[-1].lower() == "action" else segments[:-1]
    return "/".join(segments)


def _operation_body(name: str, data: bool) -> dict[str, Any]:
    return {"name": name, "displayName": name.rsplit("/", 1)[-1], "description": "", "origin": "user,system",
            "properties": None, "isDataAction": data}


@_route("GET", r"/providers/microsoft\.authorization/provideroperations/(?P<ns>[^/]+)")
async def _provider_operations(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    found = arm.provider_operations.get(g["ns"].lower())
    if found is None:
        if arm.absent_namespace_mode == "not_found":
            return arm_error(404, "InvalidResourceNamespace", f"The resource namespace '{g['ns']}' is invalid.")
        found = NamespaceOperations(g["ns"], g["ns"], (), ())
    top: list[dict[str, Any]] = []
    types: dict[str, list[dict[str, Any]]] = {}
    for names, data in ((found.operations, False), (found.data_actions, True)):
        for name in names:
            kind = _resource_type_of(found.namespace, name)
            (types.setdefault(kind, []) if kind else top).append(_operation_body(name, data))
    answer: dict[str, Any] = {
        "id": f"/providers/Microsoft.Authorization/providerOperations/{found.namespace}",
        "name": found.namespace, "type": "Microsoft.Authorization/providerOperations",
        "displayName": found.display_name, "operations": top}
    if request.query_params.get("$expand", "resourceTypes").lower() == "resourcetypes":
        answer["resourceTypes"] = [{"name": kind, "displayName": kind, "operations": ops}
                                   for kind, ops in sorted(types.items())]
    return JSONResponse(answer)


def _unknown_actions(arm: FakeArm, patterns: list[str]) -> list[str]:
    """Role actions (or notActions) that match no operation Azure lists for their namespace. ARM
    rejects the whole definition over any one of them (InvalidActionOrNotAction: hashicorp/
    terraform-provider-azurerm#4594, MicrosoftDocs/azure-docs#102571, LeanerCloud/CUDly#1800, which
    also shows a wildcard must match at least one listed operation). Namespaces the snapshot does not
    hold are not judged: absent from the snapshot is not absent from Azure."""
    unknown = []
    for pattern in patterns:
        namespace = pattern.split("/", 1)[0]
        if "*" in namespace:
            continue  # `*`, `*/read`: span every namespace
        listed = arm.provider_operations.get(namespace.lower())
        if listed is not None and not any(_wildcard_match(pattern, op) for op in listed.operations):
            unknown.append(pattern)
    return unknown


_ROLE_DEF = r"(?P<scope>.*)/providers/microsoft\.authorization/roledefinitions/(?P<id>[^/]+)"


@_route("PUT", _ROLE_DEF)
async def _put_role_definition(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    # Request and answer shape: PutRoleDefinition.json (Authorization 2022-04-01).
    props = (body or {}).get("properties") or {}
    permissions = props.get("permissions") or []
    patterns = [a for perm in permissions for key in ("actions", "notActions") for a in perm.get(key) or []]
    unknown = _unknown_actions(arm, patterns)
    if unknown:
        # Message as ARM words it (terraform-provider-azurerm#4594, CUDly#1800): the first offender.
        return arm_error(400, "InvalidActionOrNotAction",
                         f"'{unknown[0]}' does not match any of the actions supported by the providers.")
    definition_id = f"{g['scope']}/providers/Microsoft.Authorization/roleDefinitions/{g['id']}"
    answer = {"id": definition_id, "type": "Microsoft.Authorization/roleDefinitions", "name": g["id"],
              "properties": {**props, "type": "CustomRole"}}
    with arm._lock:
        created = _lower(definition_id) not in arm.role_definitions
        arm.role_definitions[_lower(definition_id)] = answer
        if created:
            arm.role_definition_reads_left[g["id"].lower()] = arm.role_definition_lag
    return JSONResponse(answer, status_code=201 if created else 200)


def _definition_visible(arm: FakeArm, definition_id: str) -> bool:
    """A new custom role is not visible everywhere at once: for a while reads and assignments
    answer RoleDefinitionDoesNotExist (Azure/terraform-azurerm-caf-enterprise-scale wiki
    "Troubleshooting": "a transient error which may occur when the Resource Provider in ARM is yet to
    complete replication of the newly created Role Definition"; hashicorp/terraform-provider-azurerm
    #10442). Modelled by count, not time: the first `role_definition_lag` uses fail."""
    guid = definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
    known = any(k.endswith("/" + guid) for k in arm.role_definitions)
    left = arm.role_definition_reads_left.get(guid, 0)
    if known and left > 0:
        arm.role_definition_reads_left[guid] = left - 1
        return False
    return known


def _no_definition(definition_id: str) -> JSONResponse:
    guid = definition_id.rstrip("/").rsplit("/", 1)[-1]
    return arm_error(404, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not "
                                                        "exist.")


@_route("GET", _ROLE_DEF)
async def _get_role_definition(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    definition_id = f"{g['scope']}/providers/Microsoft.Authorization/roleDefinitions/{g['id']}"
    with arm._lock:
        if not _definition_visible(arm, definition_id):
            return _no_definition(definition_id)
        return JSONResponse(arm.role_definitions[_lower(definition_id)])


@_route("PUT", r"(?P<scope>.*)/providers/microsoft\.authorization/roleassignments/(?P<id>[^/]+)")
async def _put_role_assignment(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    # Shape: RoleAssignments_CreateForSubscription.json (Authorization 2022-04-01).
    props = (body or {}).get("properties") or {}
    definition_id = str(props.get("roleDefinitionId") or "")
    with arm._lock:
        builtin = definition_id.rstrip("/").rsplit("/", 1)[-1].lower() in _BUILTIN_ROLE_IDS
        if not builtin and not _definition_visible(arm, definition_id):
            guid = definition_id.rstrip("/").rsplit("/", 1)[-1]
            return arm_error(400, "RoleDefinitionDoesNotExist",
                             f"The specified role definition with ID '{guid}' does not exist.")
        # A principal created seconds ago is not in every directory replica yet: without principalType
        # ARM looks it up and fails (message as quoted in Azure/avdaccelerator#99 and
        # Azure/HubAndSpokeResearchEnclave#50; the fix it names is https://aka.ms/docs-principaltype).
        principal = str(props.get("principalId") or "").lower()
        if principal in arm.new_principals and not props.get("principalType"):
            return arm_error(400, "PrincipalNotFound",
                             f"Principal {principal} does not exist in the directory {TENANT}. Check that you have "
                             "the correct principal ID. If you are creating this principal and then immediately "
                             "assigning a role, this error might be related to a replication delay. In this case, "
                             "set the role assignment principalType property to a value, such as ServicePrincipal, "
                             "User, or Group.  See https://aka.ms/docs-principaltype")
        assignment_id = f"{g['scope']}/providers/Microsoft.Authorization/roleAssignments/{g['id']}"
        answer = {"id": assignment_id, "type": "Microsoft.Authorization/roleAssignments", "name": g["id"],
                  "properties": {**props, "scope": g["scope"]}}
        arm.role_assignments[_lower(assignment_id)] = answer
    return JSONResponse(answer, status_code=201)


_BUILTIN_ROLE_IDS = frozenset({
    "acdd72a7-3385-48ef-bd42-f606fba81ae7", "4633458b-17de-408a-b874-0445c86b69e6",
    "f6c7c914-8db3-469d-8ca1-694a8f32e121", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "b24988ac-6180-42a0-ab88-20f7382dd24c", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
})  # Reader, Key Vault Secrets User, AzureML Data Scientist, Owner, Contributor, User Access Administrator


# Endpoint names are part of a public host name (`<name>-<5 letters>.<region>.models.ai.azure.com`) and
# must be unique per region across all of Azure, other customers included ("This URL must be unique in
# each Azure region": Azure ML how-to, Deploy models as serverless APIs). A taken name is refused with
# the ML service's UserError, worded as in Azure-Samples/azureai-foundry-finetuning-raft#45 (a
# serverless endpoint, surfaced by azd): "Serverless endpoint name '<name>' is not available. Please
# select a different name." The HTTP status is not shown there; 400 (a client error) is assumed.
def endpoint_name_taken(name: str) -> str:
    return f"Serverless endpoint name '{name}' is not available. Please select a different name."


def endpoint_name_conflict(arm: FakeArm, ws: Workspace, name: str, location: str) -> Response | None:
    own = _lower(f"{ws.id}/serverlessEndpoints/{name}")
    taken_here = any(k != own and e.name.lower() == name.lower() and e.location.lower() == location.lower()
                     for k, e in arm.endpoints.items())
    if not taken_here and (location.lower(), name.lower()) not in arm.names_taken_elsewhere:
        return None
    return arm_error(400, "UserError", endpoint_name_taken(name))


# Key Vault's data plane for an RBAC vault, served here under `/keyvault/{vault}` because the fake has
# one host (Azure serves it at https://{vault}.vault.azure.net/secrets/{name}?api-version=7.4). Reading a
# secret needs the data action `Microsoft.KeyVault/vaults/secrets/getSecret/action` (Key Vault Secrets
# User grants it; control-plane roles such as Owner do not). Without it Key Vault answers 403 with
# code Forbidden, innererror ForbiddenByRbac and the message shape quoted in
# piyushsachdeva/Terraform_AKS#2 and hashicorp/terraform-provider-azurerm#27817.
KEY_VAULT_GET_SECRET = "Microsoft.KeyVault/vaults/secrets/getSecret/action"


def _data_allowed(action: str, roles: list[dict[str, Any]]) -> bool:
    return any(any(_wildcard_match(a, action) for a in r.get("dataActions") or ())
               and not any(_wildcard_match(n, action) for n in r.get("notDataActions") or ()) for r in roles)


@_route("GET", r"/keyvault/(?P<vault>[^/]+)/secrets/(?P<name>[^/]+)")
async def _data_plane_get_secret(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    vault = next((v for v in arm.vaults.values() if v.name.lower() == g["vault"].lower()), None)
    if vault is None:
        return arm_error(404, "VaultNotFound", f"Vault {g['vault']} was not found.")
    auth = request.headers.get("authorization", "")
    principal = arm.token_principals.get(auth[7:]) or CALLER_OID
    resource = f"{_lower(vault.id)}/secrets/{g['name'].lower()}"
    with arm._lock:
        roles = (arm.principal_effective_permissions(principal, resource) if principal != CALLER_OID else
                 arm.effective_permissions(resource))
        secret = arm.secret(vault.id, g["name"])
    if not _data_allowed(KEY_VAULT_GET_SECRET, roles):
        message = ("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments "
                   "or role definitions were changed recently, please observe propagation time.\r\n"
                   f"Caller: oid={principal};iss=https://sts.windows.net/{TENANT}/\r\n"
                   f"Action: '{KEY_VAULT_GET_SECRET}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\n"
                   "DenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n"
                   f"Vault: {vault.name};location={vault.location}\r\n")
        return JSONResponse({"error": {"code": "Forbidden", "message": message,
                                       "innererror": {"code": "ForbiddenByRbac"}}}, status_code=403)
    if secret is None:
        return arm_error(404, "SecretNotFound", f"A secret with (name/id) {g['name']} was not found in this key vault.")
    uri = f"https://{vault.name}.vault.azure.net/secrets/{secret.name}/{secret.version}"
    return JSONResponse({"value": secret.value, "id": uri,
                         "attributes": {"enabled": True, "created": secret.updated, "updated": secret.updated}})


# The tenant's private Azure Marketplace: PrivateStore_List (GET /providers/Microsoft.Marketplace/
# privateStores, Marketplace 2023-01-01 spec) answers {value: [PrivateStore], nextLink}; a store
# with properties.availability "enabled" restricts purchases to the items its admins approved.
@_route("GET", r"/providers/microsoft\.marketplace/privatestores")
async def _private_stores(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    if arm.private_store_mode == "forbidden":
        return arm_error(403, "AuthorizationFailed",
                         f"The client 'deployer@contoso.example' with object id '{CALLER_OID}' does not have "
                         "authorization to perform action 'Microsoft.Marketplace/privateStores/read' over scope "
                         "'/providers/Microsoft.Marketplace/privateStores' or the scope is invalid.")
    if arm.private_store_mode == "absent":
        return arm_error(404, "InvalidResourceType", "The resource type 'privateStores' could not be found in the "
                                                     "namespace 'Microsoft.Marketplace'.")
    return arm.page(request, list(arm.private_stores))


# Billing policies of a subscription: Policies_GetBySubscription (Microsoft.Billing 2024-04-01,
# examples/policiesGetBySubscription.json): {id, name: "default", type, properties: {policies: [{name,
# value, policyType, scope}]}}; "supported for Microsoft Online Services Program, Microsoft Customer
# Agreement and Microsoft Partner Agreement" (the spec's description) -- EA subscriptions get a 404 here.
@_route("GET", _SUB + r"/providers/microsoft\.billing/policies/default")
async def _billing_policies(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    # Unset: what the spec's example answers, a subscription whose policies say nothing about Marketplace.
    example = [{"name": "ViewCharges", "value": "Allowed", "policyType": "SystemControlled",
                "scope": f"/subscriptions/{g['sub']}"}]
    policies = arm.billing_policies.get(g["sub"].lower(), example)
    if policies is None:
        return arm_error(404, "NotFound", "Billing policies are not available for this subscription's agreement type.")
    return JSONResponse({"id": f"/subscriptions/{g['sub']}/providers/Microsoft.Billing/policies/default",
                         "name": "default", "type": "Microsoft.Billing/policies",
                         "properties": {"policies": policies}})


# --------------------------------------------------------------------------------------------------
# Azure Resource Graph
# --------------------------------------------------------------------------------------------------

GRAPH_MAX_SUBSCRIPTIONS = 1000
GRAPH_MAX_TOP = 1000
_GRAPH_TYPES = re.compile(r"\btype\s+in~\s*\(([^)]*)\)", re.I)
_GRAPH_PROJECT = re.compile(r"\|\s*project\s+([^|]+)", re.I)


def _graph_error(status: int, code: str, message: str, detail_code: str = "", detail: str = "") -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if detail_code:
        error["details"] = [{"code": detail_code, "message": detail}]
    return JSONResponse({"error": error}, status_code=status)


def _skip_token(offset: int, scope_hash: str) -> str:
    return base64.b64encode(json.dumps({"offset": offset, "scope": scope_hash}).encode()).decode()


@_route("POST", r"/providers/microsoft\.resourcegraph/resources")
async def _graph_resources(arm: FakeArm, request: Request, g: dict[str, str], body: Any) -> Response:
    mode = arm.graph.mode
    if mode == "forbidden":
        return arm_error(403, "AuthorizationFailed",
                         f"The client 'deployer@contoso.example' with object id '{CALLER_OID}' does not have "
                         "authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope "
                         "'/providers/Microsoft.ResourceGraph' or the scope is invalid.")
    if mode == "unregistered":
        return arm_error(409, "MissingSubscriptionRegistration",
                         "The subscription is not registered to use namespace 'Microsoft.ResourceGraph'. See "
                         "https://aka.ms/rps-not-found for how to register subscriptions.")
    if mode == "absent":
        return arm_error(404, "InvalidResourceType", "The resource type 'resources' could not be found in the "
                                                     "namespace 'Microsoft.ResourceGraph'.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return _graph_error(400, "BadRequest", "Please provide a query.", "InvalidQuery", "Query is missing.")
    query: str = body["query"]
    options = body.get("options") or {}
    subscriptions = body.get("subscriptions")
    if subscriptions is None:  # a tenant-scope query: every subscription the caller can see
        subscriptions = [s.id for s in arm.subscriptions.values()]
    if not isinstance(subscriptions, list) or len(subscriptions) > GRAPH_MAX_SUBSCRIPTIONS:
        return _graph_error(400, "BadRequest", "Too many subscriptions in the request.", "TooManySubscriptions",
                            f"At most {GRAPH_MAX_SUBSCRIPTIONS} subscriptions per request.")
    top = options.get("$top")
    if top is not None and (not isinstance(top, int) or not 1 <= top <= GRAPH_MAX_TOP):
        return _graph_error(400, "BadRequest", "Invalid $top.", "InvalidOption",
                            f"$top must be between 1 and {GRAPH_MAX_TOP}.")
    page_size = min(top or arm.graph.default_page_size, arm.graph.max_page_size)

    rows = arm.resource_rows([str(s) for s in subscriptions])
    found = _GRAPH_TYPES.search(query)
    if found:
        wanted = {t.strip().strip("'\"").lower() for t in found.group(1).split(",") if t.strip()}
        rows = [r for r in rows if r["type"] in wanted]
    if not arm.graph.index_endpoints:
        rows = [r for r in rows if r["type"] != ENDPOINT_TYPE.lower()]
    if not arm.graph.index_marketplace:
        rows = [r for r in rows if r["type"] != f"{WORKSPACE_TYPE}/marketplaceSubscriptions".lower()]
    if arm.enforce_rbac:  # ARG only returns what the caller may read
        with arm._lock:
            rows = [r for r in rows if _allowed(f"{r['type']}/read", arm.effective_permissions(r["id"]))]
    projected = _GRAPH_PROJECT.search(query)
    columns = [c.strip() for c in projected.group(1).split(",")] if projected else None
    if columns is not None:
        rows = [{c: r.get(c) for c in columns} for r in rows]
    rows.sort(key=lambda r: str(r.get("id", "")).lower())

    scope_hash = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps([query, sorted(map(str, subscriptions))])).hex
    offset = 0
    token = options.get("$skipToken")
    if token:
        try:
            decoded = json.loads(base64.b64decode(str(token)))
            offset, issued_for = int(decoded["offset"]), str(decoded["scope"])
        except (ValueError, KeyError, TypeError):
            return _graph_error(400, "BadRequest", "Invalid $skipToken.", "InvalidSkipToken", "Cannot decode it.")
        if issued_for != scope_hash:
            return _graph_error(400, "BadRequest", "Invalid $skipToken.", "InvalidSkipToken",
                                "The token must be used with the same query and scopes that produced it.")
    data = rows[offset:offset + page_size]
    # Without an id column ARG cannot page in a stable order: it truncates instead of handing out a token.
    pageable = columns is None or "id" in columns
    answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(data),
                              "resultTruncated": "false" if pageable or len(rows) <= page_size else "true",
                              "facets": [], "data": data}
    if pageable and offset + page_size < len(rows):
        answer["$skipToken"] = _skip_token(offset + page_size, scope_hash)
    if options.get("resultFormat") == "table":
        names = columns or (list(data[0]) if data else [])
        answer["data"] = {"columns": [{"name": n, "type": "object" if n in ("properties", "tags", "sku") else
                                       "string"} for n in names],
                          "rows": [[r.get(n) for n in names] for r in data]}
    return JSONResponse(answer)


# --------------------------------------------------------------------------------------------------
# Serving on loopback HTTPS
# --------------------------------------------------------------------------------------------------


class FakeArmServer:
    """Runs a FakeArm under uvicorn in a thread on 127.0.0.1:<free port> with a trustme CA."""

    def __init__(self, workdir: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-arm-") if workdir is None else None
        self.dir = Path(self._tmp.name) if self._tmp else workdir  # type: ignore[assignment]
        self._tls = LoopbackTls.issue(self.dir)
        self.ca_path = self._tls.ca_path
        self._loopback = LoopbackServer(name="fake ARM")
        self.port = self._loopback.port
        self.url = f"https://127.0.0.1:{self.port}"
        self.arm = FakeArm(self.url)

    def start(self) -> FakeArmServer:
        self._loopback.start(self.arm.app, **self._tls.uvicorn_options())
        return self

    def stop(self) -> None:
        self._loopback.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def env(self) -> dict[str, str]:
        """What points the code under test at this fake (set with monkeypatch.setenv)."""
        return {"MAAS_ARM_ENDPOINT": self.url, "MAAS_ACCESS_TOKEN": self.arm.token,
                "REQUESTS_CA_BUNDLE": str(self.ca_path)}

    def __enter__(self) -> FakeArmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve() -> Iterator[FakeArmServer]:
    with FakeArmServer() as server:
        yield server
