"""The SIMULATED control plane (`maas emulate --control-plane`): endpoints, keys, preflight and audit run
against it without Azure, over HTTPS with its throwaway CA, and everything it serves says SIMULATED."""

from __future__ import annotations

import ast
import json
import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.config import load_stack_file
from provisioning.emulator.control_plane import ControlPlane, running_control_plane
from tests.conftest import ROOT
from tests.provisioning.emulator.waiting import wait_for_file
from tests.support.fake_arm import write_stack

Maas = Callable[..., Any]
PACKAGE = ROOT / "provisioning" / "emulator" / "control_plane"


@pytest.fixture
def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlPlane]:
    stack = write_stack(tmp_path, subscription=None)  # the example stack, no subscription set
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "SSL_CERT_FILE", "CURL_CA_BUNDLE",
                 "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "IDENTITY_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    with running_control_plane(load_stack_file(stack)) as running:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        yield running


def test_endpoints_and_keys_by_stack_run_against_it(plane: ControlPlane, maas: Maas, tmp_path: Path) -> None:
    run = maas("endpoints", "--stack", "dev", "--format", "json", "--inventory-out", str(tmp_path / "inv.json"))
    assert run.code == 0, run.output
    listed = json.loads(run.stdout)["endpoints"]
    assert len(listed) == 6 and {e["region"] for e in listed} == {"eastus2", "westus3"}
    name = listed[0]["name"]
    run = maas("keys", "show", name, "--stack", "dev", "--region", "westus3", "--format", "json", "--reveal")
    assert run.code == 0, run.output
    before = json.loads(run.stdout)
    run = maas("keys", "rotate", name, "--stack", "dev", "--region", "westus3", "--both", "--no-grace")
    assert run.code == 0, run.output
    run = maas("keys", "show", name, "--stack", "dev", "--region", "westus3", "--format", "json", "--reveal")
    after = json.loads(run.stdout)
    assert after["primaryKey"] != before["primaryKey"] and after["secondaryKey"] != before["secondaryKey"]


def test_preflight_and_audit_pass_against_it(plane: ControlPlane, maas: Maas, tmp_path: Path) -> None:
    run = maas("preflight", "--stack", "dev", "--format", "json")
    assert run.code == 0, run.output
    checks = json.loads(run.stdout)["checks"]
    # What the simulation does not model (Azure's operations list, Marketplace purchase settings) stays
    # "could not check"; nothing fails, and credential, subscription, providers, permissions, regions and
    # names are answered.
    assert {c["status"] for c in checks} <= {"pass", "unchecked"}
    passed = {c["name"].split()[0] for c in checks if c["status"] == "pass"}
    assert {"credential", "subscription", "provider", "permissions", "region", "endpoint"} <= passed
    page = tmp_path / "audit.html"
    run = maas("audit", "--stack", "dev", "--format", "html", "--out", str(page))
    assert run.code == 0, run.output
    assert "SIMULATED" in page.read_text(encoding="utf-8")  # the subscription's name says so
    run = maas("audit", "--stack", "dev", "--format", "json")
    cells = json.loads(run.stdout)["cells"]
    assert len(cells) == 6 and {c["status"] for c in cells} == {"ok"}


def test_every_answer_says_simulated_and_needs_its_token(plane: ControlPlane) -> None:
    env = plane.environment()
    trusted = ssl.create_default_context(cafile=env["REQUESTS_CA_BUNDLE"])  # its throwaway CA, nothing else
    with httpx.Client(verify=trusted, trust_env=False, timeout=10) as client:
        good = client.get(f"{plane.base_url}/subscriptions", params={"api-version": "2022-12-01"},
                          headers={"Authorization": f"Bearer {env['MAAS_ACCESS_TOKEN']}"})
        bad = client.get(f"{plane.base_url}/subscriptions", headers={"Authorization": "Bearer nope"})
    assert good.headers["x-maas-simulated"] == "true" and bad.headers["x-maas-simulated"] == "true"
    assert good.json()["value"][0]["displayName"].startswith("SIMULATED")
    assert bad.status_code == 401 and "(SIMULATED)" in bad.json()["error"]["message"]


def test_it_shares_no_logic_with_the_product_it_answers() -> None:
    """A stand-in: only the catalog, the naming rules and the emulator's own socket helper."""
    allowed = ("infra.catalog", "infra.config", "provisioning.emulator.control_plane", "provisioning.emulator.server",
               "provisioning.errors", "provisioning.ui", "provisioning.inputs.stacks")
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("provisioning",
                                                                                               "infra", "tests"):
                assert node.module.startswith(allowed), f"{path.name} imports {node.module}"


def test_the_command_prints_the_exports_and_stops_on_sigterm(tmp_path: Path) -> None:
    write_stack(tmp_path, subscription=None)
    env_file = tmp_path / "simulated.env"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    process = subprocess.Popen([sys.executable, "-m", "provisioning", "emulate", "--control-plane", "--stack", "dev",
                                "--env-out", str(env_file)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_for_file(process, env_file, 30, "no --env-out file in time")
        lines = env_file.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# SIMULATED Azure control plane")
        exported = dict(line.removeprefix("export ").split("=", 1) for line in lines[1:])
        assert set(exported) == {"MAAS_ARM_ENDPOINT", "MAAS_ACCESS_TOKEN", "REQUESTS_CA_BUNDLE"}
        assert exported["MAAS_ARM_ENDPOINT"].startswith("https://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "export MAAS_ARM_ENDPOINT=" in out and "SIMULATED" in err
    assert not env_file.exists()  # its token and CA went away with the server
