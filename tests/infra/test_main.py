"""infra/__main__.py as the Pulumi language host runs it: config arrives as strings (lists as JSON)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pulumi
import pytest

from infra import resource_types as t
from provisioning.plan.program import run_program


def run_main(project_root: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, str]) -> list[str]:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    resources, _ = run_program(lambda: runpy.run_path(str(project_root / "infra" / "__main__.py"),
                                                       run_name="__main__"), stack="ci")
    return [r.type for r in resources]


def test_program_runs_from_runtime_config(project_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    types = run_main(project_root, monkeypatch, {
        "maas-fleet:prefix": "acme",
        "maas-fleet:regions": json.dumps(["East US"]),
        "maas-fleet:models": json.dumps(["stable-image-core"]),
        "maas-fleet:includeDeployingIdentity": "true",
        "azure-native:location": "eastus",
    })
    assert types.count(t.SERVERLESS_ENDPOINT) == 1
    # The deploying identity's three deployer roles, and the workspace identity's two on its own vault.
    assert types.count(t.ROLE_ASSIGNMENT) == 3 + 2


def test_invalid_runtime_config_is_a_run_error_without_traceback(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(pulumi.RunError) as info:
        run_main(project_root, monkeypatch, {"maas-fleet:prefix": "ACME", "maas-fleet:regions": '["mars"]'})
    message = str(info.value)
    assert "maas-fleet:prefix: 'ACME'" in message and "maas-fleet:regions[0]: 'mars'" in message
