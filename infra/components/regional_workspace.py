"""One region x project: the Azure ML workspace that serverless endpoints live in, and what it needs.

Why a component: the workspace is the scale-out unit (it holds at most one deployment per model), so
everything it depends on is created, tagged, named and destroyed together, and independently of every
other region — the dependency chain stays the same depth however many regions a stack has.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import (
    applicationinsights,
    authorization,
    keyvault,
    machinelearningservices,
    operationalinsights,
    resources,
    storage,
)

from infra import catalog, rbac
from infra.naming import Namer

TYPE = "maas-fleet:azure:RegionalWorkspace"


@dataclass
class RegionalWorkspaceArgs:
    region: str
    project: str
    namer: Namer
    subscription_id: pulumi.Input[str]  # globally unique names (storage, Key Vault) hash it in
    tenant_id: pulumi.Input[str]
    tags: dict[str, str]
    protect: bool = False  # Pulumi `protect` on the vaults and the workspace (enterprise option)
    private: bool = False  # public network access Disabled on workspace, vaults and storage (enterprise option)


def _vault_properties(tenant_id: pulumi.Input[str]) -> dict[str, object]:
    return {
        "tenant_id": tenant_id,
        "sku": {"family": "A", "name": catalog.KEY_VAULT_SKU},
        # Data access through Azure RBAC only: who may read a secret is a role assignment.
        "enable_rbac_authorization": True,
        "enable_soft_delete": True,
        "enable_purge_protection": True,
        "soft_delete_retention_in_days": catalog.KEY_VAULT_SOFT_DELETE_DAYS,
    }


class RegionalWorkspace(pulumi.ComponentResource):
    resource_group: resources.ResourceGroup
    key_vault: keyvault.Vault  # the workspace's own vault: Azure ML keeps its own secrets there
    keys_vault: keyvault.Vault  # endpoint keys only: what consumers of this unit may read
    workspace: machinelearningservices.Workspace
    storage_account: storage.StorageAccount
    log_analytics: operationalinsights.Workspace

    def __init__(self, name: str, args: RegionalWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        guarded = pulumi.ResourceOptions(parent=self, protect=args.protect)  # what holds keys and the workspace
        # Set only when off, so a public unit declares exactly what it always did (Azure's default is Enabled).
        closed = {"public_network_access": "Disabled"} if args.private else {}
        tags, region = args.tags, args.region
        names = args.namer.workspace_names(region, args.project)
        global_names = pulumi.Output.from_input(args.subscription_id).apply(
            lambda sub: args.namer.workspace_names(region, args.project, sub)
        )

        self.resource_group = resources.ResourceGroup(
            f"{name}-rg", resource_group_name=names.resource_group, location=region, tags=tags, opts=child
        )
        rg_name = self.resource_group.name

        self.storage_account = account = storage.StorageAccount(
            f"{name}-st",
            account_name=global_names.apply(lambda n: n.storage_account),
            resource_group_name=rg_name,
            location=region,
            kind="StorageV2",
            sku={"name": catalog.STORAGE_SKU},
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            **closed,
            enable_https_traffic_only=True,
            tags=tags,
            opts=child,
        )

        def vault(suffix: str, vault_name: pulumi.Output[str], vault_tags: dict[str, str]) -> keyvault.Vault:
            """Both vaults are alike but for name and tags: RBAC-only, purge-protected, guarded."""
            return keyvault.Vault(
                f"{name}-{suffix}",
                vault_name=vault_name,
                resource_group_name=rg_name,
                location=region,
                properties={**_vault_properties(args.tenant_id), **closed},
                tags=vault_tags,
                opts=guarded,
            )

        self.key_vault = vault("kv", global_names.apply(lambda n: n.key_vault), tags)
        # A vault of its own for endpoint keys: a consumer's read grant then covers endpoint keys of
        # this unit and nothing the workspace keeps in its own vault.
        self.keys_vault = vault(
            "kvk", global_names.apply(lambda n: n.keys_vault), {**tags, catalog.TAG_HOLDS: catalog.HOLDS_ENDPOINT_KEYS}
        )
        self.log_analytics = logs = operationalinsights.Workspace(
            f"{name}-log",
            workspace_name=names.log_analytics,
            resource_group_name=rg_name,
            location=region,
            sku={"name": catalog.LOG_ANALYTICS_SKU},
            retention_in_days=catalog.LOG_RETENTION_DAYS,
            tags=tags,
            opts=child,
        )
        insights = applicationinsights.Component(
            f"{name}-appi",
            resource_name_=names.app_insights,
            resource_group_name=rg_name,
            location=region,
            kind="web",
            application_type="web",
            workspace_resource_id=logs.id,
            ingestion_mode="LogAnalytics",
            tags=tags,
            opts=child,
        )
        self.workspace = machinelearningservices.Workspace(
            f"{name}-mlw",
            workspace_name=names.workspace,
            resource_group_name=rg_name,
            location=region,
            identity={"type": "SystemAssigned"},
            sku={"name": catalog.WORKSPACE_SKU, "tier": catalog.WORKSPACE_SKU},
            friendly_name=f"{args.project} ({region})",
            description=f"maas-fleet serverless endpoints for project {args.project} in {region}",
            storage_account=account.id,
            key_vault=self.key_vault.id,
            application_insights=insights.id,
            **closed,
            tags=tags,
            opts=guarded,
        )
        self._grant_workspace_identity(name, args)
        self.register_outputs(
            {
                "resourceGroup": self.resource_group.name,
                "workspace": self.workspace.name,
                "workspaceId": self.workspace.id,
                "keyVaultId": self.key_vault.id,
                "keysVaultId": self.keys_vault.id,
            }
        )

    def _grant_workspace_identity(self, name: str, args: RegionalWorkspaceArgs) -> None:
        """The workspace's system identity on its own RBAC-mode vault: the documented pair of roles
        (catalog.WORKSPACE_IDENTITY_VAULT_ROLES). Built-in roles exist everywhere, so no propagation
        wait; principalType is set because the identity is seconds old (PrincipalNotFound otherwise)."""
        principal = self.workspace.identity.apply(lambda i: i.principal_id if i else "")
        sub = pulumi.Output.from_input(args.subscription_id)
        workspace_name = args.namer.workspace_names(args.region, args.project).workspace
        for role in catalog.WORKSPACE_IDENTITY_VAULT_ROLES:
            role_id = sub.apply(lambda s, r=role: rbac.builtin_role_definition_id(s, r))  # type: ignore[misc]
            authorization.RoleAssignment(
                f"{name}-mlw-{role.name.lower().replace(' ', '-')}",
                role_assignment_name=pulumi.Output.all(self.key_vault.id, role_id, principal).apply(
                    lambda p: rbac.assignment_guid(p[0], p[1], p[2])),
                scope=self.key_vault.id,
                role_definition_id=role_id,
                principal_id=principal,
                principal_type=catalog.PrincipalType.SERVICE_PRINCIPAL.value,
                description=f"maas-fleet {rbac.WORKSPACE_IDENTITY}: {workspace_name} on its own vault",
                opts=pulumi.ResourceOptions(parent=self),
            )
