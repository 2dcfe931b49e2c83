"""Azure RBAC matching: wildcards anywhere, case-insensitive, notActions subtract per role."""

from __future__ import annotations

import pytest

from infra.catalog import (
    ACTION_SOURCES,
    HOW_TO_WORKSPACE_PERMISSIONS,
    KEY_ROTATION_ACTIONS,
    PERMISSIONS,
    PROGRAM_ACTIONS,
    WILDCARD_OPERATIONS,
    Persona,
    Scope,
)
from provisioning.azure.permissions import (
    PermissionEntry,
    contains,
    describe_missing,
    how_to_grant,
    matches,
    missing,
    overlaps,
    ungranted,
    who_grants,
)
from tests.support import builtin_roles

SE = "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"


@pytest.mark.parametrize(("pattern", "action", "expected"), [
    ("*", f"{SE}/read", True),
    ("*/read", f"{SE}/read", True),
    ("*/read", f"{SE}/write", False),
    ("Microsoft.MachineLearningServices/*", f"{SE}/listKeys/action", True),
    ("microsoft.machinelearningservices/WORKSPACES/*", f"{SE}/read", True),
    ("Microsoft.MachineLearningServices/workspaces/*/read", f"{SE}/read", True),
    ("Microsoft.Storage/*", f"{SE}/read", False),
    (f"{SE}/read", f"{SE}/read", True),
    (f"{SE}/rea", f"{SE}/read", False),
])
def test_matches(pattern: str, action: str, expected: bool) -> None:
    assert matches(pattern, action) is expected


@pytest.mark.parametrize(("pattern", "required", "expected"), [
    ("*", f"{SE}/*", True),
    ("Microsoft.MachineLearningServices/*", f"{SE}/*", True),
    (f"{SE}/*", f"{SE}/*", True),
    ("*/read", f"{SE}/*", False),  # reads only: not every serverless endpoint action
    (f"{SE}/read", f"{SE}/*", False),
    ("Microsoft.MachineLearningServices/workspaces/*/read", f"{SE}/*", False),
    ("Microsoft.SaaS/*", "Microsoft.SaaS/resources/write", True),
])
def test_contains_requires_every_action_of_a_wildcard(pattern: str, required: str, expected: bool) -> None:
    assert contains(pattern, required) is expected


@pytest.mark.parametrize(("pattern", "required", "expected"), [
    (f"{SE}/delete", f"{SE}/*", True),
    ("*/delete", f"{SE}/*", True),
    ("Microsoft.MachineLearningServices/*/delete", f"{SE}/*", True),
    ("Microsoft.Storage/*", f"{SE}/*", False),
    (f"{SE}/delete", f"{SE}/read", False),
])
def test_overlaps_for_not_actions(pattern: str, required: str, expected: bool) -> None:
    assert overlaps(pattern, required) is expected


def test_not_actions_subtract_only_within_their_role() -> None:
    contributor_like = PermissionEntry(("*",), (f"{SE}/delete",))
    assert missing([contributor_like], PERMISSIONS[Scope.WORKSPACE]) == [f"{SE}/delete"]
    data_scientist_like = PermissionEntry(("Microsoft.MachineLearningServices/workspaces/*",))
    assert missing([contributor_like, data_scientist_like], PERMISSIONS[Scope.WORKSPACE]) == []


def test_every_catalog_permission_is_granted_by_itself() -> None:
    for required in PERMISSIONS.values():
        assert missing([PermissionEntry(tuple(required))], required) == []
        assert missing([], required) == list(required)


def test_who_grants_names_persona_scope_and_builtin_role() -> None:
    ws = who_grants(f"{SE}/listKeys/action")
    assert ws.persona is Persona.DEPLOYER and ws.scope is Scope.WORKSPACE
    assert "AzureML Data Scientist" in ws.describe()
    sub = who_grants("Microsoft.MarketplaceOrdering/agreements/offers/plans/sign/action")
    assert sub.scope is Scope.SUBSCRIPTION and "deployer persona" in sub.describe()
    assert "Key Vault Contributor" in who_grants("Microsoft.KeyVault/vaults/secrets/write").describe()
    assert "auditor" in who_grants("Microsoft.Compute/virtualMachines/read").describe()
    assert "ask an administrator" in who_grants("Microsoft.Compute/virtualMachines/write").describe()
    text = how_to_grant(["Microsoft.SaaS/resources/read", "Microsoft.SaaS/resources/write"])
    assert text.count("grant ") == 1 and "resource-group-scope" in text


# --------------------------------------------------------------------------------------------------
# Wildcards held through their concrete operations (built-in roles as Azure defines them)
# --------------------------------------------------------------------------------------------------

ML_WS = "Microsoft.MachineLearningServices/workspaces"


def entries(*roles: dict[str, list[str]]) -> list[PermissionEntry]:
    return [PermissionEntry.from_arm(role) for role in roles]


def test_azureml_data_scientist_holds_the_workspace_permissions_and_key_rotation() -> None:
    """The reported defect: Data Scientist grants `workspaces/*/read|write|delete|action`, not the
    wildcards themselves, and preflight refused it while recommending it."""
    ds = entries(builtin_roles.AZUREML_DATA_SCIENTIST)
    assert missing(ds, PERMISSIONS[Scope.WORKSPACE]) == []
    assert missing(ds, KEY_ROTATION_ACTIONS) == []  # `maas keys rotate` agrees with preflight
    # It is a workspace role: the marketplace actions at the subscription are not in it.
    assert missing(ds, PERMISSIONS[Scope.SUBSCRIPTION]) == list(PERMISSIONS[Scope.SUBSCRIPTION])
    assert missing(ds, ["Microsoft.MachineLearningServices/workspaces/write"]) == ["Microsoft.MachineLearningServices/"
                                                                                  "workspaces/write"]


def test_reader_holds_only_the_reads_of_the_workspace_permissions() -> None:
    reader = entries(builtin_roles.READER)
    assert missing(reader, PERMISSIONS[Scope.WORKSPACE]) == [
        a for a in PERMISSIONS[Scope.WORKSPACE] if not a.endswith("/read")]
    assert describe_missing(reader, [f"{SE}/read", f"{SE}/listKeys/action"]) == [f"{SE}/listKeys/action"]
    # A wildcard the catalog does not spell out is held only by one covering pattern.
    assert ungranted(reader, f"{SE}/*") == (f"{SE}/*",)


def test_contributor_holds_the_persona_permissions_but_not_the_program_authorization_writes() -> None:
    contributor = entries(builtin_roles.CONTRIBUTOR)
    for required in PERMISSIONS.values():
        assert missing(contributor, required) == []
    assert missing(contributor, PROGRAM_ACTIONS) == ["Microsoft.Authorization/roleDefinitions/write",
                                                     "Microsoft.Authorization/roleAssignments/write"]


@pytest.mark.parametrize(("roles", "lacking"), [
    ((builtin_roles.OWNER,), []),
    ((builtin_roles.CONTRIBUTOR, builtin_roles.USER_ACCESS_ADMINISTRATOR), []),
    ((builtin_roles.CONTRIBUTOR, builtin_roles.RBAC_ADMINISTRATOR), ["Microsoft.Authorization/roleDefinitions/write"]),
    ((builtin_roles.USER_ACCESS_ADMINISTRATOR,), list(PROGRAM_ACTIONS[2:-1])),  # */read: definitions readable
    ((builtin_roles.AZUREML_DATA_SCIENTIST, builtin_roles.READER), list(PROGRAM_ACTIONS[:-1])),
])
def test_who_can_run_pulumi_up(roles: tuple[dict[str, list[str]], ...], lacking: list[str]) -> None:
    assert missing(entries(*roles), PROGRAM_ACTIONS) == lacking


def test_partial_grants() -> None:
    endpoints = [a for a in PERMISSIONS[Scope.WORKSPACE] if a.startswith(SE)]
    # Reads and writes only: what it lacks is named, operation by operation.
    rw = entries({"actions": [f"{SE}/read", f"{SE}/write"]})
    assert missing(rw, endpoints) == [f"{SE}/delete", f"{SE}/listKeys/action", f"{SE}/regenerateKeys/action"]
    # The same operations split across two roles: held (the union of roles counts).
    split = entries({"actions": [f"{SE}/read", f"{SE}/write"]}, {"actions": [f"{ML_WS}/*/delete", "*/action"]})
    assert missing(split, endpoints) == []
    # A role's notActions only subtract from that role ...
    ds_minus_keys = {**builtin_roles.AZUREML_DATA_SCIENTIST,
                     "notActions": [*builtin_roles.AZUREML_DATA_SCIENTIST["notActions"], f"{SE}/listKeys/action"]}
    assert describe_missing(entries(ds_minus_keys), PERMISSIONS[Scope.WORKSPACE]) == [f"{SE}/listKeys/action"]
    assert missing(entries(ds_minus_keys), KEY_ROTATION_ACTIONS) == [f"{SE}/listKeys/action"]
    # ... and another role may grant what it removed.
    assert missing(entries(ds_minus_keys, {"actions": [f"{SE}/listKeys/action"]}), PERMISSIONS[Scope.WORKSPACE]) == []
    # Marketplace subscriptions: the how-to's `marketplaceModelSubscriptions` is not an operation and
    # is not required; a grant of the real `marketplaceSubscriptions/*` covers its three operations.
    market = entries({"actions": [f"{ML_WS}/marketplaceSubscriptions/*"]})
    assert missing(market, PERMISSIONS[Scope.WORKSPACE]) == endpoints


def test_a_wildcard_the_catalog_does_not_spell_out_needs_one_covering_pattern() -> None:
    other = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/*"
    assert other not in WILDCARD_OPERATIONS
    assert missing(entries(builtin_roles.AZUREML_DATA_SCIENTIST), [other]) == [other]
    assert missing(entries({"actions": ["Microsoft.MachineLearningServices/*"]}), [other]) == []


def test_the_catalog_spells_out_every_wildcard_it_requires() -> None:
    wildcards = [r for required in PERMISSIONS.values() for r in required if "*" in r]
    assert sorted(wildcards) == sorted(WILDCARD_OPERATIONS)
    for wildcard, operations in WILDCARD_OPERATIONS.items():
        assert operations and all(matches(wildcard, op) and "*" not in op for op in operations)
    assert set(KEY_ROTATION_ACTIONS) <= set(PERMISSIONS[Scope.WORKSPACE])


def test_every_role_action_is_a_published_operation_with_its_source() -> None:
    for actions in PERMISSIONS.values():
        for action in actions:
            assert action in ACTION_SOURCES, action
            assert "marketplaceModelSubscriptions" not in action
    # What the how-to lists and Azure does not: kept for the docs, never in a role.
    assert f"{ML_WS}/marketplaceModelSubscriptions/*" in HOW_TO_WORKSPACE_PERMISSIONS
