"""The routing table of a fleet: per model, every endpoint that serves it, with its limit and share.

One table for the fleet client (which adds keys) and `maas routes` (which never shows one). Three
sources: an inventory (`maas endpoints --inventory-out`, `maas emulate --inventory-out`), a stack's
outputs (the same `endpoints` shape) and a config (the endpoints a stack *would* deploy: names from the
program's own Namer, no URI yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.catalog import REQUESTS_PER_MINUTE
from infra.config import FleetConfig
from provisioning.camel_document import camel_document
from provisioning.inputs.inventory import Dialect, InventoryEndpoint


@dataclass(frozen=True)
class FleetRoute:
    """One endpoint of one model; `weight` is its share of the model's aggregate request limit."""

    model: str
    name: str
    region: str
    project: str
    uri: str | None  # None: planned from a config, not deployed yet
    key_secret_uri: str
    rpm_limit: int
    weight: float
    dialect: Dialect = "azure"

    def as_dict(self) -> dict[str, Any]:
        """One route under its model's key (so without the model); the dialect is the client's concern."""
        return camel_document(self, omit=("model", "dialect"), values={"key_secret_uri": lambda uri: uri or None})


RoutingTable = dict[str, list[FleetRoute]]


def _weighted(rows: Iterable[dict[str, Any]]) -> RoutingTable:
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    table: RoutingTable = {}
    for model, entries in by_model.items():
        total = sum(e["rpm_limit"] for e in entries)
        table[model] = [FleetRoute(**e, weight=round(e["rpm_limit"] / total, 6)) for e in entries]
    return table


def routes_from_inventory(
    endpoints: Sequence[InventoryEndpoint], rpm_limit: int = REQUESTS_PER_MINUTE
) -> RoutingTable:
    """Routes of deployed (or emulated) endpoints, in inventory order; keys stay in the inventory."""
    return _weighted(
        {
            "model": e.model,
            "name": e.name,
            "region": e.region,
            "project": e.project,
            "uri": e.uri,
            "key_secret_uri": e.key_secret_uri,
            "rpm_limit": rpm_limit,
            "dialect": e.dialect or "azure",
        }
        for e in endpoints
    )


def routes_from_config(config: FleetConfig, rpm_limit: int = REQUESTS_PER_MINUTE) -> RoutingTable:
    """The routes a stack would have once deployed: program names, no endpoint URI (Azure assigns the host
    at creation), and the secret each key will be stored in when the config names its subscription (the
    vault's name is derived from it; without it the URI is unknown, so it is left out)."""
    rows = []
    for endpoint in config.declared_endpoints():
        secret_uri = ""
        if config.subscription_id:
            vault = config.namer.workspace_names(endpoint.region, endpoint.project, config.subscription_id).keys_vault
            secret_uri = f"https://{vault}.vault.azure.net/secrets/{config.namer.key_secret(endpoint.name)}"
        rows.append(
            {
                "model": endpoint.model,
                "name": endpoint.name,
                "region": endpoint.region,
                "project": endpoint.project,
                "uri": None,
                "key_secret_uri": secret_uri,
                "rpm_limit": rpm_limit,
            }
        )
    return _weighted(rows)


def routes_document(table: Mapping[str, Sequence[FleetRoute]]) -> dict[str, Any]:
    """The `maas routes --format json` document: never a key, by construction (routes hold none)."""
    return {"models": {model: [r.as_dict() for r in routes] for model, routes in table.items()}}
