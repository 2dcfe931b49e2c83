"""Every rule both ways: a compliant record passes, a violating one is reported with a useful message."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from infra import catalog
from infra.catalog import (
    CONTRIBUTOR,
    FORBIDDEN_ROLES,
    MODELS,
    OWNER,
    PERMISSIONS,
    REQUIRED_TAGS,
    USER_ACCESS_ADMINISTRATOR,
    Scope,
)
from policies import props as t
from policies.records import ResourceRecord, Severity, Violation
from policies.rules import RULES, RULES_BY_ID, RuleScope, action_allowed, evaluate, role_guid
from tests.support.policy_builders import (
    DELETE,
    SUBSCRIPTION,
    changed,
    endpoint,
    fleet,
    key_secret,
    record,
    role_assignment,
    role_definition,
    stack,
    subscription,
    vault,
    workspace,
)


def run(rule_id: str, *records: ResourceRecord) -> list[Violation]:
    return RULES_BY_ID[rule_id].run(list(records))


def assert_violation(rule_id: str, *records: ResourceRecord, resource: str | None = None, says: str = "") -> Violation:
    found = run(rule_id, *records)
    assert found, f"{rule_id} found nothing"
    hit = found[0] if resource is None else next((v for v in found if v.resource == resource), None)
    assert hit is not None, f"{rule_id} reported {[v.resource for v in found]}, not {resource}"
    assert hit.policy == rule_id and hit.severity is RULES_BY_ID[rule_id].severity
    assert says in hit.message, hit.message
    assert hit.fix, "every violation carries a fix"
    assert f"'{hit.resource}'" in hit.message, "the message names the resource"
    return hit


def assert_no_violation(rule_id: str, *records: ResourceRecord) -> None:
    found = run(rule_id, *records)
    assert not found, [v.message for v in found]


# --------------------------------------------------------------------------------------------------
# The rule set as a whole
# --------------------------------------------------------------------------------------------------


def test_rule_set_shape() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {
        "endpoint-region-allowed", "workspace-region-allowed", "content-safety-enabled", "endpoint-auth-key",
        "endpoint-name-valid", "endpoint-name-unique-per-region", "one-endpoint-per-model-per-workspace",
        "endpoint-depends-on-subscription", "keys-only-as-secrets", "no-privileged-role-assignment",
        "custom-role-least-privilege", "required-tags",
    } <= set(ids)
    for rule in RULES:
        assert rule.description and rule.fix and rule.types
        assert (rule.resource_check is None) != (rule.stack_check is None)
        assert rule.scope in RuleScope


@pytest.mark.parametrize("regions", [("eastus2",), ("eastus", "eastus2", "northcentralus", "southcentralus", "westus",
                                                    "westus3")])
def test_full_fleet_is_clean(regions: tuple[str, ...]) -> None:
    records = fleet(regions=regions, projects=("main", "batch"))
    assert len([r for r in records if r.type == t.SERVERLESS_ENDPOINT]) == len(regions) * 2 * len(MODELS)
    assert evaluate(records) == []


def test_evaluate_runs_resource_and_stack_rules_and_ignores_other_types() -> None:
    records = [
        *fleet(regions=("eastus2",)),
        record("maas-fleet:azure:Access", "access", {"anything": "*"}),
        record("azure-native:network:VirtualNetwork", "vnet", {"location": "westeurope"}),
        changed(endpoint("bad", azure_name="1bad"), "location", "westeurope"),
    ]
    policies = {v.policy for v in evaluate(records)}
    assert {"endpoint-name-valid", "endpoint-region-allowed", "endpoint-depends-on-subscription"} <= policies
    assert all(v.resource == "bad" for v in evaluate(records))


def test_versioned_type_tokens_are_checked_too() -> None:
    legacy = replace(changed(endpoint(), "location", "westeurope"),
                     type="azure-native:machinelearningservices/v20240401preview:ServerlessEndpoint")
    assert_violation("endpoint-region-allowed", legacy)


# --------------------------------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------------------------------


def test_endpoint_region() -> None:
    assert_no_violation("endpoint-region-allowed", endpoint())
    assert_no_violation("endpoint-region-allowed", changed(endpoint(), "location", "East US 2"))
    hit = assert_violation("endpoint-region-allowed", changed(endpoint(), "location", "westeurope"),
                           says="'westeurope'")
    assert "Stable-Image-Core" in hit.message and "eastus2" in hit.message
    # Cannot see -> no verdict: location unknown, model unknown.
    assert_no_violation("endpoint-region-allowed", changed(endpoint(), "location", DELETE))
    assert_no_violation("endpoint-region-allowed",
                        changed(changed(endpoint(), "location", "westeurope"), "properties.modelSettings", DELETE))


def test_endpoint_region_follows_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    narrowed = replace(MODELS["stable-image-core"], regions=("westus3",))
    monkeypatch.setattr(catalog, "MODELS_BY_ASSET_ID",
                        MappingProxyType({**catalog.MODELS_BY_ASSET_ID, narrowed.asset_id.lower(): narrowed}))
    assert_violation("endpoint-region-allowed", endpoint(region="eastus2"), says="allowed: westus3")
    assert_no_violation("endpoint-region-allowed", endpoint(region="westus3"))


def test_workspace_region() -> None:
    ws, ep, sub = workspace(), endpoint(), subscription()
    assert_no_violation("workspace-region-allowed", ws, ep, sub)
    moved = changed(ws, "location", "westeurope")
    hit = assert_violation("workspace-region-allowed", moved, ep, sub, resource=ws.name, says="'westeurope'")
    assert "Stable-Image-Core" in hit.message
    # A subscription alone also ties the model to the workspace; one violation per workspace and model.
    assert len(run("workspace-region-allowed", moved, sub)) == 1
    assert len(run("workspace-region-allowed", moved, ep, sub)) == 1
    # A workspace in another resource group is another workspace.
    other_rg = changed(moved, "resourceGroupName", "rg-elsewhere")
    assert_no_violation("workspace-region-allowed", other_rg, ep, sub)
    # Names are case-insensitive in Azure.
    upper = changed(moved, "workspaceName", str(ws.properties["workspaceName"]).upper())
    assert_violation("workspace-region-allowed", upper, ep)


def test_endpoint_in_workspace_region_is_advisory() -> None:
    ws, ep = workspace(), endpoint()
    assert_no_violation("endpoint-in-workspace-region", ws, ep)
    hit = assert_violation("endpoint-in-workspace-region", ws, changed(ep, "location", "westus3"), says="'westus3'")
    assert hit.severity is Severity.ADVISORY


# --------------------------------------------------------------------------------------------------
# Endpoint settings
# --------------------------------------------------------------------------------------------------


def test_content_safety() -> None:
    path = "properties.contentSafety.contentSafetyStatus"
    assert_no_violation("content-safety-enabled", endpoint())
    assert_no_violation("content-safety-enabled", changed(endpoint(), path, "enabled"))
    assert_violation("content-safety-enabled", changed(endpoint(), path, "Disabled"), says="'Disabled'")
    # Not set is a violation: Azure's default is not guaranteed.
    assert_violation("content-safety-enabled", changed(endpoint(), "properties.contentSafety", DELETE),
                     says="does not set")
    # Unknown (a computed value at preview) or properties not visible at all: no verdict.
    unknown = replace(changed(endpoint(), "properties.contentSafety", DELETE),
                      unknown_paths=("properties.contentSafety",))
    assert_no_violation("content-safety-enabled", unknown)
    assert_no_violation("content-safety-enabled", changed(endpoint(), "properties", DELETE))


def test_secret_values_are_withheld_from_messages() -> None:
    hidden = replace(changed(endpoint(), "properties.authMode", "Token-sk-live-9f8e7d6c"),
                     secret_paths=("properties.authMode",))
    hit = assert_violation("endpoint-auth-key", hidden, says="withheld")
    assert "sk-live" not in hit.message
    hidden = replace(changed(endpoint(), "location", "secret-region-x1"), secret_paths=("location",))
    assert "secret-region" not in assert_violation("endpoint-region-allowed", hidden).message


def test_auth_mode() -> None:
    assert_no_violation("endpoint-auth-key", endpoint())
    assert_violation("endpoint-auth-key", changed(endpoint(), "properties.authMode", "AAD"), says="'AAD'")
    assert_violation("endpoint-auth-key", changed(endpoint(), "properties.authMode", DELETE), says="does not set")
    assert_no_violation("endpoint-auth-key", replace(changed(endpoint(), "properties.authMode", DELETE),
                                                     unknown_paths=("properties.authMode",)))


def test_sku() -> None:
    assert_no_violation("endpoint-sku-consumption", endpoint())
    assert_no_violation("endpoint-sku-consumption", changed(endpoint(), "sku", DELETE))
    assert_violation("endpoint-sku-consumption", changed(endpoint(), "sku.name", "Standard"), says="'Standard'")


@pytest.mark.parametrize("bad", ["ab", "a" * 33, "1core", "core-", "core_1", "core.1", "-core"])
def test_endpoint_name_invalid(bad: str) -> None:
    assert_violation("endpoint-name-valid", endpoint(azure_name=bad), says=repr(bad))


@pytest.mark.parametrize("good", ["abc", "a" * 32, "contoso-dev-main-sd35l", "A1-b2"])
def test_endpoint_name_valid(good: str) -> None:
    assert_no_violation("endpoint-name-valid", endpoint(azure_name=good))


def test_endpoint_name_unique_per_region() -> None:
    a = endpoint("a", azure_name="shared-name")
    b = endpoint("b", azure_name="Shared-Name", project="other")  # another workspace, same region
    c = endpoint("c", azure_name="shared-name", region="westus3")  # another region
    assert_no_violation("endpoint-name-unique-per-region", a, c)
    found = run("endpoint-name-unique-per-region", a, b, c)
    assert {v.resource for v in found} == {"a", "b"}
    assert "'b'" in found[0].message and "'eastus2'" in found[0].message


def test_one_endpoint_per_model_per_workspace() -> None:
    first = endpoint("first", azure_name="core-one")
    second = endpoint("second", azure_name="core-two")
    ultra = endpoint("ultra", slug="stable-image-ultra")
    elsewhere = endpoint("elsewhere", project="batch")
    assert_no_violation("one-endpoint-per-model-per-workspace", first, ultra, elsewhere)
    hit = assert_violation("one-endpoint-per-model-per-workspace", first, second, resource="second",
                           says="Stable-Image-Core")
    assert "'first'" in hit.message
    # A versioned model id is the same model.
    versioned = changed(second, "properties.modelSettings.modelId",
                        MODELS["stable-image-core"].asset_id.upper() + "/versions/2")
    assert_violation("one-endpoint-per-model-per-workspace", first, versioned, resource="second")


def test_endpoint_depends_on_subscription() -> None:
    ep, sub, ws = endpoint(), subscription(), workspace()
    assert ep.name + "-sub" == sub.name
    assert_no_violation("endpoint-depends-on-subscription", ws, sub, ep)
    # Subscription present but no edge.
    no_edge = replace(ep, dependencies=(ws.name,))
    hit = assert_violation("endpoint-depends-on-subscription", ws, sub, no_edge, says="does not depend on")
    assert sub.name in hit.fix
    # No subscription for that model in that workspace (another model's does not count).
    other_model = subscription("ultra-sub", slug="stable-image-ultra")
    assert_violation("endpoint-depends-on-subscription", ws, other_model, replace(ep, dependencies=(ws.name,)),
                     says="no MarketplaceSubscription")
    other_ws = subscription("other-sub", project="batch")
    assert_violation("endpoint-depends-on-subscription", ws, other_ws, replace(ep, dependencies=(ws.name,)),
                     says="no MarketplaceSubscription")
    # The endpoint depends on something this view does not show: it may be the subscription.
    assert_no_violation("endpoint-depends-on-subscription", ws, replace(ep, dependencies=("not-in-view",)))


def test_model_in_catalog_is_advisory() -> None:
    assert_no_violation("model-in-catalog", endpoint(), subscription())
    foreign = "azureml://registries/azureml-meta/models/Llama-3-8B"
    hit = assert_violation("model-in-catalog", changed(endpoint(), "properties.modelSettings.modelId", foreign),
                           says=foreign)
    assert hit.severity is Severity.ADVISORY
    assert_violation("model-in-catalog", changed(subscription(), "properties.modelId", foreign))


# --------------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------------


def test_key_vault_secret_value_must_be_secret() -> None:
    assert_no_violation("keys-only-as-secrets", key_secret())
    plain = key_secret(secret=False)
    hit = assert_violation("keys-only-as-secrets", plain, says="not a Pulumi secret")
    assert "primary-key-value" not in hit.message + hit.fix
    # A secret parent makes the child secret; a value not visible cannot be judged.
    assert_no_violation("keys-only-as-secrets", replace(plain, secret_paths=("properties",)))
    assert_no_violation("keys-only-as-secrets", changed(plain, "properties.value", DELETE))
    # Where secretness is invisible (CrossGuard) the rule does not guess.
    assert_no_violation("keys-only-as-secrets", replace(plain, secrets_visible=False))


def test_stack_outputs_carry_keys_only_as_secrets() -> None:
    outputs = {
        "endpoints": [
            {"name": "a", "key": "k" * 40, "keySecretUri": "https://kv.vault.azure.net/secrets/a-key"},
            {"name": "b", "key": "q" * 40},
        ],
        "debug": {"primaryKey": "p" * 40, "keyVault": "kv-name"},
    }
    assert_no_violation("keys-only-as-secrets", stack(outputs, ("endpoints[*].key", "debug.primaryKey")))
    assert_no_violation("keys-only-as-secrets", stack(outputs, ("endpoints", "debug")))
    found = run("keys-only-as-secrets", stack(outputs, ("endpoints.0.key",)))
    assert [v.message.split("'")[1] for v in found] == ["endpoints[1].key", "debug.primaryKey"]
    for v in found:
        assert "q" * 8 not in v.message and "p" * 8 not in v.message and "value withheld" in v.message
    # A Key Vault reference is not a key; an empty output is nothing.
    refs = {"key": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/a)", "apiKey": ""}
    assert_no_violation("keys-only-as-secrets", stack(refs))


def test_inputs_carrying_keys_in_clear() -> None:
    app = record("azure-native:web:WebAppApplicationSettings", "app-settings",
                 {"properties": {"IMAGE_API_URL": "https://x", "apiKey": "s" * 40}})
    hit = assert_violation("keys-only-as-secrets", app, says="input 'properties.apiKey'")
    assert "s" * 8 not in hit.message
    assert_no_violation("keys-only-as-secrets", replace(app, secret_paths=("properties.apiKey",)))
    # Outside the stack outputs only unmistakable key fields count: `key` often names a setting or a tag.
    assert_no_violation("keys-only-as-secrets",
                        record("azure-native:web:WebApp", "web", {"tags": [{"key": "team", "value": "x"}]}))
    assert_violation("keys-only-as-secrets", stack({"settings": [{"key": "team-key-0123456789"}]}),
                     says="stack output 'settings[0].key'")


# --------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Tags and Key Vault
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_token",
    [t.RESOURCE_GROUP, t.STORAGE_ACCOUNT, t.KEY_VAULT, t.LOG_ANALYTICS, t.APP_INSIGHTS, t.ML_WORKSPACE,
     t.SERVERLESS_ENDPOINT],
)
def test_required_tags(type_token: str) -> None:
    full = {tag: "x" for tag in REQUIRED_TAGS}
    assert_no_violation("required-tags", record(type_token, "r", {"tags": full}))
    missing = dict(full)
    missing.pop(REQUIRED_TAGS[-1])
    assert_violation("required-tags", record(type_token, "r", {"tags": missing}), says=REQUIRED_TAGS[-1])
    assert_violation("required-tags", record(type_token, "r", {"tags": {**full, REQUIRED_TAGS[0]: " "}}))
    assert_violation("required-tags", record(type_token, "r", {}), says=", ".join(REQUIRED_TAGS))
    # Unknown at preview: no verdict.
    assert_no_violation("required-tags", record(type_token, "r", {}, unknown_paths=("tags",)))
    assert_no_violation("required-tags", record(type_token, "r", {"tags": missing},
                                                unknown_paths=(f"tags.{REQUIRED_TAGS[-1]}",)))


def test_untagged_types_are_not_checked() -> None:
    assert_no_violation("required-tags", record(t.MARKETPLACE_SUBSCRIPTION, "s", {}), record(t.KEY_VAULT_SECRET, "k"))


def test_key_vault_rbac_and_purge_protection() -> None:
    assert_no_violation("key-vault-rbac-authorization", vault())
    assert_no_violation("key-vault-purge-protection", vault())
    assert_violation("key-vault-rbac-authorization", changed(vault(), "properties.enableRbacAuthorization", False),
                     says="False")
    assert_violation("key-vault-rbac-authorization", changed(vault(), "properties.enableRbacAuthorization", DELETE),
                     says="not set")
    hit = assert_violation("key-vault-purge-protection", changed(vault(), "properties.enablePurgeProtection", DELETE))
    assert hit.severity is Severity.ADVISORY
    assert_no_violation("key-vault-rbac-authorization", changed(vault(), "properties", DELETE))


# --------------------------------------------------------------------------------------------------
# The rules on what `maas plan` really declares (the lead's program under mocks)
# --------------------------------------------------------------------------------------------------


def test_rules_on_the_planned_example_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example stack plans clean under every rule except the one region we take away from a model
    here: proof that the rules read the records the program really produces."""
    from pathlib import Path

    from infra.config import load_stack_file
    from provisioning.plan.program import plan

    config = load_stack_file(Path(__file__).resolve().parents[2] / "Pulumi.dev.yaml")
    narrowed = replace(MODELS["stable-image-core"], regions=("westus3",))
    monkeypatch.setattr(catalog, "MODELS_BY_ASSET_ID",
                        MappingProxyType({**catalog.MODELS_BY_ASSET_ID, narrowed.asset_id.lower(): narrowed}))
    result = plan(config)
    endpoints = [r for r in result.resources if r.type == t.SERVERLESS_ENDPOINT]
    assert len(endpoints) == 2 * len(MODELS)
    found = {(v.policy, v.resource) for v in result.violations}
    assert found == {
        ("endpoint-region-allowed", "eastus2-main-stable-image-core-endpoint"),
        ("workspace-region-allowed", "eastus2-main-mlw"),
    }
