"""Key Vault rules (policies/rules/key_vaults.py) both ways."""

from __future__ import annotations

from policies.records import Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import (
    DELETE,
    changed,
    vault,
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
