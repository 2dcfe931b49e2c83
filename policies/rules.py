"""The policy rules of maas-fleet: pure functions over ResourceRecords (DESIGN §5).

Why pure functions: the same rules must hold for `maas plan` (records from Pulumi mocks), the
CrossGuard pack (`pulumi preview --policy-pack policies`) and `maas policy check` (a stack export or a
preview document), so none of them may know where its records came from. Every threshold and list
is read from infra/catalog.py and infra/naming.py.

Two ground rules every check follows:
- A value a rule cannot see (absent because unknown at preview, or listed in `unknown_paths`) is
  not a violation. The exceptions are settings the fleet must state explicitly because Azure's
  default is not guaranteed (content safety, auth mode, Key Vault RBAC mode): there "not set" is a
  violation, "unknown" is not.
- Messages name the resource and the offending value, never a secret: a key found in clear is
  reported by where it is, not what it is.

Public API (used by `maas plan`, the CrossGuard adapter and `maas policy check`):
    from policies.rules import RULES, evaluate
    violations = evaluate(records)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from infra.catalog import (
    CONTENT_SAFETY_ENABLED,
    ENDPOINT_AUTH_MODE,
    ENDPOINT_SKU,
    FORBIDDEN_ROLES,
    MANAGED_BY_VALUE,
    MODELS,
    PERMISSIONS,
    REQUIRED_TAGS,
    TAG_MANAGED_BY,
    ModelSpec,
    model_for_asset_id,
    normalise_region,
)
from infra.naming import ENDPOINT_RULE
from policies.props import (
    APP_INSIGHTS,
    KEY_VAULT,
    KEY_VAULT_SECRET,
    LOG_ANALYTICS,
    MARKETPLACE_SUBSCRIPTION,
    MISSING,
    ML_WORKSPACE,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SERVERLESS_ENDPOINT,
    STACK,
    STORAGE_ACCOUNT,
    canonical_type,
    dig,
    format_path,
    is_secret,
    is_type,
    is_unknown,
    text,
    walk,
)
from policies.records import ResourceRecord, Severity, Violation

# --------------------------------------------------------------------------------------------------
# Rule machinery
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What a check returns; the Rule adds its id and severity to make a Violation."""

    resource: str  # logical name
    message: str
    fix: str


ANY_TYPE: Final = "*"  # in Rule.types: the rule reads resources of every type

ResourceCheck = Callable[[ResourceRecord], Iterable[Finding]]
StackCheck = Callable[[Sequence[ResourceRecord]], Iterable[Finding]]


class RuleScope(StrEnum):
    RESOURCE = "resource"  # looks at one record at a time (a CrossGuard ResourceValidationPolicy)
    STACK = "stack"  # compares records with each other (a CrossGuard StackValidationPolicy)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    fix: str  # the general remediation; each violation carries a specific one
    types: tuple[str, ...]  # canonical type tokens the rule reads
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    # True when the rule is about secretness, which CrossGuard cannot see (it unwraps secrets).
    needs_secret_markers: bool = False

    @property
    def scope(self) -> RuleScope:
        return RuleScope.RESOURCE if self.resource_check is not None else RuleScope.STACK

    def applies_to(self, record: ResourceRecord) -> bool:
        return ANY_TYPE in self.types or canonical_type(record.type) in self.types

    def check_resource(self, record: ResourceRecord) -> list[Violation]:
        if self.resource_check is None or not self.applies_to(record):
            return []
        return [self._violation(f) for f in self.resource_check(record)]

    def check_stack(self, records: Sequence[ResourceRecord]) -> list[Violation]:
        if self.stack_check is None:
            return []
        return [self._violation(f) for f in self.stack_check(records)]

    def run(self, records: Sequence[ResourceRecord]) -> list[Violation]:
        if self.resource_check is not None:
            return [v for record in records for v in self.check_resource(record)]
        return self.check_stack(records)

    def _violation(self, finding: Finding) -> Violation:
        return Violation(self.id, self.severity, finding.resource, finding.message, finding.fix)


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------

_KIND: Final = {
    RESOURCE_GROUP: ("resource group", "resourceGroupName"),
    STORAGE_ACCOUNT: ("storage account", "accountName"),
    KEY_VAULT: ("key vault", "vaultName"),
    KEY_VAULT_SECRET: ("Key Vault secret", "secretName"),
    LOG_ANALYTICS: ("Log Analytics workspace", "workspaceName"),
    APP_INSIGHTS: ("Application Insights component", "resourceName"),
    ML_WORKSPACE: ("ML workspace", "workspaceName"),
    MARKETPLACE_SUBSCRIPTION: ("marketplace subscription", "name"),
    SERVERLESS_ENDPOINT: ("serverless endpoint", "name"),
    ROLE_DEFINITION: ("custom role", "roleName"),
    ROLE_ASSIGNMENT: ("role assignment", "roleAssignmentName"),
    STACK: ("stack", ""),
}

# Resources the fleet creates that carry tags (DESIGN §3); subscriptions and secrets are not tagged.
TAGGED_TYPES: Final = (
    RESOURCE_GROUP,
    STORAGE_ACCOUNT,
    KEY_VAULT,
    LOG_ANALYTICS,
    APP_INSIGHTS,
    ML_WORKSPACE,
    SERVERLESS_ENDPOINT,
)


def label(record: ResourceRecord) -> str:
    """`serverless endpoint 'eastus2-main-stable-image-core' (Azure name 'contoso-dev-main-core')`."""
    kind, name_key = _KIND.get(canonical_type(record.type), ("resource", ""))
    azure_name = text(record.properties, name_key) if name_key else None
    if azure_name and azure_name != record.name:
        return f"{kind} '{record.name}' (Azure name '{azure_name}')"
    return f"{kind} '{record.name}'"


def _model_path(record: ResourceRecord) -> str:
    if is_type(record, SERVERLESS_ENDPOINT):
        return "properties.modelSettings.modelId"
    return "properties.modelId"


def model_of(record: ResourceRecord) -> tuple[str | None, ModelSpec | None]:
    """The model id an endpoint or marketplace subscription names, and its catalog entry if any."""
    asset_id = text(record.properties, _model_path(record))
    if not asset_id:
        return None, None
    return asset_id, model_for_asset_id(asset_id)


def _model_key(asset_id: str, model: ModelSpec | None) -> str:
    if model is not None:
        return model.slug
    return asset_id.strip().lower().split("/versions/", 1)[0].rstrip("/")


def _model_name(asset_id: str, model: ModelSpec | None) -> str:
    return model.name if model is not None else asset_id


def workspace_key(record: ResourceRecord) -> tuple[str, str] | None:
    """(resource group, workspace) in lower case: Azure names are case-insensitive."""
    rg = text(record.properties, "resourceGroupName")
    ws = text(record.properties, "workspaceName")
    if not rg or not ws:
        return None
    return rg.lower(), ws.lower()


def _regions(model: ModelSpec) -> str:
    return ", ".join(model.regions)


def _of_type(records: Sequence[ResourceRecord], type_token: str) -> list[ResourceRecord]:
    return [r for r in records if is_type(r, type_token)]


def shown(record: ResourceRecord, path: str) -> str:
    """The value at `path` as a message shows it: repr, `not set`, or withheld when it is a secret."""
    if is_secret(record, path):
        return "(a secret value, withheld)"
    value = dig(record.properties, path)
    return "not set" if value is MISSING else repr(value)


def _status_check(
    record: ResourceRecord, path: str, expected: str, what: str, consequence: str, fix: str
) -> Iterator[Finding]:
    """An explicit setting that must equal `expected` (case-insensitive); not set is a violation
    unless the value is merely unknown, or its enclosing `properties` object is not visible."""
    top = path.split(".", 1)[0]
    if top not in record.properties or is_unknown(record, path):
        return
    value = dig(record.properties, path)
    if value is MISSING or value is None:
        yield Finding(record.name, f"{label(record)} does not set {path}; {consequence}", fix)
    elif not (isinstance(value, str) and value.lower() == expected.lower()):
        yield Finding(record.name, f"{label(record)} has {path} = {shown(record, path)}; {what}", fix)


# --------------------------------------------------------------------------------------------------
# Serverless endpoints
# --------------------------------------------------------------------------------------------------


def _endpoint_region(record: ResourceRecord) -> Iterator[Finding]:
    location = text(record.properties, "location")
    _, model = model_of(record)
    if not location or model is None:
        return
    if normalise_region(location) not in model.regions:
        yield Finding(
            record.name,
            f"{label(record)} is in region {shown(record, 'location')}, where {model.name} is not offered "
            f"(allowed: {_regions(model)}); Azure answers ServerlessModelNotAvailableInRegion",
            f"deploy {model.name} only into a workspace in one of: {_regions(model)} "
            "(set the endpoint's location to that workspace's region)",
        )


def _content_safety(record: ResourceRecord) -> Iterator[Finding]:
    yield from _status_check(
        record,
        "properties.contentSafety.contentSafetyStatus",
        CONTENT_SAFETY_ENABLED,
        f"content safety must be {CONTENT_SAFETY_ENABLED!r} for every endpoint of the fleet",
        "Azure's default is not guaranteed, so the fleet states it explicitly",
        f"set properties.contentSafety.contentSafetyStatus = {CONTENT_SAFETY_ENABLED!r}",
    )


def _auth_mode(record: ResourceRecord) -> Iterator[Finding]:
    yield from _status_check(
        record,
        "properties.authMode",
        ENDPOINT_AUTH_MODE,
        f"the fleet stores and rotates endpoint keys, so auth mode must be {ENDPOINT_AUTH_MODE!r}",
        f"the fleet stores and rotates endpoint keys and needs auth mode {ENDPOINT_AUTH_MODE!r}",
        f"set properties.authMode = {ENDPOINT_AUTH_MODE!r}",
    )


def _endpoint_sku(record: ResourceRecord) -> Iterator[Finding]:
    sku = text(record.properties, "sku.name")
    if sku is not None and sku.lower() != ENDPOINT_SKU.lower():
        yield Finding(
            record.name,
            f"{label(record)} has sku.name = {shown(record, 'sku.name')}; serverless (pay-as-you-go) endpoints are "
            f"sold only as {ENDPOINT_SKU!r}",
            f"set sku.name = {ENDPOINT_SKU!r}",
        )


def _endpoint_name(record: ResourceRecord) -> Iterator[Finding]:
    name = text(record.properties, "name")
    if name is None:
        return
    problem = ENDPOINT_RULE.problem(name)
    if problem is not None:
        yield Finding(
            record.name,
            f"{label(record)}: {problem}",
            f"rename it: {ENDPOINT_RULE.min_len}-{ENDPOINT_RULE.max_len} characters, {ENDPOINT_RULE.allowed} "
            f"(pattern {ENDPOINT_RULE.pattern.pattern})",
        )


def _model_known(record: ResourceRecord) -> Iterator[Finding]:
    asset_id, model = model_of(record)
    if asset_id and model is None:
        known = ", ".join(m.asset_id for m in MODELS.values())
        yield Finding(
            record.name,
            f"{label(record)} names model {asset_id!r}, which is not in the maas-fleet catalog; region, "
            "capability and price checks cannot apply to it",
            f"use one of {known}, or add the model to infra/catalog.py",
        )


def _name_unique_per_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[ResourceRecord]] = defaultdict(list)
    for record in _of_type(records, SERVERLESS_ENDPOINT):
        name = text(record.properties, "name")
        location = text(record.properties, "location")
        if name and location:
            groups[(normalise_region(location), name.lower())].append(record)
    for (region, _), members in groups.items():
        if len(members) < 2:
            continue
        name = text(members[0].properties, "name")
        for record in members:
            others = ", ".join(f"'{o.name}'" for o in members if o is not record)
            yield Finding(
                record.name,
                f"{label(record)} uses endpoint name {name!r} in region {region!r}, as does {others}; the name "
                "is part of the endpoint's public URL and must be unique per region",
                "give each endpoint in a region its own name (naming.Namer.endpoint includes project and model)",
            )


def _one_per_model_per_workspace(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[ResourceRecord]] = defaultdict(list)
    for record in _of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(record)
        asset_id, model = model_of(record)
        if key and asset_id:
            groups[(*key, _model_key(asset_id, model))].append(record)
    for members in groups.values():
        if len(members) < 2:
            continue
        asset_id, model = model_of(members[0])
        assert asset_id is not None
        ws = text(members[0].properties, "workspaceName")
        names = ", ".join(f"'{m.name}'" for m in members)
        for record in members[1:]:
            yield Finding(
                record.name,
                f"{label(record)} is a second deployment of {_model_name(asset_id, model)} in workspace {ws!r} "
                f"({names}); Azure allows one deployment per model per workspace",
                "keep one endpoint per model per workspace; add a project (another workspace) to scale out",
            )


def _depends_on_subscription(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    names = {r.name for r in records}
    subscriptions: dict[tuple[str, str, str], list[ResourceRecord]] = defaultdict(list)
    for sub in _of_type(records, MARKETPLACE_SUBSCRIPTION):
        key = workspace_key(sub)
        asset_id, model = model_of(sub)
        if key and asset_id:
            subscriptions[(*key, _model_key(asset_id, model))].append(sub)
    for endpoint in _of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(endpoint)
        asset_id, model = model_of(endpoint)
        if not key or not asset_id:
            continue
        ws = text(endpoint.properties, "workspaceName")
        model_name = _model_name(asset_id, model)
        candidates = subscriptions.get((*key, _model_key(asset_id, model)), [])
        if not candidates:
            if any(dep not in names for dep in endpoint.dependencies):
                continue  # it depends on something this view does not show; that may be the subscription
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} deploys {model_name} into workspace {ws!r}, but no MarketplaceSubscription "
                "for that model exists in that workspace; Azure refuses the deployment (ServerlessOfferNotFound)",
                f"declare a MarketplaceSubscription with properties.modelId = {asset_id!r} in workspace {ws!r} "
                "and add it to the endpoint's depends_on",
            )
        elif not any(sub.name in endpoint.dependencies for sub in candidates):
            subs = [s.name for s in candidates]
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} does not depend on marketplace subscription "
                f"{', '.join(repr(s) for s in subs)} for {model_name}; without the edge Pulumi may create the "
                "endpoint first, and destroy may remove the subscription first and leave the endpoint Unhealthy",
                f"add the subscription resource ({', '.join(subs)}) to the endpoint's depends_on",
            )


def _workspace_index(records: Sequence[ResourceRecord]) -> dict[tuple[str, str], ResourceRecord]:
    index: dict[tuple[str, str], ResourceRecord] = {}
    for ws in _of_type(records, ML_WORKSPACE):
        key = workspace_key(ws)
        if key is not None:
            index.setdefault(key, ws)
    return index


def _workspace_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    index = _workspace_index(records)
    seen: set[tuple[str, str]] = set()
    users = _of_type(records, SERVERLESS_ENDPOINT) + _of_type(records, MARKETPLACE_SUBSCRIPTION)
    for user in users:
        key = workspace_key(user)
        _, model = model_of(user)
        ws = index.get(key) if key else None
        if ws is None or model is None:
            continue
        location = text(ws.properties, "location")
        if not location or normalise_region(location) in model.regions or (ws.name, model.slug) in seen:
            continue
        seen.add((ws.name, model.slug))
        yield Finding(
            ws.name,
            f"{label(ws)} is in region {shown(ws, 'location')}, but {model.name} (used there by {label(user)}) is "
            f"offered only in: {_regions(model)}",
            f"move the workspace to one of {_regions(model)} (a new region in the stack config), "
            f"or stop deploying {model.name} into it",
        )


def _endpoint_in_workspace_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    index = _workspace_index(records)
    for endpoint in _of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(endpoint)
        ws = index.get(key) if key else None
        location = text(endpoint.properties, "location")
        ws_location = text(ws.properties, "location") if ws is not None else None
        if ws is None or not location or not ws_location:
            continue
        if normalise_region(location) != normalise_region(ws_location):
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} has location {shown(endpoint, 'location')} but its {label(ws)} is in "
                f"{shown(ws, 'location')}; "
                "a serverless endpoint belongs to its workspace's region, so Azure refuses or ignores the "
                "mismatch and audits would report the wrong region",
                f"set the endpoint's location to {normalise_region(ws_location)!r}",
            )


# --------------------------------------------------------------------------------------------------
# Keys and secrets
# --------------------------------------------------------------------------------------------------

# Field names that hold an endpoint key wherever they appear, and ones that do only in stack outputs
# (the `endpoints` output has `key`; elsewhere `key` often names a tag or a setting).
_KEY_FIELDS: Final = frozenset(
    {"primarykey", "secondarykey", "apikey", "endpointkey", "accesskey", "authkey", "authorizationkey"}
)
_STACK_KEY_FIELDS: Final = _KEY_FIELDS | {"key", "keys"}


def _field_name(path: tuple[str | int, ...]) -> str | None:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


def _is_reference(value: str) -> bool:
    """A Key Vault reference or URI points at a key; it is not one."""
    v = value.strip().lower()
    return v.startswith("@microsoft.keyvault(") or (v.startswith("https://") and ".vault." in v)


def _keys_as_secrets(record: ResourceRecord) -> Iterator[Finding]:
    if not record.secrets_visible:
        return
    if is_type(record, KEY_VAULT_SECRET):
        value = dig(record.properties, "properties.value")
        if value not in (MISSING, None, "") and not is_secret(record, "properties.value"):
            yield Finding(
                record.name,
                f"{label(record)} sets properties.value from a plain value (not a Pulumi secret); the key would "
                "be written in clear to the state file and to previews (value withheld)",
                "pass the key as a secret (list_serverless_endpoint_keys_output keys are secret; otherwise wrap "
                "it in pulumi.Output.secret)",
            )
    stack = is_type(record, STACK)
    fields = _STACK_KEY_FIELDS if stack else _KEY_FIELDS
    for path, value in walk(record.properties):
        field = _field_name(path)
        if field is None or field.lower() not in fields:
            continue
        if not isinstance(value, str) or not value.strip() or _is_reference(value):
            continue
        if is_secret(record, path):
            continue
        where = "stack output" if stack else "input"
        yield Finding(
            record.name,
            f"{where} {format_path(path)!r} of {label(record)} carries an endpoint key in clear (value withheld)",
            "export keys only as Pulumi secrets (pulumi.Output.secret or additional_secret_outputs), or export "
            "the Key Vault secret URI instead of the key",
        )


# --------------------------------------------------------------------------------------------------
# Access (RBAC)
# --------------------------------------------------------------------------------------------------

_FORBIDDEN: Final = {role.id.lower(): role for role in FORBIDDEN_ROLES}
_ALLOWED_ACTIONS: Final = tuple(sorted({a.lower() for actions in PERMISSIONS.values() for a in actions}))


def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of any role definition id format (subscription-scoped, tenant-scoped `/providers/...`,
    management-group-scoped, or the bare GUID)."""
    return role_definition_id.strip().rstrip("/").rsplit("/", 1)[-1].lower()


def action_allowed(action: str) -> bool:
    """Within the documented permissions: equal to one, or narrower than one of its `.../*` wildcards.
    `*` and `Microsoft.MachineLearningServices/*` are broader and therefore refused."""
    a = action.strip().lower()
    for allowed in _ALLOWED_ACTIONS:
        if a == allowed:
            return True
        if allowed.endswith("/*") and a.startswith(allowed[:-1]) and len(a) > len(allowed) - 1:
            return True
    return False


def _forbidden_assignment(record: ResourceRecord) -> Iterator[Finding]:
    role_id = text(record.properties, "roleDefinitionId")
    if not role_id:
        return
    role = _FORBIDDEN.get(role_guid(role_id))
    if role is None:
        return
    principal = text(record.properties, "principalId") or "(unknown principal)"
    scope = text(record.properties, "scope") or "(unknown scope)"
    yield Finding(
        record.name,
        f"{label(record)} assigns built-in role {role.name} ({role.id}) to principal {principal} at scope "
        f"{scope}; maas-fleet never grants Owner, Contributor or User Access Administrator",
        "assign the maas-fleet custom roles (persona deployer), Key Vault Secrets User (consumer) or "
        "Reader (auditor) instead",
    )


def _custom_role_scope(record: ResourceRecord) -> Iterator[Finding]:
    permissions = dig(record.properties, "permissions")
    if not isinstance(permissions, Sequence) or isinstance(permissions, str):
        return
    broad: list[str] = []
    data: list[str] = []
    for permission in permissions:
        if not isinstance(permission, Mapping):
            continue
        for action in _strings(permission.get("actions")):
            if not action_allowed(action) and action not in broad:
                broad.append(action)
        data.extend(a for a in _strings(permission.get("dataActions")) if a not in data)
    if broad:
        yield Finding(
            record.name,
            f"{label(record)} grants actions beyond the documented serverless permissions: "
            f"{', '.join(repr(a) for a in broad)}",
            f"limit actions to infra/catalog.py PERMISSIONS ({len(_ALLOWED_ACTIONS)} actions across subscription, "
            f"resource group and workspace scope); wildcards broader than those are refused",
        )
    if data:
        yield Finding(
            record.name,
            f"{label(record)} grants dataActions {', '.join(repr(a) for a in data)}; the serverless roles need none",
            "remove dataActions from the role definition",
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [v for v in value if isinstance(v, str)]
    return []


# --------------------------------------------------------------------------------------------------
# Tags and Key Vault
# --------------------------------------------------------------------------------------------------


def _required_tags(record: ResourceRecord) -> Iterator[Finding]:
    if is_unknown(record, "tags"):
        return
    tags = dig(record.properties, "tags")
    if tags is MISSING or tags is None:
        tags = {}
    if not isinstance(tags, Mapping):
        return
    missing = [
        tag
        for tag in REQUIRED_TAGS
        if not (isinstance(tags.get(tag), str) and tags[tag].strip()) and not is_unknown(record, ("tags", tag))
    ]
    if missing:
        yield Finding(
            record.name,
            f"{label(record)} lacks required tags: {', '.join(missing)}",
            f"tag it with {', '.join(REQUIRED_TAGS)} ({TAG_MANAGED_BY}={MANAGED_BY_VALUE}; "
            "FleetConfig.tags_for(project) builds the set)",
        )


def _vault_rbac(record: ResourceRecord) -> Iterator[Finding]:
    path = "properties.enableRbacAuthorization"
    if "properties" not in record.properties or is_unknown(record, path):
        return
    if dig(record.properties, path) is not True:
        yield Finding(
            record.name,
            f"{label(record)} does not use RBAC authorization ({path} is {shown(record, path)}); access policies "
            "bypass the audited role assignments, "
            "and the consumer persona's Key Vault Secrets User role has no effect",
            f"set {path} = True",
        )


def _vault_purge_protection(record: ResourceRecord) -> Iterator[Finding]:
    path = "properties.enablePurgeProtection"
    if "properties" not in record.properties or is_unknown(record, path):
        return
    if dig(record.properties, path) is not True:
        yield Finding(
            record.name,
            f"{label(record)} has no purge protection ({path} is {shown(record, path)}); "
            "a deleted vault holding endpoint keys could be purged before anyone notices",
            f"set {path} = True (irreversible; the vault name stays reserved for the soft-delete retention)",
        )


# --------------------------------------------------------------------------------------------------
# The rule set
# --------------------------------------------------------------------------------------------------

_M = Severity.MANDATORY
_A = Severity.ADVISORY
_ENDPOINT = (SERVERLESS_ENDPOINT,)
_MODEL_USERS = (SERVERLESS_ENDPOINT, MARKETPLACE_SUBSCRIPTION)

RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "endpoint-region-allowed", _M,
        "A serverless endpoint's location must be a region where its model is offered.",
        "deploy each model only in its catalog regions", _ENDPOINT, resource_check=_endpoint_region,
    ),
    Rule(
        "workspace-region-allowed", _M,
        "An ML workspace must be in a region that offers every model subscribed to or deployed into it.",
        "keep workspaces in the catalog regions of their models", (ML_WORKSPACE, *_MODEL_USERS),
        stack_check=_workspace_region,
    ),
    Rule(
        "content-safety-enabled", _M,
        "Every serverless endpoint sets content safety to Enabled.",
        f"set properties.contentSafety.contentSafetyStatus = {CONTENT_SAFETY_ENABLED!r}", _ENDPOINT,
        resource_check=_content_safety,
    ),
    Rule(
        "endpoint-auth-key", _M,
        f"Every serverless endpoint uses auth mode {ENDPOINT_AUTH_MODE}.",
        f"set properties.authMode = {ENDPOINT_AUTH_MODE!r}", _ENDPOINT, resource_check=_auth_mode,
    ),
    Rule(
        "endpoint-sku-consumption", _M,
        f"Serverless endpoints are pay-as-you-go: sku.name is {ENDPOINT_SKU}.",
        f"set sku.name = {ENDPOINT_SKU!r}", _ENDPOINT, resource_check=_endpoint_sku,
    ),
    Rule(
        "endpoint-name-valid", _M,
        f"Endpoint names are {ENDPOINT_RULE.min_len}-{ENDPOINT_RULE.max_len} characters matching "
        f"{ENDPOINT_RULE.pattern.pattern}.",
        "rename the endpoint", _ENDPOINT, resource_check=_endpoint_name,
    ),
    Rule(
        "endpoint-name-unique-per-region", _M,
        "Endpoint names are unique per region (case-insensitive, across workspaces): they are part of the URL.",
        "give each endpoint in a region its own name", _ENDPOINT, stack_check=_name_unique_per_region,
    ),
    Rule(
        "one-endpoint-per-model-per-workspace", _M,
        "A workspace holds at most one serverless deployment per model.",
        "scale out with more projects (workspaces), not more endpoints", _ENDPOINT,
        stack_check=_one_per_model_per_workspace,
    ),
    Rule(
        "endpoint-depends-on-subscription", _M,
        "Every endpoint depends on the marketplace subscription of its model in its workspace.",
        "declare the MarketplaceSubscription and add it to the endpoint's depends_on", _MODEL_USERS,
        stack_check=_depends_on_subscription,
    ),
    Rule(
        "keys-only-as-secrets", _M,
        "Endpoint keys appear only as Pulumi secrets: Key Vault secret values, stack outputs and inputs.",
        "wrap keys in pulumi.Output.secret; export Key Vault secret URIs", (ANY_TYPE,),
        resource_check=_keys_as_secrets, needs_secret_markers=True,
    ),
    Rule(
        "no-privileged-role-assignment", _M,
        "No Owner, Contributor or User Access Administrator role assignment.",
        "assign the maas-fleet custom roles, Key Vault Secrets User or Reader", (ROLE_ASSIGNMENT,),
        resource_check=_forbidden_assignment,
    ),
    Rule(
        "custom-role-least-privilege", _M,
        "Custom roles grant no more than the documented serverless permissions and no data actions.",
        "limit actions to infra/catalog.py PERMISSIONS", (ROLE_DEFINITION,), resource_check=_custom_role_scope,
    ),
    Rule(
        "required-tags", _M,
        f"Taggable resources the fleet creates carry the tags {', '.join(REQUIRED_TAGS)}.",
        "tag with FleetConfig.tags_for(project)", TAGGED_TYPES, resource_check=_required_tags,
    ),
    Rule(
        "key-vault-rbac-authorization", _M,
        "Key Vaults use RBAC authorization, so access is granted only by audited role assignments.",
        "set properties.enableRbacAuthorization = True", (KEY_VAULT,), resource_check=_vault_rbac,
    ),
    Rule(
        "key-vault-purge-protection", _A,
        "Key Vaults holding endpoint keys have purge protection (advisory: it is irreversible and keeps the "
        "name reserved after a destroy, which a throwaway dev stack may not want).",
        "set properties.enablePurgeProtection = True", (KEY_VAULT,), resource_check=_vault_purge_protection,
    ),
    Rule(
        "endpoint-in-workspace-region", _A,
        "A serverless endpoint's location equals its workspace's region (advisory: the endpoint-region and "
        "workspace-region rules already refuse regions without the model; a mismatch misleads audits).",
        "set the endpoint's location to its workspace's region", _ENDPOINT,
        stack_check=_endpoint_in_workspace_region,
    ),
    Rule(
        "model-in-catalog", _A,
        "Endpoints and marketplace subscriptions name a catalog model (advisory: other models are allowed, but "
        "no region or capability check can apply to them).",
        "use a catalog model id or add the model to infra/catalog.py", _MODEL_USERS, resource_check=_model_known,
    ),
)

RULES_BY_ID: Final = {rule.id: rule for rule in RULES}


def evaluate(records: Sequence[ResourceRecord], rules: Sequence[Rule] = RULES) -> list[Violation]:
    """Every rule over the records: per-resource rules record by record, stack-wide rules once.
    Violations come rule by rule, in record order within a rule."""
    records = list(records)
    return [violation for rule in rules for violation in rule.run(records)]
