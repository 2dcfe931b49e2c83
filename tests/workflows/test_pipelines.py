"""The pipeline files a team copies must be valid and must do what the README promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
AZURE_PIPELINE = ROOT / "pipelines" / "azure-pipelines.yml"


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    # The vendored schemas ship inside check-jsonschema: no network needed.
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--regex-variant", "python", "--builtin-schema", schema,
         *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def text_of(workflow: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) + str(s.get("uses", "")) + str(s.get("with", "")) for s in steps(workflow))


def test_github_workflows_validate_against_the_schema() -> None:
    assert {p.name for p in WORKFLOWS} == {"pull-request.yml", "deploy.yml", "nightly-audit.yml", "rotate-keys.yml"}
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_azure_pipeline_validates_against_the_schema() -> None:
    result = check_jsonschema("vendor.azure-pipelines", AZURE_PIPELINE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert check_jsonschema("vendor.github-workflows", broken).returncode != 0


def test_pull_request_tests_plans_and_previews_with_policies() -> None:
    workflow = load(ROOT / ".github/workflows/pull-request.yml")
    assert workflow["permissions"]["id-token"] == "write", "OIDC workload identity, no stored secrets"
    body = text_of(workflow)
    assert "make test" in body
    assert "maas plan --stack ${{ matrix.stack }} --format markdown >> \"$GITHUB_STEP_SUMMARY\"" in body
    preview = next(s for s in steps(workflow) if str(s.get("uses", "")).startswith("pulumi/actions@"))
    assert preview["with"]["command"] == "preview" and preview["with"]["policyPacks"] == "policies"
    assert preview["with"]["comment-on-pr"] is True
    assert workflow["jobs"]["preview"]["concurrency"]["group"] == "stack-${{ matrix.stack }}"


def test_deploy_runs_up_verify_audit_with_protection() -> None:
    workflow = load(ROOT / ".github/workflows/deploy.yml")
    job = workflow["jobs"]["up"]
    assert job["environment"] == "${{ matrix.stack }}", "prod approval lives on the environment"
    assert job["concurrency"]["cancel-in-progress"] is False
    up = next(s for s in steps(workflow) if str(s.get("uses", "")).startswith("pulumi/actions@"))
    assert up["with"]["command"] == "up" and up["with"]["policyPacks"] == "policies"
    assert str(up["with"]["cloud-url"]).startswith("${{ vars.PULUMI_BACKEND_URL")
    body = text_of(workflow)
    assert "maas verify --stack" in body and "junit.xml" in body and "summary.md" in body
    assert "maas audit --stack" in body
    assert "secrets." not in (ROOT / ".github/workflows/deploy.yml").read_text(), "no stored secrets"


def test_nightly_audit_is_scheduled() -> None:
    workflow = load(ROOT / ".github/workflows/nightly-audit.yml")
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads a bare `on` as True
    assert "schedule" in triggers
    assert "maas audit" in text_of(workflow)


def test_key_rotation_is_monthly_and_manual_then_verified() -> None:
    path = ROOT / ".github/workflows/rotate-keys.yml"
    workflow = load(path)
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads a bare `on` as True
    minute, hour, day, month, weekday = triggers["schedule"][0]["cron"].split()
    assert day.isdigit() and (month, weekday) == ("*", "*"), "once a month"
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "id-token": "write", "checks": "write"}
    job = workflow["jobs"]["rotate"]
    assert job["environment"] == "${{ matrix.stack }}" and job["concurrency"]["group"] == "stack-${{ matrix.stack }}"
    names = [s.get("name", s.get("uses", "")) for s in job["steps"]]
    body = text_of(workflow)
    assert "maas keys rotate --stack ${{ matrix.stack }} --all" in body and "maas verify --stack" in body
    rotate = next(i for i, s in enumerate(job["steps"]) if "keys rotate" in str(s.get("run", "")))
    verify = next(i for i, s in enumerate(job["steps"]) if "maas verify" in str(s.get("run", "")))
    up = next(i for i, s in enumerate(job["steps"]) if str(s.get("uses", "")).startswith("pulumi/actions@"))
    assert rotate < up < verify, names  # the stack outputs carry the new keys before verify reads them
    assert "secrets." not in path.read_text(), "no stored secrets"


@pytest.mark.parametrize("stage", ["Validate", "Preview", "Deploy"])
def test_azure_pipeline_has_the_stages_a_team_needs(stage: str) -> None:
    pipeline = load(AZURE_PIPELINE)
    assert stage in [s["stage"] for s in pipeline["stages"]]
    text = AZURE_PIPELINE.read_text()
    for needle in ("make test", "--policy-pack policies", "maas verify --stack", "PublishTestResults@2",
                   "maas audit --stack", "ARM_USE_OIDC=true"):
        assert needle in text


def test_every_maas_command_the_pipelines_run_exists() -> None:
    import typer.main

    from provisioning.cli import app

    group = typer.main.get_command(app)
    commands = set(group.commands)  # type: ignore[attr-defined]
    used = set()
    for path in [*WORKFLOWS, AZURE_PIPELINE]:
        used |= set(re.findall(r"maas (\w+)", path.read_text()))
    assert used and used <= commands, used - commands


def test_stacks_get_a_secrets_provider_not_a_passphrase() -> None:
    for path in [*WORKFLOWS, AZURE_PIPELINE]:
        text = path.read_text()
        assert "PULUMI_CONFIG_PASSPHRASE" not in text
        if "pulumi/actions@" in text:
            for step in steps(load(path)):
                if str(step.get("uses", "")).startswith("pulumi/actions@"):
                    assert step["with"]["secrets-provider"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}"
                    assert step["with"]["upsert"] is True
    assert AZURE_PIPELINE.read_text().count('--secrets-provider "$(secretsProvider)"') == 2
