"""Rules about access: no privileged built-in role is assigned, and custom roles grant no more than the
documented serverless permissions (infra/catalog.py PERMISSIONS).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from infra.catalog import FORBIDDEN_ROLES, PERMISSIONS
from infra.resource_types import ROLE_ASSIGNMENT, ROLE_DEFINITION
from policies.engine import Finding, Rule
from policies.props import dig, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_FORBIDDEN: Final = {role.id.lower(): role for role in FORBIDDEN_ROLES}
_ALLOWED_ACTIONS: Final = tuple(sorted({a.lower() for actions in PERMISSIONS.values() for a in actions}))

_M = Severity.MANDATORY

def role_guid(role_definition_id: str) -> str:
    """The GUID at the end of any role definition id format (subscription-scoped, tenant-scoped `/providers/...`,
    management-group-scoped, or the bare GUID)."""
    return role_definition_id.strip().rstrip("/").rsplit("/", 1)[-1].lower()


def action_allowed(action: str) -> bool:
    """Within the documented permissions: equal to one, or narrower than one of its `.../*` wildcards.
    `*` and `Microsoft.MachineLearningServices/*` are broader and therefore refused."""
    a = action.strip().lower()
    for allowed in _ALLOWED_ACTIONS:
        if a == allowed:
            return True
        if allowed.endswith("/*") and a.startswith(allowed[:-1]) and len(a) > len(allowed) - 1:
            return True
    return False


def _forbidden_assignment(record: ResourceRecord) -> Iterator[Finding]:
    role_id = text(record.properties, "roleDefinitionId")
    if not role_id:
        return
    role = _FORBIDDEN.get(role_guid(role_id))
    if role is None:
        return
    principal = text(record.properties, "principalId") or "(unknown principal)"
    scope = text(record.properties, "scope") or "(unknown scope)"
    yield Finding(
        record.name,
        f"{label(record)} assigns built-in role {role.name} ({role.id}) to principal {principal} at scope "
        f"{scope}; maas-fleet never grants Owner, Contributor or User Access Administrator",
        "assign the maas-fleet custom roles (persona deployer), Key Vault Secrets User (consumer) or "
        "Reader (auditor) instead",
    )


def _custom_role_scope(record: ResourceRecord) -> Iterator[Finding]:
    permissions = dig(record.properties, "permissions")
    if not isinstance(permissions, Sequence) or isinstance(permissions, str):
        return
    broad: list[str] = []
    data: list[str] = []
    for permission in permissions:
        if not isinstance(permission, Mapping):
            continue
        for action in _strings(permission.get("actions")):
            if not action_allowed(action) and action not in broad:
                broad.append(action)
        data.extend(a for a in _strings(permission.get("dataActions")) if a not in data)
    if broad:
        yield Finding(
            record.name,
            f"{label(record)} grants actions beyond the documented serverless permissions: "
            f"{', '.join(repr(a) for a in broad)}",
            f"limit actions to infra/catalog.py PERMISSIONS ({len(_ALLOWED_ACTIONS)} actions across subscription, "
            f"resource group and workspace scope); wildcards broader than those are refused",
        )
    if data:
        yield Finding(
            record.name,
            f"{label(record)} grants dataActions {', '.join(repr(a) for a in data)}; the serverless roles need none",
            "remove dataActions from the role definition",
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [v for v in value if isinstance(v, str)]
    return []


NO_PRIVILEGED_ASSIGNMENT: Final = Rule(
    "no-privileged-role-assignment", _M,
    "No Owner, Contributor or User Access Administrator role assignment.",
    "assign the maas-fleet custom roles, Key Vault Secrets User or Reader", (ROLE_ASSIGNMENT,),
    resource_check=_forbidden_assignment,
)

CUSTOM_ROLE_LEAST_PRIVILEGE: Final = Rule(
    "custom-role-least-privilege", _M,
    "Custom roles grant no more than the documented serverless permissions and no data actions.",
    "limit actions to infra/catalog.py PERMISSIONS", (ROLE_DEFINITION,), resource_check=_custom_role_scope,
)
