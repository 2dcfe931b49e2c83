"""`maas verify` on a subset (--region/--model/--project/--endpoint) and `--dry-run` from an inventory
or from a stack config before anything is deployed: what would run, and what it would cost."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import MODELS
from provisioning.cli import main
from provisioning.inputs.inventory import write_inventory
from tests.support.fake_arm import write_stack


def maas(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["maas", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, " ".join(err.split())


@pytest.fixture
def inventory_file(hostile: Any, tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    write_inventory(path, [hostile.endpoint("stable-image-core"), hostile.endpoint("stable-diffusion-3.5-large")])
    return path


def test_dry_run_from_a_config_before_anything_is_deployed(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    stack = write_stack(tmp_path, subscription=None)  # the example: 2 regions x 3 models, nothing deployed
    code, out, err = maas(["verify", "--config", str(stack), "--dry-run", "--format", "json"], capsys, monkeypatch)
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"endpoints", "billableImages", "estimatedCostUsd"}
    names = {(e["region"], e["name"]) for e in doc["endpoints"]}
    assert ("westus3", "contoso-dev-main-ultra") in names and len(names) == 6
    assert all(e["uri"] is None for e in doc["endpoints"])  # Azure assigns them at deployment
    # SD 3.5 Large also does image-to-image: two billable images; the others one each, in 2 regions.
    assert doc["billableImages"] == 2 * (2 + 1 + 1)
    per_region = 2 * MODELS["stable-diffusion-3.5-large"].price_usd_per_image + sum(
        MODELS[m].price_usd_per_image for m in ("stable-image-core", "stable-image-ultra"))
    assert doc["estimatedCostUsd"] == pytest.approx(2 * per_region)
    assert "dry run, nothing sent" in err


def test_dry_run_of_a_subset_from_a_stack_name(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    write_stack(tmp_path, stack="dev")
    monkeypatch.chdir(tmp_path)
    args = ["verify", "--stack", "dev", "--dry-run", "--region", "West US 3", "--model", "stable-image-core",
            "--format", "json"]
    code, out, err = maas(args, capsys, monkeypatch)  # no pulumi CLI is needed: the config is enough
    assert code == 0, err
    doc = json.loads(out)
    assert [(e["region"], e["model"]) for e in doc["endpoints"]] == [("westus3", "stable-image-core")]
    assert doc["billableImages"] == 1


def test_dry_run_of_an_inventory_sends_nothing(inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any,
                                               monkeypatch: Any, helpers: Any) -> None:
    code, out, err = maas(["verify", "--inventory", str(inventory_file), "--dry-run"], capsys, monkeypatch)
    assert code == 0, err
    assert hostile.state.requests == []
    assert "total" in out and "3 billable images" in err
    assert not (tmp_path / "reports").exists()
    helpers.no_key(out, err)


def test_a_subset_verifies_only_what_it_names(inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any,
                                              monkeypatch: Any) -> None:
    args = ["verify", "--inventory", str(inventory_file), "--model", "stable-image-core", "--format", "json",
            "--report-dir", str(tmp_path / "reports"), "--timeout", "2", "--deadline", "20"]
    code, out, err = maas(args, capsys, monkeypatch)
    assert code == 0, err
    report = json.loads(out)
    assert [e["model"] for e in report["endpoints"]] == ["stable-image-core"]
    assert report["summary"]["images"] == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "mars"], "--region 'mars' is not a catalog region"),
    (["--model", "sdxl"], "--model 'sdxl' is not a catalog model slug"),
    (["--endpoint", "nope"], "--endpoint nope: no such endpoint in"),
    (["--project", "other"], "no endpoint of"),
])
def test_a_subset_that_cannot_match_is_refused(args: list[str], message: str, inventory_file: Path, hostile: Any,
                                               capsys: Any, monkeypatch: Any) -> None:
    code, _, err = maas(["verify", "--inventory", str(inventory_file), *args], capsys, monkeypatch)
    assert code == 2 and message in err
    assert hostile.state.requests == []


def test_the_cost_guard_names_the_subset_options(inventory_file: Path, capsys: Any, monkeypatch: Any) -> None:
    code, _, err = maas(["verify", "--inventory", str(inventory_file), "--max-images", "1"], capsys, monkeypatch)
    assert code == 2
    assert "--region, --model, --project, --endpoint" in err and "--dry-run" in err


def test_config_without_dry_run_reads_that_stack_s_outputs(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi CLI here
    stack = write_stack(tmp_path, stack="staging")
    code, _, err = maas(["verify", "--config", str(stack)], capsys, monkeypatch)
    assert code == 2 and "--stack staging: the pulumi CLI is not on PATH" in err


def test_a_world_readable_inventory_with_keys_is_warned_about(inventory_file: Path, tmp_path: Path, capsys: Any,
                                                              monkeypatch: Any) -> None:
    inventory_file.chmod(0o644)
    args = ["verify", "--inventory", str(inventory_file), "--report-dir", str(tmp_path / "r"), "--timeout", "2"]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 0, err
    assert "readable by every user of this machine (mode 0644)" in err and "chmod 600" in err
    inventory_file.chmod(0o600)
    _, _, err = maas(args, capsys, monkeypatch)
    assert "readable by every user" not in err
