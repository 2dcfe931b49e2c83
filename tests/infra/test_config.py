from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.catalog import MODELS, REGIONS
from infra.config import ConfigError, FleetConfig, load_stack_file, parse_stack_config

BASE = {"maas-fleet:prefix": "acme", "maas-fleet:regions": ["eastus2", "westus3"]}


def problems(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw)
    return [str(p) for p in info.value.problems]


def test_defaults_and_normalisation() -> None:
    cfg = parse_stack_config({**BASE, "maas-fleet:regions": ["East US 2", " WestUS3 "]})
    assert cfg.regions == ("eastus2", "westus3")
    assert cfg.models == tuple(MODELS)
    assert cfg.projects == ("main",)
    assert cfg.environment == "dev"
    assert len(cfg.endpoints()) == 2 * 3


def test_runtime_form_json_strings_are_decoded() -> None:
    cfg = parse_stack_config(
        {
            "maas-fleet:prefix": "acme",
            "maas-fleet:regions": '["eastus"]',
            "maas-fleet:includeDeployingIdentity": "true",
            "maas-fleet:projects": '["a", "b"]',
        }
    )
    assert cfg.regions == ("eastus",) and cfg.include_deploying_identity is True and cfg.projects == ("a", "b")


def test_provider_keys_pass_through() -> None:
    cfg = parse_stack_config({**BASE, "azure-native:location": "eastus2", "azure-native:subscriptionId": "abc"})
    assert cfg.subscription_id == "abc"


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"maas-fleet:region": ["eastus"]}, "maas-fleet:region: is not a known key; did you mean 'regions'?"),
        ({"maas-fleet:prefix": "Acme"}, "maas-fleet:prefix: 'Acme' must be 2-10 lower-case"),
        ({"maas-fleet:environment": "production1"}, "maas-fleet:environment: 'production1' must be 1-8"),
        ({"maas-fleet:regions": ["westeurope"]}, "maas-fleet:regions[0]: 'westeurope' is not a region where"),
        ({"maas-fleet:regions": ["eastus", "East US"]}, "maas-fleet:regions[1]: 'eastus' is listed twice"),
        ({"maas-fleet:models": ["Stable-Image-Core"]}, "did you mean 'stable-image-core'?"),
        ({"maas-fleet:projects": ["a", "a"]}, "maas-fleet:projects[1]: 'a' is listed twice"),
        ({"maas-fleet:projects": ["Bad_Name"]}, "maas-fleet:projects[0]: 'Bad_Name' must be"),
        ({"maas-fleet:nameSuffix": "TOOLONG"}, "maas-fleet:nameSuffix: 'TOOLONG' must be 1-4"),
        ({"maas-fleet:tags": {"managed-by": "me"}}, "maas-fleet:tags.managed-by: 'me' is set by maas-fleet"),
        ({"maas-fleet:tags": {"a/b": "x"}}, "is not a valid tag name"),
        ({"maas-fleet:regions": []}, "maas-fleet:regions:"),
        ({"maas-fleet:prefix": {"secure": "AAAB"}}, "maas-fleet:prefix: is encrypted"),
        ({"maas-fleet:access": [{"principalId": "nope", "principalType": "User", "persona": "deployer"}]},
         "maas-fleet:access[0].principalId: 'nope' is not an object id"),
        ({"maas-fleet:access": [{"principalId": "00000000-0000-0000-0000-000000000001", "principalType": "Robot",
                                 "persona": "deployer"}]}, "access[0].principalType: 'Robot' is not a principal type"),
        ({"maas-fleet:access": [{"principalId": "00000000-0000-0000-0000-000000000001", "principalType": "User",
                                 "persona": "owner"}]}, "access[0].persona: 'owner' is not a persona"),
    ],
)
def test_each_bad_field_has_one_readable_line(override: dict, expected: str) -> None:
    lines = problems({**BASE, **override})
    assert any(expected in line for line in lines), lines


def test_missing_required_keys() -> None:
    lines = problems({})
    assert "maas-fleet:prefix: is required" in lines
    assert "maas-fleet:regions: is required" in lines


def test_every_problem_reported_at_once() -> None:
    lines = problems(
        {"maas-fleet:prefix": "A-", "maas-fleet:regions": ["mars", "eastus", "eastus"],
         "maas-fleet:models": ["dalle"]}
    )
    assert len(lines) == 4, lines


def test_names_exceeding_azure_limits_are_rejected_with_the_overflow() -> None:
    lines = problems({**BASE, "maas-fleet:prefix": "acmeacmeac", "maas-fleet:environment": "prodprod",
                      "maas-fleet:projects": ["averyverylongpro"]})
    assert any("serverless endpoint name" in line and "shorten prefix, environment or project by 16" in line
               for line in lines), lines
    assert any("machine learning workspace name" in line for line in lines)
    assert len(lines) == 2  # one line per kind of name, not one per region or model


def test_stack_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.x.yaml"
    bad.write_text("config: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_stack_file(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_stack_file(tmp_path / "Pulumi.none.yaml")


def test_example_stack_is_valid(project_root: Path) -> None:
    cfg = load_stack_file(project_root / "Pulumi.dev.yaml")
    assert cfg.stack == "dev"
    assert len(cfg.regions) >= 2 and set(cfg.models) == set(MODELS)
    assert set(cfg.regions) <= set(REGIONS)


def test_pulumi_yaml_declarations_match_the_config_model(project_root: Path) -> None:
    """The Pulumi CLI refuses to run a stack that lacks a declared key without a default, so only
    required keys may go without one; declared defaults must equal the model's ("" means unset)."""
    declared = yaml.safe_load((project_root / "Pulumi.yaml").read_text())["config"]
    fields = {(f.alias or n): f for n, f in FleetConfig.model_fields.items() if not f.exclude}
    for key, spec in declared.items():
        assert key in fields, key
        field = fields[key]
        if "default" not in spec:
            assert field.is_required(), f"{key} is optional in the model but has no default in Pulumi.yaml"
            continue
        default = field.get_default(call_default_factory=True)
        expected = list(default) if isinstance(default, tuple) else default
        assert expected == (None if spec["default"] == "" and default is None else spec["default"]), key
    for key in ("prefix", "regions"):
        for stack in ("dev", "prod"):
            assert f"maas-fleet:{key}" in yaml.safe_load((project_root / f"Pulumi.{stack}.yaml").read_text())["config"]


def test_scalar_lists_and_identity_type() -> None:
    cfg = parse_stack_config({**BASE, "maas-fleet:regions": "eastus2", "maas-fleet:deployingIdentityType": ""})
    assert cfg.regions == ("eastus2",) and cfg.deploying_identity_type is None
    lines = problems({**BASE, "maas-fleet:deployingIdentityType": "Group"})
    assert lines == ["maas-fleet:deployingIdentityType: 'Group' is not the type of an identity that signs in "
                     "(allowed: User, ServicePrincipal)"]


def test_readme_config_reference_is_generated_from_the_model(project_root: Path) -> None:
    from provisioning.docs import with_reference

    readme = (project_root / "README.md").read_text()
    assert with_reference(readme) == readme, "README config reference is stale: run `make docs`"
    assert "| `includeDeployingIdentity` | bool | `false` |" in readme
