"""`maas verify --emulate --stack NAME`: the endpoints verified are the ones that stack's plan declares."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from infra.config import load_stack_file
from provisioning.cli import main

STACK = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:environment: qa\n  maas-fleet:regions: [eastus, westus]\n" \
        "  maas-fleet:models: [stable-image-core]\n  maas-fleet:projects: [main, batch]\n"


def test_verifies_the_planned_endpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.qa.yaml").write_text(STACK)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["maas", "verify", "--emulate", "--stack", "qa", "--report-dir", "r"])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr().out
    assert done.value.code == 0
    config = load_stack_file(tmp_path / "Pulumi.qa.yaml")
    planned = {(r, config.namer.endpoint(p, m)) for r, p, m in config.endpoints()}
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert {(e["region"], e["name"]) for e in report["endpoints"]} == planned
    assert {name for _, name in planned} == {"acme-qa-main-core", "acme-qa-batch-core"}
    assert all(name in out for _, name in planned)
