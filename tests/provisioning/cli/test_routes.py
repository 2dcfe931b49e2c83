"""`maas routes` from a config, an inventory and a deployed stack's outputs; never a key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from provisioning.emulator import EmulatorSettings
from provisioning.emulator.fleet import build_fleet
from provisioning.inputs.inventory import write_inventory

CONFIG = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus2, westus3]\n"


def inventory_file(tmp_path: Path) -> tuple[Path, list[str]]:
    fleet = build_fleet(EmulatorSettings(models=("stable-image-core",), hosted=False))
    entries = [e.inventory_entry("http://127.0.0.1:9") for e in fleet]
    path = tmp_path / "inventory.json"
    write_inventory(path, entries)
    return path, [e.key.get_secret_value() for e in entries if e.key is not None]


def test_from_a_config_uri_is_null(tmp_path: Path, maas: Any) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text(CONFIG)
    run = maas("routes", "--config", str(tmp_path / "Pulumi.dev.yaml"), "--format", "json")
    code, out = run.code, run.stdout
    assert code == 0
    models = json.loads(out)["models"]
    assert [(r["region"], r["name"], r["uri"]) for r in models["stable-image-core"]] == [
        ("eastus2", "acme-dev-main-core", None), ("westus3", "acme-dev-main-core", None)]


def test_from_an_inventory_never_a_key(tmp_path: Path, maas: Any) -> None:
    path, keys = inventory_file(tmp_path)
    for output_format in ("json", "table"):
        run = maas("routes", "--inventory", str(path), "--format", output_format)
        assert run.code == 0 and not any(k in run.output for k in keys)
    doc = json.loads(maas("routes", "--inventory", str(path), "--format", "json").stdout)
    rows = doc["models"]["stable-image-core"]
    assert [r["uri"] for r in rows] == [f"http://127.0.0.1:9/{r['region']}/{r['name']}" for r in rows]
    assert all(set(r) == {"name", "region", "project", "uri", "keySecretUri", "rpmLimit", "weight"} for r in rows)


def test_from_a_deployed_stack_asks_pulumi_for_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         maas: Any) -> None:
    """A stand-in `pulumi` on PATH prints what `pulumi stack output --json` prints without
    --show-secrets (keys as "[secret]") and records its arguments."""
    path, _ = inventory_file(tmp_path)
    outputs = json.loads(path.read_text())
    for entry in outputs["endpoints"]:
        entry["key"] = "[secret]"
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'args'}\ncat {tmp_path / 'outputs.json'}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    run = maas("routes", "--stack", "prod", "--format", "json")
    assert run.code == 0, run.stderr
    assert "--show-secrets" not in (tmp_path / "args").read_text()
    assert len(json.loads(run.stdout)["models"]["stable-image-core"]) == 2


@pytest.mark.parametrize("args", [[], ["--inventory", "a.json", "--config", "b.yaml"]])
def test_exactly_one_source(args: list[str], maas: Any) -> None:
    run = maas("routes", *args)
    assert run.code == 2 and run.stdout == ""
    assert "choose exactly one of --stack NAME, --inventory FILE or --config FILE" in run.stderr
