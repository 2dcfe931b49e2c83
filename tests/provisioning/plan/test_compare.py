"""`maas plan --compare PREVIOUS.json`: an added region is creates plus in-place role updates; the plan
says which values come from a placeholder subscription; names stay whole in narrow terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from provisioning.inputs.stacks import load_config
from provisioning.plan.compare import Change, changed_paths, compare


def maas(*args: str, cwd: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3]), "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "provisioning", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def stack_with(tmp_path: Path, project_root: Path, name: str, **config: object) -> Path:
    document = yaml.safe_load((project_root / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    document["config"].update({f"maas-fleet:{k}": v for k, v in config.items() if not k.startswith("azure")})
    if "azure_subscription" in config:
        document["config"]["azure-native:subscriptionId"] = config["azure_subscription"]
    path = tmp_path / name / "Pulumi.dev.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_an_added_region_is_creates_and_two_role_updates(tmp_path: Path, project_root: Path) -> None:
    before = maas("plan", "--stack", "dev", "--format", "json", cwd=project_root)
    assert before.returncode == 0, before.stderr
    previous = tmp_path / "previous.json"
    previous.write_text(before.stdout, encoding="utf-8")
    bigger = stack_with(tmp_path, project_root, "bigger", regions=["eastus2", "westus3", "eastus"])

    after = maas("plan", "--config", str(bigger), "--compare", str(previous), "--format", "json", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    changes = json.loads(after.stdout)["changes"]
    ops = {c["op"] for c in changes}
    assert ops == {"create", "update"}  # nothing is deleted by adding a region
    updates = [c for c in changes if c["op"] == "update"]
    # The deployer's custom roles at resource group and workspace scope gain the new region's scopes.
    assert sorted(c["name"] for c in updates) == ["access-deployer-resourceGroup", "access-deployer-workspace"]
    assert all(c["type"] == "azure-native:authorization:RoleDefinition" for c in updates)
    assert all(c["fields"] == ["assignableScopes"] for c in updates)
    created = [c for c in changes if c["op"] == "create"]
    endpoints = [c for c in created if c["type"].endswith(":ServerlessEndpoint")]
    assert len(endpoints) == 3 and all(c["name"].startswith("eastus-") for c in endpoints)
    assert all(c["fields"] == [] for c in created)

    table = maas("plan", "--config", str(bigger), "--compare", str(previous), cwd=tmp_path)
    assert "Changes against the previous plan: 29 to create, 2 to update" in table.stdout
    assert "assignableScopes" in table.stdout


def test_a_compare_file_that_is_not_a_plan_is_one_line(tmp_path: Path, project_root: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"stack": "dev"}', encoding="utf-8")
    result = maas("plan", "--stack", "dev", "--compare", str(bad), cwd=project_root)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "not a `maas plan --format json` document" in result.stderr


def test_changed_paths_compare_lists_whole_and_maps_by_key() -> None:
    before = {"properties": {"a": 1, "scopes": ["x"]}, "gone": 1}
    after = {"properties": {"a": 2, "scopes": ["x", "y"]}, "new": 1}
    assert changed_paths(before, after) == ["gone", "new", "properties.a", "properties.scopes"]
    assert compare([{"type": "t", "name": "n", "inputs": {}, "parent": "p"}],
                   [{"type": "t", "name": "n", "inputs": {}, "parent": "q"}]) == [Change("update", "t", "n",
                                                                                          ("parent",))]


def test_placeholder_subscription_values_are_marked_and_noted(tmp_path: Path, project_root: Path) -> None:
    unknown = maas("plan", "--stack", "dev", "--format", "json", cwd=project_root)
    notes = json.loads(unknown.stdout)["notes"]
    assert len(notes) == 1 and "azure-native:subscriptionId is not set" in notes[0]
    table = maas("plan", "--stack", "dev", cwd=project_root)
    assert "[00000000] *" in table.stdout and "kvcontosodev-eus2-" in table.stdout
    placeholder_named = load_config("dev", None, project_root).declared_endpoints()[0].name
    assert f"{placeholder_named} *" in table.stdout  # the endpoint's tag hashes the subscription too
    known = stack_with(tmp_path, project_root, "known", azure_subscription="11111111-2222-3333-4444-555555555555")
    assert json.loads(maas("plan", "--config", str(known), "--format", "json", cwd=tmp_path).stdout)["notes"] == []


def test_names_stay_whole_at_80_columns_and_the_resource_group_is_shown(project_root: Path) -> None:
    result = maas("plan", "--stack", "dev", cwd=project_root, columns=80)
    assert result.returncode == 0, result.stderr
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    for name in ("rg-contoso-dev-main-westus3", "mlw-contoso-dev-main-wus3", "contoso-dev-main-sd35l",
                 "stable-diffusion-3.5-large", "platform-deployers"):
        assert name in result.stdout, name
    assert "Offer subscribed: yes = " in result.stdout  # the column is explained
