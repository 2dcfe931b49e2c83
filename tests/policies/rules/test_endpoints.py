"""Endpoint rules (policies/rules/endpoints.py) both ways: a compliant record passes, a violating one
is reported with a useful message."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from infra.catalog import (
    MODELS,
    offer,
)
from policies.records import Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation, run
from tests.support.policy_builders import (
    DELETE,
    changed,
    endpoint,
    subscription,
    workspace,
)


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
    # The table model_for_asset_id reads lives in the catalog's offer module.
    monkeypatch.setattr(offer, "MODELS_BY_ASSET_ID",
                        MappingProxyType({**offer.MODELS_BY_ASSET_ID, narrowed.asset_id.lower(): narrowed}))
    assert_violation("endpoint-region-allowed", endpoint(region="eastus2"), says="allowed: westus3")
    assert_no_violation("endpoint-region-allowed", endpoint(region="westus3"))


def test_endpoint_in_workspace_region_is_advisory() -> None:
    ws, ep = workspace(), endpoint()
    assert_no_violation("endpoint-in-workspace-region", ws, ep)
    hit = assert_violation("endpoint-in-workspace-region", ws, changed(ep, "location", "westus3"), says="'westus3'")
    assert hit.severity is Severity.ADVISORY


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
