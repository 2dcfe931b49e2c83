"""Builds the whole fleet from a validated config: every region x project x model, plus access.

Why a function and not module-level code: the program must run identically under `pulumi up`,
under Pulumi mocks in tests and inside `maas plan`; resources declared at import time would never
reach the mocks. `__main__.py` calls `build_fleet` and exports what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from infra import naming, rbac
from infra.components import (
    FleetAccess,
    FleetAccessArgs,
    ModelEndpoint,
    ModelEndpointArgs,
    RegionalWorkspace,
    RegionalWorkspaceArgs,
)
from infra.components.access import UnitScopes
from infra.components.unit_options import apply_unit_options
from infra.config import FleetConfig


@dataclass
class FleetOutputs:
    """The stack outputs (docs/architecture.md, Contracts), kept as a stable shape that `maas verify`/`endpoints`
    read."""

    endpoints: list[dict[str, Any]]
    workspaces: list[dict[str, Any]]
    role_definitions: pulumi.Output[list[dict[str, Any]]]

    def export(self) -> None:
        pulumi.export("endpoints", self.endpoints)
        pulumi.export("workspaces", self.workspaces)
        pulumi.export("roleDefinitions", self.role_definitions)


def build_fleet(config: FleetConfig) -> FleetOutputs:
    client = authorization.get_client_config_output()
    namer = config.namer
    endpoints: list[dict[str, Any]] = []
    workspaces: list[dict[str, Any]] = []
    scopes: dict[str, UnitScopes] = {}

    private = config.network is not None and config.network.private
    for region, project in config.units():
        uid = naming.unit_id(region, project)
        tags = config.tags_for(project)
        unit = RegionalWorkspace(
            uid,
            RegionalWorkspaceArgs(region=region, project=project, namer=namer, subscription_id=client.subscription_id,
                                  tenant_id=client.tenant_id, tags=tags, protect=config.protected,
                                  private=private),
        )
        apply_unit_options(config, uid, unit, region, project)
        vault_uri = unit.keys_vault.properties.apply(lambda p: p.vault_uri)
        scopes[uid] = UnitScopes(unit.resource_group.id, unit.workspace.id, unit.keys_vault.id)
        workspaces.append(
            {
                "region": region,
                "project": project,
                "name": unit.workspace.name,
                "resourceGroup": unit.resource_group.name,
                "id": unit.workspace.id,
                "keyVault": unit.key_vault.name,
                "keysVault": unit.keys_vault.name,
            }
        )
        for model in config.model_specs:
            endpoint_name = client.subscription_id.apply(
                lambda sub, p=project, m=model: namer.endpoint(p, m, sub))
            endpoint = ModelEndpoint(
                naming.endpoint_id(region, project, model.slug),
                ModelEndpointArgs(
                    region=region,
                    model=model,
                    endpoint_name=endpoint_name,
                    subscription_name=namer.marketplace_subscription(model),
                    key_secret_name=endpoint_name.apply(namer.key_secret),
                    resource_group_name=unit.resource_group.name,
                    workspace_name=unit.workspace.name,
                    key_vault_name=unit.keys_vault.name,
                    key_vault_uri=vault_uri,
                    tags=tags,
                    model_id=config.model_id(model),
                ),
                opts=pulumi.ResourceOptions(parent=unit),
            )
            endpoints.append(
                {
                    "region": region,
                    "project": project,
                    "model": model.slug,
                    "name": endpoint.name,
                    "uri": endpoint.uri,
                    "workspace": unit.workspace.name,
                    "resourceGroup": unit.resource_group.name,
                    "keySecretUri": endpoint.key_secret_uri,
                    "key": endpoint.key,  # a Pulumi secret: only `--show-secrets` reveals it
                    # Only when private: verify then knows why it cannot reach the endpoint from outside.
                    **({"publicNetworkAccess": "Disabled"} if private else {}),
                }
            )

    access = FleetAccess(
        "access",
        FleetAccessArgs(
            subscription_id=client.subscription_id,
            deploying_object_id=client.object_id,
            deploying_client_id=client.client_id,
            roles=rbac.custom_roles(config),
            grants=rbac.grants(config),
            units=scopes,
        ),
    )
    return FleetOutputs(endpoints=endpoints, workspaces=workspaces, role_definitions=access.role_definitions)
