"""Turning a resource's *outputs* (its ARM state) into the input-shaped properties the rules read.

Why: the rules are written against the camelCase inputs azure-native sends (`workspaceName`,
`resourceGroupName`, ...), but two producers only have outputs: CrossGuard's stack validation (the
engine passes each resource's final outputs) and documents whose resources carry no inputs. Outputs
name a resource `name` and hide its parents in the ARM `id`; this module restores the input keys a
rule needs, and never overwrites a value that is already there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from policies.props import (
    APP_INSIGHTS,
    KEY_VAULT,
    KEY_VAULT_SECRET,
    LOG_ANALYTICS,
    MARKETPLACE_SUBSCRIPTION,
    ML_WORKSPACE,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SERVERLESS_ENDPOINT,
    STORAGE_ACCOUNT,
    canonical_type,
)

# The input that carries a resource's own Azure name (outputs call it `name`).
NAME_INPUT: Final = {
    RESOURCE_GROUP: "resourceGroupName",
    STORAGE_ACCOUNT: "accountName",
    KEY_VAULT: "vaultName",
    KEY_VAULT_SECRET: "secretName",
    LOG_ANALYTICS: "workspaceName",
    APP_INSIGHTS: "resourceName",
    ML_WORKSPACE: "workspaceName",
    MARKETPLACE_SUBSCRIPTION: "name",
    SERVERLESS_ENDPOINT: "name",
    ROLE_DEFINITION: "roleDefinitionId",
    ROLE_ASSIGNMENT: "roleAssignmentName",
}

# Inputs naming a parent resource, and the ARM id segment that holds it, per type.
_RG: Final = ("resourceGroupName", "resourcegroups")
_WS: Final = ("workspaceName", "workspaces")
_VAULT: Final = ("vaultName", "vaults")
PARENT_INPUTS: Final = {
    STORAGE_ACCOUNT: (_RG,),
    KEY_VAULT: (_RG,),
    KEY_VAULT_SECRET: (_RG, _VAULT),
    LOG_ANALYTICS: (_RG,),
    APP_INSIGHTS: (_RG,),
    ML_WORKSPACE: (_RG,),
    MARKETPLACE_SUBSCRIPTION: (_RG, _WS),
    SERVERLESS_ENDPOINT: (_RG, _WS),
}

# Output-only bookkeeping that no rule reads (`__inputs` is azure-native's secret copy of the inputs).
_OUTPUT_ONLY: Final = frozenset({"id", "type", "systemData", "azureApiVersion", "etag"})


def arm_id_segment(arm_id: str, collection: str) -> str | None:
    """The name after the first `/<collection>/` in an ARM id (`resourceGroups`, `workspaces`, ...)."""
    parts = [p for p in arm_id.split("/") if p]
    for index, part in enumerate(parts[:-1]):
        if part.lower() == collection:
            return parts[index + 1]
    return None


def inputs_from_outputs(type_token: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Input-shaped properties from outputs: drop output-only keys, restore the name and parent inputs."""
    canonical = canonical_type(type_token)
    props = {k: v for k, v in outputs.items() if k not in _OUTPUT_ONLY and not k.startswith("__")}
    name_key = NAME_INPUT.get(canonical)
    name = outputs.get("name")
    if name_key and isinstance(name, str) and name_key not in props:
        props[name_key] = name
    arm_id = outputs.get("id")
    if isinstance(arm_id, str):
        for key, collection in PARENT_INPUTS.get(canonical, ()):
            value = arm_id_segment(arm_id, collection)
            if value is not None and key not in props:
                props[key] = value
    return props


def parent_inputs(type_token: str) -> tuple[str, ...]:
    """The inputs of `type_token` that name a parent (`resourceGroupName`, `workspaceName`, `vaultName`)."""
    return tuple(key for key, _ in PARENT_INPUTS.get(canonical_type(type_token), ()))


# Which resource type a parent input points at, to fill it from a dependency's own name.
PARENT_TYPES: Final = {"resourceGroupName": RESOURCE_GROUP, "workspaceName": ML_WORKSPACE, "vaultName": KEY_VAULT}
