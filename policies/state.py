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

from infra.resource_types import PARENT_TYPES, RESOURCE_TYPES
from policies.props import canonical_type

__all__ = ["PARENT_TYPES", "arm_id_segment", "inputs_from_outputs", "parent_inputs"]

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
    kind = RESOURCE_TYPES.get(canonical)
    name_key = kind.name_input if kind else ""
    name = outputs.get("name")
    if name_key and isinstance(name, str) and name_key not in props:
        props[name_key] = name
    arm_id = outputs.get("id")
    if isinstance(arm_id, str):
        for key, collection in kind.parents if kind else ():
            value = arm_id_segment(arm_id, collection)
            if value is not None and key not in props:
                props[key] = value
    return props


def parent_inputs(type_token: str) -> tuple[str, ...]:
    """The inputs of `type_token` that name a parent (`resourceGroupName`, `workspaceName`, `vaultName`)."""
    kind = RESOURCE_TYPES.get(canonical_type(type_token))
    return kind.parent_inputs if kind else ()

