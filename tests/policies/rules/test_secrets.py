"""Secret rules (policies/rules/secrets.py) both ways."""

from __future__ import annotations

from dataclasses import replace

from tests.support.policy_asserts import assert_no_violation, assert_violation, run
from tests.support.policy_builders import (
    DELETE,
    changed,
    key_secret,
    record,
    stack,
)


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
