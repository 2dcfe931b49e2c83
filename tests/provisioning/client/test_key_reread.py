"""After a key rotation the fleet client re-reads the key from Key Vault instead of giving up on the endpoint."""

from __future__ import annotations

import dataclasses
from typing import Any

from infra.config import parse_stack_config
from provisioning.client import FleetClient
from provisioning.client.fleet import routes_and_keys
from provisioning.client.keys import key_vault_refresher
from provisioning.emulator import planned_fleet, running_emulator, settings_for_config
from tests.support.fake_clock import FakeClock

CORE = "stable-image-core"
SMALL: dict[str, Any] = {"size": "1366x768", "output_format": "jpeg"}
VAULT = "https://kv-acme.vault.azure.net"


def _fleet(emu: Any) -> tuple[dict[str, Any], dict[str, str]]:
    routes, keys = routes_and_keys(emu.inventory, 1000, None, None)
    routes = {m: [dataclasses.replace(r, key_secret_uri=f"{VAULT}/secrets/{r.name}-{r.region}-key") for r in rs]
              for m, rs in routes.items()}
    return routes, keys


def test_a_rotated_key_is_re_read_from_the_vault_and_the_call_succeeds_on_the_same_endpoint() -> None:
    config = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus"],
                                 "maas-fleet:models": [CORE]})
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu:
        routes, live = _fleet(emu)
        stale = {uri: "0" * 32 for uri in live}  # the keys held before the rotation
        reads: list[tuple[str, str]] = []

        def vault(name: str, secret_uri: str) -> str:
            reads.append((name, secret_uri))
            return next(iter(live.values()))

        clock = FakeClock()
        with FleetClient(routes, stale, key_refresher=vault, clock=clock) as fleet:
            first = fleet.generate(CORE, "a lighthouse", **SMALL)
            second = fleet.generate(CORE, "a lighthouse", **SMALL)
            (_, stats, state), = fleet.stats(CORE)
    assert first.attempts == 2 and second.attempts == 1  # 401, re-read, 200; then the new key at once
    (route,) = routes[CORE]
    assert reads == [(route.name, f"{VAULT}/secrets/{route.name}-eastus-key")]
    assert stats.failed == 0 and state == "closed"


def test_a_key_the_vault_does_not_renew_fails_over_and_is_not_re_read_on_every_call() -> None:
    config = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus", "westus3"],
                                 "maas-fleet:models": [CORE]})
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu:
        routes, live = _fleet(emu)
        east = next(r for r in routes[CORE] if r.region == "eastus")
        keys = {**live, east.uri: "0" * 32}  # eastus holds a wrong key, and so does its vault
        reads: list[str] = []

        def vault(name: str, secret_uri: str) -> str:
            reads.append(name)
            return "0" * 32

        with FleetClient(routes, keys, key_refresher=vault, clock=FakeClock()) as fleet:
            results = [fleet.generate(CORE, "a lighthouse", **SMALL) for _ in range(4)]
    assert {r.region for r in results} == {"westus3"}
    assert reads == [east.name]  # once within the refresh interval, not per call


def test_only_a_versionless_secret_uri_is_re_read() -> None:
    class Reader:
        def get_secret(self, name: str, version: str | None = None, **kwargs: Any) -> Any:
            return type("S", (), {"value": f"fresh-{name}"})()

    refresh = key_vault_refresher(secret_readers=lambda url: Reader())
    assert refresh("ep", f"{VAULT}/secrets/ep-key") == "fresh-ep-key"
    assert refresh("ep", f"{VAULT}/secrets/ep-key/0123abcd") is None
