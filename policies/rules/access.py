"""Rules about access: no privileged built-in role is assigned, and custom roles grant no more than the
documented serverless permissions (infra/catalog/access.py PERMISSIONS).

One assignment of a broad role is expected: Azure ML documents Contributor (control plane) plus Key
Vault Administrator (data plane) for a workspace identity on an RBAC-mode vault
(catalog.WORKSPACE_IDENTITY_VAULT_ROLES). The program makes exactly that pair, for the workspace's
system identity, on the workspace's own vault; these rules accept it there and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from infra.catalog import (
    FORBIDDEN_ROLES,
    PERMISSIONS,
    WORKSPACE_IDENTITY,
    WORKSPACE_IDENTITY_VAULT_ROLES,
    PrincipalType,
)
from infra.resource_types import ML_WORKSPACE, ROLE_ASSIGNMENT, ROLE_DEFINITION
from policies.engine import Finding, resource_rule, stack_rule
from policies.props import dig, is_type, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_FORBIDDEN: Final = {role.id.lower(): role for role in FORBIDDEN_ROLES}
_ALLOWED_ACTIONS: Final = tuple(sorted({a.lower() for actions in PERMISSIONS.values() for a in actions}))

_WORKSPACE_IDENTITY_ROLES: Final = {role.id.lower(): role for role in WORKSPACE_IDENTITY_VAULT_ROLES}
_VAULT_SCOPE: Final = "/providers/microsoft.keyvault/vaults/"

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


def is_workspace_identity_assignment(record: ResourceRecord) -> bool:
    """Marked by the program as the workspace identity's (its description), whatever it assigns."""
    description = text(record.properties, "description") or ""
    return description.startswith(f"maas-fleet {WORKSPACE_IDENTITY}:")


def _expected_workspace_identity_grant(record: ResourceRecord) -> bool:
    """The documented pair, to a service principal, on a Key Vault (or a scope unknown until apply).
    Which vault is checked by `workspace_identity_on_own_vault` once the ids are known."""
    role_id = text(record.properties, "roleDefinitionId") or ""
    scope = (text(record.properties, "scope") or "").lower()
    return (is_workspace_identity_assignment(record)
            and role_guid(role_id) in _WORKSPACE_IDENTITY_ROLES
            and text(record.properties, "principalType") == PrincipalType.SERVICE_PRINCIPAL
            and (not scope or _VAULT_SCOPE in scope))


@resource_rule(
    "no-privileged-role-assignment", _M, (ROLE_ASSIGNMENT,),
    "No Owner, Contributor or User Access Administrator role assignment (except the documented Contributor "
    "of a workspace identity on its own Key Vault).",
    fix="assign the maas-fleet custom roles, Key Vault Secrets User or Reader",
)
def no_privileged_assignment(record: ResourceRecord) -> Iterator[Finding]:
    role_id = text(record.properties, "roleDefinitionId")
    if not role_id:
        return
    role = _FORBIDDEN.get(role_guid(role_id))
    if role is None or _expected_workspace_identity_grant(record):
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


@resource_rule(
    "custom-role-least-privilege", _M, (ROLE_DEFINITION,),
    "Custom roles grant no more than the documented serverless permissions and no data actions.",
    fix="limit actions to infra/catalog/access.py PERMISSIONS",
)
def custom_role_least_privilege(record: ResourceRecord) -> Iterator[Finding]:
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
            f"limit actions to infra/catalog/access.py PERMISSIONS ({len(_ALLOWED_ACTIONS)} actions across "
            "subscription, resource group and workspace scope); wildcards broader than those are refused",
        )
    if data:
        yield Finding(
            record.name,
            f"{label(record)} grants dataActions {', '.join(repr(a) for a in data)}; the serverless roles need none",
            "remove dataActions from the role definition",
        )


@stack_rule(
    "workspace-identity-on-own-vault", _M, (ROLE_ASSIGNMENT, ML_WORKSPACE),
    "A workspace's system identity gets the documented Key Vault pair (Contributor + Key Vault "
    "Administrator) on its own vault only, typed ServicePrincipal.",
    fix="scope the workspace identity's roles to its workspace's keyVault",
)
def workspace_identity_on_own_vault(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    own_vaults = {
        vault.lower().rstrip("/")
        for r in records if is_type(r, ML_WORKSPACE)
        for vault in [text(r.properties, "keyVault")] if vault
    }
    for record in records:
        if not is_type(record, ROLE_ASSIGNMENT) or not is_workspace_identity_assignment(record):
            continue
        role_id = text(record.properties, "roleDefinitionId") or ""
        scope = text(record.properties, "scope") or ""
        if role_id and role_guid(role_id) not in _WORKSPACE_IDENTITY_ROLES:
            yield Finding(
                record.name,
                f"{label(record)} gives a workspace identity role {role_guid(role_id)}; only "
                f"{' and '.join(r.name for r in WORKSPACE_IDENTITY_VAULT_ROLES)} are documented for it",
                "assign the workspace identity only the documented Key Vault pair",
            )
        ptype = text(record.properties, "principalType")
        if ptype is not None and ptype != PrincipalType.SERVICE_PRINCIPAL:
            yield Finding(
                record.name,
                f"{label(record)} types a workspace identity as {ptype!r}; a managed identity is a ServicePrincipal",
                "set principalType = ServicePrincipal (without it a new identity fails with PrincipalNotFound)",
            )
        if scope and own_vaults and scope.lower().rstrip("/") not in own_vaults:
            yield Finding(
                record.name,
                f"{label(record)} grants a workspace identity a role at {scope}, which is not a workspace's own "
                "Key Vault (the keys vault holds endpoint keys for consumers only)",
                "scope the workspace identity's roles to the vault named in the workspace's keyVault property",
            )


def _strings(value: Any) -> list[str]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [v for v in value if isinstance(v, str)]
    return []
