"""The rule set as a whole, and the rules over what `maas plan` really declares."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from infra import resource_types as t
from infra.catalog import (
    MODELS,
    offer,
)
from policies.engine import RuleScope
from policies.rules import RULES, evaluate
from tests.support.policy_asserts import assert_violation
from tests.support.policy_builders import (
    changed,
    endpoint,
    fleet,
    record,
)


def test_the_rules_load_without_docstrings() -> None:
    """`python -OO` drops docstrings: the rule set (and with it `maas plan`, `maas policy check` and the
    CrossGuard pack) must not depend on them."""
    root = Path(__file__).resolve().parents[3]
    code = "from policies.rules import RULES; assert all(r.description for r in RULES); print(len(RULES))"
    result = subprocess.run([sys.executable, "-OO", "-c", code], cwd=root, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(RULES)


def test_rule_set_shape() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {
        "endpoint-region-allowed", "workspace-region-allowed", "content-safety-enabled", "endpoint-auth-key",
        "endpoint-name-valid", "endpoint-name-unique-per-region", "one-endpoint-per-model-per-workspace",
        "endpoint-depends-on-subscription", "keys-only-as-secrets", "no-privileged-role-assignment",
        "custom-role-least-privilege", "required-tags",
    } <= set(ids)
    for rule in RULES:
        assert rule.description and rule.fix and rule.types
        assert (rule.resource_check is None) != (rule.stack_check is None)
        assert rule.scope in RuleScope


@pytest.mark.parametrize("regions", [("eastus2",), ("eastus", "eastus2", "northcentralus", "southcentralus", "westus",
                                                    "westus3")])
def test_full_fleet_is_clean(regions: tuple[str, ...]) -> None:
    records = fleet(regions=regions, projects=("main", "batch"))
    assert len([r for r in records if r.type == t.SERVERLESS_ENDPOINT]) == len(regions) * 2 * len(MODELS)
    assert evaluate(records) == []


def test_evaluate_runs_resource_and_stack_rules_and_ignores_other_types() -> None:
    records = [
        *fleet(regions=("eastus2",)),
        record("maas-fleet:azure:Access", "access", {"anything": "*"}),
        record("azure-native:network:VirtualNetwork", "vnet", {"location": "westeurope"}),
        changed(endpoint("bad", azure_name="1bad"), "location", "westeurope"),
    ]
    policies = {v.policy for v in evaluate(records)}
    assert {"endpoint-name-valid", "endpoint-region-allowed", "endpoint-depends-on-subscription"} <= policies
    assert all(v.resource == "bad" for v in evaluate(records))


def test_versioned_type_tokens_are_checked_too() -> None:
    legacy = replace(changed(endpoint(), "location", "westeurope"),
                     type="azure-native:machinelearningservices/v20240401preview:ServerlessEndpoint")
    assert_violation("endpoint-region-allowed", legacy)


def test_rules_on_the_planned_example_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example stack plans clean under every rule except the one region we take away from a model
    here: proof that the rules read the records the program really produces."""
    from pathlib import Path

    from infra.config import load_stack_file
    from provisioning.plan.program import plan

    config = load_stack_file(Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml")
    narrowed = replace(MODELS["stable-image-core"], regions=("westus3",))
    # The table model_for_asset_id reads lives in the catalog's offer module.
    monkeypatch.setattr(offer, "MODELS_BY_ASSET_ID",
                        MappingProxyType({**offer.MODELS_BY_ASSET_ID, narrowed.asset_id.lower(): narrowed}))
    result = plan(config)
    endpoints = result.of_type(t.SERVERLESS_ENDPOINT)
    assert len(endpoints) == 2 * len(MODELS)
    found = {(v.policy, v.resource) for v in result.violations}
    assert found == {
        ("endpoint-region-allowed", "eastus2-main-stable-image-core-endpoint"),
        ("workspace-region-allowed", "eastus2-main-mlw"),
    }


def test_every_rule_module_has_a_mirrored_test_module() -> None:
    """One module per subject under policies/rules/, one test module per rule module here."""
    from pathlib import Path

    rules_dir = Path(__file__).resolve().parents[3] / "policies" / "rules"
    subjects = {p.stem for p in rules_dir.glob("*.py")} - {"__init__", "common"}
    mirrored = {p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")}
    assert subjects <= mirrored, sorted(subjects - mirrored)
    import importlib

    modules = [importlib.import_module(f"policies.rules.{m}") for m in sorted(subjects)]
    homeless = [rule.id for rule in RULES if not any(rule in vars(m).values() for m in modules)]
    assert not homeless, f"rules defined outside a subject module: {homeless}"
