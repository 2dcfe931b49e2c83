"""`maas keys show|rotate ENDPOINT --stack NAME` (or `--config FILE`) against the fake ARM: the resource
group, workspace and subscription come from the stack; `rotate --dry-run` changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_stack_file
from infra.naming import Namer
from provisioning.redact import mask
from tests.support.fake_arm import SUB, FakeArm, write_stack

Maas = Callable[..., Any]


@pytest.fixture
def two_regions(arm: FakeArm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    arm.add_subscription(SUB)
    stack = write_stack(tmp_path, regions=["eastus2", "westus3"], models=["stable-image-core"])
    arm.seed_fleet(load_stack_file(stack), SUB)
    monkeypatch.chdir(tmp_path)
    return stack


def endpoint_in(arm: FakeArm, region: str) -> Any:
    return next(e for e in arm.endpoints.values() if e.location == region)


def test_show_by_stack_finds_the_workspace_and_subscription(two_regions: Path, arm: FakeArm, maas: Maas) -> None:
    endpoint = endpoint_in(arm, "westus3")
    run = maas("keys", "show", endpoint.name, "--stack", "dev", "--region", "westus3", "--format", "json")
    assert run.code == 0, run.output
    document = json.loads(run.stdout)
    assert document["workspace"] == endpoint.workspace.name
    assert document["resourceGroup"] == endpoint.workspace.resource_group
    assert document["primaryKey"] == mask(endpoint.primary_key)
    assert endpoint.primary_key not in run.output
    # the subscription came from the stack's azure-native:subscriptionId: no listing of subscriptions
    assert not arm.calls("GET", "^/subscriptions$")


def test_a_name_in_two_regions_needs_region(two_regions: Path, arm: FakeArm, maas: Maas) -> None:
    endpoint = endpoint_in(arm, "eastus2")
    before = len(arm.requests)
    run = maas("keys", "show", endpoint.name, "--config", str(two_regions))
    assert run.code == 2
    assert "deployed in 2 regions (eastus2, westus3); choose one with --region" in run.stderr
    assert len(arm.requests) == before  # refused before any call


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-endpoint", "--stack", "dev"], "is not declared by stack dev"),
    (["ep-x", "--resource-group", "rg-x"], "give both --resource-group and --workspace"),
    (["ep-x", "--stack", "dev", "--region", "mars"], "--region 'mars' is not a catalog region"),
])
def test_bad_addresses_are_one_line_before_any_call(two_regions: Path, arm: FakeArm, maas: Maas,
                                                    args: list[str], message: str) -> None:
    before = len(arm.requests)
    run = maas("keys", "show", *args)
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.output
    assert len(arm.requests) == before


def test_rotate_dry_run_says_what_it_would_do_and_changes_nothing(two_regions: Path, arm: FakeArm,
                                                                  maas: Maas) -> None:
    endpoint = endpoint_in(arm, "eastus2")
    keys = (endpoint.primary_key, endpoint.secondary_key)
    secret = arm.secret(endpoint.workspace.key_vault_id, Namer.key_secret(endpoint.name))
    assert secret is not None
    run = maas("keys", "rotate", endpoint.name, "--stack", "dev", "--region", "eastus2", "--both", "--dry-run",
               "--format", "json")
    assert run.code == 0, run.output
    document = json.loads(run.stdout)
    assert document["dryRun"] is True
    # The default grace (one consumer refresh interval) sits between moving the vault and the primary.
    assert [(s["action"], s["key"]) for s in document["steps"]] == [
        ("regenerate", "secondary"), ("store", "secondary"), ("wait", "primary"), ("regenerate", "primary"),
        ("store", "primary")]
    assert (endpoint.primary_key, endpoint.secondary_key) == keys
    assert secret.value == keys[0]
    assert not [r for r in arm.requests if r.method in ("PUT", "PATCH", "DELETE")]
    assert not arm.calls("POST", "regenerateKeys")


def test_rotate_by_stack_rotates_the_right_endpoint(two_regions: Path, arm: FakeArm, maas: Maas) -> None:
    east, west = endpoint_in(arm, "eastus2"), endpoint_in(arm, "westus3")
    west_keys = (west.primary_key, west.secondary_key)
    old_secondary = east.secondary_key
    run = maas("keys", "rotate", east.name, "--stack", "dev", "--region", "eastus2", "--key", "secondary")
    assert run.code == 0, run.output
    assert east.secondary_key != old_secondary
    assert (west.primary_key, west.secondary_key) == west_keys  # the other region's endpoint is untouched
    assert arm.calls("POST", "regenerateKeys")


def test_without_a_stack_or_flags_the_line_offers_both_ways(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_stack(tmp_path, stack="dev")
    write_stack(tmp_path, stack="prod")
    monkeypatch.chdir(tmp_path)
    run = maas("keys", "show", "contoso-dev-main-core")
    assert run.code == 2
    assert "--stack NAME or --config FILE" in run.stderr and "--resource-group and --workspace" in run.stderr
    assert not arm.requests
