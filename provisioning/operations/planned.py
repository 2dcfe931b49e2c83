"""What the Pulumi program declares for each endpoint of a stack, read from the program itself.

Why from the plan (the program run under Pulumi mocks) and not from naming rules restated here:
`maas adopt` must hand `pulumi import` the exact logical names, type tokens and parents the program
registers, and `maas keys status` must look for the key secret where the program puts it. Both
change when the program changes (a new name suffix, a vault of its own for keys); reading them from
the program's own registrations keeps every command right without a second copy of the rules.

The program runs with the subscription it will deploy to, since some Azure names (Key Vaults,
storage accounts) hash the subscription in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.catalog import ModelSpec, model_for_asset_id
from infra.config import FleetConfig
from infra.resource_types import KEY_VAULT_SECRET, MARKETPLACE_SUBSCRIPTION, RESOURCE_TYPES, SERVERLESS_ENDPOINT
from provisioning.plan.program import PlannedResource, plan


@dataclass(frozen=True)
class PlannedEndpoint:
    """One endpoint as the program declares it, with its siblings and the components above it."""

    region: str
    project: str
    model: ModelSpec
    name: str  # the Azure name
    resource_group: str
    workspace: str
    endpoint: PlannedResource
    marketplace: PlannedResource | None
    secret: PlannedResource | None
    lineage: tuple[PlannedResource, ...]  # component ancestors of the endpoint, outermost first
    key_secret_uri: str = ""

    @property
    def model_version(self) -> int | None:
        """The version the program pins (`.../models/<name>/versions/<n>`), None when unpinned."""
        model_id = str(((self.endpoint.inputs.get("properties") or {}).get("modelSettings") or {}).get("modelId") or "")
        tail = model_id.lower().rsplit("/versions/", 1)
        return int(tail[1]) if len(tail) == 2 and tail[1].strip("/").isdigit() else None

    @property
    def marketplace_name(self) -> str:
        return _input(self.marketplace, "name")

    @property
    def vault_name(self) -> str:
        return _input(self.secret, "vaultName")

    @property
    def secret_name(self) -> str:
        return _input(self.secret, "secretName")

    def secret_id(self, subscription: str) -> str:
        """The ARM id of the key's Key Vault secret, from the inputs the program gives it; "" when the
        program keeps no secret for this endpoint."""
        if self.secret is None:
            return ""
        inputs = {**self.secret.inputs, "resourceGroupName": _input(self.secret, "resourceGroupName")
                  or self.resource_group}  # a vault in the endpoint's own resource group unless it says
        return RESOURCE_TYPES[KEY_VAULT_SECRET].arm_id(subscription, self.secret_name, inputs)


def _input(sibling: PlannedResource | None, key: str) -> str:
    """One input of a sibling the program declares; "" when it declares none (or leaves the input out)."""
    return str(sibling.inputs.get(key) or "") if sibling is not None else ""


@dataclass(frozen=True)
class PlannedFleet:
    stack: str
    subscription: str
    endpoints: list[PlannedEndpoint]
    resources: list[PlannedResource]


def _key(*parts: Any) -> tuple[str, ...]:
    return tuple(str(p or "").lower() for p in parts)


def planned_fleet(config: FleetConfig, subscription: str) -> PlannedFleet:
    """Run the program for `config` in `subscription` (offline, under mocks) and group what it declares
    per endpoint."""
    if config.subscription_id != subscription:
        config = config.model_copy(update={"subscription_id": subscription})
    result = plan(config, evaluate=lambda _records: [])
    return group(config.stack, subscription, result.resources, result.outputs.get("endpoints") or [])


def group(stack: str, subscription: str, resources: Sequence[PlannedResource],
          outputs: Sequence[Mapping[str, Any]]) -> PlannedFleet:
    """Endpoints keyed by the stack output's (resource group, workspace, name), joined to the
    ServerlessEndpoint registrations with those inputs; siblings are the resources under the same parent."""
    by_name = {r.name: r for r in resources}
    children: dict[str | None, list[PlannedResource]] = {}
    for r in resources:
        children.setdefault(r.parent, []).append(r)
    registered = {_key(r.inputs.get("resourceGroupName"), r.inputs.get("workspaceName"), r.inputs.get("name")): r
                  for r in resources if r.type == SERVERLESS_ENDPOINT}
    out: list[PlannedEndpoint] = []
    for entry in outputs:
        endpoint = registered.get(_key(entry.get("resourceGroup"), entry.get("workspace"), entry.get("name")))
        model = model_for_asset_id(str(((endpoint.inputs.get("properties") or {}).get("modelSettings") or {})
                                       .get("modelId") or "")) if endpoint else None
        if endpoint is None or model is None:
            continue
        siblings = children.get(endpoint.parent, [])
        lineage: list[PlannedResource] = []
        parent = endpoint.parent
        while parent is not None and parent in by_name:
            lineage.insert(0, by_name[parent])
            parent = by_name[parent].parent
        out.append(PlannedEndpoint(
            region=str(endpoint.inputs.get("location") or entry.get("region") or ""),
            project=str(entry.get("project") or ""),
            model=model,
            name=str(endpoint.inputs.get("name")),
            resource_group=str(endpoint.inputs.get("resourceGroupName")),
            workspace=str(endpoint.inputs.get("workspaceName")),
            endpoint=endpoint,
            marketplace=next((s for s in siblings if s.type == MARKETPLACE_SUBSCRIPTION), None),
            secret=next((s for s in siblings if s.type == KEY_VAULT_SECRET), None),
            lineage=tuple(lineage),
            key_secret_uri=str(entry.get("keySecretUri") or ""),
        ))
    return PlannedFleet(stack, subscription, out, list(resources))
