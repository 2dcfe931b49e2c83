"""The CrossGuard adapter, driven with pulumi-policy's own argument objects (and once through the real pack
over gRPC on loopback). policies/__main__.py is never imported: building a PolicyPack blocks forever."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE, unknown_checking_proxy

from infra import resource_types as t
from infra.catalog import MODELS, OWNER
from policies.engine import RuleScope
from policies.records import ResourceRecord
from policies.rules import RULES
from policies.sources.crossguard import (
    NOT_APPLICABLE_SECRETS,
    InputMemory,
    build_policies,
    logical_name,
    plain,
    records_from_stack_args,
)
from tests.support.policy_builders import NAMER, SUBSCRIPTION, endpoint, key_secret, subscription, vault, workspace

ROOT = Path(__file__).resolve().parents[3]
STACK_URN = "urn:pulumi:dev::maas-fleet::pulumi:pulumi:Stack::maas-fleet-dev"


def urn(rec: ResourceRecord) -> str:
    return f"urn:pulumi:dev::maas-fleet::{rec.type}::{rec.name}"


def opts(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def wire(props: Mapping[str, Any]) -> Any:
    """Properties the way the servicer hands them to a policy: deserialised, unknown-checking proxy."""
    return unknown_checking_proxy(deserialize_properties(dict(props)))


def resource_args(rec: ResourceRecord, props: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    return ResourceValidationArgs(rec.type, wire(props if props is not None else rec.properties), urn(rec), rec.name,
                                  opts(STACK_URN), None)


class Reports:
    def __init__(self) -> None:
        self.items: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.items.append((message, urn))


def policy(rule_id: str, memory: InputMemory | None = None) -> Any:
    policies = build_policies(memory=memory if memory is not None else InputMemory())
    return next(p for p in policies if p.name == rule_id)


def assert_violation(
    rule_id: str, args: Any, says: str = "", memory: InputMemory | None = None
) -> list[tuple[str, str | None]]:
    reports = Reports()
    policy(rule_id, memory).validate(args, reports)
    assert reports.items, f"{rule_id} reported nothing"
    assert any(says in message for message, _ in reports.items), reports.items
    assert all("Fix: " in message for message, _ in reports.items)
    return reports.items


def assert_no_violation(rule_id: str, args: Any, memory: InputMemory | None = None) -> None:
    reports = Reports()
    policy(rule_id, memory).validate(args, reports)
    assert not reports.items, reports.items


# --------------------------------------------------------------------------------------------------
# Pack shape
# --------------------------------------------------------------------------------------------------


def test_one_policy_per_rule_with_its_level() -> None:
    policies = build_policies()
    assert [p.name for p in policies] == [r.id for r in RULES]
    for rule, pol in zip(RULES, policies, strict=True):
        expected = ResourceValidationPolicy if rule.scope is RuleScope.RESOURCE else StackValidationPolicy
        assert isinstance(pol, expected)
        assert pol.enforcement_level.value == str(rule.severity)
        assert pol.description == rule.description and pol.remediation_steps == rule.fix


def test_logical_name_and_plain_conversion() -> None:
    assert logical_name(STACK_URN) == "maas-fleet-dev"
    assert logical_name("urn:pulumi:s::p::a$b::name::with::colons") == "name::with::colons"
    props = wire({
        "a": {"b": UNKNOWN_STRING_VALUE, "c": "x"},
        "list": ["y", UNKNOWN_STRING_VALUE],
        "secret": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "hidden-value"},
    })
    converted, unknown = plain(props)
    assert converted == {"a": {"c": "x"}, "list": ["y", None], "secret": "hidden-value"}
    assert unknown == ("a.b", "list[1]")


# --------------------------------------------------------------------------------------------------
# Resource policies (Analyze: inputs)
# --------------------------------------------------------------------------------------------------


def test_resource_policy_reports_and_passes() -> None:
    good = endpoint()
    assert_no_violation("endpoint-region-allowed", resource_args(good))
    bad = dict(good.properties, location="westeurope")
    (message, _), *_ = assert_violation("endpoint-region-allowed", resource_args(good, bad), says="'westeurope'")
    assert "Fix: deploy Stable-Image-Core only into" in message


def test_resource_policy_ignores_other_types() -> None:
    assert_no_violation("content-safety-enabled", resource_args(vault()))
    assert_no_violation("required-tags", resource_args(subscription()))


def test_unknown_values_are_not_violations() -> None:
    ep = endpoint()
    props = dict(ep.properties)
    props["properties"] = dict(props["properties"], contentSafety=UNKNOWN_OBJECT_VALUE, authMode=UNKNOWN_STRING_VALUE)
    props["tags"] = UNKNOWN_OBJECT_VALUE
    for rule_id in ("content-safety-enabled", "endpoint-auth-key", "required-tags"):
        assert_no_violation(rule_id, resource_args(ep, props))
    props["properties"] = dict(props["properties"], contentSafety={"contentSafetyStatus": "Disabled"})
    assert_violation("content-safety-enabled", resource_args(ep, props), says="'Disabled'")


def test_tags_with_one_unknown_value_are_not_missing() -> None:
    rg = vault()
    tags = {"managed-by": "maas-fleet", "environment": "dev", "project": UNKNOWN_STRING_VALUE}
    props = dict(rg.properties, tags=tags)
    assert_no_violation("required-tags", resource_args(rg, props))
    props["tags"] = {"managed-by": "maas-fleet"}
    assert_violation("required-tags", resource_args(rg, props), says="environment, project")


def test_keys_rule_declares_itself_not_applicable() -> None:
    for rec in (key_secret(secret=False), endpoint()):
        with pytest.raises(_NotApplicableError) as info:
            policy("keys-only-as-secrets").validate(resource_args(rec), Reports())
        assert info.value.reason == NOT_APPLICABLE_SECRETS


def test_role_and_vault_policies() -> None:
    owner = {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER.id}",
             "principalId": "p", "scope": f"/subscriptions/{SUBSCRIPTION}"}
    rec = ResourceRecord(t.ROLE_ASSIGNMENT, "owner-assignment", owner)
    assert_violation("no-privileged-role-assignment", resource_args(rec), says="Owner")
    kv = vault()
    props = dict(kv.properties, properties=dict(kv.properties["properties"], enableRbacAuthorization=False))
    assert_violation("key-vault-rbac-authorization", resource_args(kv, props), says="False")


# --------------------------------------------------------------------------------------------------
# Stack policies (AnalyzeStack: outputs)
# --------------------------------------------------------------------------------------------------


def arm_id(rec: ResourceRecord) -> str:
    p = rec.properties
    rg = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{p['resourceGroupName']}"
    if rec.type == t.RESOURCE_GROUP:
        return rg
    ws = f"{rg}/providers/Microsoft.MachineLearningServices/workspaces/{p['workspaceName']}"
    if rec.type == t.ML_WORKSPACE:
        return ws
    collection = "serverlessEndpoints" if rec.type == t.SERVERLESS_ENDPOINT else "marketplaceSubscriptions"
    return f"{ws}/{collection}/{p['name']}"


def outputs(rec: ResourceRecord, *, known_id: bool) -> dict[str, Any]:
    """Output-shaped state: `name` instead of the name input, no parent inputs, ARM `id` when known."""
    out = {k: v for k, v in rec.properties.items() if k not in ("resourceGroupName", "workspaceName")}
    own_name = {t.ML_WORKSPACE: "workspaceName", t.RESOURCE_GROUP: "resourceGroupName"}.get(rec.type)
    if own_name:
        out["name"] = UNKNOWN_STRING_VALUE if not known_id else rec.properties[own_name]
    out["id"] = arm_id(rec) if known_id else UNKNOWN_STRING_VALUE
    out["__inputs"] = {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "internal"}
    return out


def stack_args(
    records: list[ResourceRecord], *, known_id: bool, property_deps: Mapping[str, Mapping[str, str]] | None = None
) -> StackValidationArgs:
    resources = {
        rec.name: PolicyResource(rec.type, wire(outputs(rec, known_id=known_id)), urn(rec), rec.name, opts(), None,
                                 None, [], {})
        for rec in records
    }
    for rec in records:
        res = resources[rec.name]
        res.dependencies = [resources[d] for d in rec.dependencies if d in resources]
        for key, target in (property_deps or {}).get(rec.name, {}).items():
            res.property_dependencies[key] = [resources[target]]
    return StackValidationArgs(list(resources.values()))


def unit(*, second_name: str | None = None) -> list[ResourceRecord]:
    ws, sub, ep = workspace(), subscription(), endpoint()
    ultra_sub = subscription("ultra-sub", slug="stable-image-ultra")
    ultra = endpoint("ultra", slug="stable-image-ultra", azure_name=second_name, depends_on=("ultra-sub", ws.name))
    return [ws, sub, ep, ultra_sub, ultra]


def test_stack_policy_after_up_reads_arm_ids() -> None:
    assert_no_violation("endpoint-name-unique-per-region", stack_args(unit(), known_id=True))
    assert_no_violation("endpoint-depends-on-subscription", stack_args(unit(), known_id=True))
    clash = NAMER.endpoint("main", MODELS["stable-image-core"])
    items = assert_violation("endpoint-name-unique-per-region", stack_args(unit(second_name=clash), known_id=True),
                             says=repr(clash))
    assert {u for _, u in items} == {urn(endpoint()), urn(endpoint("ultra", slug="stable-image-ultra"))}
    records = records_from_stack_args(stack_args(unit(), known_id=True))
    ep = next(r for r in records if r.name == endpoint().name)
    assert ep.properties["workspaceName"] == endpoint().properties["workspaceName"]
    assert "__inputs" not in ep.properties and "id" not in ep.properties and not ep.secrets_visible


def test_stack_policy_at_preview_uses_inputs_seen_in_analyze() -> None:
    records = unit()
    broken = [r if r.name != "ultra" else endpoint("ultra", slug="stable-image-ultra", depends_on=()) for r in records]
    args = stack_args(broken, known_id=False)
    # Without the inputs, preview outputs hide the workspace: the rule cannot see it and stays silent.
    assert_no_violation("endpoint-depends-on-subscription", args)
    memory = InputMemory()
    for rec in broken:  # what Analyze does for every resource before AnalyzeStack
        policy("endpoint-region-allowed", memory).validate(resource_args(rec), Reports())
    assert len(memory) == len(broken)
    items = assert_violation("endpoint-depends-on-subscription", args, says="does not depend on", memory=memory)
    assert items[0][1] == urn(endpoint("ultra", slug="stable-image-ultra"))


def test_stack_policy_fills_parents_from_property_dependencies() -> None:
    """A preview adding an endpoint to an existing workspace: the new endpoint's id is unknown, but its
    resourceGroupName and workspaceName inputs come from resources whose names are known."""
    ws, sub = workspace(), subscription()
    rg = ResourceRecord(t.RESOURCE_GROUP, "eastus2-main-rg", {
        "resourceGroupName": ws.properties["resourceGroupName"], "location": "eastus2"})
    new = endpoint("ultra", slug="stable-image-ultra", depends_on=(rg.name, ws.name))
    existing = [rg, ws, sub]
    args = stack_args([*existing, new], known_id=True)
    new_res = next(r for r in args.resources if r.name == new.name)
    new_res.props = wire(outputs(new, known_id=False))
    # Without the edges the new endpoint's workspace is invisible: no verdict.
    assert_no_violation("endpoint-depends-on-subscription", args)
    by_name = {r.name: r for r in args.resources}
    new_res.property_dependencies = {"resourceGroupName": [by_name[rg.name]], "workspaceName": [by_name[ws.name]]}
    assert_violation("endpoint-depends-on-subscription", args, says="no MarketplaceSubscription")


# --------------------------------------------------------------------------------------------------
# The real pack, over gRPC on loopback
# --------------------------------------------------------------------------------------------------


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def test_real_pack_over_grpc() -> None:
    import grpc
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-u", str(ROOT / "policies" / "__main__.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""))
        reader.start()
        reader.join(timeout=60)
        assert line and line[0].strip().isdigit(), f"pack did not start: {proc.stderr.read() if proc.poll() else ''}"
        with grpc.insecure_channel(f"127.0.0.1:{int(line[0])}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == "maas-fleet"
            assert [p.name for p in info.policies] == [r.id for r in RULES]

            bad = endpoint("hand-added")
            props = dict(bad.properties, location="westeurope")
            response = stub.Analyze(analyzer_pb2.AnalyzeRequest(type=bad.type, properties=_struct(props),
                                                                urn=urn(bad), name=bad.name), timeout=30)
            names = {d.policyName for d in response.diagnostics}
            assert names == {"endpoint-region-allowed"}
            assert response.diagnostics[0].enforcementLevel == analyzer_pb2.MANDATORY
            assert "keys-only-as-secrets" in {n.policy_name for n in response.not_applicable}

            clash = NAMER.endpoint("main", MODELS["stable-image-core"])
            records = unit(second_name=clash)
            by_name = {r.name: urn(r) for r in records}
            resources = [
                analyzer_pb2.AnalyzerResource(type=r.type, properties=_struct(outputs(r, known_id=True)), urn=urn(r),
                                              name=r.name, dependencies=[by_name[d] for d in r.dependencies
                                                                         if d in by_name])
                for r in records
            ]
            response = stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), timeout=30)
            flagged = {(d.policyName, d.urn) for d in response.diagnostics}
            ultra = next(r for r in records if r.name == "ultra")
            assert flagged == {("endpoint-name-unique-per-region", urn(endpoint())),
                               ("endpoint-name-unique-per-region", urn(ultra))}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
