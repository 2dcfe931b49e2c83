"""Least-privilege access: three custom roles with exactly the documented permissions, and the
persona-based assignments decided in `infra.rbac`.

Why a wait between them: ARM serves a new role definition only after it propagated, and an
assignment made before fails with RoleDefinitionDoesNotExist. Each custom role gets a
RoleDefinitionReady (infra.propagation) that its assignments depend on: definition -> wait ->
assignment. Every assignment states its principalType, so a principal created seconds ago is not
looked up in a directory replica that has not seen it yet (PrincipalNotFound).

Why deterministic GUIDs: ARM names role definitions and assignments by GUID; random ones would
make every `pulumi up` replace every assignment. uuid5 over scope, role and principal keeps a
second run a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from infra import rbac
from infra.catalog import Scope
from infra.propagation import RoleDefinitionReady

TYPE = "maas-fleet:azure:FleetAccess"


@dataclass
class UnitScopes:
    """ARM ids of one region x project's scopes that roles can be assigned at."""

    resource_group: pulumi.Input[str]
    workspace: pulumi.Input[str]
    key_vault: pulumi.Input[str]


@dataclass
class FleetAccessArgs:
    subscription_id: pulumi.Input[str]
    deploying_object_id: pulumi.Input[str]
    deploying_client_id: pulumi.Input[str]
    roles: list[rbac.RoleSpec]
    grants: list[rbac.Grant]
    units: Mapping[str, UnitScopes] = field(default_factory=dict)


def _role_output(spec: rbac.RoleSpec, role: authorization.RoleDefinition) -> pulumi.Output[dict[str, Any]]:
    def shape(parts: list[Any]) -> dict[str, Any]:
        return {"name": parts[2], "id": parts[0], "scope": str(spec.scope), "actions": list(spec.actions),
                "assignableScopes": parts[1]}

    return pulumi.Output.all(role.id, role.assignable_scopes, role.role_name).apply(shape)


def _type_of_client(client_id: str) -> str:
    return rbac.principal_type_of_client(client_id).value


class FleetAccess(pulumi.ComponentResource):
    role_definitions: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, name: str, args: FleetAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sub = pulumi.Output.from_input(args.subscription_id)
        sub_scope = sub.apply(lambda s: f"/subscriptions/{s}")

        def scopes_of(scope: Scope) -> list[pulumi.Input[str]]:
            # Azure accepts management groups, subscriptions and resource groups as assignable scopes,
            # not individual resources: the workspace role is assignable in the units' resource groups
            # and assigned on each workspace itself.
            if scope is Scope.SUBSCRIPTION:
                return [sub_scope]
            return [u.resource_group for u in args.units.values()]

        roles: dict[Scope, authorization.RoleDefinition] = {}
        ready: dict[Scope, RoleDefinitionReady] = {}
        for spec in args.roles:
            roles[spec.scope] = authorization.RoleDefinition(
                f"{name}-{spec.key}",
                role_definition_id=sub.apply(spec.guid),
                role_name=sub.apply(spec.role_name),
                description=spec.description,
                role_type="CustomRole",
                scope=sub_scope,
                permissions=[
                    {"actions": list(spec.actions), "not_actions": [], "data_actions": [], "not_data_actions": []}
                ],
                assignable_scopes=scopes_of(spec.scope),
                opts=child,
            )
            ready[spec.scope] = RoleDefinitionReady(
                f"{name}-{spec.key}-ready", roles[spec.scope].id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[roles[spec.scope]]),
            )

        def scope_of(grant: rbac.Grant) -> pulumi.Input[str]:
            if grant.unit is None:
                return sub_scope
            unit = args.units[grant.unit]
            return {
                rbac.GrantScope.RESOURCE_GROUP: unit.resource_group,
                rbac.GrantScope.WORKSPACE: unit.workspace,
                rbac.GrantScope.KEY_VAULT: unit.key_vault,
            }[grant.scope]

        for grant in args.grants:
            scope_id = scope_of(grant)
            waits: list[pulumi.Resource] = []
            if grant.custom_role is not None:
                role_id: pulumi.Input[str] = roles[grant.custom_role].id
                waits = [ready[grant.custom_role]]
            else:
                assert grant.builtin is not None
                builtin = grant.builtin
                role_id = sub.apply(lambda s, b=builtin: rbac.builtin_role_definition_id(s, b))  # type: ignore[misc]
            principal: pulumi.Input[str] = grant.principal_id
            principal_type: pulumi.Input[str] | None = grant.principal_type.value if grant.principal_type else None
            if grant.principal_id == rbac.DEPLOYING_IDENTITY:
                principal = args.deploying_object_id
                if principal_type is None:
                    principal_type = pulumi.Output.from_input(args.deploying_client_id).apply(_type_of_client)
            authorization.RoleAssignment(
                f"{name}-{grant.persona}-{grant.principal_id[:8]}-{grant.role_key}-{grant.unit or 'subscription'}",
                role_assignment_name=pulumi.Output.all(scope_id, role_id, principal).apply(
                    lambda parts: rbac.assignment_guid(parts[0], parts[1], parts[2])
                ),
                scope=scope_id,
                role_definition_id=role_id,
                principal_id=principal,
                principal_type=principal_type,
                description=f"maas-fleet {grant.persona}: {grant.label}",
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )

        self.role_definitions = pulumi.Output.all(
            *[_role_output(spec, roles[spec.scope]) for spec in args.roles]
        ).apply(list)
        self.register_outputs({"roleDefinitions": self.role_definitions})
