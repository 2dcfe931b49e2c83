"""Settings validation and the emulated fleet's names (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.catalog import MODELS, REGIONS, REQUESTS_PER_MINUTE
from infra.naming import ENDPOINT_RULE
from provisioning.emulator import EmulatorSettings, build_fleet, settings_problems
from provisioning.emulator.command import OPTION_NAMES, check_inventory_path, settings_from_options
from provisioning.errors import BadInput


def test_defaults_match_the_contract() -> None:
    s = EmulatorSettings()
    assert s.regions == ("eastus2", "westus3") and s.models == tuple(MODELS) and s.hosted
    assert s.port == 0 and s.latency_ms == 0 and s.jitter_ms == 0 and s.seed == 0
    assert s.throttle_rate == 0.0 and s.error_rate == 0.0 and s.retry_after_s == 1
    assert s.content_filter_word == "forbidden" and s.requests_per_minute == REQUESTS_PER_MINUTE


def test_regions_and_models_are_normalised_split_and_deduplicated() -> None:
    s = EmulatorSettings(regions="East US 2, westus3,eastus2", models=["Stable-Image-Core", "stable-image-core"])
    assert s.regions == ("eastus2", "westus3") and s.models == ("stable-image-core",)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("regions", ("westeurope",), "'westeurope' is not a region where the serverless offer works (allowed: eastus"),
        ("regions", ("eastus22",), "did you mean 'eastus2'?"),
        ("regions", (), "must name at least one value"),
        ("models", ("sd3",), "'sd3' is not a catalog model"),
        ("models", ("ultra",), "did you mean 'stable-image-ultra'?"),
        ("latency_ms", -1, "-1 must be at least 0"),
        ("jitter_ms", -5, "-5 must be at least 0"),
        ("throttle_rate", 1.5, "1.5 must be at most 1"),
        ("error_rate", -0.1, "-0.1 must be at least 0"),
        ("port", 70000, "70000 must be at most 65535"),
        ("requests_per_minute", 0, "0 must be at least 1"),
        ("retry_after_s", -1, "-1 must be at least 0"),
        ("throttle_rate", "often", "must be a number"),
        ("projects", ("Main",), "'Main': a project must be"),
        ("projects", ("hosted",), "names the hosted-dialect endpoint"),
    ],
)
def test_invalid_settings_give_one_readable_line(field: str, value: object, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        EmulatorSettings(**{field: value})  # type: ignore[arg-type]
    lines = settings_problems(info.value, OPTION_NAMES)
    assert len(lines) == 1
    assert lines[0].startswith(OPTION_NAMES[field] + ": ") and expected in lines[0]


def test_cli_options_report_every_problem_at_once() -> None:
    with pytest.raises(BadInput) as info:
        settings_from_options(
            regions=["mars,eastus"], models=["stable-image-core"], latency_ms=-5, throttle_rate=2.0, port=0
        )
    assert [line.split(":")[0] for line in info.value.lines()] == ["--regions", "--latency-ms", "--throttle-rate"]
    ok = settings_from_options(regions=["eastus", "westus,westus3"], models=None, seed=None)
    assert ok.regions == ("eastus", "westus", "westus3") and ok.models == tuple(MODELS)


def test_fleet_names_follow_the_naming_rules() -> None:
    fleet = build_fleet(EmulatorSettings(regions=("eastus", "southcentralus")))
    azure = [e for e in fleet if e.dialect == "azure"]
    hosted = [e for e in fleet if e.dialect == "hosted"]
    assert len(azure) == 2 * len(MODELS) and len(hosted) == 1
    assert hosted[0].region == "eastus" and hosted[0].project == "hosted"
    for e in fleet:
        assert ENDPOINT_RULE.problem(e.name) is None and e.model.short in e.name
        assert e.path_prefix == f"/{e.region}/{e.name}" and e.key not in repr(e)
    # Unique per region, the rule Azure applies to endpoint names.
    assert len({(e.region, e.name) for e in fleet}) == len(fleet)
    assert not [e for e in build_fleet(EmulatorSettings(hosted=False)) if e.dialect == "hosted"]
    assert {e.key for e in build_fleet(EmulatorSettings())}.isdisjoint({e.key for e in fleet})


def test_projects_scale_the_fleet_out_like_workspaces() -> None:
    settings = EmulatorSettings(regions=tuple(REGIONS), projects="main,p2,blue-team", hosted=False)
    fleet = build_fleet(settings)
    assert len(fleet) == len(REGIONS) * 3 * len(MODELS) == 54
    assert len({(e.region, e.name) for e in fleet}) == 54
    assert all(ENDPOINT_RULE.problem(e.name) is None for e in fleet)
    assert {e.workspace for e in fleet if e.region == "eastus"} == {
        "mlw-maas-emu-main-eus", "mlw-maas-emu-p2-eus", "mlw-maas-emu-blue-team-eus"
    }
    assert EmulatorSettings(projects=("hosted",), hosted=False).projects == ("hosted",)


def test_inventory_path_is_checked_before_anything_starts(tmp_path: Path) -> None:
    check_inventory_path(tmp_path / "inv.json")
    check_inventory_path(None)
    with pytest.raises(BadInput, match="--inventory-out .*: directory .* does not exist"):
        check_inventory_path(tmp_path / "no" / "inv.json")
    with pytest.raises(BadInput, match="is a directory"):
        check_inventory_path(tmp_path)
