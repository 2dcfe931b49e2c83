"""Enterprise options in the program, under Pulumi mocks: each option on and off, and its bad values."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra import catalog
from infra import resource_types as t
from infra.config import ConfigError, FleetConfig
from provisioning.plan.program import PlanResult, plan


@pytest.fixture(scope="module")
def one_unit(make_config: Callable[..., FleetConfig]) -> Callable[..., PlanResult]:
    def build(**overrides: object) -> PlanResult:
        return plan(make_config(regions=["eastus2"], projects=["main"], **overrides))
    return build


def test_diagnostics_on_by_default_for_workspace_and_both_vaults(one_unit: Callable[..., PlanResult]) -> None:
    result = one_unit()
    settings = {r.inputs["resourceUri"]: r for r in result.of_type(t.DIAGNOSTIC_SETTING)}
    logs = result.of_type(t.LOG_ANALYTICS)[0]
    targets: dict[str, list[str]] = {}
    by_name = {r.name: r for r in result.resources}
    for setting in settings.values():
        assert setting.inputs["workspaceId"].endswith(f"/workspaces/{logs.inputs['workspaceName']}")
        assert setting.inputs["logAnalyticsDestinationType"] == "Dedicated"
        assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]
        assert logs.name in setting.depends_on and setting.parent == "eastus2-main"
        target = next(by_name[d] for d in setting.depends_on if by_name[d].type in (t.KEY_VAULT, t.ML_WORKSPACE))
        targets.setdefault(target.type, []).append(setting.inputs["resourceUri"])
        if target.type == t.KEY_VAULT:
            assert setting.inputs["logs"] == [{"category": "AuditEvent", "enabled": True}]
            assert setting.inputs["resourceUri"].endswith(f"/vaults/{target.inputs['vaultName']}")
        else:
            assert setting.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert len(targets[t.KEY_VAULT]) == 2  # the workspace's vault and the keys vault
    assert len(targets[t.ML_WORKSPACE]) == 1
    assert not [v for v in result.violations if v.policy == "diagnostics-to-log-analytics"]


def test_diagnostics_off_declares_none_and_is_advisory(one_unit: Callable[..., PlanResult]) -> None:
    result = one_unit(diagnostics=False)
    assert result.of_type(t.DIAGNOSTIC_SETTING) == []
    flagged = {v.resource for v in result.violations if v.policy == "diagnostics-to-log-analytics"}
    assert flagged == {r.name for r in result.of_type(t.KEY_VAULT) + result.of_type(t.ML_WORKSPACE)}
    assert all(v.severity == "advisory" for v in result.violations)


def test_prod_is_protected_by_default(one_unit: Callable[..., PlanResult]) -> None:
    result = one_unit(environment="prod")
    assert result.config.protected
    guarded = {r.name for r in result.of_type(t.KEY_VAULT) + result.of_type(t.ML_WORKSPACE)}
    assert {r.name for r in result.resources if r.protect} == guarded
    (lock,) = result.of_type(t.RESOURCE_GROUP_LOCK)
    rg = result.of_type(t.RESOURCE_GROUP)[0]
    assert lock.inputs["level"] == "CanNotDelete" and lock.inputs["lockName"] == catalog.LOCK_NAME
    assert lock.inputs["resourceGroupName"] == rg.inputs["resourceGroupName"] and rg.name in lock.depends_on
    assert not [v for v in result.violations if v.policy == "prod-vaults-protected"]
    assert result.to_json()["resources"][0].keys() >= {"protect"}


def test_protection_off_or_dev(one_unit: Callable[..., PlanResult]) -> None:
    dev = one_unit()
    assert not dev.config.protected and dev.of_type(t.RESOURCE_GROUP_LOCK) == []
    assert not any(r.protect for r in dev.resources)
    assert one_unit(protect=True).config.protected and one_unit(protect=True).of_type(t.RESOURCE_GROUP_LOCK)
    prod_off = one_unit(environment="prod", protect=False)
    assert prod_off.of_type(t.RESOURCE_GROUP_LOCK) == [] and not any(r.protect for r in prod_off.resources)
    hits = [v for v in prod_off.violations if v.policy == "prod-vaults-protected"]
    assert {v.resource for v in hits} == {r.name for r in prod_off.of_type(t.KEY_VAULT)} and len(hits) == 4
    assert all(v.severity == "advisory" for v in hits)


@pytest.mark.parametrize(("key", "value", "says"), [
    ("diagnostics", "maybe", "maas-fleet:diagnostics: 'maybe'"),
    ("protect", "sometimes", "maas-fleet:protect: 'sometimes'"),
])
def test_bad_option_values_are_one_line_each(make_config: Callable[..., FleetConfig], key: str, value: str,
                                             says: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(**{key: value})
    assert len(info.value.problems) == 1 and str(info.value).startswith(says), str(info.value)


def test_a_pinned_model_deploys_its_version(one_unit: Callable[..., PlanResult]) -> None:
    result = one_unit(models=["stable-image-ultra", {"slug": "stable-image-core", "version": 3}])
    endpoints = {r.name: r.inputs["properties"]["modelSettings"]["modelId"]
                 for r in result.of_type(t.SERVERLESS_ENDPOINT)}
    core, ultra = catalog.MODELS["stable-image-core"], catalog.MODELS["stable-image-ultra"]
    assert endpoints == {"eastus2-main-stable-image-core-endpoint": f"{core.asset_id}/versions/3",
                         "eastus2-main-stable-image-ultra-endpoint": ultra.asset_id}
    subscriptions = {r.inputs["properties"]["modelId"]
                     for r in result.of_type(t.MARKETPLACE_SUBSCRIPTION)}
    assert subscriptions == {core.asset_id, ultra.asset_id}  # the offer, not a version
    assert result.violations == []
    assert result.config.models == ("stable-image-ultra", "stable-image-core")
    unpinned = one_unit(models=[{"slug": "stable-image-core"}])
    assert [r.inputs["properties"]["modelSettings"]["modelId"]
            for r in unpinned.of_type(t.SERVERLESS_ENDPOINT)] == [core.asset_id]


@pytest.mark.parametrize(("entry", "says"), [
    ({"slug": "stable-image-core", "version": "latest"}, "maas-fleet:models[0].version: 'latest' must be a whole"),
    ({"slug": "stable-image-core", "version": 0}, "maas-fleet:models[0].version: 0 must be a whole"),
    ({"version": 1}, "maas-fleet:models[0].slug: is required"),
    ({"slug": "stable-image-core", "verison": 1}, "maas-fleet:models[0]: has unknown key(s) verison"),
    ({"slug": "stable-image-cor", "version": 1}, "maas-fleet:models[0]: 'stable-image-cor' is not a known model"),
])
def test_bad_model_pins_are_one_line_each(make_config: Callable[..., FleetConfig], entry: dict[str, object],
                                          says: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(models=[entry])
    assert len(info.value.problems) == 1 and str(info.value).startswith(says), str(info.value)


BUDGET_CONFIG = {"monthlyUsd": 750, "contactEmails": ["finops@contoso.com", "ops@contoso.com"],
                 "thresholds": [100, 50]}


def test_budget_on_each_unit_resource_group(make_config: Callable[..., FleetConfig]) -> None:
    from infra.components.budget import first_of_this_month

    result = plan(make_config(regions=["eastus2", "westus3"], projects=["main"], budget=BUDGET_CONFIG))
    budgets = result.of_type(t.BUDGET)
    groups = {r.name: r for r in result.of_type(t.RESOURCE_GROUP)}
    assert len(budgets) == len(groups) == 2
    for b in budgets:
        rg = groups[f"{b.parent}-rg"]
        assert b.inputs["scope"].endswith(f"/resourceGroups/{rg.inputs['resourceGroupName']}")
        assert rg.name in b.depends_on
        assert b.inputs["amount"] == 750 and b.inputs["timeGrain"] == "Monthly" and b.inputs["category"] == "Cost"
        assert b.inputs["timePeriod"] == {"startDate": first_of_this_month()}
        assert b.inputs["notifications"] == {
            f"actual-{t}-percent": {"enabled": True, "operator": "GreaterThanOrEqualTo", "threshold": float(t),
                                    "thresholdType": "Actual",
                                    "contactEmails": ["finops@contoso.com", "ops@contoso.com"]}
            for t in (50, 100)}
    assert result.violations == []
    digest = result.to_json()["budget"]
    assert digest["monthlyUsdPerResourceGroup"] == 750 and digest["resourceGroups"] == 2
    assert digest["thresholdsPercent"] == [50, 100] and digest["monthlyUsdTotal"] == 1500
    # Capacity targets (maas-fleet:capacity) are not part of this config: amount and thresholds only.
    assert digest["estimatedMonthlyUsdAtCapacity"] is None and "no capacity targets" in digest["estimateBasis"]


def test_no_budget_no_resource_and_no_digest(one_unit: Callable[..., PlanResult]) -> None:
    result = one_unit()
    assert result.of_type(t.BUDGET) == [] and "budget" not in result.to_json()


def test_budget_estimate_at_capacity_targets() -> None:
    from infra.options import BudgetOptions
    from provisioning.plan.budget import budget_digest, budget_lines

    options = BudgetOptions.model_validate({"monthlyUsd": 5000, "contactEmails": ["a@contoso.com"]})
    core = catalog.MODELS["stable-image-core"]
    digest = budget_digest(options, {"stable-image-core": 100}, units=4)
    assert digest is not None
    total = 100 * 60 * 730 * core.price_usd_per_image
    assert digest["estimatedMonthlyUsdAtCapacity"] == round(total, 2)
    assert digest["estimatedMonthlyUsdPerResourceGroup"] == round(total / 4, 2)
    verdict = "within" if total / 4 <= 5000 else "ABOVE"
    assert f"{verdict} the budget" in budget_lines(digest)[1]
    assert budget_digest(None, {"stable-image-core": 100}, 4) is None


@pytest.mark.parametrize(("budget", "says"), [
    ({"monthlyUsd": 100, "contactEmails": []}, "maas-fleet:budget.contactEmails: [] is empty: a budget without "
     "contacts alerts nobody"),
    ({"monthlyUsd": 100}, "maas-fleet:budget.contactEmails: is required"),
    ({"monthlyUsd": 0, "contactEmails": ["a@contoso.com"]}, "maas-fleet:budget.monthlyUsd: 0"),
    ({"monthlyUsd": 100, "contactEmails": ["not-an-address"]}, "maas-fleet:budget.contactEmails:"),
    ({"monthlyUsd": 100, "contactEmails": ["a@contoso.com"], "thresholds": [0]}, "maas-fleet:budget.thresholds:"),
    ({"monthlyUsd": 100, "contactEmails": ["a@contoso.com"], "thresholds": [1, 2, 3, 4, 5, 6]},
     "maas-fleet:budget.thresholds:"),
    ({"monthlyUsd": 100, "contactEmails": ["a@contoso.com"], "monthly": 1}, "maas-fleet:budget.monthly: 1 is not a "
     "known key"),
])
def test_bad_budgets_are_one_line_each(make_config: Callable[..., FleetConfig], budget: dict[str, object],
                                       says: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(budget=budget)
    assert len(info.value.problems) == 1 and str(info.value).startswith(says), str(info.value)


SUBNET = ("/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/"
          "virtualNetworks/vnet-{region}/subnets/private-endpoints")
DNS_GROUP = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000009/resourceGroups/rg-dns-hub"


def _private(regions: list[str]) -> dict[str, object]:
    return {"publicNetworkAccess": "Disabled", "privateDnsZoneResourceGroup": DNS_GROUP,
            "privateEndpointSubnets": {r: SUBNET.format(region=r) for r in regions}}


def test_private_network_closes_public_access_and_adds_endpoints(make_config: Callable[..., FleetConfig]) -> None:
    regions = ["eastus2", "westus3"]
    result = plan(make_config(regions=regions, projects=["main"], environment="prod", network=_private(regions)))
    by_name = {r.name: r for r in result.resources}
    for ws in result.of_type(t.ML_WORKSPACE):
        assert ws.inputs["publicNetworkAccess"] == "Disabled"
    for vault in result.of_type(t.KEY_VAULT):
        assert vault.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    for account in result.of_type(t.STORAGE_ACCOUNT):
        assert account.inputs["publicNetworkAccess"] == "Disabled"
    endpoints = result.of_type(t.PRIVATE_ENDPOINT)
    assert len(endpoints) == 2 * 5  # per unit: workspace, both vaults, storage blob and file
    expected_zones = {"amlworkspace": ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
                      "vault": ["privatelink.vaultcore.azure.net"], "blob": ["privatelink.blob.core.windows.net"],
                      "file": ["privatelink.file.core.windows.net"]}
    seen: dict[str, list[str]] = {}
    for pe in endpoints:
        region = pe.inputs["location"]
        assert pe.inputs["subnet"] == {"id": SUBNET.format(region=region)}
        (connection,) = pe.inputs["privateLinkServiceConnections"]
        (group,) = connection["groupIds"]
        target = next(by_name[d] for d in pe.depends_on if by_name[d].type in (t.ML_WORKSPACE, t.KEY_VAULT,
                                                                                t.STORAGE_ACCOUNT))
        assert target.inputs["location"] == region and connection["privateLinkServiceId"].endswith(
            "/" + str(target.inputs.get("workspaceName") or target.inputs.get("vaultName")
                      or target.inputs.get("accountName")))
        seen.setdefault(region, []).append(group)
        (zones,) = [z for z in result.of_type(t.PRIVATE_DNS_ZONE_GROUP) if pe.name in z.depends_on]
        ids = [c["privateDnsZoneId"] for c in zones.inputs["privateDnsZoneConfigs"]]
        assert ids == [f"{DNS_GROUP}/providers/Microsoft.Network/privateDnsZones/{z}" for z in expected_zones[group]]
        assert zones.inputs["privateEndpointName"] == pe.inputs["privateEndpointName"]
    assert {r: sorted(g) for r, g in seen.items()} == {r: ["amlworkspace", "blob", "file", "vault", "vault"]
                                                       for r in regions}
    assert not [v for v in result.violations if v.policy == "prod-private-networking"]
    # The stack output marks the endpoints, so `maas verify` from outside the network can say why it fails.
    assert {e.get("publicNetworkAccess") for e in result.outputs["endpoints"]} == {"Disabled"}


def test_public_network_declares_no_endpoints_and_prod_is_advisory(one_unit: Callable[..., PlanResult]) -> None:
    public = one_unit()
    assert public.of_type(t.PRIVATE_ENDPOINT) == []
    assert "publicNetworkAccess" not in public.of_type(t.ML_WORKSPACE)[0].inputs
    def declared(result: PlanResult) -> list[tuple[str, str, list[str], str]]:  # dependsOn order is async
        return [(r.type, r.name, sorted(r.depends_on), repr(r.inputs)) for r in result.resources]

    assert declared(one_unit(network={"publicNetworkAccess": "Enabled"})) == declared(public)
    assert all("publicNetworkAccess" not in e for e in public.outputs["endpoints"])  # the output shape as before
    prod = one_unit(environment="prod")
    hits = [v for v in prod.violations if v.policy == "prod-private-networking"]
    assert [v.resource for v in hits] == [prod.of_type(t.ML_WORKSPACE)[0].name] and hits[0].severity == "advisory"


@pytest.mark.parametrize(("network", "says"), [
    ({"publicNetworkAccess": "Disabled", "privateDnsZoneResourceGroup": DNS_GROUP},
     ["maas-fleet:network.privateEndpointSubnets: {} is empty, but publicNetworkAccess is Disabled"]),
    ({**_private(["eastus"]), "publicNetworkAccess": "Disabled"},
     ["maas-fleet:network.privateEndpointSubnets.eastus2: is missing"]),
    ({**_private(["eastus", "eastus2"]), "privateEndpointSubnets": {"eastus": "subnet-1",
                                                                    "eastus2": SUBNET.format(region="eastus2")}},
     ["maas-fleet:network.privateEndpointSubnets.eastus: 'subnet-1' is not a subnet id"]),
    ({**_private(["eastus", "eastus2"]), "privateDnsZoneResourceGroup": ""},
     ["maas-fleet:network.privateDnsZoneResourceGroup: is required when publicNetworkAccess is Disabled"]),
    ({"publicNetworkAccess": "Off"}, ["maas-fleet:network.publicNetworkAccess: 'Off' is not a public network"]),
])
def test_bad_network_settings_are_one_line_each(make_config: Callable[..., FleetConfig], network: dict[str, object],
                                                says: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(regions=["eastus", "eastus2"], network=network)
    lines = str(info.value).splitlines()
    assert len(lines) == len(says) and all(line.startswith(s) for line, s in zip(lines, says, strict=True)), lines


def test_plan_estimates_the_month_at_the_capacity_targets(make_config: Callable[..., FleetConfig]) -> None:
    config = make_config(regions=["eastus2", "westus3"], projects=["main"], budget=BUDGET_CONFIG,
                         capacity={"stable-image-core": {"requestsPerMinute": 100},
                                   "stable-image-ultra": {"requestsPerMinute": 10}})
    digest = plan(config).to_json()["budget"]
    core, ultra = catalog.MODELS["stable-image-core"], catalog.MODELS["stable-image-ultra"]
    total = (100 * core.price_usd_per_image + 10 * ultra.price_usd_per_image) * 60 * 730
    assert digest["estimatedMonthlyUsdAtCapacity"] == round(total, 2)
    assert digest["estimatedMonthlyUsdPerResourceGroup"] == round(total / 2, 2)
    assert "capacity targets" in digest["estimateBasis"]
