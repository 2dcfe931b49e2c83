"""The Pulumi program, run under Pulumi mocks through the plan engine (the same mocks `maas plan` uses)."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable

import pulumi
import pytest

from infra import catalog, naming
from infra import resource_types as t
from infra.catalog import MODELS, REGIONS
from infra.config import FleetConfig, parse_stack_config
from provisioning.plan.program import SECRET_MARK, PlanResult, plan


def test_every_region_project_model_gets_subscription_then_endpoint(fleet_plan: PlanResult) -> None:
    cfg = fleet_plan.config
    endpoints = fleet_plan.of_type(t.SERVERLESS_ENDPOINT)
    subscriptions = {(r.inputs["resourceGroupName"], r.inputs["workspaceName"], r.inputs["properties"]["modelId"]): r
                     for r in fleet_plan.of_type(t.MARKETPLACE_SUBSCRIPTION)}
    assert len(endpoints) == len(cfg.regions) * len(cfg.projects) * len(cfg.models) == 18
    assert len(subscriptions) == 18
    seen = set()
    for ep in endpoints:
        props = ep.inputs["properties"]
        model_id = props["modelSettings"]["modelId"]
        assert props["authMode"] == "Key"
        assert props["contentSafety"] == {"contentSafetyStatus": "Enabled"}
        assert ep.inputs["sku"] == {"name": "Consumption"}
        spec = catalog.model_for_asset_id(model_id)
        assert spec is not None and model_id == spec.asset_id
        assert model_id.startswith("azureml://registries/azureml-stabilityai/models/")
        sub = subscriptions[(ep.inputs["resourceGroupName"], ep.inputs["workspaceName"], model_id)]
        assert sub.name in ep.depends_on, "the endpoint must wait for (and be destroyed before) its subscription"
        assert ep.parent is not None and sub.parent == ep.parent
        seen.add((ep.inputs["location"], ep.inputs["tags"]["project"], spec.slug))
    assert seen == {(r, p, m) for r in cfg.regions for p in cfg.projects for m in cfg.models}


def test_workspace_and_its_dependencies(fleet_plan: PlanResult) -> None:
    workspaces = fleet_plan.of_type(t.ML_WORKSPACE)
    assert len(workspaces) == 6
    names = {r.name: r for r in fleet_plan.resources}
    for ws in workspaces:
        assert ws.inputs["identity"] == {"type": "SystemAssigned"}
        deps = {names[d].type.rsplit(":", 1)[-1] for d in ws.depends_on}
        assert {"ResourceGroup", "StorageAccount", "Vault", "Component"} <= deps
        assert names[ws.parent].type == "maas-fleet:azure:RegionalWorkspace"
    for vault in fleet_plan.of_type(t.KEY_VAULT):
        props = vault.inputs["properties"]
        assert props["enableRbacAuthorization"] is True and props["enablePurgeProtection"] is True


def test_nothing_outside_supported_regions(fleet_plan: PlanResult) -> None:
    locations = {r.inputs["location"] for r in fleet_plan.resources if "location" in r.inputs}
    assert locations and locations <= set(REGIONS)
    for ep in fleet_plan.of_type(t.SERVERLESS_ENDPOINT):
        spec = catalog.model_for_asset_id(ep.inputs["properties"]["modelSettings"]["modelId"])
        assert spec is not None and ep.inputs["location"] in spec.regions


def test_names_unique_per_region_and_valid(fleet_plan: PlanResult) -> None:
    endpoints = fleet_plan.of_type(t.SERVERLESS_ENDPOINT)
    per_region = Counter((ep.inputs["location"], ep.inputs["name"].lower()) for ep in endpoints)
    assert max(per_region.values()) == 1
    per_workspace = Counter((ep.inputs["workspaceName"], ep.inputs["properties"]["modelSettings"]["modelId"])
                            for ep in endpoints)
    assert max(per_workspace.values()) == catalog.DEPLOYMENTS_PER_MODEL_PER_WORKSPACE
    from infra.naming import ENDPOINT_RULE, RULES

    for ep in endpoints:
        assert ENDPOINT_RULE.problem(ep.inputs["name"]) is None
    for st in fleet_plan.of_type(t.STORAGE_ACCOUNT):
        assert RULES["storage account"].problem(st.inputs["accountName"]) is None
    for kv in fleet_plan.of_type(t.KEY_VAULT):
        assert RULES["key vault"].problem(kv.inputs["vaultName"]) is None
    globally_unique = [st.inputs["accountName"] for st in fleet_plan.of_type(t.STORAGE_ACCOUNT)]
    assert len(set(globally_unique)) == len(globally_unique)
    # Two vaults per unit (the workspace's own and the keys vault), every name distinct and <= 24.
    vaults = [kv.inputs["vaultName"] for kv in fleet_plan.of_type(t.KEY_VAULT)]
    assert len(vaults) == 2 * len(fleet_plan.config.units()) == len(set(vaults))
    assert all(len(v) <= 24 for v in vaults)


def test_names_are_deterministic_across_runs(fleet_plan: PlanResult, make_config: Callable[..., FleetConfig]) -> None:
    again = plan(make_config())

    def names(result: PlanResult) -> list[tuple[str, str, str]]:
        return sorted((r.type, r.name, json.dumps(r.inputs, sort_keys=True)) for r in result.resources)

    assert names(again) == names(fleet_plan)


def test_keys_are_secret_everywhere(fleet_plan: PlanResult) -> None:
    secrets = fleet_plan.of_type(t.KEY_VAULT_SECRET)
    assert len(secrets) == 18
    for s in secrets:
        assert any("properties.value".startswith(p) for p in s.secret_paths), s.secret_paths
        assert s.inputs["properties"] == SECRET_MARK or s.inputs["properties"]["value"] == SECRET_MARK
    endpoints = fleet_plan.outputs["endpoints"]
    assert len(endpoints) == 18
    assert {f"endpoints[{i}].key" for i in range(18)} <= set(fleet_plan.secret_outputs)
    # Only keys are secret: the rest of the inventory stays readable for `maas verify` and people.
    assert all(p.endswith(".key") for p in fleet_plan.secret_outputs)
    document = json.dumps(fleet_plan.to_json())
    assert "planned-primary-key" not in document and "planned-secondary-key" not in document


def test_stack_outputs_shape(fleet_plan: PlanResult) -> None:
    assert set(fleet_plan.outputs) == {"endpoints", "workspaces", "roleDefinitions"}
    for ep in fleet_plan.outputs["endpoints"]:
        assert set(ep) == {"region", "project", "model", "name", "uri", "workspace", "resourceGroup",
                           "keySecretUri", "key"}
        assert ep["model"] in MODELS
        assert ep["uri"].startswith(f"https://{ep['name']}-") and ep["uri"].endswith(
            f".{ep['region']}.{catalog.INFERENCE_HOST_SUFFIX}")
        assert ep["keySecretUri"].endswith(f"/secrets/{ep['name']}-key")
        # In the unit's keys vault, not in the workspace's own vault.
        vault = ep["keySecretUri"].removeprefix("https://").split(".", 1)[0]
        workspace = next(w for w in fleet_plan.outputs["workspaces"]
                         if (w["region"], w["project"]) == (ep["region"], ep["project"]))
        assert vault == workspace["keysVault"] != workspace["keyVault"]
    # The keys vault says what it holds, so tools starting from a workspace can find it.
    for kv in fleet_plan.of_type(t.KEY_VAULT):
        holds = kv.inputs["tags"].get(catalog.TAG_HOLDS)
        assert holds == (catalog.HOLDS_ENDPOINT_KEYS if kv.name.endswith("-kvk") else None)
    assert len(fleet_plan.outputs["workspaces"]) == 6
    assert len(fleet_plan.outputs["roleDefinitions"]) == 3


def test_components_are_typed_and_parent_children(fleet_plan: PlanResult) -> None:
    components = Counter(r.type for r in fleet_plan.resources if not r.custom)
    assert components == {"maas-fleet:azure:RegionalWorkspace": 6, "maas-fleet:azure:ModelEndpoint": 18,
                          "maas-fleet:azure:FleetAccess": 1}
    assert all(r.parent for r in fleet_plan.resources if r.custom), "every Azure resource sits in a component"


def test_dependency_depth_does_not_grow_with_regions_or_models(
    fleet_plan: PlanResult, make_config: Callable[..., FleetConfig]
) -> None:
    small = plan(make_config(regions=["eastus"], models=["stable-image-core"], projects=["main"]))
    assert small.dependency_depth() == fleet_plan.dependency_depth() == 7


def test_plan_groups_children_under_their_unit(fleet_plan: PlanResult) -> None:
    children: dict[str, set[str]] = defaultdict(set)
    for r in fleet_plan.resources:
        if r.parent:
            children[r.parent].add(r.type.rsplit(":", 1)[-1])
    assert children["eastus2-batch"] >= {"ResourceGroup", "StorageAccount", "Vault", "Workspace", "ModelEndpoint"}
    assert children["eastus2-batch-stable-image-core"] == {"MarketplaceSubscription", "ServerlessEndpoint", "Secret"}


def test_a_key_exported_in_clear_is_a_violation(
    make_config: Callable[..., FleetConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan hands the stack outputs to the policy rules: a key exported without secret wrapping fails."""
    import infra.fleet
    import provisioning.plan.program

    def leaky(config: FleetConfig) -> infra.fleet.FleetOutputs:
        outputs = infra.fleet.build_fleet(config)
        outputs.endpoints[0]["key"] = pulumi.Output.unsecret(outputs.endpoints[0]["key"])
        return outputs

    monkeypatch.setattr(provisioning.plan.program, "build_fleet", leaky)
    result = plan(make_config(regions=["eastus"], projects=["main"], models=["stable-image-core"]))
    assert [v.policy for v in result.mandatory_violations] == ["keys-only-as-secrets"]
    assert "planned-primary-key" not in json.dumps(result.to_json())


def test_global_names_differ_per_subscription(make_config: Callable[..., FleetConfig]) -> None:
    """Storage accounts, Key Vaults (global names) and custom roles (unique per tenant) carry the
    subscription, so one stack deployed into two subscriptions cannot collide with itself."""

    def names(subscription: str) -> dict[str, set[str]]:
        cfg = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus"],
                                  "maas-fleet:models": ["stable-image-core"],
                                  "azure-native:subscriptionId": subscription}, stack="test")
        result = plan(cfg)
        return {
            kind: {str(r.inputs[key]) for r in result.of_type(type_)}
            for kind, type_, key in (
                ("storage", t.STORAGE_ACCOUNT, "accountName"),
                ("vault", t.KEY_VAULT, "vaultName"),
                ("role", t.ROLE_DEFINITION, "roleName"),
                ("workspace", t.ML_WORKSPACE, "workspaceName"),
                ("endpoint", t.SERVERLESS_ENDPOINT, "name"),
            )
        }

    one, two = names("aaaaaaaa-0000-4000-8000-000000000001"), names("bbbbbbbb-0000-4000-8000-000000000002")
    # Endpoint names are public and unique per region across all of Azure: they differ too.
    for kind in ("storage", "vault", "role", "endpoint"):
        assert one[kind].isdisjoint(two[kind]), kind
    assert one["workspace"] == two["workspace"]  # scoped to the subscription: stays readable and equal
    assert len(one["vault"]) == len(two["vault"]) == 2  # the workspace's vault and the keys vault


def test_endpoint_names_carry_a_stable_suffix_of_subscription_and_stack(
    make_config: Callable[..., FleetConfig]
) -> None:
    def endpoint_names(subscription: str, stack: str = "test") -> list[str]:
        cfg = parse_stack_config({"maas-fleet:prefix": "contoso", "maas-fleet:environment": "dev",
                                  "maas-fleet:regions": ["eastus2"], "azure-native:subscriptionId": subscription},
                                 stack=stack)
        return sorted(str(r.inputs["name"]) for r in plan(cfg).of_type(t.SERVERLESS_ENDPOINT))

    sub_a, sub_b = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
    a, b = endpoint_names(sub_a), endpoint_names(sub_b)
    assert set(a).isdisjoint(b)  # two companies keeping the example's defaults do not collide
    assert endpoint_names(sub_a) == a  # stable across runs
    assert set(endpoint_names(sub_a, stack="prod")).isdisjoint(a)  # nor two stacks in one subscription
    for name in a + b:
        assert naming.ENDPOINT_RULE.problem(name) is None, name
        assert 3 <= len(name) <= 32 and re.fullmatch(r"[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?", name)
        assert name.startswith("contoso-dev-main-")  # still readable
    # The plan, the program and every consumer of names ask the same namer.
    cfg = make_config(regions=["eastus"], projects=["main"], models=["stable-image-core"])
    planned = {str(r.inputs["name"]) for r in plan(cfg).of_type(t.SERVERLESS_ENDPOINT)}
    core = MODELS["stable-image-core"]
    assert planned == {cfg.namer.endpoint("main", core)}
    assert planned == {cfg.namer.for_subscription(str(cfg.subscription_id)).endpoint("main", core)}
