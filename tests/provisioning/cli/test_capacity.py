"""`maas capacity`: table, JSON and Markdown; what-if; exit 1 on an unmet target, 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provisioning.cli import app

STACK = """config:
  maas-fleet:prefix: acme
  maas-fleet:regions: [eastus2, westus3]
  maas-fleet:models: [stable-image-core, stable-image-ultra]
  maas-fleet:projects: [main, batch]
  maas-fleet:capacity:
    stable-image-core: {requestsPerMinute: 2000, survive: region}
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Pulumi.cap.yaml").write_text(STACK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["capacity", *args])
    return result.exit_code, result.stdout, result.stderr


def test_met_target_exits_0_with_the_json_contract(here: Path) -> None:
    code, out, _ = run("--stack", "cap", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["limits"] == {"requestsPerMinutePerDeployment": 1000}
    [core] = doc["models"]
    assert core == {
        "model": "stable-image-core", "targetRpm": 2000, "survive": "region", "regions": ["eastus2", "westus3"],
        "projects": ["main", "batch"], "deploymentsConfigured": 4, "capacityRpm": 4000,
        "capacityRpmAfterRegionLoss": 2000, "deploymentsNeeded": 4, "projectsNeeded": 2, "meetsTarget": True,
        "estimatedUsdPerHourAtTarget": 4800.0,
    }


def test_a_what_if_that_is_not_met_exits_1(here: Path) -> None:
    code, out, _ = run("--stack", "cap", "--model", "stable-image-ultra", "--rpm", "4500", "--format", "markdown")
    assert code == 1
    assert "| stable-image-ultra | 4,500 (what-if) | none | 2 x 2 | 4 | 4,000 |" in out
    code, out, _ = run("--stack", "cap", "--survive", "none", "--format", "json")  # every configured target
    assert code == 0 and [m["survive"] for m in json.loads(out)["models"]] == ["none"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "stable-image-core"], "--model SLUG and --rpm N go together"),
        (["--model", "stable-image-core", "--rpm", "-3"], "--rpm -3: must be a positive whole number"),
        (["--model", "nope", "--rpm", "3"], "--model 'nope' is not a catalog model"),
        (["--survive", "zone"], "--survive 'zone' is not one of none, region"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(here: Path, args: list[str], message: str, maas: Any) -> None:
    run = maas("capacity", "--stack", "cap", *args)
    assert run.code == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr


def test_survive_region_with_one_region_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maas: Any) -> None:
    (tmp_path / "Pulumi.one.yaml").write_text("config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus2]\n")
    monkeypatch.chdir(tmp_path)
    run = maas("capacity", "--stack", "one", "--model", "stable-image-core", "--rpm", "10", "--survive", "region")
    assert run.code == 2 and "--survive region needs at least two regions" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
