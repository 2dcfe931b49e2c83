"""ComponentResources of the fleet, each a unit a reader can hold in their head:

- RegionalWorkspace: one region x project — resource group, storage, Key Vault, monitoring, ML workspace.
- ModelEndpoint: one model in one workspace — marketplace subscription, serverless endpoint, key secret.
- FleetAccess: custom roles with exactly the documented permissions, and persona-based assignments.
"""

from infra.components.access import FleetAccess, FleetAccessArgs
from infra.components.model_endpoint import ModelEndpoint, ModelEndpointArgs
from infra.components.regional_workspace import RegionalWorkspace, RegionalWorkspaceArgs

__all__ = [
    "FleetAccess",
    "FleetAccessArgs",
    "ModelEndpoint",
    "ModelEndpointArgs",
    "RegionalWorkspace",
    "RegionalWorkspaceArgs",
]
