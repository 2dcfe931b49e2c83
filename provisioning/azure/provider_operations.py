"""The operations Azure lists for a resource provider namespace, and the role actions that match none.

Why: ARM validates every `actions` / `notActions` entry of a custom role definition against the
operations its resource providers publish, and rejects the whole definition when one entry matches
none (`InvalidActionOrNotAction`: "'…' does not match any of the actions supported by the
providers."), wildcards included: `…/marketplaceModelSubscriptions/*` is refused because nothing lies
under it. `pulumi up` meets that twenty minutes in; preflight asks the same list first:
`GET /providers/Microsoft.Authorization/providerOperations/{namespace}?$expand=resourceTypes`
(Authorization 2022-04-01, ProviderOperationsMetadata_Get), whose answer holds the namespace's own
`operations` and, per resource type, `resourceTypes[].operations`, each with `name` and
`isDataAction`. Data actions belong in a role's `dataActions`, so they do not count for `actions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from provisioning.azure.arm import ArmRest
from provisioning.azure.errors import ArmError
from provisioning.azure.permissions import matches
from provisioning.azure.session import ApiVersion

PROVIDER_OPERATIONS_PATH: Final = "/providers/Microsoft.Authorization/providerOperations"


@dataclass(frozen=True)
class NamespaceOperations:
    namespace: str
    operations: tuple[str, ...]  # control-plane operation names, as Azure spells them

    def unmatched(self, patterns: Iterable[str]) -> list[str]:
        """The patterns (role actions, wildcards allowed) that match none of these operations."""
        return [p for p in patterns if not any(matches(p, op) for op in self.operations)]


def namespace_of(action: str) -> str:
    return action.split("/", 1)[0]


def _names(operations: Any) -> list[str]:
    out = []
    for op in operations or ():
        if isinstance(op, Mapping) and isinstance(op.get("name"), str) and not op.get("isDataAction"):
            out.append(op["name"])
    return out


def parse_operations(namespace: str, body: Any) -> NamespaceOperations:
    """The control-plane operation names of one ProviderOperationsMetadata answer."""
    body = body if isinstance(body, Mapping) else {}
    names = _names(body.get("operations"))
    for resource_type in body.get("resourceTypes") or ():
        if isinstance(resource_type, Mapping):
            names.extend(_names(resource_type.get("operations")))
    return NamespaceOperations(str(body.get("name") or namespace), tuple(dict.fromkeys(names)))


def read_operations(arm: ArmRest, namespace: str) -> NamespaceOperations | None:
    """What Azure lists for `namespace`; None when it lists nothing (an unknown namespace, or one
    whose operations are not published, such as Microsoft.SaaS). Other errors raise ArmError."""
    try:
        answer = arm.get(f"{PROVIDER_OPERATIONS_PATH}/{namespace}?$expand=resourceTypes", ApiVersion.AUTHORIZATION,
                         what=f"reading the operations Azure lists for {namespace}")
    except ArmError as exc:
        if exc.not_found:
            return None
        raise
    listed = parse_operations(namespace, answer.body)
    return listed if listed.operations else None
