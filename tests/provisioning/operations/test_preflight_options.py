"""`maas preflight` for stacks using the enterprise options: the providers those options need."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.catalog import BUDGET_RESOURCE_PROVIDER, NETWORK_RESOURCE_PROVIDER
from tests.support.fake_arm import SUB, FakeArm, write_stack

Maas = Callable[..., Any]
SUBNET = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/pe"
OPTIONS = {
    "budget": {"monthlyUsd": 100, "contactEmails": ["finops@contoso.com"]},
    "network": {"publicNetworkAccess": "Disabled",
                "privateDnsZoneResourceGroup": f"/subscriptions/{SUB}/resourceGroups/dns",
                "privateEndpointSubnets": {"eastus2": SUBNET, "westus3": SUBNET}},
}


def preflight(maas: Maas, tmp_path: Path, *args: str, **config: Any) -> tuple[Any, dict[str, dict[str, str]]]:
    run = maas("preflight", "--config", str(write_stack(tmp_path, **config)), "--format", "json", *args)
    return run, {c["name"]: c for c in json.loads(run.stdout)["checks"]}


def test_budget_and_private_network_need_their_providers(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    arm.set_provider(SUB, BUDGET_RESOURCE_PROVIDER, "NotRegistered", registers_after=1)
    arm.set_provider(SUB, NETWORK_RESOURCE_PROVIDER, "NotRegistered", registers_after=1)
    _, plain = preflight(maas, tmp_path)
    assert f"provider {BUDGET_RESOURCE_PROVIDER}" not in plain and f"provider {NETWORK_RESOURCE_PROVIDER}" not in plain
    run, found = preflight(maas, tmp_path, **OPTIONS)
    for namespace in (BUDGET_RESOURCE_PROVIDER, NETWORK_RESOURCE_PROVIDER):
        check = found[f"provider {namespace}"]
        assert check["status"] == "fail" and f"az provider register --namespace {namespace}" in check["fix"]
    assert run.code == 1
    _, fixed = preflight(maas, tmp_path, "--fix", **OPTIONS)
    assert fixed[f"provider {BUDGET_RESOURCE_PROVIDER}"]["status"] == "fixed"
    assert fixed[f"provider {NETWORK_RESOURCE_PROVIDER}"]["status"] == "fixed"
