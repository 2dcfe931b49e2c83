"""Least-privilege access (docs/architecture.md, Access): exact custom roles, persona assignments on every unit,
stable ids."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable

import pytest

from infra import catalog, rbac
from infra import resource_types as t
from infra.catalog import PERMISSIONS, Scope
from infra.config import ConfigError, FleetConfig
from provisioning.plan.access import access_rows
from provisioning.plan.program import PLACEHOLDER_OBJECT, PlannedResource, PlanResult, plan

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SUB = "aaaaaaaa-0000-4000-8000-000000000001"
DEPLOYER, CONSUMER, AUDITOR = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
)


def role_name(scope: Scope) -> str:
    """Custom role names carry the subscription (they are unique per tenant, not per subscription)."""
    return f"maas-fleet acme-dev deployer ({scope}) [{SUB[:8]}]"


def roles(result: PlanResult) -> dict[str, PlannedResource]:
    return {r.inputs["roleName"]: r for r in result.of_type(t.ROLE_DEFINITION)}


def assignments(result: PlanResult) -> list[PlannedResource]:
    return result.of_type(t.ROLE_ASSIGNMENT)


def is_workspace_identity(a: PlannedResource) -> bool:
    return str(a.inputs["description"]).startswith(f"maas-fleet {rbac.WORKSPACE_IDENTITY}:")


def persona_assignments(result: PlanResult) -> list[PlannedResource]:
    """The assignments `access` (and the deploying identity) asked for, without the workspace identities'."""
    return [a for a in assignments(result) if not is_workspace_identity(a)]


def test_three_custom_roles_with_exactly_the_documented_actions(fleet_plan: PlanResult) -> None:
    defs = roles(fleet_plan)
    assert len(defs) == 3
    rgs = sorted(f"/subscriptions/{SUB}/resourceGroups/{r.inputs['resourceGroupName']}"
                 for r in fleet_plan.of_type(t.RESOURCE_GROUP))
    # Azure takes management groups, subscriptions and resource groups as assignable scopes, never a
    # resource: the workspace role is assignable in the units' resource groups, assigned on workspaces.
    expected_scopes = {Scope.SUBSCRIPTION: [f"/subscriptions/{SUB}"], Scope.RESOURCE_GROUP: rgs,
                       Scope.WORKSPACE: rgs}
    for scope in Scope:
        role = defs[role_name(scope)]
        (permission,) = role.inputs["permissions"]
        assert permission["actions"] == list(PERMISSIONS[scope])
        assert not permission.get("notActions") and not permission.get("dataActions")
        assert not permission.get("notDataActions")
        assert role.inputs["roleType"] == "CustomRole"
        assert sorted(role.inputs["assignableScopes"]) == expected_scopes[scope]
        assert GUID.fullmatch(role.inputs["roleDefinitionId"])
    workspace_actions = set(defs[role_name(Scope.WORKSPACE)].inputs["permissions"][0]["actions"])
    # The operations Azure publishes, not the how-to's `marketplaceModelSubscriptions/*` (ARM would reject
    # the whole role with InvalidActionOrNotAction).
    assert {f"Microsoft.MachineLearningServices/workspaces/marketplaceSubscriptions/{op}"
            for op in ("read", "write", "delete")} <= workspace_actions
    assert not any("marketplaceModelSubscriptions" in a or "*" in a for a in workspace_actions)


def test_no_broad_builtin_role_is_ever_assigned(fleet_plan: PlanResult) -> None:
    forbidden = {r.id for r in catalog.FORBIDDEN_ROLES}
    custom = {r.inputs["roleDefinitionId"] for r in roles(fleet_plan).values()}
    allowed = {catalog.READER.id, catalog.KEY_VAULT_SECRETS_USER.id} | custom
    for a in persona_assignments(fleet_plan):
        guid = a.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        assert guid not in forbidden
        assert guid in allowed, a.inputs["roleDefinitionId"]


def test_workspace_identity_gets_the_documented_pair_on_its_own_vault_only(fleet_plan: PlanResult) -> None:
    """Azure ML's table for an RBAC-mode vault: Contributor (control plane) + Key Vault Administrator
    (data plane). The only Contributor the program assigns, and never on the keys vault."""
    workspace_vaults = {kv.inputs["vaultName"] for kv in fleet_plan.of_type(t.KEY_VAULT)
                        if kv.name.endswith("-kv")}
    identities = [a for a in assignments(fleet_plan) if is_workspace_identity(a)]
    assert len(identities) == 2 * len(fleet_plan.config.units())
    pairs: dict[str, set[str]] = {}
    for a in identities:
        assert a.inputs["principalType"] == "ServicePrincipal"
        vault = a.inputs["scope"].rsplit("/", 1)[-1]
        assert "/providers/Microsoft.KeyVault/vaults/" in a.inputs["scope"] and vault in workspace_vaults
        pairs.setdefault(a.inputs["principalId"], set()).add(a.inputs["roleDefinitionId"].rsplit("/", 1)[-1])
    assert len(pairs) == len(fleet_plan.config.units())  # one identity per workspace
    assert all(roles_ == {r.id for r in catalog.WORKSPACE_IDENTITY_VAULT_ROLES} for roles_ in pairs.values())
    rows = [r for r in access_rows(fleet_plan) if r.persona == rbac.WORKSPACE_IDENTITY]
    assert {r.role for r in rows} == {"Contributor", "Key Vault Administrator"}
    assert all(r.principal.endswith("(system identity)") and r.scope.startswith("key vault ") for r in rows)
    digest = fleet_plan.to_json()["access"]["assignments"]
    assert sum(1 for d in digest if d["persona"] == rbac.WORKSPACE_IDENTITY) == len(identities)


def test_every_persona_lands_on_every_region_and_project(fleet_plan: PlanResult) -> None:
    units = len(fleet_plan.config.units())
    per_principal = Counter(a.inputs["principalId"] for a in persona_assignments(fleet_plan))
    assert per_principal == {DEPLOYER: 1 + 2 * units, CONSUMER: 2 * units, AUDITOR: 1}
    rows = access_rows(fleet_plan)
    scopes = {(r.persona, r.role, r.scope) for r in rows}
    for ws in fleet_plan.of_type(t.ML_WORKSPACE):
        name = ws.inputs["workspaceName"]
        assert ("deployer", role_name(Scope.WORKSPACE), f"workspace {name}") in scopes
        assert ("consumer", "Reader", f"workspace {name}") in scopes
    for kv in fleet_plan.of_type(t.KEY_VAULT):
        # Consumers read the keys vault (endpoint keys only), never the workspace's own vault.
        consumer_reads = ("consumer", "Key Vault Secrets User", f"key vault {kv.inputs['vaultName']}") in scopes
        assert consumer_reads is kv.name.endswith("-kvk")
    for rg in fleet_plan.of_type(t.RESOURCE_GROUP):
        assert ("deployer", role_name(Scope.RESOURCE_GROUP),
                f"resource group {rg.inputs['resourceGroupName']}") in scopes
    assert ("auditor", "Reader", "subscription") in scopes
    assert {r.principal_type for r in rows} == {"Group", "ServicePrincipal", "User"}


def test_assignment_names_are_uuid5_of_scope_role_principal(fleet_plan: PlanResult) -> None:
    names = [a.inputs["roleAssignmentName"] for a in assignments(fleet_plan)]
    assert len(set(names)) == len(names)
    for a in assignments(fleet_plan):
        name = a.inputs["roleAssignmentName"]
        assert uuid.UUID(name).version == 5
        assert name == rbac.assignment_guid(a.inputs["scope"], a.inputs["roleDefinitionId"], a.inputs["principalId"])


def test_ids_are_deterministic_across_runs(fleet_plan: PlanResult, make_config: Callable[..., FleetConfig]) -> None:
    again = plan(make_config())

    def ids(result: PlanResult) -> list[str]:
        return sorted([r.inputs["roleDefinitionId"] for r in roles(result).values()]
                      + [a.inputs["roleAssignmentName"] for a in assignments(result)])

    assert ids(again) == ids(fleet_plan)


def test_deploying_identity_is_optional(make_config: Callable[..., FleetConfig]) -> None:
    cfg = make_config(regions=["eastus"], projects=["main"], access=[], includeDeployingIdentity=True)
    result = plan(cfg)
    rows = persona_assignments(result)
    assert len(rows) == 3
    assert {a.inputs["principalId"] for a in rows} == {PLACEHOLDER_OBJECT}
    # The mock caller signs in with its own client id, so it is typed as a service principal.
    assert {a.inputs["principalType"] for a in rows} == {"ServicePrincipal"}
    assert rbac.principal_type_of_client("04b07795-8ddb-461a-bbee-02f9e1bf7b46") == "User"
    typed = plan(make_config(regions=["eastus"], projects=["main"], access=[], includeDeployingIdentity=True,
                             deployingIdentityType="User"))
    assert {a.inputs["principalType"] for a in persona_assignments(typed)} == {"User"}
    plain = make_config(regions=["eastus"], projects=["main"], access=[])
    assert rbac.grants(plain) == []


def test_grants_decide_personas_without_pulumi(make_config: Callable[..., FleetConfig]) -> None:
    cfg = make_config()
    grants = rbac.grants(cfg)
    by_persona = Counter(str(g.persona) for g in grants)
    assert by_persona == {"deployer": 13, "consumer": 12, "auditor": 1}
    assert all(g.builtin not in catalog.FORBIDDEN_ROLES for g in grants)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"principalId": "not-a-guid", "principalType": "User", "persona": "deployer"}, "is not an object id"),
        ({"principalId": DEPLOYER, "principalType": "Robot", "persona": "deployer"}, "is not a principal type"),
        ({"principalId": DEPLOYER, "principalType": "User", "persona": "owner"}, "is not a persona"),
        ({"principalId": DEPLOYER, "principalType": "User"}, "access[0].persona: is required"),
        ({"principalId": DEPLOYER, "principalType": "User", "persona": "deployer", "role": "Owner"},
         "access[0].role: 'Owner' is not a known key"),
    ],
)
def test_invalid_principals_are_rejected_clearly(make_config: Callable[..., FleetConfig], entry: dict,
                                                 message: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(access=[entry])
    assert any(message in str(p) for p in info.value.problems), info.value.problems


def test_duplicate_persona_for_a_principal_is_rejected(make_config: Callable[..., FleetConfig]) -> None:
    entry = {"principalId": DEPLOYER, "principalType": "User", "persona": "deployer"}
    with pytest.raises(ConfigError, match=r"access\[1\].*already has persona deployer"):
        make_config(access=[entry, entry])


def test_a_consumer_of_one_project_reads_only_that_projects_keys_vaults(
    make_config: Callable[..., FleetConfig]
) -> None:
    """Each unit keeps endpoint keys in a keys vault of its own; an access entry limited to projects
    gets grants on those projects' units only (every region), and nothing on the others'."""
    only_batch = {"principalId": CONSUMER, "principalType": "ServicePrincipal", "persona": "consumer",
                  "projects": ["batch"]}
    everything = {"principalId": AUDITOR, "principalType": "Group", "persona": "consumer"}
    result = plan(make_config(access=[only_batch, everything]))
    vaults = {kv.name: kv.inputs["vaultName"] for kv in result.of_type(t.KEY_VAULT)}
    keys_vault_ids = {name: f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{v}"
                      for name, v in vaults.items()
                      for rg in [next(r.inputs["resourceGroupName"] for r in result.of_type(t.KEY_VAULT)
                                      if r.name == name)]
                      if name.endswith("-kvk")}
    reads = {(a.inputs["principalId"], a.inputs["scope"]) for a in assignments(result)
             if a.inputs["roleDefinitionId"].endswith(catalog.KEY_VAULT_SECRETS_USER.id)}
    for name, vault_id in keys_vault_ids.items():
        batch = name.split("-")[1] == "batch"
        assert ((CONSUMER, vault_id) in reads) is batch, name
        assert (AUDITOR, vault_id) in reads  # no `projects`: every project
    scopes = {a.inputs["scope"] for a in assignments(result) if a.inputs["principalId"] == CONSUMER}
    assert scopes and all("-batch-" in scope for scope in scopes)
    # Never on a workspace's own vault, whoever the consumer is.
    own = {v for name, v in vaults.items() if name.endswith("-kv")}
    assert not any(scope.rsplit("/", 1)[-1] in own for _, scope in reads)


def test_limited_entries_keep_what_must_be_subscription_wide(make_config: Callable[..., FleetConfig]) -> None:
    cfg = make_config(access=[
        {"principalId": DEPLOYER, "principalType": "Group", "persona": "deployer", "projects": "main"},
        {"principalId": AUDITOR, "principalType": "User", "persona": "auditor", "projects": ["main"]},
    ])
    grants = rbac.grants(cfg)
    deployer = [g for g in grants if g.principal_id == DEPLOYER]
    # Marketplace agreements are signed at the subscription: that role stays; the rest follows the projects.
    assert [g.scope for g in deployer if g.unit is None] == [rbac.GrantScope.SUBSCRIPTION]
    assert {g.unit for g in deployer if g.unit} == {f"{r}-main" for r in cfg.regions}
    auditor = [g for g in grants if g.principal_id == AUDITOR]
    assert {(g.scope, g.unit) for g in auditor} == {(rbac.GrantScope.RESOURCE_GROUP, f"{r}-main") for r in cfg.regions}


@pytest.mark.parametrize(("projects", "message"), [
    (["main", "nope"], "access[0].projects[1]: 'nope' is not a configured project (allowed: main, batch)"),
    ([], "access[0].projects: [] is empty"),
])
def test_access_projects_must_be_configured(make_config: Callable[..., FleetConfig], projects: list[str],
                                            message: str) -> None:
    entry = {"principalId": CONSUMER, "principalType": "User", "persona": "consumer", "projects": projects}
    with pytest.raises(ConfigError) as info:
        make_config(access=[entry])
    (problem,) = info.value.problems  # one line, naming the field, the value and what is allowed
    assert str(problem).startswith(f"maas-fleet:{message}")
