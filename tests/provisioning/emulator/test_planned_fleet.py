"""Serving a stack's planned endpoints, a short rate-limit window, and a failing region."""

from __future__ import annotations

import httpx
import pytest

from infra.catalog import Route
from infra.config import parse_stack_config
from provisioning.emulator import EmulatorSettings, planned_fleet, running_emulator, settings_for_config
from tests.support.emulator_calls import TIMEOUT, bearer

SMALL = {"prompt": "tiny", "size": "1366x768", "output_format": "jpeg"}
CONFIG = parse_stack_config(
    {
        "maas-fleet:prefix": "acme",
        "maas-fleet:environment": "test",
        "maas-fleet:regions": ["eastus", "westus3"],
        "maas-fleet:projects": ["main", "batch"],
        "maas-fleet:models": ["stable-image-core"],
    },
    stack="test",
)


def test_planned_fleet_has_the_names_the_program_declares() -> None:
    fleet = planned_fleet(CONFIG)
    assert [(e.region, e.project, e.model.slug, e.name) for e in fleet] == [
        ("eastus", "main", "stable-image-core", "acme-test-main-core"),
        ("eastus", "batch", "stable-image-core", "acme-test-batch-core"),
        ("westus3", "main", "stable-image-core", "acme-test-main-core"),
        ("westus3", "batch", "stable-image-core", "acme-test-batch-core"),
    ]
    names = CONFIG.namer.workspace_names("eastus", "main")
    assert fleet[0].workspace == names.workspace and fleet[0].resource_group == names.resource_group
    assert fleet[0].key_secret_uri == f"https://{names.key_vault}.vault.azure.net/secrets/acme-test-main-core-key"


def test_emulator_serves_the_planned_fleet() -> None:
    with running_emulator(settings_for_config(CONFIG), planned_fleet(CONFIG)) as emu, httpx.Client(
        timeout=TIMEOUT, trust_env=False
    ) as client:
        assert {(e.region, e.name) for e in emu.inventory} == {
            (r, CONFIG.namer.endpoint(p, m)) for r, p, m in CONFIG.endpoints()
        }
        for entry in emu.inventory:
            answer = client.post(entry.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=bearer(entry))
            assert answer.status_code == 200, answer.text


def test_a_short_window_caps_per_window_and_frees_up() -> None:
    settings = EmulatorSettings(regions=("eastus",), models=("stable-image-core",), hosted=False,
                                requests_per_minute=3, rate_window_s=0.5)
    with running_emulator(settings) as emu, httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
        entry = emu.inventory[0]
        answers = [client.post(entry.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=bearer(entry))
                   for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        throttled = answers[3]
        assert throttled.status_code == 429
        assert "3 per 0.5 seconds" in throttled.json()["error"]["message"]
        # The precise wait is in retry-after-ms (below the window), the whole seconds in Retry-After.
        assert 0 < int(throttled.headers["retry-after-ms"]) <= 500
        assert throttled.headers["retry-after"] == "1"


def test_a_failing_region_answers_503_on_every_endpoint_the_other_serves() -> None:
    settings = settings_for_config(CONFIG, failing_regions="westus3")
    with running_emulator(settings, planned_fleet(CONFIG)) as emu, httpx.Client(
        timeout=TIMEOUT, trust_env=False
    ) as client:
        for entry in emu.inventory:
            answer = client.post(entry.uri + Route.IMAGES_GENERATIONS, json=SMALL, headers=bearer(entry))
            expected = 503 if entry.region == "westus3" else 200
            assert answer.status_code == expected
            if expected == 503:
                assert answer.json()["error"]["code"] == "ServiceUnavailable"


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"failing_regions": "westus"}, "failing region westus is not one of the emulated regions"),
        ({"failing_regions": "mars"}, "'mars' is not a region"),
        ({"rate_window_s": 0}, "greater than 0"),
    ],
)
def test_bad_knobs_are_refused(knobs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings_for_config(CONFIG, **knobs)
