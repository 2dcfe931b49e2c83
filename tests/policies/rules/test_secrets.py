"""Secret rules (policies/rules/secrets.py) both ways."""

from __future__ import annotations

from dataclasses import replace

import pytest

from policies.records import Severity
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


@pytest.mark.parametrize("name", ["coreKey", "sd35_key", "ultra-api-key", "primaryKeys", "clientSecret", "ACCESS_TOKEN",
                                  "adminPassword", "key"])
def test_a_stack_output_named_like_a_credential_in_any_style_is_mandatory(name: str) -> None:
    value = "v" * 40
    hit = assert_violation("keys-only-as-secrets", stack({"debug": {name: value}}), says=f"'debug.{name}'")
    assert hit.severity is Severity.MANDATORY and value[:8] not in hit.message + hit.fix
    assert_no_violation("keys-only-as-secrets", stack({"debug": {name: value}}, (f"debug.{name}",)))


@pytest.mark.parametrize("name", ["keyVault", "keysVault", "keySecretUri", "tokenCount", "name"])
def test_names_that_only_mention_a_credential_are_not_keys(name: str) -> None:
    assert_no_violation("keys-only-as-secrets", stack({"workspaces": [{name: "kvcontosodev-eus2-1e0338"}]}))


def test_a_key_shaped_value_under_another_name_is_advisory() -> None:
    key = "3f9c2a7b8d1e4f60a5b7c9d0e1f2a3b4"  # 32 hex characters, as Azure issues endpoint keys
    hit = assert_violation("key-shaped-output-in-clear", stack({"endpoints": [{"name": "a", "credential": key}]}),
                           says="'endpoints[0].credential'")
    assert hit.severity is Severity.ADVISORY and key[:8] not in hit.message + hit.fix
    assert_no_violation("key-shaped-output-in-clear", stack({"endpoints": [{"credential": key}]},
                                                            ("endpoints[0].credential",)))
    # Names, URIs and references are not key-shaped; a key under a key name is the mandatory rule's.
    plain = {"name": "contoso-dev-main-core-1a2b3", "uri": "https://x.eastus2.models.ai.azure.com",
             "keySecretUri": "https://kv.vault.azure.net/secrets/a-key", "id": "0b7d2a51-3c1e-4f57-9d0a-6e2b8c4f1a10"}
    assert_no_violation("key-shaped-output-in-clear", stack({"endpoints": [plain]}))
    assert_no_violation("key-shaped-output-in-clear", stack({"endpoints": [{"key": key}]}))
