"""`maas emulate --stack NAME`: a real process serving that stack's planned endpoints, with a short
rate-limit window and a failing region; bad combinations refused in one line each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from infra.catalog import Route
from infra.config import load_stack_file
from provisioning.inputs.inventory import load_inventory
from tests.conftest import ROOT

STACK = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus, westus3]\n" \
        "  maas-fleet:models: [stable-image-core]\n  maas-fleet:projects: [main, batch]\n"


def run(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "provisioning", "emulate", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


def test_serves_the_planned_endpoints_with_a_short_window_and_a_failing_region(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.acme.yaml").write_text(STACK)
    inventory_file = tmp_path / "inv.json"
    process = run("--stack", "acme", "--rate-limit", "2/30", "--fail-region", "westus3", "--inventory-out",
                  str(inventory_file), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 20
        while not inventory_file.exists():
            assert process.poll() is None, process.communicate(timeout=5)
            assert time.monotonic() < deadline, "maas emulate did not write its inventory in time"
            time.sleep(0.05)
        inventory = load_inventory(inventory_file)
        config = load_stack_file(tmp_path / "Pulumi.acme.yaml")
        assert [(e.region, e.project, e.name) for e in inventory] == [
            (r, p, config.namer.endpoint(p, m)) for r, p, m in config.endpoints()]
        with httpx.Client(timeout=10, trust_env=False) as client:
            for entry in inventory:
                key = entry.key.get_secret_value() if entry.key else ""
                codes = [client.post(entry.uri + Route.IMAGES_GENERATIONS, json={"prompt": "x"},
                                     headers={"Authorization": f"Bearer {key}"}).status_code for _ in range(3)]
                assert codes == ([503] * 3 if entry.region == "westus3" else [200, 200, 429])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


def test_bad_combinations_one_line_each_exit_2(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.acme.yaml").write_text(STACK)
    process = run("--stack", "acme", "--regions", "eastus", "--rate-limit", "5", "--no-hosted", cwd=tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2, err
    lines = err.strip().splitlines()
    assert any(line.startswith("--rate-limit '5': write N/SECONDS") for line in lines), lines
    assert any(line.startswith("--no-hosted: a stack's fleet has no hosted endpoint") for line in lines), lines
    assert "Traceback" not in err
    process = run("--stack", "acme", "--regions", "eastus", cwd=tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and err.strip() == (
        "--regions: the stack decides what is served; drop them or --stack/--config")
    process = run("--stack", "acme", "--fail-region", "westus", cwd=tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "failing region westus is not one of the emulated regions" in err
