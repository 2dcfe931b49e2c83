"""Reading Azure's operations list and matching role actions against it (wildcards included)."""

from __future__ import annotations

from provisioning.azure.provider_operations import NamespaceOperations, parse_operations, read_operations
from provisioning.azure.session import AzureSession
from tests.support.fake_arm import ML, FakeArm

KV = "Microsoft.KeyVault"


def test_both_levels_are_read_and_data_actions_left_out() -> None:
    body = {"name": KV, "operations": [{"name": f"{KV}/register/action", "isDataAction": False}],
            "resourceTypes": [{"name": "vaults/secrets", "operations": [
                {"name": f"{KV}/vaults/secrets/read", "isDataAction": False},
                {"name": f"{KV}/vaults/secrets/getSecret/action", "isDataAction": True},
                {"name": f"{KV}/vaults/secrets/read", "isDataAction": False}]}]}
    listed = parse_operations(KV, body)
    assert listed.operations == (f"{KV}/register/action", f"{KV}/vaults/secrets/read")


def test_a_pattern_matches_when_one_operation_fits() -> None:
    listed = NamespaceOperations(ML, (f"{ML}/workspaces/marketplaceSubscriptions/read",
                                      f"{ML}/workspaces/serverlessEndpoints/listKeys/action"))
    assert listed.unmatched([
        f"{ML}/workspaces/marketplaceSubscriptions/*",
        f"{ML}/workspaces/serverlessendpoints/listkeys/action",  # case-insensitive
        f"{ML}/workspaces/*/action",
        f"{ML}/workspaces/marketplaceModelSubscriptions/*",
        f"{ML}/workspaces/marketplaceSubscriptions/write",
    ]) == [f"{ML}/workspaces/marketplaceModelSubscriptions/*", f"{ML}/workspaces/marketplaceSubscriptions/write"]


def test_read_operations_against_the_fake(arm: FakeArm) -> None:
    with AzureSession() as session:
        listed = read_operations(session.arm, ML)
        assert listed is not None and f"{ML}/workspaces/serverlessEndpoints/regenerateKeys/action" in listed.operations
        assert read_operations(session.arm, "Microsoft.SaaS") is None  # nothing published
        arm.absent_namespace_mode = "not_found"
        assert read_operations(session.arm, "Microsoft.SaaS") is None
    call = arm.calls("GET", f"providerOperations/{ML}$")[0]
    assert call.query == {"api-version": "2022-04-01", "$expand": "resourceTypes"}
