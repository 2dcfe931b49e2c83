"""One name per endpoint, whoever computes it: the plan (the program under mocks), the emulator's planned
fleet and verify's dry run all derive endpoint names from the stack config, with or without a subscription."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.config import load_stack_file
from provisioning.emulator.fleet import planned_fleet
from provisioning.plan.program import plan
from tests.support.policy_builders import SUBSCRIPTION


@pytest.mark.parametrize("subscription", [None, SUBSCRIPTION])
def test_plan_emulator_and_dry_run_agree_on_endpoint_names(
    project_root: Path, tmp_path: Path, subscription: str | None
) -> None:
    document = yaml.safe_load((project_root / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    if subscription is not None:
        document["config"]["azure-native:subscriptionId"] = subscription
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    config = load_stack_file(path)
    registered = [r.inputs for r in plan(config).resources if r.type.endswith(":ServerlessEndpoint")]
    planned = {(i["location"], i["name"]) for i in registered}
    emulated = {(e.region, e.name) for e in planned_fleet(config)}
    dry = {(e.region, e.name) for e in config.declared_endpoints()}  # what dry runs, routes and `keys --stack` use
    assert len(planned) == 6 and planned == emulated == dry
    assert {(i["name"], i["resourceGroupName"], i["workspaceName"]) for i in registered} == {
        (e.name, e.resource_group, e.workspace) for e in config.declared_endpoints()}
