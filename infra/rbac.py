"""Who gets which role where: the access model as plain data, decided before anything is declared.

Why separate from the component: the same decisions feed the Pulumi program (which turns them into
role definitions and assignments), the plan's access table and the tests — and they can be checked
without a Pulumi runtime. Personas (docs/architecture.md, Access):

- deployer: the three custom roles, each with exactly the documented permissions at its scope;
- consumer: Key Vault Secrets User on each unit's keys vault (endpoint keys only, never the
            workspace's own vault), Reader on each workspace;
- auditor:  Reader on the subscription (on the named projects' resource groups when limited).

An access entry's `projects` limits its unit-scoped grants to those projects' units; the
deployer's subscription-scope role stays, since marketplace agreements live at the subscription.

Never Owner, Contributor or User Access Administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from infra import catalog, naming
from infra.catalog import PERMISSIONS, BuiltInRole, Persona, PrincipalType, Scope
from infra.config import FleetConfig

DEPLOYING_IDENTITY: Final = "deploying-identity"  # resolved to the caller's object id at run time
WORKSPACE_IDENTITY: Final = catalog.WORKSPACE_IDENTITY


class GrantScope(StrEnum):
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resourceGroup"
    WORKSPACE = "workspace"
    KEY_VAULT = "keyVault"  # the unit's keys vault: endpoint keys only


@dataclass(frozen=True)
class RoleSpec:
    """A custom role carrying exactly one scope's documented permissions."""

    scope: Scope
    name: str
    description: str
    actions: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"deployer-{self.scope}"

    def guid(self, subscription_id: str) -> str:
        return naming.deterministic_guid(f"/subscriptions/{subscription_id}", "role", self.name)

    def role_name(self, subscription_id: str) -> str:
        """Role names are unique per tenant: the same stack in two subscriptions needs two names."""
        return f"{self.name} [{subscription_id[:8]}]"


@dataclass(frozen=True)
class Grant:
    """One role assignment to be made: principal x persona x role x scope (x unit)."""

    principal_id: str  # object id, or DEPLOYING_IDENTITY
    principal_type: PrincipalType | None  # None: the deploying identity, typed from its sign-in client
    label: str
    persona: Persona
    scope: GrantScope
    unit: str | None  # naming.unit_id of the region x project, None at subscription scope
    custom_role: Scope | None = None  # which custom role, or None for a built-in role
    builtin: BuiltInRole | None = None

    @property
    def role_key(self) -> str:
        """Short, stable id of the role for logical names."""
        if self.builtin is not None:
            return self.builtin.name.lower().replace(" ", "-")
        return f"deployer-{self.custom_role}"

    @property
    def role_label(self) -> str:
        if self.builtin is not None:
            return self.builtin.name
        return f"custom: deployer ({self.custom_role})"


def custom_roles(config: FleetConfig) -> list[RoleSpec]:
    stack = f"{config.prefix}-{config.environment}"
    return [
        RoleSpec(
            scope=scope,
            name=f"maas-fleet {stack} deployer ({scope})",
            description=(
                f"Subscribe workspaces to Stability AI marketplace offers and deploy serverless endpoints: "
                f"the documented {scope}-scope permissions only (maas-fleet stack {stack})."
            ),
            actions=PERMISSIONS[scope],
        )
        for scope in Scope
    ]


def grants(config: FleetConfig) -> list[Grant]:
    out: list[Grant] = []
    for e in config.access:
        units = [naming.unit_id(r, p) for r, p in config.units() if e.covers(p)]
        limited = e.projects is not None
        out += _persona_grants(e.principal_id, e.principal_type, e.display_name or e.principal_id, e.persona, units,
                               limited)
    if config.include_deploying_identity:
        units = [naming.unit_id(r, p) for r, p in config.units()]
        out += _persona_grants(DEPLOYING_IDENTITY, config.deploying_identity_type, "identity running pulumi",
                               Persona.DEPLOYER, units)
    return out


def _persona_grants(
    pid: str, ptype: PrincipalType | None, label: str, persona: Persona, units: list[str], limited: bool = False
) -> list[Grant]:
    def grant(scope: GrantScope, unit: str | None, custom: Scope | None = None,
              builtin: BuiltInRole | None = None) -> Grant:
        return Grant(pid, ptype, label, persona, scope, unit, custom, builtin)

    if persona is Persona.DEPLOYER:
        return [grant(GrantScope.SUBSCRIPTION, None, custom=Scope.SUBSCRIPTION)] + [
            g
            for unit in units
            for g in (grant(GrantScope.RESOURCE_GROUP, unit, custom=Scope.RESOURCE_GROUP),
                      grant(GrantScope.WORKSPACE, unit, custom=Scope.WORKSPACE))
        ]
    if persona is Persona.CONSUMER:
        return [
            g
            for unit in units
            for g in (grant(GrantScope.KEY_VAULT, unit, builtin=catalog.KEY_VAULT_SECRETS_USER),
                      grant(GrantScope.WORKSPACE, unit, builtin=catalog.READER))
        ]
    if limited:
        return [grant(GrantScope.RESOURCE_GROUP, unit, builtin=catalog.READER) for unit in units]
    return [grant(GrantScope.SUBSCRIPTION, None, builtin=catalog.READER)]


def principal_type_of_client(client_id: str) -> PrincipalType:
    """A caller signed in through a Microsoft public client (az login, ...) is a User; else an app."""
    if client_id.lower() in catalog.USER_SIGN_IN_CLIENT_IDS:
        return PrincipalType.USER
    return PrincipalType.SERVICE_PRINCIPAL


def builtin_role_definition_id(subscription_id: str, role: BuiltInRole) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role.id}"


def assignment_guid(scope_id: str, role_definition_id: str, principal_id: str) -> str:
    """uuid5 of scope + role + principal (docs/architecture.md, Access): the same assignment gets the same name on
    every run."""
    return naming.deterministic_guid(scope_id, role_definition_id.rsplit("/", 1)[-1], principal_id)
