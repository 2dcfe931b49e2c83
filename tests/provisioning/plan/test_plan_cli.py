"""`maas plan` as scripts and pipelines use it: exit codes, JSON shape, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policies.records import Severity, Violation
from provisioning.cli import app


def maas(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    return subprocess.run([sys.executable, "-m", "provisioning", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_json_matches_the_documented_shape(project_root: Path) -> None:
    result = maas("plan", "--stack", "dev", "--format", "json", cwd=project_root)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"stack", "resources", "violations", "summary"} <= set(doc)
    assert doc["stack"] == "dev"
    assert set(doc["summary"]) == {"resources", "endpoints", "regions", "violations"}
    assert doc["summary"]["endpoints"] == 6 and doc["summary"]["regions"] == 2
    for resource in doc["resources"]:
        assert set(resource) == {"type", "name", "parent", "dependsOn", "inputs", "secretInputs", "protect"}
        assert isinstance(resource["dependsOn"], list) and isinstance(resource["secretInputs"], list)
    roles = doc["access"]["roleDefinitions"]
    assert len(roles) == 3 and all(r["actions"] and r["assignableScopes"] for r in roles)
    assert "planned-primary-key" not in result.stdout


def test_the_json_is_the_same_whatever_the_hash_seed(project_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pulumi gathers a resource's dependencies in a set, whose order follows the process's hash seed: a
    plan diffed between two runs (GitOps reviews, `plan --compare`) must not change for that reason."""
    outputs = []
    for seed in ("1", "2"):
        monkeypatch.setenv("PYTHONHASHSEED", seed)
        result = maas("plan", "--stack", "dev", "--format", "json", cwd=project_root)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [westeurope]\n  maas-fleet:modles: []\n",
         ["maas-fleet:modles: is not a known key; did you mean 'models'?",
          "maas-fleet:regions[0]: 'westeurope' is not a region"]),
        ("config: [\n", ["is not valid YAML"]),
        ("config:\n  maas-fleet:regions: [eastus]\n", ["maas-fleet:prefix: is required"]),
        ("config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus]\n  maas-fleet:projects: [a, b]\n"
         "  maas-fleet:access:\n    - {principalId: 5e9f0c3a-8b21-4d6e-a7f4-2c1b9d8e3f20, principalType: Group,"
         " persona: consumer, projects: [a, c]}\n",
         ["maas-fleet:access[0].projects[1]: 'c' is not a configured project (allowed: a, b)"]),
    ],
)
def test_invalid_config_exits_2_with_one_line_per_problem(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(content)
    result = maas("plan", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    for line in expected:
        assert line in result.stderr, result.stderr


def test_stack_selection_errors(tmp_path: Path) -> None:
    result = maas("plan", "--stack", "prod", cwd=tmp_path)
    assert result.returncode == 2 and "no Pulumi.prod.yaml" in result.stderr
    result = maas("plan", "--stack", "a", "--config", "b", cwd=tmp_path)
    assert result.returncode == 2 and "not both" in result.stderr
    result = maas("plan", "--format", "yaml", cwd=tmp_path)
    assert result.returncode == 2 and "--format 'yaml'" in result.stderr


def test_mandatory_violation_exits_1(project_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import policies.rules

    def evaluate(records: object) -> list[Violation]:
        return [Violation("test-rule", Severity.MANDATORY, "eastus2-main-rg", "planted violation", "remove it")]

    monkeypatch.setattr(policies.rules, "evaluate", evaluate)
    monkeypatch.chdir(project_root)
    result = CliRunner().invoke(app, ["plan", "--stack", "dev", "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["violations"][0]["policy"] == "test-rule" and doc["summary"]["violations"] == 1


def test_table_and_markdown_render(project_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project_root)
    table = CliRunner().invoke(app, ["plan", "--stack", "dev"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "contoso-dev-main-sd35l" in table.stdout and "Key Vault Secrets User" in table.stdout
    markdown = CliRunner().invoke(app, ["plan", "--stack", "dev", "--format", "markdown"])
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("## Plan for stack dev") and "| eastus2 | main |" in markdown.stdout


def test_plan_runs_after_asyncio_closed_the_thread_loop(project_root: Path) -> None:
    """`asyncio.run` (or an async test) leaves the thread without a loop; the plan must still run."""
    import asyncio

    from provisioning.inputs.stacks import load_config
    from provisioning.plan.program import plan

    async def nothing() -> None:
        return None

    asyncio.run(nothing())
    assert plan(load_config(None, project_root / "Pulumi.dev.yaml")).summary()["endpoints"] == 6


def test_prod_plan_holds_only_published_operations(project_root: Path) -> None:
    """Every action of every custom role `pulumi up` would create is an operation with a recorded
    source (Azure's RBAC operations reference, or the how-to where the reference lists nothing)."""
    from infra.catalog import ACTION_SOURCES, HOW_TO

    result = maas("plan", "--stack", "prod", "--format", "json", cwd=project_root)
    assert result.returncode == 0, result.stderr
    actions = [a for role in json.loads(result.stdout)["access"]["roleDefinitions"] for a in role["actions"]]
    assert actions and all("*" not in a and a in ACTION_SOURCES for a in actions), actions
    assert not any("marketplaceModelSubscriptions" in a for a in actions)
    # Only Microsoft.SaaS rests on the how-to alone (absent from the published reference).
    assert {a.split("/", 1)[0] for a in actions if ACTION_SOURCES[a] is HOW_TO} == {"Microsoft.SaaS"}
