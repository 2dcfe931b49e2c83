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
    assert workflow["jobs"]["preview"]["permissions"]["id-token"] == "write", "OIDC workload identity"
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
    pulumi_steps = [s for s in steps(workflow) if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert [s["with"]["command"] for s in pulumi_steps] == ["preview", "up"]  # prod's preview, behind its reviewers
    up = pulumi_steps[-1]
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
    job = workflow["jobs"]["rotate"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "checks": "write"}
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
                if not str(step.get("uses", "")).startswith("pulumi/actions@"):
                    continue
                if path.name == "pull-request.yml":  # the read-only identity never creates a stack
                    assert step["with"]["upsert"] is False and "secrets-provider" not in step["with"]
                else:
                    assert step["with"]["secrets-provider"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}"
                    assert step["with"]["upsert"] is True
    # Only the deploy stage creates stacks (with their secrets provider); the PR preview only selects.
    assert AZURE_PIPELINE.read_text().count('--secrets-provider "$(secretsProvider)"') == 1


# ------------------------------------------------------------------ identities and supply chain

PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def uses_lines(path: Path) -> list[str]:
    return [line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines()
            if line.strip().startswith(("uses:", "- uses:"))]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag(path: Path) -> None:
    lines = uses_lines(path)
    assert lines and all(PINNED.match(line) for line in lines), [x for x in lines if not PINNED.match(x)]
    # One action, one commit, everywhere: a bump changes every use at once.
    by_action: dict[str, set[str]] = {}
    for line in [x for p in WORKFLOWS for x in uses_lines(p)]:
        action, rest = line.split("@", 1)
        by_action.setdefault(action, set()).add(rest)
    assert all(len(pins) == 1 for pins in by_action.values()), by_action


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_tokens_only_where_they_are_used(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}, "nothing beyond read at the workflow level"
    for name, job in workflow["jobs"].items():
        job_steps = job.get("steps", [])
        logs_in = any(str(s.get("uses", "")).startswith("azure/login@") for s in job_steps)
        assert (job.get("permissions", {}).get("id-token") == "write") == logs_in, name
        for step in job_steps:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_pull_requests_use_the_read_only_identity_and_never_prod() -> None:
    text = (ROOT / ".github/workflows/pull-request.yml").read_text()
    workflow = load(ROOT / ".github/workflows/pull-request.yml")
    assert "vars.AZURE_CLIENT_ID" not in text and "vars.AZURE_PREVIEW_CLIENT_ID" in text
    assert "secrets-provider" not in text and "maas preflight" not in text
    preview = workflow["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == ["dev"] and "environment" not in preview
    deploy = load(ROOT / ".github/workflows/deploy.yml")["jobs"]["up"]
    assert deploy["environment"] == "${{ matrix.stack }}"  # the deploy identity's federation subject
    assert deploy["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
    pipeline = AZURE_PIPELINE.read_text()
    preview_stage = pipeline.split("- stage: Preview", 1)[1].split("- stage: Deploy", 1)[0]
    assert "$(previewServiceConnection)" in preview_stage and "$(serviceConnection)" not in preview_stage
    assert "stack: prod" not in preview_stage and "--create" not in preview_stage
    assert pipeline.count('persistCredentials: "false"') == 3


def test_dependencies_are_locked_with_hashes_and_deploys_install_no_dev_tools() -> None:
    for path in [*WORKFLOWS, AZURE_PIPELINE]:
        text = path.read_text()
        assert "make install\n" not in text + "\n" and "make install " not in text, path.name
        assert "get.pulumi.com | sh" not in text and "| sh" not in text, path.name
    deploy = (ROOT / ".github/workflows/deploy.yml").read_text()
    assert "make install-deploy" in deploy and "install-locked" not in deploy
    deploy_stage = AZURE_PIPELINE.read_text().split("- stage: Deploy", 1)[1]
    assert "make install-deploy" in deploy_stage and "install-locked" not in deploy_stage
    makefile = (ROOT / "Makefile").read_text()
    for target, lock in (("install-locked", "dev.lock"), ("install-deploy", "runtime.lock")):
        recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert f"--require-hashes --no-deps -r requirements/{lock}" in recipe
    for lock in ("runtime.lock", "dev.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        pins = re.findall(r"^([A-Za-z0-9_.-]+)==\S+", text, re.M)
        hashed = re.findall(r"^[A-Za-z0-9_.-]+==[^\n]*\\\n\s+--hash=sha256:[0-9a-f]{64}", text, re.M)
        assert pins and len(hashed) == len(pins), lock
    runtime = (ROOT / "requirements" / "runtime.lock").read_text()
    assert not re.search(r"^(pytest|ruff|mypy|pip-tools)==", runtime, re.M), "dev tools in the runtime set"


def test_the_pulumi_cli_version_is_pinned_once() -> None:
    version = (ROOT / ".pulumi-version").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    for path in WORKFLOWS:
        for step in steps(load(path)):
            if str(step.get("uses", "")).startswith("pulumi/actions@"):
                assert step["with"]["pulumi-version-file"] == ".pulumi-version"
    assert AZURE_PIPELINE.read_text().count("pipelines/install-pulumi.sh") == 2
    script = (ROOT / "pipelines" / "install-pulumi.sh").read_text()
    assert ".pulumi-version" in script and "sha256sum --check" in script



def test_the_locks_cover_every_declared_dependency() -> None:
    """A dependency added to pyproject.toml without `make lock` would be missing from CI and deploys."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def locked(lock: str) -> set[str]:
        text = (ROOT / "requirements" / lock).read_text()
        return {canonicalize_name(n) for n in re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.M)}

    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    dev = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["dev"]}
    assert runtime - locked("runtime.lock") == set()
    assert (runtime | dev) - locked("dev.lock") == set()
