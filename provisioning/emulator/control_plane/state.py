"""What the simulated control plane holds: the resources a stack has right after `pulumi up`.

Names come from infra.naming (the single source of every name, which the Pulumi program also uses)
and model ids from infra.catalog; everything else here is Azure's side of the story: ids, keys,
states, the way ARM lays them out. Nothing is read from the product's Azure code.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from infra.catalog import KEY_SECRET_CONTENT_TYPE, REGIONS, RESOURCE_PROVIDERS
from infra.config import FleetConfig

ML = "Microsoft.MachineLearningServices"
SIMULATED_SUBSCRIPTION = "51a1a7ed-0000-4000-8000-000000000001"  # "simulated", in hex where it can be
SIMULATED_TENANT = "51a1a7ed-0000-4000-8000-00000000000a"
SIMULATED_CALLER = "51a1a7ed-0000-4000-8000-0000000000c0"
SIMULATED_NAME = "SIMULATED by maas emulate --control-plane (not Azure)"
SIMULATED_TAG = {"maas-simulated": "true"}


def new_key() -> str:
    # ML serverless endpoint keys are 32 hex characters in the REST examples' shape.
    return secrets.token_hex(16)


@dataclass
class SimEndpoint:
    sub: str
    rg: str
    workspace: str
    name: str
    location: str
    model_id: str
    marketplace_id: str
    uri: str
    primary: str = field(default_factory=new_key)
    secondary: str = field(default_factory=new_key)

    @property
    def workspace_id(self) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{self.rg}/providers/{ML}/workspaces/{self.workspace}"

    @property
    def id(self) -> str:
        return f"{self.workspace_id}/serverlessEndpoints/{self.name}"

    def body(self) -> dict[str, Any]:
        # Shape: ServerlessEndpoint (machinelearningservices 2024-10-01, ServerlessEndpoint/get.json example).
        return {
            "id": self.id, "name": self.name, "type": f"{ML}/workspaces/serverlessEndpoints",
            "location": self.location, "tags": dict(SIMULATED_TAG), "kind": "ServerlessEndpoint",
            "sku": {"name": "Consumption"},
            "properties": {
                "modelSettings": {"modelId": self.model_id}, "authMode": "Key",
                "inferenceEndpoint": {"uri": self.uri, "headers": {}},
                "provisioningState": "Succeeded", "endpointState": "Online",
                "marketplaceSubscriptionId": self.marketplace_id,
                "contentSafety": {"contentSafetyStatus": "Enabled"},
            },
        }


@dataclass
class SimSecret:
    vault_id: str
    vault_name: str
    location: str
    name: str
    value: str
    tags: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    version: str = field(default_factory=lambda: uuid.uuid4().hex)
    updated: int = field(default_factory=lambda: int(time.time()))

    def body(self) -> dict[str, Any]:
        # Shape: Secrets_Get (keyvault 2023-07-01): the management plane never returns the value.
        uri = f"https://{self.vault_name}.vault.azure.net/secrets/{self.name}"
        return {
            "id": f"{self.vault_id}/secrets/{self.name}", "name": self.name,
            "type": "Microsoft.KeyVault/vaults/secrets", "location": self.location,
            "tags": {**self.tags, **SIMULATED_TAG},
            "properties": {"contentType": self.content_type,
                           "attributes": {"enabled": True, "created": self.updated, "updated": self.updated},
                           "secretUri": uri, "secretUriWithVersion": f"{uri}/{self.version}"},
        }


@dataclass
class SimulatedFleet:
    """One subscription holding one stack's fleet; guarded by a lock (the server answers concurrently)."""

    stack: str
    subscription: str
    resource_groups: dict[str, str] = field(default_factory=dict)  # lower name -> location
    workspaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower id -> body
    vaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower id -> body
    endpoints: dict[str, SimEndpoint] = field(default_factory=dict)  # lower id -> endpoint
    marketplace: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower id -> body
    secrets: dict[str, SimSecret] = field(default_factory=dict)  # lower id -> secret
    lock: threading.RLock = field(default_factory=threading.RLock)

    def subscription_body(self) -> dict[str, Any]:
        # Shape: Subscriptions_Get (resources subscriptions 2022-12-01).
        return {"id": f"/subscriptions/{self.subscription}", "subscriptionId": self.subscription,
                "tenantId": SIMULATED_TENANT, "displayName": SIMULATED_NAME, "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                         "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                "authorizationSource": "RoleBased"}

    def providers(self) -> list[dict[str, Any]]:
        # Shape: Providers_List (resources 2025-04-01); every provider the fleet needs is Registered.
        locations = [REGIONS[r].display_name for r in REGIONS]
        out = []
        for namespace in (*RESOURCE_PROVIDERS, "Microsoft.Resources", "Microsoft.Authorization"):
            types = []
            if namespace == ML:
                types = [{"resourceType": t, "locations": locations, "apiVersions": ["2024-10-01", "2024-04-01"]}
                         for t in ("workspaces", "workspaces/serverlessEndpoints",
                                   "workspaces/marketplaceSubscriptions")]
            out.append({"id": f"/subscriptions/{self.subscription}/providers/{namespace}", "namespace": namespace,
                        "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                        "resourceTypes": types})
        return out


def build_fleet(config: FleetConfig, inference_base: str) -> SimulatedFleet:
    """The resources `pulumi up` of `config` leaves in one subscription (the stack's, or a simulated one)."""
    sub = (config.subscription_id or SIMULATED_SUBSCRIPTION).lower()
    fleet = SimulatedFleet(config.stack, sub)
    namer = config.namer
    for region, project in config.units():
        names = namer.workspace_names(region, project, sub)
        rg_id = f"/subscriptions/{sub}/resourceGroups/{names.resource_group}"
        fleet.resource_groups[names.resource_group.lower()] = region
        vault_id = f"{rg_id}/providers/Microsoft.KeyVault/vaults/{names.key_vault}"
        fleet.vaults[vault_id.lower()] = {
            "id": vault_id, "name": names.key_vault, "type": "Microsoft.KeyVault/vaults", "location": region,
            "tags": dict(SIMULATED_TAG),
            "properties": {"vaultUri": f"https://{names.key_vault}.vault.azure.net/", "enableRbacAuthorization": True,
                           "tenantId": SIMULATED_TENANT, "sku": {"family": "A", "name": "standard"}},
        }
        ws_id = f"{rg_id}/providers/{ML}/workspaces/{names.workspace}"
        # Shape: Workspaces_Get (machinelearningservices 2024-10-01); keyVault links the workspace's vault.
        fleet.workspaces[ws_id.lower()] = {
            "id": ws_id, "name": names.workspace, "type": f"{ML}/workspaces", "location": region,
            "tags": {**config.tags_for(project), **SIMULATED_TAG},
            "identity": {"type": "SystemAssigned", "principalId": SIMULATED_CALLER, "tenantId": SIMULATED_TENANT},
            "sku": {"name": "Basic", "tier": "Basic"},
            "properties": {"friendlyName": names.workspace, "keyVault": vault_id, "provisioningState": "Succeeded",
                           "publicNetworkAccess": "Enabled"},
        }
        for model in config.model_specs:
            ms_name = namer.marketplace_subscription(model)
            ms_id = f"{ws_id}/marketplaceSubscriptions/{ms_name}"
            # Shape: MarketplaceSubscriptions_Get (2024-10-01): status Subscribed, plan from the offer.
            fleet.marketplace[ms_id.lower()] = {
                "id": ms_id, "name": ms_name, "type": f"{ML}/workspaces/marketplaceSubscriptions",
                "tags": dict(SIMULATED_TAG),
                "properties": {"modelId": model.asset_id, "marketplaceSubscriptionStatus": "Subscribed",
                               "provisioningState": "Succeeded",
                               "marketplacePlan": {"publisherId": "stabilityai", "offerId": model.resource_name,
                                                   "planId": model.resource_name}},
            }
            name = namer.endpoint(project, model)
            endpoint = SimEndpoint(sub, names.resource_group, names.workspace, name, region, model.asset_id, ms_id,
                                   f"{inference_base}/simulated-inference/{region}/{name}")
            fleet.endpoints[endpoint.id.lower()] = endpoint
            secret_name = namer.key_secret(name)
            # As the program writes it: the primary key, the stack's tags, the catalog's content type.
            secret = SimSecret(vault_id, names.key_vault, region, secret_name, endpoint.primary,
                               tags=config.tags_for(project), content_type=KEY_SECRET_CONTENT_TYPE)
            fleet.secrets[f"{vault_id}/secrets/{secret_name}".lower()] = secret
    return fleet
