"""`maas endpoints`: the inventory of serverless endpoints as ARM reports it, and --inventory-out."""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_stack_file
from provisioning.inputs.inventory import load_inventory
from tests.support.fake_arm import OTHER_SUB, SUB, FakeArm, write_stack

Maas = Callable[..., Any]
FIELDS = {"name", "subscription", "region", "resourceGroup", "workspace", "model", "provisioningState",
          "contentSafety", "uri"}


def seed(arm: FakeArm, tmp_path: Path) -> list[Any]:
    arm.add_subscription(SUB)
    return arm.seed_fleet(load_stack_file(write_stack(tmp_path)), SUB)


def test_lists_every_endpoint_in_the_documented_shape(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    made = seed(arm, tmp_path)
    made[0].content_safety = "Disabled"
    made[1].provisioning_state = "Failed"
    run = maas("endpoints", "--subscription", SUB, "--format", "json")
    assert run.code == 0, run.output
    document = json.loads(run.stdout)
    assert set(document) == {"endpoints"}
    rows = document["endpoints"]
    assert len(rows) == 6 and all(set(r) == FIELDS for r in rows)
    by_name = {(r["region"], r["name"]): r for r in rows}
    first = by_name[(made[0].location, made[0].name)]
    assert first == {
        "name": made[0].name, "subscription": SUB, "region": made[0].location,
        "resourceGroup": made[0].workspace.resource_group, "workspace": made[0].workspace.name,
        "model": "stable-diffusion-3.5-large", "provisioningState": "Succeeded", "contentSafety": "Disabled",
        "uri": made[0].uri,
    }
    assert by_name[(made[1].location, made[1].name)]["provisioningState"] == "Failed"
    assert not any(e.primary_key in run.output or e.secondary_key in run.output for e in made)
    assert not arm.calls("POST", "listKeys")  # no keys read unless an inventory is asked for


def test_table_output(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    made = seed(arm, tmp_path)
    run = maas("endpoints", "--subscription", SUB)
    assert run.code == 0
    assert "6 serverless endpoint(s) in 2 workspace(s)" in run.stdout
    assert all(e.name in run.stdout for e in made)
    assert "content safety" in run.stdout


def test_pages_of_workspaces_and_endpoints_are_followed(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    seed(arm, tmp_path)
    arm.page_size = 1
    run = maas("endpoints", "--subscription", SUB, "--format", "json")
    assert run.code == 0
    assert len(json.loads(run.stdout)["endpoints"]) == 6
    assert any("$skipToken" in c.query for c in arm.calls("GET", "/resources$"))
    assert len(arm.calls("GET", "/serverlessEndpoints$")) == 2 * 3  # 3 pages per workspace


def test_several_subscriptions_and_foreign_models(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    seed(arm, tmp_path)
    arm.add_subscription(OTHER_SUB)
    ws = arm.add_workspace(OTHER_SUB, "rg-llm", "mlw-llm", "eastus")
    arm.add_endpoint(ws, "llama-chat", model_id="azureml://registries/azureml-meta/models/Llama-3-8B-chat")
    run = maas("endpoints", "--subscription", SUB, "--subscription", OTHER_SUB, "--format", "json")
    rows = json.loads(run.stdout)["endpoints"]
    assert len(rows) == 7
    llama = next(r for r in rows if r["name"] == "llama-chat")
    assert llama["subscription"] == OTHER_SUB
    assert llama["model"] == "azureml://registries/azureml-meta/models/Llama-3-8B-chat"
    table = maas("endpoints", "--subscription", SUB, "--subscription", OTHER_SUB)
    assert "subscri" in table.stdout and OTHER_SUB[:8] in table.stdout  # a subscription column (may fold)


def test_stack_scope_lists_only_its_workspaces_and_notes_missing_ones(arm: FakeArm, maas: Maas,
                                                                      tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    config = load_stack_file(write_stack(tmp_path, regions=["eastus2"]))
    arm.seed_fleet(config, SUB)
    stranger = arm.add_workspace(SUB, "rg-x", "mlw-x", "eastus2")
    arm.add_endpoint(stranger, "not-ours", "stable-image-core")
    run = maas("endpoints", "--config", str(write_stack(tmp_path)), "--format", "json")
    assert run.code == 0, run.output
    names = {r["name"] for r in json.loads(run.stdout)["endpoints"]}
    assert names == {config.namer.endpoint("main", m) for m in config.model_specs}
    assert all(n.startswith("contoso-dev-main-") for n in names)
    assert "1 of the stack's 2 workspace(s) do not exist yet: mlw-contoso-dev-main-wus3" in run.stderr
    assert not arm.calls("GET", "/resources$")  # the stack names its workspaces: no listing needed


def test_the_credentials_default_subscription_is_used(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    seed(arm, tmp_path)
    run = maas("endpoints", "--format", "json")
    assert run.code == 0
    assert {r["subscription"] for r in json.loads(run.stdout)["endpoints"]} == {SUB}
    assert arm.calls("GET", "^/subscriptions$")


def test_inventory_out_has_keys_mode_0600_and_loads_for_verify(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    made = seed(arm, tmp_path)
    ws = made[0].workspace
    arm.add_endpoint(ws, "foreign", model_id="azureml://registries/azureml-meta/models/Llama-3-8B-chat")
    out = tmp_path / "inventory.json"
    run = maas("endpoints", "--subscription", SUB, "--format", "json", "--inventory-out", str(out))
    assert run.code == 0, run.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entries = load_inventory(out)
    assert len(entries) == 6
    keys = {e.name: e.key.get_secret_value() for e in entries if e.key}
    assert keys == {e.name: e.primary_key for e in made}
    first = next(e for e in entries if e.name == made[0].name and e.region == made[0].location)
    assert (first.project, first.workspace, first.resource_group, first.uri) == (
        "main", ws.name, ws.resource_group, made[0].uri)
    assert "not in the inventory: foreign: model azureml://registries/azureml-meta" in run.stderr
    assert "wrote 6 endpoint(s) with keys" in run.stderr
    assert not any(e.primary_key in run.output or e.secondary_key in run.output for e in made)
    assert len(arm.calls("POST", "listKeys")) == 6


def test_an_unreadable_workspace_is_reported_and_fails_the_run(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    made = seed(arm, tmp_path)
    locked = made[0].workspace
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["*"], "notActions": [
        "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/read"]}])
    arm.set_permissions(made[-1].workspace.id, [{"actions": ["*"]}])
    run = maas("endpoints", "--subscription", SUB, "--format", "json")
    assert run.code == 1
    assert {r["workspace"] for r in json.loads(run.stdout)["endpoints"]} == {made[-1].workspace.name}
    line = next(x for x in run.stderr.splitlines() if "AuthorizationFailed" in x)
    assert line.startswith(f"listing serverless endpoints in workspace {locked.name}: HTTP 403 AuthorizationFailed")
    assert "deployer persona" in line


@pytest.mark.parametrize(("status", "code", "exit_code", "fragment"), [
    (401, "InvalidAuthenticationToken", 2, "az login"),
    (500, "InternalServerError", 1, "Azure support"),
])
def test_errors_listing_workspaces(arm: FakeArm, maas: Maas, tmp_path: Path, status: int, code: str,
                                   exit_code: int, fragment: str) -> None:
    seed(arm, tmp_path)
    arm.fail(status, code, "nope", method="GET", path="/resources$", times=None)
    run = maas("endpoints", "--subscription", SUB)
    assert run.code == exit_code
    assert run.stderr.count("\n") == 1 and fragment in run.stderr and "Traceback" not in run.output


@pytest.mark.parametrize(("target", "message"), [
    ("/nonexistent/dir/inv.json", "--inventory-out /nonexistent/dir/inv.json: directory /nonexistent/dir does not "
                                  "exist"),
    ("{tmp}", "--inventory-out {tmp}: is a directory; name a file"),
    ("{tmp}/afile/inv.json", "--inventory-out {tmp}/afile/inv.json: {tmp}/afile is not a directory"),
    # Not a device such as /dev/null: writing the inventory would chmod it to 0600 (as root, for everyone).
    ("{tmp}/sock", "--inventory-out {tmp}/sock: not a regular file; name a file"),
    # A link planted where the keys go (to a file the attacker reads, or one they want overwritten).
    ("{tmp}/link", "--inventory-out {tmp}/link: is a symbolic link; keys are never written through a link, "
                   "name the file itself"),
])
def test_an_unwritable_inventory_out_exits_2_before_any_azure_call(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                                   target: str, message: str) -> None:
    seed(arm, tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "afile")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
    before = len(arm.requests)
    run = maas("endpoints", "--subscription", SUB, "--inventory-out", target.format(tmp=tmp_path))
    assert run.code == 2, run.output
    assert run.stderr.strip() == message.format(tmp=tmp_path) and run.stdout == ""
    assert len(arm.requests) == before  # not one listing, not one key fetched
    assert "Traceback" not in run.output


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_refused_up_front(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    seed(arm, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    before = len(arm.requests)
    run = maas("endpoints", "--subscription", SUB, "--inventory-out", str(locked / "inv.json"))
    assert run.code == 2 and f"directory {locked} is not writable" in run.stderr
    assert len(arm.requests) == before


def test_a_write_failing_after_the_listing_is_one_line_without_keys(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills (or the directory goes away) between the check and the write."""
    import provisioning.private_files

    made = seed(arm, tmp_path)
    out = tmp_path / "inv.json"

    def full_disk(fd: int) -> None:  # the keys are in the temporary file when the disk refuses them
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(provisioning.private_files.os, "fsync", full_disk)
    run = maas("endpoints", "--subscription", SUB, "--format", "json", "--inventory-out", str(out))
    assert run.code == 2
    assert run.stderr.strip().splitlines()[-1] == (
        f"--inventory-out {out}: cannot write it (No space left on device); the endpoints above were listed, no "
        "inventory was written")
    assert "Traceback" not in run.output
    assert not any(e.primary_key in run.output or e.secondary_key in run.output for e in made)
    assert not out.exists()  # no half-written file of keys left behind
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".inv.json.")]  # nor its temporary file
    assert len(json.loads(run.stdout)["endpoints"]) == 6  # what was listed was still shown
