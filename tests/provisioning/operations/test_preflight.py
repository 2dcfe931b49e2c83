"""`maas preflight` against the fake ARM: every check passing and failing, --fix, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import MODELS, PERMISSIONS, PROGRAM_ACTIONS, RESOURCE_PROVIDERS, Scope
from infra.naming import Namer
from tests.support import builtin_roles
from tests.support.fake_arm import ML, SUB, FakeArm, write_stack

SE = f"{ML}/workspaces/serverlessEndpoints"
# The names `pulumi up` of write_stack's default stack gives: they carry a hash of subscription and stack.
NAMES = Namer("contoso", "dev", subscription_id=SUB, stack="dev")
CORE, ULTRA, SD35L = (NAMES.endpoint("main", MODELS[m])
                      for m in ("stable-image-core", "stable-image-ultra", "stable-diffusion-3.5-large"))
Maas = Callable[..., Any]


def checks(run: Any) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in json.loads(run.stdout)["checks"]}


def preflight_json(maas: Maas, tmp_path: Path, *args: str, **config: Any) -> tuple[Any, dict[str, dict[str, str]]]:
    run = maas("preflight", "--config", str(write_stack(tmp_path, **config)), "--format", "json", *args)
    return run, checks(run) if run.stdout.strip() else {}


def preflight_line(maas: Maas, tmp_path: Path, line: str) -> tuple[Any, dict[str, str]]:
    """Preflight of a one-region (eastus2) stack, and the one line of it a test is about."""
    run, found = preflight_json(maas, tmp_path, regions=["eastus2"])
    return run, found[line]


# The workspace-scope role as the catalog spells it: the operations Azure lists (the how-to's
# `marketplaceModelSubscriptions/*` matches none, and ARM would refuse a role holding it).
PUBLISHED_WORKSPACE_ACTIONS = tuple(PERMISSIONS[Scope.WORKSPACE])
HOW_TO_WILDCARD = f"{ML}/workspaces/marketplaceModelSubscriptions/*"
MARKETPLACE_ALLOWED = [{"name": "MarketplacePurchases", "value": "AllAllowed", "policyType": "UserControlled",
                        "scope": f"/subscriptions/{SUB}"}]


def roles_with_workspace_actions(monkeypatch: pytest.MonkeyPatch, actions: tuple[str, ...]) -> None:
    monkeypatch.setattr("infra.rbac.PERMISSIONS", {**PERMISSIONS, Scope.WORKSPACE: actions})


def test_everything_passes_on_a_ready_subscription(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB, "Production")
    arm.billing_policies[SUB] = MARKETPLACE_ALLOWED
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 0, run.output
    # Microsoft.SaaS publishes no operations: its role actions are "could not check", which does not fail.
    assert {n: c["status"] for n, c in found.items() if c["status"] != "pass"} == {
        "role actions Microsoft.SaaS": "unchecked"}
    assert set(json.loads(run.stdout)) == {"checks"}
    assert all(set(c) == {"name", "status", "detail", "fix"} for c in found.values())
    assert "user deployer@contoso.example" in found["credential"]["detail"]
    assert arm.token not in run.output
    # 2 regions x 1 project: subscription + `pulumi up` + 2 resource groups + 2 workspaces permission checks
    assert len([n for n in found if n.startswith("permissions")]) == 6
    assert "all 10 subscription-scope actions the program needs" in found["permissions to run pulumi up"]["detail"]
    assert len([n for n in found if n.startswith("endpoint name")]) == 6
    assert len([n for n in found if n.startswith("provider")]) == len(RESOURCE_PROVIDERS)
    # Marketplace purchases need these two registered: checked like every provider.
    assert found["provider Microsoft.SaaS"]["status"] == found["provider Microsoft.MarketplaceOrdering"]["status"]
    assert [n for n in found if n.startswith("role actions")] == [
        "role actions Microsoft.MachineLearningServices", "role actions Microsoft.Marketplace",
        "role actions Microsoft.MarketplaceOrdering", "role actions Microsoft.SaaS"]
    assert found["marketplace private store"]["detail"] == "no private Azure Marketplace is enabled in this tenant"
    assert found["marketplace billing policy"]["detail"] == "MarketplacePurchases is AllAllowed"


def test_table_output_is_one_line_per_check(arm: FakeArm, maas: Maas, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, "Microsoft.SaaS", "NotRegistered")
    write_stack(tmp_path, stack="prod")
    monkeypatch.chdir(tmp_path)
    run = maas("preflight", "--stack", "prod")
    assert run.code == 1
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 30  # 24 + 4 role-action namespaces + private store + billing policy
    failing = [line for line in lines if "fail" in line.split(":")[0]]
    assert failing == ["✘ fail  provider Microsoft.SaaS: NotRegistered in " + SUB +
                       " -> fix: run `maas preflight --fix` or `az provider register --namespace Microsoft.SaaS`"]
    unchecked = [line.split(":")[0] for line in lines if line.startswith("? could not check")]
    assert unchecked == ["? could not check role actions Microsoft.SaaS",
                         "? could not check marketplace billing policy"]
    billing = next(line for line in lines if "marketplace billing policy" in line)
    assert " -> fix: ask your billing administrator whether Azure Marketplace purchases are allowed" in billing
    assert "27 passed, 0 fixed, 1 failed, 2 could not be checked" in run.stderr


def test_free_trial_and_disabled_subscriptions_fail(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB, "Trial", quota_id="FreeTrial_2014-09-01", state="Warned")
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    assert found["subscription offer"]["status"] == "fail"
    assert "FreeTrial_2014-09-01" in found["subscription offer"]["detail"]
    assert "pay-as-you-go" in found["subscription offer"]["fix"]
    assert found["subscription"]["status"] == "fail" and "Warned" in found["subscription"]["detail"]


def test_an_invisible_subscription_stops_the_run(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    run, found = preflight_json(maas, tmp_path)  # SUB was never added
    assert run.code == 1
    assert list(found) == ["credential", "subscription"]
    detail = found["subscription"]["detail"]
    assert "not visible" in detail and "SubscriptionNotFound" in detail


def test_a_rejected_token_is_an_unusable_credential(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.accepted_tokens = {"a-different-token"}
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 2
    assert list(found) == ["credential"] and found["credential"]["status"] == "fail"
    assert "invalid" in found["credential"]["detail"] and "az login" in found["credential"]["fix"]
    assert arm.token not in run.output


def test_no_credential_at_all_exits_2(arm: FakeArm, maas: Maas, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class NoCredential:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the included "
                                            "credentials.\nAttempted credentials: ...")

    monkeypatch.delenv("MAAS_ACCESS_TOKEN")
    monkeypatch.setattr("provisioning.azure.session.build_credential", lambda environ=None: NoCredential())
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 2
    assert found["credential"]["status"] == "fail"
    assert "not signed in to Azure" in found["credential"]["detail"]
    assert "az login" in found["credential"]["fix"]
    assert not arm.requests  # nothing was sent without a token


def test_unregistered_providers_fail_with_the_fix(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB, providers_registered=False)
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    for namespace in RESOURCE_PROVIDERS:
        check = found[f"provider {namespace}"]
        assert check["status"] == "fail" and "NotRegistered" in check["detail"]
        assert "--fix" in check["fix"] and namespace in check["fix"]
    assert not arm.calls("POST", "/register$")


def test_fix_registers_and_waits_until_registered(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, "Microsoft.SaaS", "NotRegistered", registers_after=2)
    arm.set_provider(SUB, "Microsoft.MarketplaceOrdering", "Unregistered", registers_after=3)
    run, found = preflight_json(maas, tmp_path, "--fix")
    assert run.code == 0, run.output
    assert found["provider Microsoft.SaaS"]["status"] == "fixed"
    assert found["provider Microsoft.MarketplaceOrdering"]["status"] == "fixed"
    assert found["provider Microsoft.Storage"]["status"] == "pass"
    assert len(arm.calls("POST", "/register$")) == 2
    assert len(arm.calls("GET", "/providers/Microsoft.MarketplaceOrdering$")) == 3


def test_fix_gives_up_at_the_timeout(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, "Microsoft.SaaS", "NotRegistered", registers_after=10_000)
    run, found = preflight_json(maas, tmp_path, "--fix", "--fix-timeout", "1")
    assert run.code == 1
    check = found["provider Microsoft.SaaS"]
    assert check["status"] == "fail" and "still Registering after 1 s" in check["detail"]


def test_fix_without_permission_to_register(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, "Microsoft.SaaS", "NotRegistered")
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["*"], "notActions": ["*/register/action"]}])
    run, found = preflight_json(maas, tmp_path, "--fix")
    assert run.code == 1
    check = found["provider Microsoft.SaaS"]
    assert check["status"] == "fail" and "AuthorizationFailed" in check["detail"]
    assert "deployer persona" in check["fix"]  # Microsoft.SaaS/register/action is a catalog permission


def test_missing_permissions_are_named_exactly_with_who_grants_them(arm: FakeArm, maas: Maas,
                                                                    tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["*/read"]}])  # Reader
    run, found = preflight_json(maas, tmp_path, projects=["main"], regions=["eastus2"])
    assert run.code == 1
    sub = found["permissions subscription"]
    assert sub["status"] == "fail"
    assert sub["detail"] == ("missing 2 of 5: Microsoft.MarketplaceOrdering/agreements/offers/plans/sign/action, "
                             "Microsoft.SaaS/register/action")
    assert "deployer persona (its subscription-scope custom role)" in sub["fix"]
    assert sub["fix"].endswith(f"at /subscriptions/{SUB}")
    rg = found["permissions resource group rg-contoso-dev-main-eastus2"]
    assert rg["detail"].endswith("missing 1 of 2: Microsoft.SaaS/resources/write")
    assert "does not exist yet; checked at the subscription" in rg["detail"]
    ws = found["permissions workspace mlw-contoso-dev-main-eus2"]
    # Reader's */read covers the reads; every other workspace operation is named.
    assert ws["detail"].endswith("missing 6 of 8: " + ", ".join([
        f"{ML}/workspaces/marketplaceSubscriptions/write", f"{ML}/workspaces/marketplaceSubscriptions/delete",
        f"{SE}/write", f"{SE}/delete", f"{SE}/listKeys/action", f"{SE}/regenerateKeys/action"]))
    assert "AzureML Data Scientist" in ws["fix"]
    program = found["permissions to run pulumi up"]
    assert program["status"] == "fail" and "misses 9 of 10" in program["detail"]  # Reader reads definitions


def test_existing_scopes_are_checked_where_they_are(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg-contoso-dev-main-eastus2", "mlw-contoso-dev-main-eus2", "eastus2")
    arm.add_resource_group(SUB, "rg-contoso-dev-main-westus3", "westus3")
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["*/read", *PERMISSIONS[Scope.SUBSCRIPTION]]}])
    arm.set_permissions(f"/subscriptions/{SUB}/resourceGroups/rg-contoso-dev-main-westus3",
                        [{"actions": ["Microsoft.SaaS/*", f"{ML}/workspaces/*"]}])
    arm.set_permissions(ws.id, [{"actions": [f"{ML}/workspaces/*"], "notActions": [f"{SE}/delete"]}])
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    east = found["permissions workspace mlw-contoso-dev-main-eus2"]
    assert east["status"] == "fail" and "does not exist" not in east["detail"]
    assert east["detail"] == f"missing 1 of 8: {SE}/delete"  # notActions subtract
    west = found["permissions workspace mlw-contoso-dev-main-wus3"]
    assert west["status"] == "pass" and "checked at resource group rg-contoso-dev-main-westus3" in west["detail"]
    assert found["permissions resource group rg-contoso-dev-main-westus3"]["status"] == "pass"
    assert found["permissions resource group rg-contoso-dev-main-eastus2"]["status"] == "fail"
    assert any(ws.id.lower() in c.path.lower() for c in arm.calls("GET", "Microsoft.Authorization/permissions"))


def test_a_region_arm_does_not_offer_fails(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, ML, "Registered", locations={"workspaces": ["East US 2", "West US 3"],
                                                        "workspaces/serverlessEndpoints": ["East US 2"]})
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    assert found["region eastus2"]["status"] == "pass"
    west = found["region westus3"]
    assert west["status"] == "fail" and "does not offer workspaces/serverlessEndpoints" in west["detail"]
    assert "eastus2" in west["fix"]


def test_endpoint_names_taken_by_another_workspace(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    other = arm.add_workspace(SUB, "rg-someone-else", "mlw-someone-else", "eastus2")
    arm.add_endpoint(other, CORE, "stable-image-core")
    planned = arm.add_workspace(SUB, "rg-contoso-dev-main-eastus2", "mlw-contoso-dev-main-eus2", "eastus2")
    arm.add_endpoint(planned, ULTRA, "stable-image-ultra")
    far = arm.add_workspace(SUB, "rg-far", "mlw-far", "eastus")  # same name, other region: no clash
    arm.add_endpoint(far, SD35L, "stable-diffusion-3.5-large")
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    taken = found[f"endpoint name {CORE} (eastus2)"]
    assert taken["status"] == "fail"
    assert "workspace mlw-someone-else (resource group rg-someone-else" in taken["detail"]
    assert "unique per region" in taken["fix"]
    ours = found[f"endpoint name {ULTRA} (eastus2)"]
    assert ours["status"] == "pass" and "planned workspace" in ours["detail"]
    assert found[f"endpoint name {SD35L} (eastus2)"]["status"] == "pass"
    assert not arm.calls("GET", "mlw-far/serverlessEndpoints")  # workspaces outside the regions are not listed


def test_endpoint_names_not_verifiable_fail(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.add_workspace(SUB, "rg-other", "mlw-locked", "westus3")
    arm.fail(403, "AuthorizationFailed", "does not have authorization to perform action "
             f"'{SE}/read' over scope '/x' or the scope is invalid.", path="mlw-locked/serverlessEndpoints$",
             times=None)
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    west = found[f"endpoint name {CORE} (westus3)"]
    assert west["status"] == "fail" and west["detail"].startswith("not verified: listing serverless endpoints in "
                                                                  "workspace mlw-locked: HTTP 403")
    assert found[f"endpoint name {CORE} (eastus2)"]["status"] == "pass"


def test_bad_input_exits_2_without_a_traceback(arm: FakeArm, maas: Maas, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no Pulumi.<stack>.yaml here
    run = maas("preflight")
    assert run.code == 2 and "--stack NAME" in run.stderr and "Traceback" not in run.output
    run = maas("preflight", "--stack", "prod")
    assert run.code == 2 and "no Pulumi.prod.yaml" in run.stderr
    run = maas("preflight", "--config", str(write_stack(tmp_path)), "--arm-endpoint", "http://127.0.0.1:1")
    assert run.code == 2 and "must be an https URL" in run.stderr
    run = maas("preflight", "--config", str(write_stack(tmp_path, regions=["mars"])))
    assert run.code == 2 and "mars" in run.stderr
    run = maas("preflight", "--config", str(write_stack(tmp_path)), "--subscription", "not-a-guid")
    assert run.code == 2 and "not a subscription id" in run.stderr
    run = maas("preflight", "--config", str(write_stack(tmp_path)), "--format", "html")
    assert run.code == 2


def test_azureml_data_scientist_on_the_workspaces_passes(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    """Built-in AzureML Data Scientist grants `workspaces/*/read|write|delete|action`: enough for
    the workspace-scope wildcards (preflight used to fail it, then recommend it)."""
    arm.add_subscription(SUB)
    arm.set_permissions(f"/subscriptions/{SUB}", [builtin_roles.READER, {"actions": [
        *PERMISSIONS[Scope.SUBSCRIPTION], *PERMISSIONS[Scope.RESOURCE_GROUP]]}])
    for rg, ws, region in (("rg-contoso-dev-main-eastus2", "mlw-contoso-dev-main-eus2", "eastus2"),
                           ("rg-contoso-dev-main-westus3", "mlw-contoso-dev-main-wus3", "westus3")):
        arm.set_permissions(arm.add_workspace(SUB, rg, ws, region).id, [builtin_roles.AZUREML_DATA_SCIENTIST])
    run, found = preflight_json(maas, tmp_path)
    for ws in ("mlw-contoso-dev-main-eus2", "mlw-contoso-dev-main-wus3"):
        check = found[f"permissions workspace {ws}"]
        assert check["status"] == "pass", check
        assert "does not exist" not in check["detail"]  # checked at the workspace itself
    assert found["permissions subscription"]["status"] == "pass"
    # Reader + the persona roles cannot run `pulumi up`: a line of its own, and the run fails.
    program = found["permissions to run pulumi up"]
    assert program["status"] == "fail" and "misses 9 of 10" in program["detail"]  # Reader reads definitions
    assert "built-in Owner, or Contributor plus User Access Administrator" in program["fix"]
    assert run.code == 1


@pytest.mark.parametrize(("roles", "lacking", "grant"), [
    ((builtin_roles.CONTRIBUTOR,),
     ["Microsoft.Authorization/roleDefinitions/write", "Microsoft.Authorization/roleAssignments/write"],
     "built-in User Access Administrator (next to Contributor), or Owner"),
    ((builtin_roles.CONTRIBUTOR, builtin_roles.RBAC_ADMINISTRATOR),
     ["Microsoft.Authorization/roleDefinitions/write"],
     "built-in User Access Administrator (next to Contributor), or Owner"),
    ((builtin_roles.USER_ACCESS_ADMINISTRATOR, {"actions": ["Microsoft.MarketplaceOrdering/*", "Microsoft.SaaS/*"]}),
     list(PROGRAM_ACTIONS[2:-1]),  # its */read covers roleDefinitions/read
     "built-in Owner, or Contributor plus User Access Administrator"),
])
def test_the_identity_running_pulumi_up_needs_role_definition_and_assignment_writes(
        arm: FakeArm, maas: Maas, tmp_path: Path, roles: tuple[dict[str, Any], ...], lacking: list[str],
        grant: str) -> None:
    arm.add_subscription(SUB)
    arm.set_permissions(f"/subscriptions/{SUB}", list(roles))
    run, found = preflight_json(maas, tmp_path, regions=["eastus2"])
    assert run.code == 1, run.output
    assert found["permissions subscription"]["status"] == "pass"  # the persona line is separate
    program = found["permissions to run pulumi up"]
    assert program["status"] == "fail"
    assert program["detail"] == (f"this identity misses {len(lacking)} of {len(PROGRAM_ACTIONS)} actions "
                                 f"`pulumi up` performs: {', '.join(lacking)}; the up would fail")
    fix = program["fix"]
    assert f"grant the identity that runs `pulumi up` {grant} at /subscriptions/{SUB}" in fix
    assert "for a pipeline, its service principal or managed identity" in fix
    assert "az role assignment create --assignee <its client id>" in fix
    assert "Role Based Access Control Administrator alone cannot create the custom roles" in fix


@pytest.mark.parametrize("roles", [(builtin_roles.OWNER,),
                                   (builtin_roles.CONTRIBUTOR, builtin_roles.USER_ACCESS_ADMINISTRATOR)])
def test_owner_or_contributor_with_user_access_administrator_can_run_pulumi_up(
        arm: FakeArm, maas: Maas, tmp_path: Path, roles: tuple[dict[str, Any], ...]) -> None:
    arm.add_subscription(SUB)
    arm.set_permissions(f"/subscriptions/{SUB}", list(roles))
    run, found = preflight_json(maas, tmp_path, regions=["eastus2"])
    assert run.code == 0, run.output
    assert found["permissions to run pulumi up"]["status"] == "pass"
    # One permissions read at the subscription serves the persona line and the program line.
    assert len(arm.calls("GET", f"/subscriptions/{SUB}/providers/Microsoft.Authorization/permissions$")) == 1


# ---------------------------------------------------------------- custom-role actions vs Azure's list


def test_a_role_action_azure_does_not_list_is_named_before_pulumi_up(
        arm: FakeArm, maas: Maas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The how-to's `marketplaceModelSubscriptions/*` matches no operation: ARM would refuse the role."""
    arm.add_subscription(SUB)
    roles_with_workspace_actions(monkeypatch, (HOW_TO_WILDCARD, *PUBLISHED_WORKSPACE_ACTIONS))
    run, found = preflight_json(maas, tmp_path)
    assert run.code == 1
    check = found[f"role actions {ML}"]
    assert check["status"] == "fail"
    assert check["detail"].startswith(f"1 of {1 + len(PUBLISHED_WORKSPACE_ACTIONS)} action(s) match no operation "
                                      f"Azure lists: {HOW_TO_WILDCARD} (in "
                                      "maas-fleet contoso-dev deployer (workspace))")
    assert "InvalidActionOrNotAction" in check["detail"]
    assert "infra/catalog/access.py PERMISSIONS" in check["fix"] and f"--namespace {ML}" in check["fix"]
    # the same role, sent to the fake ARM as `pulumi up` would, is refused over that action alone
    from provisioning.azure.errors import ArmError
    from provisioning.azure.session import AzureSession

    with AzureSession() as session, pytest.raises(ArmError) as refused:
        session.arm.put(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
                        "0f0f0f0f-0000-4000-8000-000000000000", "2022-04-01",
                        {"properties": {"roleName": "r", "permissions": [
                            {"actions": [HOW_TO_WILDCARD, *PUBLISHED_WORKSPACE_ACTIONS]}]}}, what="creating a role")
    assert refused.value.code == "InvalidActionOrNotAction" and HOW_TO_WILDCARD in refused.value.message
    assert "maas preflight" in refused.value.hint


def test_wildcards_must_match_at_least_one_operation(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    arm.add_subscription(SUB)
    roles_with_workspace_actions(monkeypatch, (f"{ML}/workspaces/*/read", f"{SE}/*/action", f"{ML}/nothing*"))
    run, check = preflight_line(maas, tmp_path, f"role actions {ML}")
    assert check["status"] == "fail" and check["detail"].startswith(
        f"1 of 3 action(s) match no operation Azure lists: {ML}/nothing* (in")


@pytest.mark.parametrize("mode", ["empty", "not_found"])
def test_a_namespace_azure_lists_nothing_for_could_not_be_checked(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                                   mode: str) -> None:
    arm.add_subscription(SUB)
    arm.absent_namespace_mode = mode
    run, saas = preflight_line(maas, tmp_path, "role actions Microsoft.SaaS")
    assert saas["status"] == "unchecked"
    assert saas["detail"].startswith("Azure lists no operations for Microsoft.SaaS")
    assert "Microsoft.SaaS/resources/write" in saas["detail"] and "unknown" not in saas["detail"]
    assert run.code == 0, run.output  # "could not check" is not a failure
    calls = arm.calls("GET", "/providers/Microsoft.Authorization/providerOperations/")
    assert {c.query.get("$expand") for c in calls} == {"resourceTypes"}
    assert {c.query.get("api-version") for c in calls} == {"2022-04-01"}
    assert len(calls) == 4  # one per namespace, not per action or role


def test_an_unreadable_operations_list_fails_the_line(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.fail(500, "InternalServerError", "boom", path=f"providerOperations/{ML}$", times=None)
    run, check = preflight_line(maas, tmp_path, f"role actions {ML}")
    assert run.code == 1 and check["status"] == "fail"
    assert check["detail"].startswith("cannot read the operations Azure lists: ")


# ---------------------------------------------------------------- marketplace purchase readiness


def test_an_enabled_private_marketplace_could_not_be_checked(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.add_private_store("disabled")
    store = arm.add_private_store("enabled", "a0e28e55-90c4-41d8-8e34-bb7ef7775406")
    run, check = preflight_line(maas, tmp_path, "marketplace private store")
    assert check["status"] == "unchecked" and run.code == 0
    assert f"private Azure Marketplace {store['name']} is enabled" in check["detail"]
    assert "Marketplace admin" in check["fix"] and "Stability AI" in check["fix"]


@pytest.mark.parametrize("mode", ["forbidden", "absent"])
def test_an_unreadable_private_marketplace_could_not_be_checked(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                                mode: str) -> None:
    arm.add_subscription(SUB)
    arm.private_store_mode = mode
    run, check = preflight_line(maas, tmp_path, "marketplace private store")
    assert check["status"] == "unchecked" and "could not read" in check["detail"]
    assert check["detail"].endswith("(HTTP 403 AuthorizationFailed)" if mode == "forbidden" else
                                    "(HTTP 404 InvalidResourceType)")


@pytest.mark.parametrize("value", ["NotAllowed", "OnlyFreeAllowed"])
def test_a_billing_policy_that_blocks_marketplace_purchases_fails(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                                   value: str) -> None:
    arm.add_subscription(SUB)
    arm.billing_policies[SUB] = [{**MARKETPLACE_ALLOWED[0], "value": value}]
    run, check = preflight_line(maas, tmp_path, "marketplace billing policy")
    assert run.code == 1 and check["status"] == "fail"
    assert check["detail"].startswith(f"MarketplacePurchases is {value}: paid Azure Marketplace offers")
    assert "billing administrator" in check["fix"]


def test_a_billing_policy_arm_does_not_show_could_not_be_checked(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.billing_policies[SUB] = None  # an agreement type the subscription policies API does not serve
    run, check = preflight_line(maas, tmp_path, "marketplace billing policy")
    assert check["status"] == "unchecked" and run.code == 0
    assert check["detail"] == ("ARM does not show this subscription's Azure Marketplace purchase policy to this "
                               "caller (HTTP 404 NotFound)")
    assert "EA enrollment / MCA billing profile" in check["fix"]


def test_a_suspended_marketplace_subscription_in_a_planned_workspace_fails(arm: FakeArm, maas: Maas,
                                                                          tmp_path: Path) -> None:
    from infra.catalog import MODELS

    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg-contoso-dev-main-eastus2", "mlw-contoso-dev-main-eus2", "eastus2")
    arm.add_marketplace_subscription(ws, "sub-core", MODELS["stable-image-core"].asset_id, status="Suspended")
    arm.add_marketplace_subscription(ws, "sub-ultra", MODELS["stable-image-ultra"].asset_id)
    run, found = preflight_json(maas, tmp_path, regions=["eastus2"])
    assert run.code == 1
    bad = found["marketplace subscription sub-core (mlw-contoso-dev-main-eus2)"]
    assert bad["status"] == "fail" and "Stable-Image-Core is Suspended" in bad["detail"]
    assert "settle the billing account's payment" in bad["fix"]
    assert found["marketplace subscription sub-ultra (mlw-contoso-dev-main-eus2)"]["status"] == "pass"


# ---------------------------------------------------------------- endpoint names: never "free"


def test_a_name_no_listing_shows_is_not_called_free(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.take_name_elsewhere("eastus2", CORE)  # another tenant holds it
    run, check = preflight_line(maas, tmp_path, f"endpoint name {CORE} (eastus2)")
    assert check["status"] == "pass"  # nothing the caller can read holds it ...
    assert check["detail"].startswith("not taken in the 1 subscription(s) you can read (0 serverless endpoint(s) "
                                      "in eastus2)")
    assert "other tenants included" in check["detail"] and "free" not in run.output  # ... but it is not "free"
    # ... and the refusal `pulumi up` meets becomes one line with the fix
    from provisioning.azure.errors import ArmError
    from provisioning.azure.session import AzureSession

    ws = arm.add_workspace(SUB, "rg-contoso-dev-main-eastus2", "mlw-contoso-dev-main-eus2", "eastus2")
    with AzureSession() as session, pytest.raises(ArmError) as refused:
        session.arm.put(f"{ws.id}/serverlessEndpoints/{CORE}", "2024-10-01",
                        {"location": "eastus2", "properties": {"modelSettings": {
                            "modelId": "azureml://registries/azureml-stabilityai/models/Stable-Image-Core"}}},
                        what=f"creating serverless endpoint {CORE}")
    line = str(refused.value)
    assert line.startswith(f"creating serverless endpoint {CORE}: HTTP 400 UserError: Serverless "
                           f"endpoint name '{CORE}' is not available. Please select a different name. ")
    assert line.endswith("-> the endpoint name is taken in this region, possibly by another Azure customer (names "
                         "are unique per region across all of Azure, and no listing shows other tenants' endpoints): "
                         "change maas-fleet:prefix, environment or the project name, then run `maas preflight` and "
                         "`pulumi up` again")


def test_names_in_other_readable_subscriptions_are_searched(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    from tests.support.fake_arm import OTHER_SUB

    arm.add_subscription(SUB)
    arm.add_subscription(OTHER_SUB, "Team B")
    other = arm.add_workspace(OTHER_SUB, "rg-b", "mlw-b", "eastus2")
    arm.add_endpoint(other, ULTRA, "stable-image-ultra")
    run, found = preflight_json(maas, tmp_path, regions=["eastus2"])
    taken = found[f"endpoint name {ULTRA} (eastus2)"]
    assert taken["status"] == "fail" and f"subscription {OTHER_SUB}" in taken["detail"]
    assert found[f"endpoint name {CORE} (eastus2)"]["detail"].startswith(
        "not taken in the 2 subscription(s) you can read")
