"""The fleet client against the emulator over real HTTP on 127.0.0.1: fail-over, circuits,
Retry-After, content filtering, rejected requests, both dialects, sync and async."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PIL import Image

from infra.catalog import MODELS
from infra.config import FleetConfig, parse_stack_config
from provisioning.client import (
    AsyncFleetClient,
    CircuitState,
    ContentFilteredError,
    FleetClient,
    FleetClientError,
    FleetUnavailableError,
    RequestRejectedError,
)
from provisioning.emulator import Emulator, EmulatorSettings, planned_fleet, running_emulator, settings_for_config
from provisioning.emulator.fleet import NAMER as EMULATOR_NAMER
from tests.support.fake_clock import FakeClock

CORE = "stable-image-core"
# The names the program gives (they end in a hash of subscription and stack): stack("…") has none.
ACME_CORE = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus"]}).namer.endpoint(
    "main", MODELS[CORE])
EMU_CORE = EMULATOR_NAMER.endpoint("main", MODELS[CORE])
SMALL: dict[str, Any] = {"size": "1366x768", "output_format": "jpeg"}


def stack(*regions: str, projects: tuple[str, ...] = ("main",)) -> FleetConfig:
    return parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": list(regions),
                               "maas-fleet:projects": list(projects), "maas-fleet:models": [CORE]})


@contextmanager
def westus3_failing(clock: FakeClock) -> Iterator[tuple[Emulator, FleetClient]]:
    """eastus serves, every westus3 endpoint answers 503; the client opens a circuit at the first
    failure and probes again 30 s (of `clock`) later."""
    config = stack("eastus", "westus3")
    settings = settings_for_config(config, failing_regions="westus3")
    with running_emulator(settings, planned_fleet(config)) as emu, FleetClient.from_inventory(
        emu.inventory, failure_threshold=1, reset_after_s=30, clock=clock
    ) as fleet:
        yield emu, fleet


def test_spreads_calls_and_returns_the_decoded_image_with_its_endpoint() -> None:
    config = stack("eastus", "eastus2", "westus3")
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu, \
            FleetClient.from_inventory(emu.inventory) as fleet:
        results = [fleet.generate(CORE, "a lighthouse at dawn", **SMALL) for _ in range(6)]
    assert {(r.region, r.endpoint) for r in results} == {(r, ACME_CORE) for r in config.regions}
    first = results[0]
    assert first.format == "jpeg" and first.model == CORE and first.attempts == 1
    assert Image.open(io.BytesIO(first.image)).size == (1366, 768)
    # Evenly: each endpoint served two of the six.
    assert sorted(emu.statuses().values(), key=str) == [{200: 2}] * 3


def test_fails_over_from_a_failing_region_and_opens_its_circuit() -> None:
    config = stack("eastus", "eastus2", "westus3")
    settings = settings_for_config(config, failing_regions="westus3")
    with running_emulator(settings, planned_fleet(config)) as emu, \
            FleetClient.from_inventory(emu.inventory, failure_threshold=2, reset_after_s=3600) as fleet:
        results = [fleet.generate(CORE, "a lighthouse", **SMALL) for _ in range(12)]
        states = {route.region: (stats.failed, state) for route, stats, state in fleet.stats(CORE)}
    assert all(r.region != "westus3" for r in results)  # no failure reached the caller
    assert states["westus3"] == (2, "open")
    # After two 503s the open circuit kept every other call away from the failing region.
    assert emu.statuses()[f"westus3/{ACME_CORE}"] == {503: 2}


def test_an_open_circuit_probes_after_its_reset_time_and_closes_on_success() -> None:
    clock = FakeClock()
    with westus3_failing(clock) as (emu, fleet):
        for _ in range(4):
            fleet.generate(CORE, "a lighthouse", **SMALL)
        assert dict((r.region, s) for r, _, s in fleet.stats(CORE))["westus3"] == CircuitState.OPEN
        emu.state.settings = emu.state.settings.model_copy(update={"failing_regions": ()})  # the region recovers
        for _ in range(2):
            fleet.generate(CORE, "a lighthouse", **SMALL)
        assert emu.statuses()[f"westus3/{ACME_CORE}"] == {503: 1}  # still open: no probe yet
        clock.now += 31
        served = [fleet.generate(CORE, "a lighthouse", **SMALL).region for _ in range(4)]
        assert "westus3" in served
        assert dict((r.region, s) for r, _, s in fleet.stats(CORE))["westus3"] == CircuitState.CLOSED
    assert emu.statuses()[f"westus3/{ACME_CORE}"][503] == 1


def test_a_failed_probe_opens_the_circuit_again() -> None:
    clock = FakeClock()
    with westus3_failing(clock) as (emu, fleet):
        for _ in range(3):
            fleet.generate(CORE, "a lighthouse", **SMALL)
        clock.now += 31
        for _ in range(3):
            assert fleet.generate(CORE, "a lighthouse", **SMALL).region == "eastus"
        assert dict((r.region, s) for r, _, s in fleet.stats(CORE))["westus3"] == CircuitState.OPEN
    assert emu.statuses()[f"westus3/{ACME_CORE}"] == {503: 2}  # one failure, one failed probe


def test_retry_after_is_honoured_not_hammered() -> None:
    # The server allows 1 request per 0.3 s; the client believes 100 per window, so the server's 429
    # and its retry-after-ms are what pace the second call.
    settings = EmulatorSettings(regions=("eastus",), models=(CORE,), hosted=False,
                                requests_per_minute=1, rate_window_s=0.3)
    with running_emulator(settings) as emu, FleetClient.from_inventory(
        emu.inventory, rpm_limit=100, rate_window_s=0.3
    ) as fleet:
        fleet.generate(CORE, "one", **SMALL)
        second = fleet.generate(CORE, "two", **SMALL)
        throttled = [s.throttled for _, s, _ in fleet.stats(CORE)]
    assert second.attempts == 2 and throttled == [1]
    assert emu.statuses()[f"eastus/{EMU_CORE}"] == {200: 2, 429: 1}


def test_a_long_retry_after_moves_the_call_elsewhere_and_pauses_the_endpoint() -> None:
    settings = EmulatorSettings(regions=("eastus", "westus3"), models=(CORE,), hosted=False,
                                requests_per_minute=1)  # per minute: Retry-After up to 60 s
    with running_emulator(settings) as emu, FleetClient.from_inventory(emu.inventory, rpm_limit=100) as fleet:
        fleet.generate(CORE, "one", **SMALL)
        fleet.generate(CORE, "two", **SMALL)
        with pytest.raises(FleetUnavailableError, match="throttled"):
            fleet.generate(CORE, "three", deadline_s=0.5, **SMALL)
        with pytest.raises(FleetUnavailableError):
            fleet.generate(CORE, "four", deadline_s=0.2, **SMALL)
    # One 429 per endpoint: both stayed paused for their Retry-After instead of being asked again.
    assert sorted(emu.statuses().values(), key=str) == [{200: 1, 429: 1}] * 2


def test_content_filter_raises_at_once_and_is_not_retried_elsewhere() -> None:
    config = stack("eastus", "eastus2", "westus3")
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu, \
            FleetClient.from_inventory(emu.inventory) as fleet, pytest.raises(ContentFilteredError) as caught:
        fleet.generate(CORE, "something forbidden", **SMALL)
    assert caught.value.region in config.regions and "filtered the prompt" in str(caught.value)
    assert sum(sum(s.values()) for s in emu.statuses().values()) == 1


def test_a_bad_request_is_rejected_without_retries() -> None:
    config = stack("eastus", "westus3")
    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu, \
            FleetClient.from_inventory(emu.inventory) as fleet, pytest.raises(RequestRejectedError) as caught:
        fleet.generate(CORE, "a lighthouse", size="512x512")
    assert caught.value.status == 400
    assert sum(sum(s.values()) for s in emu.statuses().values()) == 1


def test_both_dialects_serve_one_model() -> None:
    # The default emulator: SD 3.5 Large in two regions (azure dialect) plus the hosted-dialect endpoint.
    with running_emulator(EmulatorSettings(models=("stable-diffusion-3.5-large",))) as emu, \
            FleetClient.from_inventory(emu.inventory) as fleet:
        results = [fleet.generate("stable-diffusion-3.5-large", "a fox", **SMALL) for _ in range(3)]
    assert {r.project for r in results} == {"main", "hosted"}
    for r in results:
        assert Image.open(io.BytesIO(r.image)).size == (1366, 768)


def test_the_async_client_serves_concurrent_calls_within_the_limit() -> None:
    config = stack("eastus", "westus3")

    async def run(inventory: Any) -> list[str]:
        async with AsyncFleetClient.from_inventory(inventory, rpm_limit=5, rate_window_s=60) as fleet:
            results = await asyncio.gather(*(fleet.generate(CORE, f"p{i}", **SMALL) for i in range(10)))
            with pytest.raises(FleetUnavailableError):  # 2 x 5 used up: the 11th waits past its deadline
                await fleet.generate(CORE, "one more", deadline_s=0.2, **SMALL)
            return [r.region for r in results]

    with running_emulator(settings_for_config(config), planned_fleet(config)) as emu:
        regions = asyncio.run(run(emu.inventory))
    assert sorted(regions) == ["eastus"] * 5 + ["westus3"] * 5
    assert all(s == {200: 5} for s in emu.statuses().values())  # the client never went over the cap


def test_unknown_model_is_a_clear_error() -> None:
    with running_emulator(EmulatorSettings(models=(CORE,), hosted=False)) as emu, \
            FleetClient.from_inventory(emu.inventory) as fleet, \
            pytest.raises(FleetClientError, match="no endpoint serves 'stable-image-ultra'"):
        fleet.generate("stable-image-ultra", "x")


def test_the_readme_example_runs_as_written(tmp_path: Any, monkeypatch: Any) -> None:
    """The README's ten lines, against an emulator inventory: what a consumer copies must work."""
    import re
    from pathlib import Path

    from provisioning.inputs.inventory import write_inventory

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Calling the fleet from an application", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None
    code = block.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    monkeypatch.chdir(tmp_path)
    with running_emulator(EmulatorSettings(models=(CORE,), hosted=False)) as emu:
        write_inventory(tmp_path / "inventory.json", emu.inventory)
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    images = list(tmp_path.glob("lighthouse.*"))
    assert len(images) == 1 and Image.open(images[0]).size == (1366, 768)


def test_fails_over_on_transport_errors_and_timeouts() -> None:
    """One endpoint refuses connections (a closed port), one accepts and never answers (a listening
    socket nobody reads): both are failed over to the endpoint that works, within the call."""
    import socket

    from provisioning.inputs.inventory import InventoryEndpoint

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        with running_emulator(EmulatorSettings(regions=("eastus",), models=(CORE,), hosted=False)) as emu:
            good = emu.inventory[0]
            dead = [
                InventoryEndpoint.model_validate(
                    {**good.inventory_dict(), "region": region, "uri": f"http://127.0.0.1:{port}/{region}/x"}
                )
                for region, port in (("westus", refused_port), ("westus3", silent.getsockname()[1]))
            ]
            with FleetClient.from_inventory([*dead, good], timeout_s=0.3, failure_threshold=1,
                                            reset_after_s=3600) as fleet:
                results = [fleet.generate(CORE, "a lighthouse", **SMALL) for _ in range(3)]
                states = {route.region: state for route, _, state in fleet.stats(CORE)}
        assert {r.region for r in results} == {"eastus"}
        assert states == {"westus": "open", "westus3": "open", "eastus": "closed"}
    finally:
        silent.close()
