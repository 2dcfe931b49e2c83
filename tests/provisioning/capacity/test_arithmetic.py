"""Capacity arithmetic: regions x projects x the per-deployment cap, with and without a region lost."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalog import MODELS, REQUESTS_PER_MINUTE
from infra.config import ConfigError, FleetConfig, parse_stack_config
from infra.config_model import CapacityTarget
from provisioning.capacity.arithmetic import (
    WhatIf,
    capacity_document,
    fleet_capacity,
    model_capacity,
    projects_needed,
    projects_to_meet,
)
from provisioning.errors import BadInput

SIX = ["eastus", "eastus2", "northcentralus", "southcentralus", "westus", "westus3"]


def config(**keys: Any) -> FleetConfig:
    raw = {"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus2", "westus3"]}
    raw.update({f"maas-fleet:{k}": v for k, v in keys.items()})
    return parse_stack_config(raw, stack="cap")


def test_the_per_deployment_cap_is_the_catalogs() -> None:
    assert REQUESTS_PER_MINUTE == 1000


def test_survive_none_counts_every_deployment() -> None:
    r = model_capacity("stable-image-core", CapacityTarget(requests_per_minute=5500), SIX, ["main"])
    assert (r.deployments_configured, r.capacity_rpm, r.capacity_rpm_after_region_loss) == (6, 6000, 5000)
    assert r.deployments_needed == 6 and r.projects_needed == 1 and r.meets_target
    r = model_capacity("stable-image-core", CapacityTarget(requests_per_minute=6001), SIX, ["main"])
    assert not r.meets_target and r.deployments_needed == 7 and r.projects_needed == 2


def test_survive_region_needs_the_target_after_losing_the_biggest_region() -> None:
    target = CapacityTarget(requests_per_minute=5500, survive="region")
    r = model_capacity("stable-image-core", target, SIX, ["main"])
    # 6 regions x 1 project: 5000 after a region is lost, short of 5500.
    assert not r.meets_target and r.capacity_rpm_after_region_loss == 5000
    assert r.projects_needed == 2 and r.deployments_needed == 12  # regions x projectsNeeded
    r = model_capacity("stable-image-core", target, SIX, ["main", "batch"])
    assert r.meets_target and r.capacity_rpm_after_region_loss == 10_000


def test_projects_needed_is_the_smallest_count_that_meets_the_target() -> None:
    assert projects_needed(1000, 2, "none") == 1
    assert projects_needed(2001, 2, "none") == 2
    assert projects_needed(2000, 2, "region") == 2  # one region left, 1000 per project
    assert projects_needed(3000, 4, "region") == 1
    with pytest.raises(ValueError, match="at least two regions"):
        projects_needed(1000, 1, "region")


def test_cost_per_hour_is_rpm_times_sixty_times_the_catalog_price() -> None:
    r = model_capacity("stable-image-ultra", CapacityTarget(requests_per_minute=100), SIX, ["main"])
    price = MODELS["stable-image-ultra"].price_usd_per_image
    assert r.estimated_usd_per_hour_at_target == pytest.approx(100 * 60 * price)


def test_configured_targets_in_model_order_and_json_contract() -> None:
    c = config(capacity={"stable-image-ultra": {"requestsPerMinute": 1500}, "stable-image-core": {
        "requestsPerMinute": 3000, "survive": "region"}})
    results = fleet_capacity(c)
    assert [r.model for r in results] == ["stable-image-core", "stable-image-ultra"]
    doc = capacity_document(results)
    assert doc["limits"] == {"requestsPerMinutePerDeployment": 1000}
    assert set(doc["models"][0]) == {
        "model", "targetRpm", "survive", "regions", "projects", "deploymentsConfigured", "capacityRpm",
        "capacityRpmAfterRegionLoss", "deploymentsNeeded", "projectsNeeded", "meetsTarget",
        "estimatedUsdPerHourAtTarget",
    }
    core, ultra = doc["models"]
    assert core["meetsTarget"] is False and core["projectsNeeded"] == 3 and core["deploymentsNeeded"] == 6
    assert ultra["meetsTarget"] is True and ultra["capacityRpm"] == 2000


def test_what_if_adds_or_replaces_a_target() -> None:
    c = config(capacity={"stable-image-core": {"requestsPerMinute": 1000}})
    results = fleet_capacity(c, WhatIf("stable-image-core", 4000, "none"))
    assert len(results) == 1 and results[0].target_rpm == 4000 and not results[0].configured
    results = fleet_capacity(c, WhatIf("stable-image-ultra", 500, "region"))
    assert [r.model for r in results] == ["stable-image-core", "stable-image-ultra"]


def test_what_if_refuses_bad_input_one_line_each() -> None:
    one_region = parse_stack_config({"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus2"]})
    with pytest.raises(BadInput) as caught:
        fleet_capacity(one_region, WhatIf("stable-image-coore", 0, "region"))
    lines = caught.value.lines()
    assert len(lines) == 3
    assert lines[0].startswith("--model 'stable-image-coore' is not a catalog model")
    assert lines[1].startswith("--rpm 0:")
    assert lines[2].startswith("--survive region needs at least two regions")


def test_projects_to_meet_extends_the_list() -> None:
    assert projects_to_meet(config(projects=["main"]), 3) == ["main", "p2", "p3"]
    assert projects_to_meet(config(projects=["main", "p3"]), 4) == ["main", "p3", "p4", "p5"]
    assert projects_to_meet(config(projects=["main", "batch"]), 1) == ["main", "batch"]


@pytest.mark.parametrize(
    ("capacity", "regions", "expected"),
    [
        ({"stable-image-coore": {"requestsPerMinute": 10}}, ["eastus2", "westus3"],
         ["maas-fleet:capacity.stable-image-coore: is not a known model (did you mean 'stable-image-core'?)"]),
        ({"stable-image-core": {"requestsPerMinute": 0}}, ["eastus2", "westus3"],
         ["maas-fleet:capacity.stable-image-core.requestsPerMinute: 0 must be a positive whole number"]),
        ({"stable-image-core": {"requestsPerMinute": 10, "survive": "region"}}, ["eastus2"],
         ["maas-fleet:capacity.stable-image-core.survive: 'region' needs at least two regions"]),
        ({"stable-image-core": {"requestsPerMinute": -5, "survive": "zone"}, "x": {"requestsPerMinute": 1}},
         ["eastus2"],
         ["maas-fleet:capacity.stable-image-core.requestsPerMinute: -5", "maas-fleet:capacity.stable-image-core."
          "survive: 'zone' is not a survive mode (allowed: none, region)", "maas-fleet:capacity.x: is not a known"]),
        ({"stable-image-core": {"requestsPerMinute": 10, "burst": 2}}, ["eastus2"],
         ["maas-fleet:capacity.stable-image-core.burst: 2 is not a known key"]),
    ],
)
def test_config_capacity_is_validated_one_line_per_problem(
    capacity: dict[str, Any], regions: list[str], expected: list[str]
) -> None:
    raw = {"maas-fleet:prefix": "acme", "maas-fleet:regions": regions, "maas-fleet:capacity": capacity}
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_a_target_for_a_model_the_stack_does_not_deploy_is_refused() -> None:
    with pytest.raises(ConfigError, match="targets a model this stack does not deploy"):
        config(models=["stable-image-core"], capacity={"stable-image-ultra": {"requestsPerMinute": 10}})


def test_capacity_from_the_pulumi_runtime_arrives_as_json() -> None:
    c = config(capacity='{"stable-image-core": {"requestsPerMinute": 2000, "survive": "region"}}')
    assert c.capacity["stable-image-core"] == CapacityTarget(requests_per_minute=2000, survive="region")
