"""Access rules (policies/rules/access.py) both ways."""

from __future__ import annotations

import pytest

from infra.catalog import (
    CONTRIBUTOR,
    FORBIDDEN_ROLES,
    OWNER,
    PERMISSIONS,
    USER_ACCESS_ADMINISTRATOR,
    Scope,
)
from policies.rules.access import action_allowed, role_guid
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import (
    DELETE,
    SUBSCRIPTION,
    changed,
    role_assignment,
    role_definition,
)


@pytest.mark.parametrize("role", FORBIDDEN_ROLES, ids=lambda r: r.name)
@pytest.mark.parametrize(
    "form",
    [
        "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{id}",
        "/providers/Microsoft.Authorization/roleDefinitions/{id}",
        "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleDefinitions/{ID}/",
        "{ID}",
    ],
)
def test_forbidden_role_assignment_any_format(role: object, form: str) -> None:
    role_id = role.id  # type: ignore[attr-defined]
    rec = changed(role_assignment(), "roleDefinitionId", form.format(sub=SUBSCRIPTION, id=role_id,
                                                                      ID=role_id.upper()))
    hit = assert_violation("no-privileged-role-assignment", rec, says=role.name)  # type: ignore[attr-defined]
    assert role_id in hit.message


def test_allowed_role_assignments() -> None:
    assert {OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR} == set(FORBIDDEN_ROLES)
    assert_no_violation("no-privileged-role-assignment", role_assignment())
    assert_no_violation("no-privileged-role-assignment", changed(role_assignment(), "roleDefinitionId", DELETE))
    assert role_guid("/a/b/roleDefinitions/ABC/") == "abc"


def test_custom_role_least_privilege() -> None:
    for scope in Scope:
        assert_no_violation("custom-role-least-privilege", role_definition(scope=scope))
    union = [a for actions in PERMISSIONS.values() for a in actions]
    assert_no_violation("custom-role-least-privilege",
                        changed(role_definition(), "permissions", [{"actions": union, "dataActions": []}]))
    narrower = "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/listKeys/action"
    assert action_allowed(narrower) and action_allowed(narrower.lower())
    for broad in ["*", "Microsoft.MachineLearningServices/*", "Microsoft.MachineLearningServices/workspaces/*",
                  "Microsoft.SaaS/*", "Microsoft.Authorization/roleAssignments/write",
                  "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"]:
        assert not action_allowed(broad), broad
        rec = changed(role_definition(), "permissions", [{"actions": [*union, broad], "dataActions": []}])
        assert_violation("custom-role-least-privilege", rec, says=repr(broad))
    data = changed(role_definition(), "permissions",
                   [{"actions": [], "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}])
    assert_violation("custom-role-least-privilege", data, says="dataActions")
    assert_no_violation("custom-role-least-privilege", changed(role_definition(), "permissions", DELETE))
