"""`maas adopt`: an import document for endpoints that already exist, with the program's own names."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import MODELS
from infra.config import load_stack_file
from provisioning.plan.program import PlannedResource
from tests.support.fake_arm import OTHER_SUB, SUB, FakeArm, write_stack
from tests.support.lifecycle_fleet import PlannedUnit, plan_units, plant, workspace_for

Maas = Callable[..., Any]


def _lineage(resources: list[PlannedResource], name: str | None) -> list[PlannedResource]:
    by_name = {r.name: r for r in resources}
    chain = []
    while name is not None:
        chain.insert(0, by_name[name])
        name = by_name[name].parent
    return chain


@pytest.fixture
def fleet(arm: FakeArm, tmp_path: Path) -> tuple[Path, dict[tuple[str, str], PlannedUnit], list[PlannedResource]]:
    arm.add_subscription(SUB)
    path = write_stack(tmp_path, regions=["eastus2", "westus3"], models=list(MODELS))
    units, resources = plan_units(load_stack_file(path), SUB)
    return path, {(u.region, u.model): u for u in units}, resources


def test_adopt_writes_the_programs_names_and_leaves_mismatches_out(
        arm: FakeArm, maas: Maas, tmp_path: Path, fleet: Any) -> None:
    path, units, resources = fleet
    core, ultra, large = "stable-image-core", "stable-image-ultra", "stable-diffusion-3.5-large"
    ok = plant(arm, SUB, units[("eastus2", core)])                                  # adopt both
    plant(arm, SUB, units[("eastus2", ultra)], content_safety="Disabled")           # content_safety_off
    plant(arm, SUB, units[("eastus2", large)], model=core)                          # wrong_model
    only_sub = plant(arm, SUB, units[("westus3", core)], endpoint=False)             # endpoint missing
    plant(arm, SUB, units[("westus3", ultra)], location="eastus2")                  # wrong_region
    workspace_for(arm, SUB, units[("westus3", large)])                                # nothing at all
    # Another team's endpoint in the same workspace and a look-alike in another subscription: not ours.
    arm.add_endpoint(ok.workspace, "someone-elses-core", core)
    arm.add_subscription(OTHER_SUB)
    twin = units[("eastus2", core)]
    arm.add_endpoint(arm.add_workspace(OTHER_SUB, twin.resource_group, twin.workspace, "eastus2"), twin.name, core)

    out = tmp_path / "adopt" / "import.json"
    run = maas("adopt", "--config", str(path), "--out", str(out), "--format", "json")
    assert run.code == 1, run.output  # mismatches: listed, left out
    report = json.loads(run.stdout)
    by_cell = {(e["region"], e["model"]): e for e in report["endpoints"]}
    assert {k: (v["action"], v["status"]) for k, v in by_cell.items()} == {
        ("eastus2", core): ("import", "ok"),
        ("eastus2", ultra): ("skip", "content_safety_off"),
        ("eastus2", large): ("skip", "wrong_model"),
        ("westus3", core): ("create", "missing"),
        ("westus3", ultra): ("skip", "wrong_region"),
        ("westus3", large): ("create", "missing"),
    }
    assert {k: v["marketplaceSubscription"]["action"] for k, v in by_cell.items()} == {
        ("eastus2", core): "import", ("eastus2", ultra): "import", ("eastus2", large): "import",
        ("westus3", core): "import", ("westus3", ultra): "import", ("westus3", large): "create"}

    document = json.loads(out.read_text())
    assert document["nameTable"] == {}
    entries = document["resources"]
    # Exactly: the program's components above each imported resource (once, no id), then the resources
    # with the program's type tokens, logical names, parents, and the ids Azure gives them.
    expected: list[dict[str, Any]] = []
    imports = [(units[("eastus2", core)], True, ok.marketplace.id, ok.endpoint.id),  # type: ignore[union-attr]
               (units[("eastus2", ultra)], False, None, None), (units[("eastus2", large)], False, None, None),
               (units[("westus3", core)], False, only_sub.marketplace.id, None),  # type: ignore[union-attr]
               (units[("westus3", ultra)], False, None, None)]
    seen: set[str] = set()
    for unit, _, _, _ in imports:
        for component in _lineage(resources, unit.endpoint.parent):
            if component.name not in seen:
                seen.add(component.name)
                entry: dict[str, Any] = {"type": component.type, "name": component.name, "component": True}
                if component.parent:
                    entry["parent"] = component.parent
                expected.append(entry)
    for unit, endpoint_too, marketplace_id, endpoint_id in imports:
        ws = workspace_for(arm, SUB, unit)
        marketplace_id = marketplace_id or f"{ws.id}/marketplaceSubscriptions/{unit.marketplace_name}"
        expected.append({"type": unit.marketplace.type, "name": unit.marketplace.name, "id": marketplace_id,
                         "parent": unit.marketplace.parent})
        if endpoint_too:
            expected.append({"type": unit.endpoint.type, "name": unit.endpoint.name, "id": endpoint_id,
                             "parent": unit.endpoint.parent})
    assert sorted(entries, key=json.dumps) == sorted(expected, key=json.dumps)
    # Parents come before children (pulumi import resolves them in one pass either way, people read it).
    positions = {e["name"]: i for i, e in enumerate(entries)}
    assert all(positions[e["parent"]] < i for i, e in enumerate(entries) if "parent" in e)
    # The facts, spelled out once for the one fully adopted endpoint.
    endpoint_entry = next(e for e in entries if e.get("id") == ok.endpoint.id)  # type: ignore[union-attr]
    assert endpoint_entry["type"] == "azure-native:machinelearningservices:ServerlessEndpoint"
    name = units[("eastus2", core)].name
    assert endpoint_entry["id"].endswith(f"/workspaces/{ok.workspace.name}/serverlessEndpoints/{name}")
    parent = next(e for e in entries if e["name"] == endpoint_entry["parent"])
    assert parent["type"] == "maas-fleet:azure:ModelEndpoint" and parent["component"] is True
    assert next(e for e in entries if e["name"] == parent["parent"])["type"] == "maas-fleet:azure:RegionalWorkspace"
    assert OTHER_SUB not in out.read_text() and "someone-elses-core" not in out.read_text()
    assert not list(out.parent.glob(".*.tmp"))  # the temporary file was renamed, not left behind


def test_adopt_reads_marketplace_per_workspace_when_the_graph_has_no_table(
        arm: FakeArm, maas: Maas, tmp_path: Path, fleet: Any) -> None:
    path, units, _ = fleet
    arm.graph.index_marketplace = False  # the `resources` table does not index marketplaceSubscriptions
    planted = plant(arm, SUB, units[("eastus2", "stable-image-core")])
    plant(arm, SUB, units[("westus3", "stable-image-ultra")], endpoint=False)  # a workspace without endpoints
    out = tmp_path / "import.json"
    run = maas("adopt", "--config", str(path), "--out", str(out))
    assert run.code == 0, run.output
    ids = {e.get("id") for e in json.loads(out.read_text())["resources"]}
    assert planted.endpoint.id in ids and planted.marketplace.id in ids  # type: ignore[union-attr]
    assert any(r.path.lower().endswith("/marketplacesubscriptions") for r in arm.calls("GET"))
    assert len(arm.calls("POST", "ResourceGraph")) == 1


def test_adopt_with_nothing_to_adopt_writes_nothing(arm: FakeArm, maas: Maas, tmp_path: Path, fleet: Any) -> None:
    path, _, _ = fleet
    out = tmp_path / "import.json"
    run = maas("adopt", "--config", str(path), "--out", str(out))
    assert run.code == 0, run.output
    assert not out.exists() and "not written" in run.stderr


@pytest.mark.parametrize("args, message", [
    (["--out", "DIR"], "is a directory"),
    (["--out", "import.json", "--subscription", "not-a-guid"], "--subscription"),
    (["--out", "import.json", "--format", "xml"], "--format 'xml'"),
])
def test_adopt_bad_input_writes_nothing(arm: FakeArm, maas: Maas, tmp_path: Path, fleet: Any,
                                        args: list[str], message: str) -> None:
    path, units, _ = fleet
    plant(arm, SUB, units[("eastus2", "stable-image-core")])
    args = [str(tmp_path) if a == "DIR" else str(tmp_path / a) if a == "import.json" else a for a in args]
    run = maas("adopt", "--config", str(path), *args)
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.output
    assert not (tmp_path / "import.json").exists()
    assert not arm.calls("PUT") and not arm.calls("POST", "ResourceGraph")


def test_adopt_leaves_out_an_endpoint_on_another_version_than_the_stack_pins(arm: FakeArm, maas: Maas,
                                                                             tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    core = "stable-image-core"
    path = write_stack(tmp_path, regions=["eastus2", "westus3"], models=[{"slug": core, "version": 3}])
    units, _ = plan_units(load_stack_file(path), SUB)
    east, west = sorted(units, key=lambda u: u.region)
    assert east.region == "eastus2"
    same = plant(arm, SUB, east, model_id=f"{MODELS[core].asset_id}/versions/3")
    plant(arm, SUB, west, model_id=f"{MODELS[core].asset_id}/versions/2")
    out = tmp_path / "import.json"
    run = maas("adopt", "--config", str(path), "--out", str(out), "--format", "json")
    assert run.code == 1, run.output
    verdicts = {e["region"]: (e["action"], e["status"]) for e in json.loads(run.stdout)["endpoints"]}
    assert verdicts == {"eastus2": ("import", "ok"), "westus3": ("skip", "wrong_version")}
    ids = {e.get("id") for e in json.loads(out.read_text())["resources"]}
    assert same.endpoint.id in ids  # type: ignore[union-attr]
    assert not any(i and "/serverlessEndpoints/" in i and f"/workspaces/{west.workspace}/" in i for i in ids)
