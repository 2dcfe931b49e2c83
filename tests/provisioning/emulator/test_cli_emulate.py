"""`maas emulate` as a user runs it: a real process, polled until its inventory exists, then stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx

from infra.catalog import MODELS, Route
from provisioning.inputs.inventory import load_inventory
from tests.conftest import ROOT

START_TIMEOUT_S = 20.0


def maas(*args: str) -> list[str]:
    return [sys.executable, "-m", "provisioning", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}


def test_emulate_serves_writes_a_private_inventory_and_stops_on_sigterm(tmp_path: Path) -> None:
    inventory_file = tmp_path / "inv.json"
    process = subprocess.Popen(
        maas("emulate", "--port", "0", "--regions", "eastus2", "--regions", "westus3", "--inventory-out",
             str(inventory_file)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not inventory_file.exists():
            assert process.poll() is None, process.communicate(timeout=5)
            assert time.monotonic() < deadline, "maas emulate did not write its inventory in time"
            time.sleep(0.05)
        assert stat.S_IMODE(inventory_file.stat().st_mode) == 0o600
        inventory = load_inventory(inventory_file)
        assert len(inventory) == 2 * len(MODELS) + 1
        assert {e.dialect for e in inventory} == {"azure", "hosted"}
        ep = next(e for e in inventory if e.model == "stable-image-core")
        assert ep.key is not None
        key = ep.key.get_secret_value()
        # A client written from the public samples: Bearer key, JSON body, base64 image in the answer.
        with httpx.Client(timeout=10, trust_env=False) as client:
            response = client.post(ep.uri + Route.IMAGES_GENERATIONS, json={"prompt": "a lighthouse"},
                                   headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200 and response.json()["image"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate(timeout=5)
    assert process.returncode == 0, err.decode()
    text = out.decode() + err.decode()
    secrets = [e.key.get_secret_value() for e in inventory if e.key]
    assert not [s for s in secrets if s in text], "a key was printed"
    assert "maas-emu-main-core" in out.decode() and "****" in out.decode()
    assert "Emulator stopped." in err.decode()
    assert json.loads(inventory_file.read_text())["endpoints"][0]["key"] in secrets


def test_bad_options_one_line_each_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        maas("emulate", "--regions", "mars", "--models", "stable-image-core,dalle", "--latency-ms", "-5",
             "--throttle-rate", "1.5", "--error-rate", "-1", "--inventory-out", str(tmp_path / "inv.json")),
        capture_output=True, text=True, env=env(), cwd=ROOT, timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "--regions", "--models", "--latency-ms", "--throttle-rate", "--error-rate"
    ], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "inv.json").exists()


def test_port_in_use_exits_2_with_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(maas("emulate", "--port", str(port)), capture_output=True, text=True, env=env(),
                                cwd=ROOT, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == f"--port {port}: 127.0.0.1:{port} is already in use"


def test_models_without_hosted_do_not_serve_the_hosted_endpoint(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    import provisioning.emulator.command as command
    from provisioning.cli import app

    seen = []
    monkeypatch.setattr(command, "serve",
                        lambda settings, inventory_out, endpoints=None, as_json=False: seen.append(settings) or 0)
    runner = CliRunner()
    for args, hosted in ((["--models", "stable-image-core"], False),
                         (["--models", "stable-image-core", "--hosted"], True),
                         ([], True), (["--no-hosted"], False)):
        result = runner.invoke(app, ["emulate", *args])
        assert result.exit_code == 0, result.output
        assert seen.pop().hosted is hosted, args
