"""Who gets what where, read back from the planned RoleDefinition and RoleAssignment resources.

Why read it from the plan rather than from config: the table is then proof of what the program
would really declare, not a restatement of what we meant it to declare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from infra import catalog
from infra.config import FleetConfig


class _Resource(Protocol):
    @property
    def inputs(self) -> Mapping[str, Any]: ...


class PlanResult(Protocol):
    """What this module reads of a plan (program.PlanResult has it); a protocol, so the plan program
    can put this digest into its JSON without the two modules importing each other."""

    @property
    def config(self) -> FleetConfig: ...

    def of_type(self, suffix: str) -> Sequence[_Resource]: ...

_BUILTIN_NAMES = {
    r.id: r.name
    for r in (catalog.READER, catalog.KEY_VAULT_SECRETS_USER, catalog.AZUREML_DATA_SCIENTIST, *catalog.FORBIDDEN_ROLES)
}


@dataclass(frozen=True)
class AccessRow:
    principal: str
    principal_type: str
    persona: str
    role: str
    scope: str

    def as_dict(self) -> dict[str, str]:
        return {"principal": self.principal, "principalType": self.principal_type, "persona": self.persona,
                "role": self.role, "scope": self.scope}


def short_scope(arm_id: str) -> str:
    """`/subscriptions/…/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv` -> `key vault kv`."""
    parts = arm_id.strip("/").split("/")
    if len(parts) <= 2:
        return "subscription"
    if len(parts) <= 4:
        return f"resource group {parts[-1]}"
    kind = {"vaults": "key vault", "workspaces": "workspace"}.get(parts[-2], parts[-2])
    return f"{kind} {parts[-1]}"


def access_rows(plan: PlanResult) -> list[AccessRow]:
    labels = {e.principal_id: (e.display_name or e.principal_id) for e in plan.config.access}
    role_names = {
        str(r.inputs.get("roleDefinitionId")): str(r.inputs.get("roleName"))
        for r in plan.of_type("authorization:RoleDefinition")
    }
    rows = []
    for r in plan.of_type("authorization:RoleAssignment"):
        guid = str(r.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1]
        principal = str(r.inputs.get("principalId", ""))
        description = str(r.inputs.get("description", ""))
        persona = description.removeprefix("maas-fleet ").split(":", 1)[0]
        rows.append(
            AccessRow(
                principal=labels.get(principal, "deploying identity" if "identity running" in description
                                     else principal),
                principal_type=str(r.inputs.get("principalType", "(as signed in)")),
                persona=persona,
                role=role_names.get(guid) or _BUILTIN_NAMES.get(guid, guid),
                scope=short_scope(str(r.inputs.get("scope", ""))),
            )
        )
    return rows


def access_digest(plan: PlanResult) -> dict[str, Any]:
    """The JSON `access` section: role definitions with actions and assignable scopes, and assignments."""
    definitions = []
    for r in plan.of_type("authorization:RoleDefinition"):
        permissions = r.inputs.get("permissions") or [{}]
        definitions.append(
            {
                "name": r.inputs.get("roleName"),
                "id": r.inputs.get("roleDefinitionId"),
                "actions": list(permissions[0].get("actions", [])),
                "dataActions": list(permissions[0].get("dataActions", [])),
                "assignableScopes": list(r.inputs.get("assignableScopes", [])),
            }
        )
    return {"roleDefinitions": definitions, "assignments": [row.as_dict() for row in access_rows(plan)]}
