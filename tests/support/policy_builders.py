"""Builders for ResourceRecords shaped like the ones `maas plan` produces (Pulumi mocks, camelCase inputs).

`fleet()` is a whole compliant fleet; the small builders make one resource each, compliant by
default, so a test changes only the value it is about.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from infra import resource_types as t
from infra.catalog import (
    CONTENT_SAFETY_ENABLED,
    ENDPOINT_AUTH_MODE,
    ENDPOINT_SKU,
    KEY_VAULT_SECRETS_USER,
    MANAGED_BY_VALUE,
    MODELS,
    PERMISSIONS,
    READER,
    TAG_ENVIRONMENT,
    TAG_MANAGED_BY,
    TAG_PROJECT,
    ModelSpec,
    Scope,
)
from infra.naming import Namer, deterministic_guid, endpoint_id, unit_id
from policies.records import ResourceRecord

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
TENANT = "99999999-8888-7777-6666-555555555555"
DEPLOYER = "0b7d2a51-3c1e-4f57-9d0a-6e2b8c4f1a10"
CONSUMER = "5e9f0c3a-8b21-4d6e-a7f4-2c1b9d8e3f20"
AUDITOR = "9a4c7e2b-1d35-4b8f-8e6a-3f0d2c5b7a30"
NAMER = Namer("contoso", "dev")


def tags(project: str = "main") -> dict[str, str]:
    return {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_ENVIRONMENT: "dev", TAG_PROJECT: project, "owner": "platform-team"}


def record(type_token: str, name: str, properties: Mapping[str, Any] | None = None, **kwargs: Any) -> ResourceRecord:
    return ResourceRecord(type=type_token, name=name, properties=dict(properties or {}), **kwargs)


def changed(rec: ResourceRecord, path: str, value: Any) -> ResourceRecord:
    """A copy of `rec` with the dotted `path` set to `value` (or removed when value is DELETE)."""
    properties = copy.deepcopy(dict(rec.properties))
    node: Any = properties
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return replace(rec, properties=properties)


DELETE = object()


def model(slug: str = "stable-image-core") -> ModelSpec:
    return MODELS[slug]


def endpoint(
    name: str = "eastus2-main-stable-image-core",
    *,
    region: str = "eastus2",
    slug: str = "stable-image-core",
    project: str = "main",
    azure_name: str | None = None,
    depends_on: Iterable[str] | None = None,
) -> ResourceRecord:
    unit = unit_id(region, project)
    names = NAMER.workspace_names(region, project)
    m = MODELS[slug]
    return record(
        t.SERVERLESS_ENDPOINT,
        name,
        {
            "name": azure_name or NAMER.endpoint(project, m),
            "resourceGroupName": names.resource_group,
            "workspaceName": names.workspace,
            "location": region,
            "sku": {"name": ENDPOINT_SKU},
            "properties": {
                "authMode": ENDPOINT_AUTH_MODE,
                "modelSettings": {"modelId": m.asset_id},
                "contentSafety": {"contentSafetyStatus": CONTENT_SAFETY_ENABLED},
            },
            "tags": tags(project),
        },
        dependencies=tuple(depends_on) if depends_on is not None else (f"{name}-sub", f"{unit}-ws"),
        parent=f"{name}-component",
    )


def subscription(
    name: str = "eastus2-main-stable-image-core-sub", *, region: str = "eastus2", slug: str = "stable-image-core",
    project: str = "main",
) -> ResourceRecord:
    names = NAMER.workspace_names(region, project)
    m = MODELS[slug]
    return record(
        t.MARKETPLACE_SUBSCRIPTION,
        name,
        {
            "name": NAMER.marketplace_subscription(m),
            "resourceGroupName": names.resource_group,
            "workspaceName": names.workspace,
            "properties": {"modelId": m.asset_id},
        },
        dependencies=(f"{unit_id(region, project)}-ws",),
    )


def workspace(name: str = "eastus2-main-ws", *, region: str = "eastus2", project: str = "main") -> ResourceRecord:
    names = NAMER.workspace_names(region, project)
    unit = unit_id(region, project)
    return record(
        t.ML_WORKSPACE,
        name,
        {
            "workspaceName": names.workspace,
            "resourceGroupName": names.resource_group,
            "location": region,
            "identity": {"type": "SystemAssigned"},
            "storageAccount": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{names.resource_group}/providers/"
            f"Microsoft.Storage/storageAccounts/{names.storage_account}",
            "keyVault": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{names.resource_group}/providers/"
            f"Microsoft.KeyVault/vaults/{names.key_vault}",
            "applicationInsights": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{names.resource_group}/providers/"
            f"Microsoft.Insights/components/{names.app_insights}",
            "sku": {"name": "Basic", "tier": "Basic"},
            "tags": tags(project),
        },
        dependencies=(f"{unit}-rg", f"{unit}-st", f"{unit}-kv", f"{unit}-appi"),
    )


def vault(name: str = "eastus2-main-kv", *, region: str = "eastus2", project: str = "main") -> ResourceRecord:
    names = NAMER.workspace_names(region, project)
    return record(
        t.KEY_VAULT,
        name,
        {
            "vaultName": names.key_vault,
            "resourceGroupName": names.resource_group,
            "location": region,
            "properties": {
                "tenantId": TENANT,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": True,
                "enablePurgeProtection": True,
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90,
            },
            "tags": tags(project),
        },
        dependencies=(f"{unit_id(region, project)}-rg",),
    )


def key_secret(
    name: str = "eastus2-main-stable-image-core-key", *, region: str = "eastus2", project: str = "main",
    slug: str = "stable-image-core", secret: bool = True,
) -> ResourceRecord:
    names = NAMER.workspace_names(region, project)
    return record(
        t.KEY_VAULT_SECRET,
        name,
        {
            "secretName": NAMER.key_secret(NAMER.endpoint(project, MODELS[slug])),
            "vaultName": names.key_vault,
            "resourceGroupName": names.resource_group,
            "properties": {"value": "primary-key-value-0123456789abcdef", "contentType": "text/plain"},
            "tags": tags(project),
        },
        secret_paths=("properties.value",) if secret else (),
    )


def role_definition(name: str = "role-workspace", scope: Scope = Scope.WORKSPACE) -> ResourceRecord:
    scope_id = f"/subscriptions/{SUBSCRIPTION}"
    return record(
        t.ROLE_DEFINITION,
        name,
        {
            "roleDefinitionId": deterministic_guid(scope_id, str(scope)),
            "roleName": f"maas-fleet {scope} deployer (contoso-dev)",
            "scope": scope_id,
            "description": "Stability AI serverless endpoints: the documented permissions only",
            "roleType": "CustomRole",
            "permissions": [{"actions": list(PERMISSIONS[scope]), "notActions": [], "dataActions": [],
                             "notDataActions": []}],
            "assignableScopes": [scope_id],
        },
    )


def role_assignment(name: str = "assign-reader", role_id: str = READER.id, *, principal: str = AUDITOR,
                    scope: str | None = None) -> ResourceRecord:
    scope = scope or f"/subscriptions/{SUBSCRIPTION}"
    return record(
        t.ROLE_ASSIGNMENT,
        name,
        {
            "roleAssignmentName": deterministic_guid(scope, role_id, principal),
            "scope": scope,
            "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{role_id}",
            "principalId": principal,
            "principalType": "Group",
        },
    )


def stack(outputs: Mapping[str, Any], secret_paths: tuple[str, ...] = ()) -> ResourceRecord:
    return record(t.STACK, "maas-fleet-dev", outputs, secret_paths=secret_paths)


def fleet(
    regions: Iterable[str] = ("eastus2", "westus3"),
    projects: Iterable[str] = ("main",),
    slugs: Iterable[str] = tuple(MODELS),
) -> list[ResourceRecord]:
    """Every record the fleet program declares for regions x projects x models, plus RBAC and the stack."""
    records: list[ResourceRecord] = []
    endpoints_output: list[dict[str, Any]] = []
    slugs = tuple(slugs)
    for region in regions:
        for project in projects:
            unit = unit_id(region, project)
            names = NAMER.workspace_names(region, project)
            records.append(record("maas-fleet:azure:RegionalWorkspace", f"{unit}", {}))
            records.append(
                record(t.RESOURCE_GROUP, f"{unit}-rg",
                       {"resourceGroupName": names.resource_group, "location": region, "tags": tags(project)},
                       parent=unit)
            )
            records.append(
                record(
                    t.STORAGE_ACCOUNT, f"{unit}-st",
                    {"accountName": names.storage_account, "resourceGroupName": names.resource_group,
                     "location": region, "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                     "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2", "tags": tags(project)},
                    dependencies=(f"{unit}-rg",), parent=unit,
                )
            )
            records.append(replace(vault(f"{unit}-kv", region=region, project=project), parent=unit))
            records.append(
                record(
                    t.LOG_ANALYTICS, f"{unit}-log",
                    {"workspaceName": names.log_analytics, "resourceGroupName": names.resource_group,
                     "location": region, "retentionInDays": 30, "sku": {"name": "PerGB2018"},
                     "tags": tags(project)},
                    dependencies=(f"{unit}-rg",), parent=unit,
                )
            )
            records.append(
                record(
                    t.APP_INSIGHTS, f"{unit}-appi",
                    {"resourceName": names.app_insights, "resourceGroupName": names.resource_group,
                     "location": region, "kind": "web", "applicationType": "web",
                     "workspaceResourceId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{names.resource_group}"
                     f"/providers/Microsoft.OperationalInsights/workspaces/{names.log_analytics}",
                     "tags": tags(project)},
                    dependencies=(f"{unit}-rg", f"{unit}-log"), parent=unit,
                )
            )
            records.append(replace(workspace(f"{unit}-ws", region=region, project=project), parent=unit))
            for slug in slugs:
                eid = endpoint_id(region, project, slug)
                records.append(record("maas-fleet:azure:ModelEndpoint", f"{eid}-component", {}, parent=unit))
                records.append(
                    replace(subscription(f"{eid}-sub", region=region, slug=slug, project=project),
                            parent=f"{eid}-component")
                )
                records.append(endpoint(eid, region=region, slug=slug, project=project))
                records.append(
                    replace(key_secret(f"{eid}-key", region=region, project=project, slug=slug),
                            dependencies=(eid, f"{unit}-kv"), parent=f"{eid}-component")
                )
                endpoints_output.append(
                    {"region": region, "project": project, "model": slug,
                     "name": NAMER.endpoint(project, MODELS[slug]),
                     "uri": f"https://{NAMER.endpoint(project, MODELS[slug])}-abcde.{region}.models.ai.azure.com",
                     "workspace": names.workspace, "resourceGroup": names.resource_group,
                     "keySecretUri": f"https://{names.key_vault}.vault.azure.net/secrets/"
                     f"{NAMER.key_secret(NAMER.endpoint(project, MODELS[slug]))}",
                     "key": "endpoint-key-value-0123456789abcdef"}
                )
    for scope in Scope:
        records.append(role_definition(f"role-{scope}", scope))
        records.append(role_assignment(f"assign-{scope}-deployer",
                                       deterministic_guid(f"/subscriptions/{SUBSCRIPTION}", str(scope)),
                                       principal=DEPLOYER))
    records.append(role_assignment("assign-consumer", KEY_VAULT_SECRETS_USER.id, principal=CONSUMER))
    records.append(role_assignment("assign-auditor", READER.id, principal=AUDITOR))
    secret_keys = tuple(f"endpoints[{i}].key" for i in range(len(endpoints_output)))
    records.append(stack({"endpoints": endpoints_output, "workspaces": [], "roleDefinitions": []}, secret_keys))
    return records
