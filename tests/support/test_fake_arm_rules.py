"""The fake ARM holds Azure's rules (each from a published source, cited in fake_arm.py), so product
tests against it fail where real Azure would: unknown role actions, replication lag of new role
definitions, endpoint names held by other tenants, principals without a role, private marketplaces."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
import pytest

from infra.catalog import KEY_VAULT_SECRETS_USER
from tests.support.fake_arm import (
    ML,
    PROVIDER_OPERATIONS_SNAPSHOT,
    SUB,
    FakeArm,
    FakeArmServer,
    _allowed,
    _wildcard_match,
    endpoint_name_taken,
)

AUTHZ = "2022-04-01"
ROLE_DEFS = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions"


@pytest.fixture
def client(arm: FakeArm, fake_arm_server: FakeArmServer) -> Any:
    tls = ssl.create_default_context(cafile=str(fake_arm_server.ca_path))
    with httpx.Client(base_url=fake_arm_server.url, verify=tls,
                      headers={"Authorization": f"Bearer {arm.token}"}) as http:
        yield http


def role_body(*actions: str, not_actions: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"properties": {"roleName": "r", "description": "d", "assignableScopes": [f"/subscriptions/{SUB}"],
                           "permissions": [{"actions": list(actions), "notActions": list(not_actions),
                                            "dataActions": [], "notDataActions": []}]}}


@pytest.mark.parametrize(("pattern", "operation", "expected"), [
    ("*", "Microsoft.Compute/virtualMachines/read", True),
    ("*/read", "Microsoft.Compute/virtualMachines/read", True),
    ("*/read", "Microsoft.Compute/virtualMachines/write", False),
    ("Microsoft.Network/*/write", "Microsoft.Network/virtualNetworks/subnets/write", True),  # `*` spans `/`
    ("Microsoft.Network/*/write", "Microsoft.Network/write", False),
    (f"{ML}/workspaces/*/read", f"{ML}/workspaces/serverlessEndpoints/read", True),
    (f"{ML}/workspaces/onlineendpoints/listkeys/action", f"{ML}/workspaces/onlineEndpoints/listKeys/action", True),
    (f"{ML}/workspaces/serverlessEndpoints/*", f"{ML}/workspaces/serverlessEndpoints", False),
    ("a*b*c", "aXbYbZc", True),
    ("a*b*c", "aXbYbZ", False),
    ("**", "", True),
])
def test_wildcards_match_anywhere_and_ignore_case(pattern: str, operation: str, expected: bool) -> None:
    assert _wildcard_match(pattern, operation) is expected


def test_not_actions_subtract_within_their_role_only() -> None:
    contributor_like = {"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}
    writer = {"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": []}
    assert not _allowed("Microsoft.Authorization/roleAssignments/write", [contributor_like])
    assert _allowed("Microsoft.Authorization/roleAssignments/write", [contributor_like, writer])  # not a deny rule
    assert _allowed("Microsoft.Storage/storageAccounts/write", [contributor_like])


def test_snapshot_names_its_source_and_date() -> None:
    document = json.loads(PROVIDER_OPERATIONS_SNAPSHOT.read_text(encoding="utf-8"))
    assert document["retrieved"]
    assert set(document["namespaces"]) == {ML, "Microsoft.MarketplaceOrdering", "Microsoft.Marketplace",
                                           "Microsoft.KeyVault", "Microsoft.Authorization"}
    assert all(entry["source"] and entry["operations"] for entry in document["namespaces"].values())


def test_provider_operations_answers_the_published_list(arm: FakeArm, client: Any) -> None:
    response = client.get(f"/providers/Microsoft.Authorization/providerOperations/{ML}",
                          params={"api-version": AUTHZ, "$expand": "resourceTypes"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "type", "displayName", "operations", "resourceTypes"}
    names = [op["name"] for op in body["operations"]] + [
        op["name"] for rt in body["resourceTypes"] for op in rt["operations"]]
    assert f"{ML}/register/action" in [op["name"] for op in body["operations"]]
    assert f"{ML}/workspaces/marketplaceSubscriptions/write" in names
    assert not [n for n in names if "marketplaceModelSubscriptions" in n]  # what the how-to spells
    types = {rt["name"] for rt in body["resourceTypes"]}
    assert "workspaces/serverlessEndpoints" in types
    assert all(set(op) >= {"name", "displayName", "isDataAction"} for rt in body["resourceTypes"]
               for op in rt["operations"])


def test_a_namespace_azure_does_not_publish(arm: FakeArm, client: Any) -> None:
    path = "/providers/Microsoft.Authorization/providerOperations/Microsoft.SaaS"
    body = client.get(path, params={"api-version": AUTHZ}).json()
    assert body["operations"] == [] and body["resourceTypes"] == []
    arm.absent_namespace_mode = "not_found"
    assert client.get(path, params={"api-version": AUTHZ}).status_code == 404


@pytest.mark.parametrize("bad", [
    f"{ML}/workspaces/marketplaceModelSubscriptions/*",  # a wildcard must match at least one operation
    f"{ML}/workspaces/serverlessEndpoints/score/action",
])
def test_a_role_with_an_unknown_action_is_rejected_whole(arm: FakeArm, client: Any, bad: str) -> None:
    arm.add_subscription(SUB)
    response = client.put(f"{ROLE_DEFS}/11111111-0000-4000-8000-000000000001", params={"api-version": AUTHZ},
                          json=role_body(f"{ML}/workspaces/serverlessEndpoints/*", bad))
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "InvalidActionOrNotAction",
                                         "message": f"'{bad}' does not match any of the actions supported by the "
                                                    "providers."}}
    assert not arm.role_definitions


def test_known_actions_and_unpublished_namespaces_are_accepted(arm: FakeArm, client: Any) -> None:
    arm.add_subscription(SUB)
    response = client.put(f"{ROLE_DEFS}/11111111-0000-4000-8000-000000000002", params={"api-version": AUTHZ},
                          json=role_body(f"{ML}/workspaces/marketplaceSubscriptions/*",
                                         "Microsoft.SaaS/resources/write", "*/read"))
    assert response.status_code == 201, response.text


def test_a_new_definition_is_not_visible_at_once(arm: FakeArm, client: Any) -> None:
    arm.add_subscription(SUB)
    arm.role_definition_lag = 2
    guid = "11111111-0000-4000-8000-000000000003"
    assert client.put(f"{ROLE_DEFS}/{guid}", params={"api-version": AUTHZ},
                      json=role_body(f"{ML}/workspaces/read")).status_code == 201
    assignment = {"properties": {"roleDefinitionId": f"{ROLE_DEFS}/{guid}", "principalId": "p",
                                 "principalType": "User"}}
    first = client.put(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/a1",
                       params={"api-version": AUTHZ}, json=assignment)
    assert first.status_code == 400 and first.json()["error"]["code"] == "RoleDefinitionDoesNotExist"
    assert guid in first.json()["error"]["message"]
    second = client.get(f"{ROLE_DEFS}/{guid}", params={"api-version": AUTHZ})
    assert second.status_code == 404 and second.json()["error"]["code"] == "RoleDefinitionDoesNotExist"
    assert client.put(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/a1",
                      params={"api-version": AUTHZ}, json=assignment).status_code == 201


def test_an_endpoint_name_held_by_another_tenant_is_refused(arm: FakeArm, client: Any) -> None:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg", "ws", "eastus2")
    arm.take_name_elsewhere("eastus2", "contoso-dev-main-core")
    body = {"location": "eastus2", "properties": {"modelSettings": {"modelId": "azureml://registries/"
                                                                                "azureml-stabilityai/models/"
                                                                                "Stable-Image-Core"}}}
    taken = client.put(f"{ws.id}/serverlessEndpoints/contoso-dev-main-core", params={"api-version": "2024-10-01"},
                       json=body)
    assert taken.status_code == 400
    assert taken.json() == {"error": {"code": "UserError", "message": endpoint_name_taken("contoso-dev-main-core")}}
    assert "is not available" in endpoint_name_taken("x")
    # the listing the caller can make shows nothing in the way
    assert client.get(f"{ws.id}/serverlessEndpoints", params={"api-version": "2024-10-01"}).json()["value"] == []
    other = arm.add_workspace(SUB, "rg2", "ws2", "westus3")
    free = client.put(f"{other.id}/serverlessEndpoints/contoso-dev-main-core", params={"api-version": "2024-10-01"},
                      json=body | {"location": "westus3"})
    assert free.status_code == 201  # unique per region, not globally


def test_a_workspace_identity_without_a_role_on_the_vault_gets_403(arm: FakeArm, client: Any) -> None:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg", "ws", "eastus2")
    vault = arm.vaults[ws.key_vault_id.lower()]
    arm.put_secret(vault, "s", "value")
    token = arm.principal_token(ws.principal_id)
    headers = {"Authorization": f"Bearer {token}"}
    denied = client.get(f"{vault.id}/secrets/s", params={"api-version": "2023-07-01"}, headers=headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "AuthorizationFailed"
    assert ws.principal_id in denied.json()["error"]["message"]
    assert client.get(ws.id, params={"api-version": "2024-10-01"}).json()["identity"]["principalId"] == ws.principal_id
    arm.set_principal_permissions(ws.principal_id, vault.id, [{"actions": ["Microsoft.KeyVault/vaults/secrets/read"]}])
    allowed = client.get(f"{vault.id}/secrets/s", params={"api-version": "2023-07-01"}, headers=headers)
    assert allowed.status_code == 200, allowed.text
    assert KEY_VAULT_SECRETS_USER.id  # the role the program grants it (its data actions live on the data plane)


def test_private_stores_and_billing_policies(arm: FakeArm, client: Any) -> None:
    arm.add_subscription(SUB)
    assert client.get("/providers/Microsoft.Marketplace/privateStores",
                      params={"api-version": "2023-01-01"}).json() == {"value": []}
    store = arm.add_private_store("enabled")
    listed = client.get("/providers/Microsoft.Marketplace/privateStores", params={"api-version": "2023-01-01"})
    assert listed.json()["value"] == [store] and store["properties"]["availability"] == "enabled"
    arm.private_store_mode = "forbidden"
    assert client.get("/providers/Microsoft.Marketplace/privateStores",
                      params={"api-version": "2023-01-01"}).status_code == 403
    arm.billing_policies[SUB] = [{"name": "MarketplacePurchases", "value": "NotAllowed",
                                  "policyType": "UserControlled", "scope": f"/subscriptions/{SUB}"}]
    body = client.get(f"/subscriptions/{SUB}/providers/Microsoft.Billing/policies/default",
                      params={"api-version": "2024-04-01"}).json()
    assert body["properties"]["policies"][0]["value"] == "NotAllowed"


def test_the_data_plane_needs_a_data_action_not_a_control_plane_role(arm: FakeArm, client: Any) -> None:
    from tests.support import builtin_roles

    arm.add_subscription(SUB)  # the caller holds `*` (actions) at the subscription: no data actions
    ws = arm.add_workspace(SUB, "rg", "ws", "eastus2")
    vault = arm.vaults[ws.key_vault_id.lower()]
    arm.put_secret(vault, "endpoint-key", "s3cret-value")
    path = f"/keyvault/{vault.name}/secrets/endpoint-key"
    owner_like = client.get(path, params={"api-version": "7.4"})
    assert owner_like.status_code == 403
    assert owner_like.json()["error"]["innererror"] == {"code": "ForbiddenByRbac"}
    identity = {"Authorization": f"Bearer {arm.principal_token(ws.principal_id)}"}
    denied = client.get(path, params={"api-version": "7.4"}, headers=identity)
    assert denied.status_code == 403 and ws.principal_id in denied.json()["error"]["message"]
    assert "Assignment: (not found)" in denied.json()["error"]["message"]
    arm.set_principal_permissions(ws.principal_id, vault.id, [builtin_roles.KEY_VAULT_SECRETS_USER])
    allowed = client.get(path, params={"api-version": "7.4"}, headers=identity)
    assert allowed.status_code == 200 and allowed.json()["value"] == "s3cret-value"
