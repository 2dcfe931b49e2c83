"""The enterprise rules over `pulumi preview --json` documents (`maas policy check`) and CrossGuard's view
of `protect`: previews built from what the program declares, with Pulumi's `protect` on each state."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from infra.config import parse_stack_config
from policies.sources.crossguard import record_from_resource_args
from provisioning.cli import app
from provisioning.plan.program import PlanResult, plan

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
SUBNET = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/pe"
ENTERPRISE_RULES = {"diagnostics-to-log-analytics", "prod-vaults-protected", "budget-has-contacts",
                    "prod-private-networking"}


def _plan(**options: Any) -> PlanResult:
    raw = {"maas-fleet:prefix": "acme", "maas-fleet:environment": "prod", "maas-fleet:regions": ["eastus2"],
           "maas-fleet:models": ["stable-image-core"], "azure-native:subscriptionId": SUB,
           "maas-fleet:budget": {"monthlyUsd": 300, "contactEmails": ["finops@contoso.com"]}}
    raw.update({f"maas-fleet:{k}": v for k, v in options.items()})
    return plan(parse_stack_config(raw, stack="prod"))


def preview(result: PlanResult, edit: Any = None) -> dict[str, Any]:
    """A `pulumi preview --json` document: one create step per custom resource, its inputs and protect."""
    steps = []
    for r in result.resources:
        if not r.custom:
            continue
        urn = f"urn:pulumi:prod::maas-fleet::{r.type}::{r.name}"
        state: dict[str, Any] = {"urn": urn, "type": r.type, "custom": True, "inputs": json.loads(json.dumps(r.inputs)),
                                 "dependencies": [f"urn:pulumi:prod::maas-fleet::x::{d}" for d in r.depends_on]}
        if r.protect:
            state["protect"] = True  # ResourceV3 writes it only when true
        if edit is not None:
            edit(state)
        steps.append({"op": "create", "urn": urn, "newState": state})
    return {"steps": steps, "changeSummary": {"create": len(steps)}}


def policy_check(document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    run = CliRunner().invoke(app, ["policy", "check", "-", "--format", "json"], input=json.dumps(document))
    return run.exit_code, json.loads(run.stdout)


def test_a_compliant_prod_preview_passes_the_enterprise_rules() -> None:
    network = {"publicNetworkAccess": "Disabled", "privateEndpointSubnets": {"eastus2": SUBNET},
               "privateDnsZoneResourceGroup": f"/subscriptions/{SUB}/resourceGroups/rg-dns"}
    code, document = policy_check(preview(_plan(network=network)))
    assert not {v["policy"] for v in document["violations"]} & ENTERPRISE_RULES, document["violations"]
    assert code == 0


def test_an_unguarded_prod_preview_is_flagged_by_each_rule() -> None:
    def no_contacts(state: dict[str, Any]) -> None:  # a budget edited by hand: the config would refuse it
        if state["type"].endswith(":Budget"):
            for notification in state["inputs"]["notifications"].values():
                notification["contactEmails"] = []

    result = _plan(protect=False, diagnostics=False)
    code, document = policy_check(preview(result, no_contacts))
    by_rule: dict[str, set[str]] = {}
    for v in document["violations"]:
        by_rule.setdefault(v["policy"], set()).add(v["severity"])
    assert by_rule.keys() >= ENTERPRISE_RULES
    assert by_rule["budget-has-contacts"] == {"mandatory"} and code == 1
    assert all(by_rule[r] == {"advisory"} for r in ENTERPRISE_RULES - {"budget-has-contacts"})


def test_crossguard_reads_protect_from_the_resource_options() -> None:
    from pulumi_policy import ResourceValidationArgs
    from pulumi_policy.policy import PolicyCustomTimeouts, PolicyResourceOptions

    def args(protect: bool) -> ResourceValidationArgs:
        opts = PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
        return ResourceValidationArgs("azure-native:keyvault:Vault", {}, "urn:pulumi:p::m::t::kv", "kv", opts, None)

    assert record_from_resource_args(args(True)).protected is True
    assert record_from_resource_args(args(False)).protected is False
