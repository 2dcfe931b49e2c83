"""`maas keys rotate --stack NAME --all`: every endpoint, one failing mid-way, Ctrl-C, and the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import MODELS
from infra.config import load_stack_file
from tests.support.fake_arm import SUB, FakeArm, write_stack
from tests.support.lifecycle_fleet import Planted, plan_units, plant

Maas = Callable[..., Any]


@pytest.fixture
def deployed(arm: FakeArm, tmp_path: Path) -> tuple[Path, list[Planted]]:
    arm.add_subscription(SUB)
    path = write_stack(tmp_path, regions=["eastus2"], models=list(MODELS))
    units, _ = plan_units(load_stack_file(path), SUB)
    return path, [plant(arm, SUB, unit) for unit in units]


def _keys(p: Planted) -> tuple[str, str]:
    assert p.endpoint is not None
    return p.endpoint.primary_key, p.endpoint.secondary_key


def test_rotate_all_continues_past_an_endpoint_failing_mid_way(arm: FakeArm, maas: Maas,
                                                              deployed: tuple[Path, list[Planted]]) -> None:
    path, planted = deployed
    before = {p.unit.name: _keys(p) for p in planted}
    # The workspace's own vault is not where the program keeps the keys: the plan says where they are.
    ws = planted[0].workspace
    ws.key_vault_id = arm.add_vault(SUB, ws.resource_group, "kv-workspace-own", ws.location).id
    broken = planted[1]
    # Key Vault refuses the new version mid-rotation: a secret soft-deleted out of band answers 409
    # Conflict ("...is currently in a deleted but recoverable state") — the endpoint's secondary key is
    # already new, the vault still holds the (valid) primary.
    arm.fail(409, "Conflict", f"Secret {broken.unit.secret_name} is currently in a deleted but recoverable state, "
             "and its name cannot be reused; in this state, the secret can only be recovered or purged.",
             method="PUT", path=f"/secrets/{broken.unit.secret_name}$", times=None)

    run = maas("keys", "rotate", "--config", str(path), "--all", "--grace", "0s", "--format", "json")
    assert run.code == 1, run.output
    doc = json.loads(run.stdout)
    status = {e["endpoint"]: e for e in doc["endpoints"]}
    assert [status[p.unit.name]["status"] for p in planted] == ["rotated", "failed", "rotated"]
    assert doc["summary"] == {"endpoints": 3, "rotated": 2, "failed": 1, "interrupted": 0, "not-started": 0,
                              "cancelled": False}
    for p in (planted[0], planted[2]):  # both keys new, vault on the fresh primary
        primary, secondary = _keys(p)
        assert primary != before[p.unit.name][0] and secondary != before[p.unit.name][1]
        secret = arm.secret(p.vault.id, p.unit.secret_name)
        assert secret is not None and secret.value == primary and secret.expires is not None
        assert status[p.unit.name]["keyVaultSecret"]["holds"] == "primary"
    primary, secondary = _keys(broken)
    assert primary == before[broken.unit.name][0] and secondary != before[broken.unit.name][1]
    assert arm.secret(broken.vault.id, broken.unit.secret_name).value == primary  # type: ignore[union-attr]
    failed = status[broken.unit.name]
    assert failed["halfDone"] is True and [s["action"] for s in failed["steps"]] == ["regenerate"]
    assert "Conflict" in " ".join(failed["error"])
    # The half-done report on stderr: which endpoint, what it did, which key consumers hold.
    report = [line for line in run.stderr.splitlines() if line.startswith("failed: ")]
    assert len(report) == 1 and broken.unit.name in report[0]
    assert "stopped after: regenerate secondary" in report[0] and "holds the primary key, which is valid" in report[0]
    assert "2 of 3 endpoint(s) rotated, 1 failed" in run.stderr
    assert "[1/3]" in run.stderr and "[3/3]" in run.stderr  # progress
    assert not any(k in run.output for p in planted for k in _keys(p))  # keys never printed


def test_ctrl_c_reports_where_it_stopped(arm: FakeArm, maas: Maas, deployed: tuple[Path, list[Planted]],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from provisioning.operations import keys

    path, planted = deployed
    original = keys.Rotation._store
    calls = {"n": 0}

    def store(self: Any, kind: Any, value: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # endpoint 2, after its secondary was regenerated and the vault moved to it
            original(self, kind, value)
            raise KeyboardInterrupt
        original(self, kind, value)

    monkeypatch.setattr(keys.Rotation, "_store", store)
    run = maas("keys", "rotate", "--config", str(path), "--all", "--no-grace", "--format", "json")
    assert run.code == 1, run.output
    assert json.loads(run.stdout)["summary"]["cancelled"] is True
    assert "1 of 3 endpoint(s) rotated, 1 interrupted, 1 not-started" in run.stderr
    interrupted = next(line for line in run.stderr.splitlines() if line.startswith("interrupted: "))
    assert planted[1].unit.name in interrupted and "holds the secondary key, which is valid" in interrupted
    assert any(line.startswith("not-started: ") and planted[2].unit.name in line for line in run.stderr.splitlines())
    secret = arm.secret(planted[1].vault.id, planted[1].unit.secret_name)
    assert secret is not None and secret.value == planted[1].endpoint.secondary_key  # type: ignore[union-attr]


@pytest.mark.parametrize(("args", "message"), [
    (["--all"], "Pulumi."),  # no stack given and none here
    (["--config", "STACK"], "with --stack NAME --all"),
    (["--config", "STACK", "--all", "some-endpoint"], "drop ENDPOINT"),
    (["--config", "STACK", "--all", "--dry-run"], "drop --dry-run"),
    (["--config", "STACK", "--all", "--key", "primary"], "drop --key"),
    (["--config", "STACK", "--all", "--grace", "ten minutes"], "--grace 'ten minutes' is not a duration"),
    (["--config", "STACK", "--all", "--grace", "1m", "--no-grace"], "either --grace DURATION or --no-grace"),
    (["some-endpoint"], "--resource-group and --workspace"),
])
def test_bad_rotate_all_input_exits_2_before_any_call(arm: FakeArm, maas: Maas, deployed: tuple[Path, list[Planted]],
                                                     args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    path, _ = deployed
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")  # no Pulumi.<stack>.yaml here
    run = maas("keys", "rotate", *[str(path) if a == "STACK" else a for a in args])
    assert run.code == 2 and message in run.stderr, run.output
    assert not arm.calls("POST") and not arm.calls("PUT")


def test_grace_durations() -> None:
    from provisioning.operations.keys_model import parse_duration

    assert [parse_duration(v, "--grace") for v in ("0", "90", "90s", "10m", "1.5h")] == [0, 90, 90, 600, 5400]


def test_one_endpoint_named_with_its_stack_rotates_the_key_where_the_program_keeps_it(
        arm: FakeArm, maas: Maas, deployed: tuple[Path, list[Planted]]) -> None:
    path, planted = deployed
    target = planted[0]
    ws = target.workspace
    ws.key_vault_id = arm.add_vault(SUB, ws.resource_group, "kv-workspace-own", ws.location).id  # not the keys vault
    run = maas("keys", "rotate", target.unit.name, "--config", str(path), "--region", target.unit.region, "--both",
               "--no-grace")
    assert run.code == 0, run.output
    secret = arm.secret(target.vault.id, target.unit.secret_name)
    assert secret is not None and secret.value == _keys(target)[0] and len(secret.history) == 2
