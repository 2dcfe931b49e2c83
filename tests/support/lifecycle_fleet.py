"""A stack's endpoints planted in the fake ARM exactly where the Pulumi program puts them.

Why from the program's plan (the program under mocks) rather than from the naming rules: the day-two
commands (adopt, keys status, rotate --all) must find things where `pulumi up` leaves them, whatever
the program's naming becomes; seeding from the same registrations keeps these tests about the
commands, not about a second copy of the names. The plan is run here directly (provisioning.plan),
not through the grouping module under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from infra.catalog import MODELS
from infra.config import FleetConfig
from provisioning.plan.program import PlannedResource, plan
from tests.support.fake_arm import Endpoint, FakeArm, MarketplaceSubscription, Secret, Vault, Workspace


@dataclass
class PlannedUnit:
    """One endpoint of the plan: its stack output entry and its three registrations."""

    region: str
    project: str
    model: str
    name: str
    resource_group: str
    workspace: str
    vault: str
    secret_name: str
    endpoint: PlannedResource
    marketplace: PlannedResource
    secret: PlannedResource

    @property
    def marketplace_name(self) -> str:
        return str(self.marketplace.inputs["name"])


def plan_units(config: FleetConfig, sub: str) -> tuple[list[PlannedUnit], list[PlannedResource]]:
    result = plan(config.model_copy(update={"subscription_id": sub}), evaluate=lambda _records: [])
    units = []
    for entry in result.outputs["endpoints"]:
        uri = urlsplit(entry["keySecretUri"])
        vault, secret_name = uri.hostname.split(".")[0], uri.path.rsplit("/", 1)[-1]  # type: ignore[union-attr]
        endpoint = next(r for r in result.resources if r.type.endswith(":ServerlessEndpoint")
                        and r.inputs["name"] == entry["name"] and r.inputs["workspaceName"] == entry["workspace"])
        siblings = [r for r in result.resources if r.parent == endpoint.parent]
        units.append(PlannedUnit(
            entry["region"], entry["project"], entry["model"], entry["name"], entry["resourceGroup"],
            entry["workspace"], vault, secret_name, endpoint,
            next(r for r in siblings if r.type.endswith(":MarketplaceSubscription")),
            next(r for r in siblings if r.type.endswith(":Secret"))))
    return units, result.resources


@dataclass
class Planted:
    unit: PlannedUnit
    workspace: Workspace
    vault: Vault
    endpoint: Endpoint | None = None
    marketplace: MarketplaceSubscription | None = None
    secret: Secret | None = None


def workspace_for(arm: FakeArm, sub: str, unit: PlannedUnit, location: str | None = None) -> Workspace:
    ws = arm.workspaces.get(f"/subscriptions/{sub}/resourcegroups/{unit.resource_group}/providers/"
                            f"microsoft.machinelearningservices/workspaces/{unit.workspace}".lower())
    if ws is None:
        ws = arm.add_workspace(sub, unit.resource_group, unit.workspace, location or unit.region, vault_name=unit.vault)
    return ws


def vault_for(arm: FakeArm, sub: str, unit: PlannedUnit) -> Vault:
    rg = str(unit.secret.inputs["resourceGroupName"])
    vault_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{unit.vault}"
    return arm.vaults.get(vault_id.lower()) or arm.add_vault(sub, rg, unit.vault, unit.region)


def plant(arm: FakeArm, sub: str, unit: PlannedUnit, *, endpoint: bool = True, marketplace: bool = True,
          secret: bool = True, **endpoint_fields: Any) -> Planted:
    """What `pulumi up` leaves for one unit (or the parts asked for), with endpoint overrides."""
    ws = workspace_for(arm, sub, unit)
    vault = vault_for(arm, sub, unit)
    out = Planted(unit, ws, vault)
    if marketplace:
        out.marketplace = arm.add_marketplace_subscription(ws, unit.marketplace_name, MODELS[unit.model].asset_id)
    if endpoint:
        model = endpoint_fields.pop("model", unit.model)
        out.endpoint = arm.add_endpoint(ws, unit.name, model, marketplace_subscription_id=(
            out.marketplace.id if out.marketplace else ""), **endpoint_fields)
        if secret:
            out.secret = arm.put_secret(vault, unit.secret_name, out.endpoint.primary_key)
    return out
