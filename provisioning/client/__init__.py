"""The fleet client: call a model on every endpoint of the fleet, within each deployment's limit,
failing over when an endpoint throttles, errs or is down.

    from provisioning.client import FleetClient
    with FleetClient.from_inventory("inventory.json") as fleet:
        result = fleet.generate("stable-image-core", "a lighthouse at dawn", size="1024x1024")
        result.save("lighthouse.png"); print(result.endpoint, result.region)

`AsyncFleetClient` is the same for asyncio code. Routes: `provisioning.client.routes`.
"""

from __future__ import annotations

from provisioning.client.breaker import CircuitBreaker, CircuitState
from provisioning.client.errors import (
    ContentFilteredError,
    FleetClientError,
    FleetUnavailableError,
    RequestRejectedError,
)
from provisioning.client.fleet import AsyncFleetClient, EndpointStats, FleetImage
from provisioning.client.routes import FleetRoute, routes_document, routes_from_config, routes_from_inventory
from provisioning.client.sync import FleetClient

__all__ = [
    "AsyncFleetClient",
    "CircuitBreaker",
    "CircuitState",
    "ContentFilteredError",
    "EndpointStats",
    "FleetClient",
    "FleetClientError",
    "FleetImage",
    "FleetRoute",
    "FleetUnavailableError",
    "RequestRejectedError",
    "routes_document",
    "routes_from_config",
    "routes_from_inventory",
]
