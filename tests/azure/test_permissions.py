"""Azure RBAC matching: wildcards anywhere, case-insensitive, notActions subtract per role."""

from __future__ import annotations

import pytest

from infra.catalog import PERMISSIONS, Persona, Scope
from provisioning.permissions import PermissionEntry, contains, how_to_grant, matches, missing, overlaps, who_grants

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
    assert missing([contributor_like], PERMISSIONS[Scope.WORKSPACE]) == [f"{SE}/*"]
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
