"""Routes from an inventory, stack outputs or a config; keys from the inventory or Key Vault; the breaker."""

from __future__ import annotations

import time
from typing import Any

import pytest

from infra.catalog import MODELS
from infra.config import parse_stack_config
from provisioning.client import CircuitBreaker, CircuitState, FleetClientError, routes_document, routes_from_config
from provisioning.client.keys import resolve_keys
from provisioning.client.routes import routes_from_inventory
from provisioning.inputs.inventory import parse_inventory
from tests.support.fake_clock import FakeClock

KEY = "k" * 32
VAULT_URI = "https://kv-acme-main-eus2-1a2b3c.vault.azure.net"


def entry(name: str, region: str, **extra: Any) -> dict[str, Any]:
    return {"region": region, "project": "main", "model": "stable-image-core", "name": name,
            "uri": f"https://{name}-abcde.{region}.models.ai.azure.com", **extra}


def test_routes_from_a_config_have_program_names_and_no_uri() -> None:
    sub = "11111111-2222-3333-4444-555555555555"
    config = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus2", "westus3"],
                                 "maas-fleet:projects": ["main", "batch"], "azure-native:subscriptionId": sub})
    doc = routes_document(routes_from_config(config))
    core = doc["models"]["stable-image-core"]
    main, batch = (config.namer.endpoint(p, MODELS["stable-image-core"], sub) for p in ("main", "batch"))
    assert main.startswith("acme-dev-main-core-") and batch.startswith("acme-dev-batch-core-")
    assert [(r["region"], r["project"], r["name"]) for r in core] == [
        ("eastus2", "main", main), ("eastus2", "batch", batch), ("westus3", "main", main), ("westus3", "batch", batch)]
    assert all(r["uri"] is None and r["rpmLimit"] == 1000 and r["weight"] == 0.25 for r in core)
    vault = config.namer.workspace_names("eastus2", "main", sub).keys_vault  # keys live in the keys vault
    assert core[0]["keySecretUri"] == f"https://{vault}.vault.azure.net/secrets/{main}-key"
    assert set(doc["models"]) == {"stable-diffusion-3.5-large", "stable-image-core", "stable-image-ultra"}
    # Without the subscription the vault names (and so the secret URIs) are not known yet.
    unknown = routes_document(routes_from_config(config.model_copy(update={"subscription_id": None})))
    assert all(r["keySecretUri"] is None for r in unknown["models"]["stable-image-core"])


def test_routes_from_stack_outputs_never_carry_a_key() -> None:
    outputs = {"endpoints": [entry("a", "eastus", key=KEY), entry("b", "westus3", key=KEY)], "workspaces": []}
    doc = routes_document(routes_from_inventory(parse_inventory(outputs)))
    assert KEY not in str(doc)
    rows = doc["models"]["stable-image-core"]
    assert set(rows[0]) == {"name", "region", "project", "uri", "keySecretUri", "rpmLimit", "weight"}
    assert [r["weight"] for r in rows] == [0.5, 0.5]


class FakeSecret:
    def __init__(self, value: str) -> None:
        self.value = value


class FakeVault:
    """Stands in for azure.keyvault.secrets.SecretClient.get_secret (name, version) -> KeyVaultSecret."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets, self.calls = secrets, []  # type: ignore[var-annotated]

    def get_secret(self, name: str, version: str | None = None, **kwargs: Any) -> FakeSecret:
        self.calls.append((name, version))
        return FakeSecret(self.secrets[name])


def test_keys_come_from_the_inventory_or_from_key_vault() -> None:
    vault = FakeVault({"b-key": "v" * 32})
    opened: list[str] = []

    def readers(url: str) -> FakeVault:
        opened.append(url)
        return vault

    endpoints = parse_inventory([
        entry("a", "eastus", key=KEY),
        entry("b", "westus3", keySecretUri=f"{VAULT_URI}/secrets/b-key"),
        entry("c", "westus3", keySecretUri=f"{VAULT_URI}/secrets/b-key/0123abcd"),
    ])
    keys = resolve_keys(endpoints, secret_readers=readers)
    assert keys[endpoints[0].uri] == KEY and keys[endpoints[1].uri] == "v" * 32
    assert vault.calls == [("b-key", None), ("b-key", "0123abcd")]
    assert opened == [VAULT_URI]  # one client per vault


def test_an_endpoint_without_key_or_secret_uri_is_named() -> None:
    with pytest.raises(FleetClientError, match="no key and no keySecretUri for: a"):
        resolve_keys(parse_inventory([entry("a", "eastus")]))


def test_a_key_vault_failure_names_the_endpoint_not_the_sdk_text() -> None:
    class Denied:
        def get_secret(self, name: str, version: str | None = None, **kwargs: Any) -> Any:
            raise PermissionError("Forbidden: caller secret-token-123 lacks get permission")

    with pytest.raises(FleetClientError) as caught:
        resolve_keys(parse_inventory([entry("a", "eastus", keySecretUri=f"{VAULT_URI}/secrets/a-key")]),
                     secret_readers=lambda url: Denied())
    assert "a (eastus)" in str(caught.value) and "PermissionError" in str(caught.value)
    assert "secret-token-123" not in str(caught.value)


def test_breaker_opens_after_consecutive_failures_and_half_opens_for_one_probe() -> None:
    clock = FakeClock(now=0.0)
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=10, clock=clock)
    breaker.on_failure()
    breaker.on_failure()
    breaker.on_success()  # consecutive: a success in between starts the count again
    breaker.on_failure()
    breaker.on_failure()
    assert breaker.state is CircuitState.CLOSED and breaker.allows()
    breaker.on_failure()
    assert breaker.state is CircuitState.OPEN and not breaker.allows()
    assert breaker.seconds_until_probe() == 10
    clock.now = 10
    assert breaker.state is CircuitState.HALF_OPEN and breaker.allows()
    breaker.on_send()
    assert not breaker.allows()  # one probe at a time
    breaker.on_neutral()  # a 429 says nothing: another probe may go
    assert breaker.allows()
    breaker.on_send()
    breaker.on_failure()
    assert breaker.state is CircuitState.OPEN and breaker.opened_count == 2
    clock.now = 20
    breaker.on_send()
    breaker.on_success()
    assert breaker.state is CircuitState.CLOSED


def test_a_refused_request_gives_its_slot_back_but_the_pause_holds() -> None:
    from provisioning.verify.ratelimit import SlidingWindowLimiter

    clock = FakeClock(now=0.0)
    limiter = SlidingWindowLimiter(2, 10.0, clock=clock)
    assert limiter.try_acquire() and limiter.try_acquire() and not limiter.try_acquire()
    limiter.refund()  # the endpoint answered 429: it never counted that request
    limiter.pause_until(clock.now + 1)
    assert not limiter.try_acquire()  # Retry-After still holds
    clock.now += 1
    assert limiter.try_acquire() and limiter.sent_in_window() == 2


class StubCredential:
    """A token credential (get_token and get_token_info, as azure-core asks) for the fake vault."""

    def __init__(self, token: str) -> None:
        self.token, self.scopes = token, []  # type: ignore[var-annotated]

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        self.scopes.extend(scopes)
        return AccessTokenInfo(self.token, int(time.time()) + 3600)


def test_keys_are_read_with_the_key_vault_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """SecretClient against a fake vault over HTTPS: the challenge, the token for the vault's resource,
    the latest and a pinned version. The SDK checks that the challenge's resource matches the vault's
    domain, which a loopback address cannot: only that check is turned off."""
    from provisioning.client.keys import key_vault_reader
    from tests.support.fake_key_vault import FakeKeyVaultServer

    with FakeKeyVaultServer() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        server.vault.set("a-key", "v1", "a" * 32)
        server.vault.set("b-key", "v1", "b" * 31 + "1")
        server.vault.set("b-key", "v2", "b" * 32)
        url = server.vault.url
        endpoints = parse_inventory([entry("a", "eastus", keySecretUri=f"{url}/secrets/a-key"),
                                     entry("b", "westus3", keySecretUri=f"{url}/secrets/b-key/v1")])
        credential = StubCredential(server.vault.token)
        readers = key_vault_reader(credential, verify_challenge_resource=False)
        keys = resolve_keys(endpoints, secret_readers=readers)
    assert keys == {endpoints[0].uri: "a" * 32, endpoints[1].uri: "b" * 31 + "1"}
    assert credential.scopes and all(s == f"{url}/.default" for s in credential.scopes)
    assert any(not authorised for _, authorised in server.vault.requests)  # the challenge happened
    assert [p for p, authorised in server.vault.requests if authorised] == ["/secrets/a-key/", "/secrets/b-key/v1"]


def test_a_missing_secret_names_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    from provisioning.client.keys import key_vault_reader
    from tests.support.fake_key_vault import FakeKeyVaultServer

    with FakeKeyVaultServer() as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        endpoints = parse_inventory([entry("a", "eastus", keySecretUri=f"{server.vault.url}/secrets/gone-key")])
        readers = key_vault_reader(StubCredential(server.vault.token), verify_challenge_resource=False)
        with pytest.raises(FleetClientError, match=r"cannot read the key of a \(eastus\) .*ResourceNotFoundError"):
            resolve_keys(endpoints, secret_readers=readers)
