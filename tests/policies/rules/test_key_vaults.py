"""Key Vault rules (policies/rules/key_vaults.py) both ways."""

from __future__ import annotations

from infra.catalog import KEY_VAULT_SECRETS_USER
from policies.records import Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import (
    CONSUMER,
    DELETE,
    NAMER,
    changed,
    key_secret,
    role_assignment,
    vault,
    vault_id,
    workspace,
)


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


def test_vault_rules_hold_for_the_keys_vault_too() -> None:
    keys = vault("eastus2-main-kvk", keys=True)
    assert_no_violation("key-vault-rbac-authorization", keys)
    assert_violation("key-vault-rbac-authorization", changed(keys, "properties.enableRbacAuthorization", False),
                     resource="eastus2-main-kvk")
    assert_violation("key-vault-purge-protection", changed(keys, "properties.enablePurgeProtection", False),
                     resource="eastus2-main-kvk")


def test_endpoint_keys_and_consumer_reads_live_in_the_keys_vault() -> None:
    ws = workspace()
    assert_no_violation("endpoint-keys-in-keys-vault", ws, key_secret(),
                        role_assignment("assign-consumer", KEY_VAULT_SECRETS_USER.id, principal=CONSUMER,
                                        scope=vault_id(keys=True)))
    in_workspace_vault = changed(key_secret(), "vaultName", NAMER.workspace_names("eastus2", "main").key_vault)
    hit = assert_violation("endpoint-keys-in-keys-vault", ws, in_workspace_vault, says="a workspace's own vault")
    assert "primary-key-value" not in hit.message + hit.fix
    consumer_on_workspace_vault = role_assignment("assign-consumer", KEY_VAULT_SECRETS_USER.id, principal=CONSUMER,
                                                  scope=vault_id())
    assert_violation("endpoint-keys-in-keys-vault", ws, consumer_on_workspace_vault, resource="assign-consumer",
                     says="consumers must read endpoint keys only")
    # Without the workspace (ids unknown, or a partial preview) there is nothing to compare with.
    assert_no_violation("endpoint-keys-in-keys-vault", in_workspace_vault, consumer_on_workspace_vault)
