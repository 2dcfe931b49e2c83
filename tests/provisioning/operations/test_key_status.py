"""`maas keys status`: age and expiry of every key of a stack, from Key Vault secret metadata (control plane)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import KEY_EXPIRY_WARNING_DAYS, KEY_LIFETIME_DAYS, MODELS
from infra.components.model_endpoint import key_expiry
from infra.config import load_stack_file
from tests.support.fake_arm import SUB, FakeArm, write_stack
from tests.support.lifecycle_fleet import plan_units, plant

Maas = Callable[..., Any]
DAY = 86_400


@pytest.fixture
def stack(arm: FakeArm, tmp_path: Path) -> Any:
    arm.add_subscription(SUB)
    path = write_stack(tmp_path, regions=["eastus2", "westus3"], models=list(MODELS))
    units, _ = plan_units(load_stack_file(path), SUB)
    return path, {(u.region, u.model): u for u in units}


def test_status_lists_fresh_expiring_expired_and_missing_keys(arm: FakeArm, maas: Maas, stack: Any) -> None:
    path, units = stack
    now = int(time.time())
    planted = {key: plant(arm, SUB, unit) for key, unit in units.items()}
    core, ultra, large = "stable-image-core", "stable-image-ultra", "stable-diffusion-3.5-large"
    planted[("eastus2", core)].secret.expires = now + (KEY_LIFETIME_DAYS - 5) * DAY  # type: ignore[union-attr]
    planted[("eastus2", core)].secret.updated = now - 5 * DAY  # type: ignore[union-attr]
    planted[("eastus2", ultra)].secret.expires = now + (KEY_EXPIRY_WARNING_DAYS - 1) * DAY  # type: ignore[union-attr]
    planted[("eastus2", large)].secret.expires = now - DAY  # type: ignore[union-attr]
    del arm.secrets[next(k for k, s in arm.secrets.items() if s is planted[("westus3", core)].secret)]
    # Written before keys carried an expiry: judged by age.
    planted[("westus3", ultra)].secret.updated = now - (KEY_LIFETIME_DAYS + 1) * DAY  # type: ignore[union-attr]
    planted[("westus3", large)].secret.expires = now + 60 * DAY  # type: ignore[union-attr]

    run = maas("keys", "status", "--config", str(path), "--format", "json")
    assert run.code == 1, run.output
    doc = json.loads(run.stdout)
    by = {(k["region"], k["endpoint"]): k for k in doc["keys"]}
    expected = {("eastus2", core): "ok", ("eastus2", ultra): "expiring", ("eastus2", large): "expired",
                ("westus3", core): "missing", ("westus3", ultra): "expired", ("westus3", large): "ok"}
    assert {key: by[(key[0], units[key].name)]["status"] for key in expected} == expected
    fresh = by[("eastus2", units[("eastus2", core)].name)]
    assert set(fresh) >= {"endpoint", "region", "project", "secretUri", "updated", "expires", "ageDays", "status"}
    assert fresh["ageDays"] == 5 and fresh["project"] == "main"
    assert fresh["secretUri"] == f"https://{units[('eastus2', core)].vault}.vault.azure.net/secrets/" \
                                 f"{units[('eastus2', core)].secret_name}"
    assert fresh["expires"].endswith("Z") and fresh["updated"].endswith("Z")
    missing = by[("westus3", units[("westus3", core)].name)]
    assert missing["updated"] is None and missing["expires"] is None and missing["ageDays"] is None
    aged = by[("westus3", units[("westus3", ultra)].name)]
    assert aged["expires"] is None and "no expiry" in aged["detail"]
    assert doc["summary"] == {"keys": 6, "ok": 2, "expiring": 1, "expired": 2, "missing": 1,
                              "lifetimeDays": KEY_LIFETIME_DAYS, "warningDays": KEY_EXPIRY_WARNING_DAYS}
    # Control plane only, one read per key, never a value.
    reads = arm.calls("GET", "/secrets/")
    assert len(reads) == 6 and all("/providers/Microsoft.KeyVault/vaults/" in r.path for r in reads)
    assert not any(p.secret and p.secret.value in run.output for p in planted.values())


def test_status_all_fresh_exits_zero_and_prints_a_table(arm: FakeArm, maas: Maas, stack: Any) -> None:
    path, units = stack
    for unit in units.values():
        plant(arm, SUB, unit).secret.expires = key_expiry()  # type: ignore[union-attr]  # what `pulumi up` sets
    run = maas("keys", "status", "--config", str(path))
    assert run.code == 0, run.output
    assert "6 key(s): 6 ok" in run.stderr and units[("eastus2", "stable-image-core")].name in run.stdout


def test_the_program_and_the_rotation_stamp_an_expiry(arm: FakeArm, maas: Maas, stack: Any) -> None:
    from datetime import UTC, datetime

    # The program: the lifetime from the start of the month, the same all month long (no churn).
    assert key_expiry(datetime(2026, 3, 1, tzinfo=UTC)) == key_expiry(datetime(2026, 3, 31, 23, 59, tzinfo=UTC))
    assert key_expiry(datetime(2026, 3, 17, tzinfo=UTC)) == int(datetime(2026, 5, 30, tzinfo=UTC).timestamp())
    # The rotation: a fresh key carries the full lifetime from when it was written.
    path, units = stack
    unit = units[("eastus2", "stable-image-core")]
    planted = plant(arm, SUB, unit)
    arm.workspaces[planted.workspace.id.lower()].key_vault_id = planted.vault.id
    before = int(time.time())
    run = maas("keys", "rotate", unit.name, "-g", unit.resource_group, "-w", unit.workspace, "--both", "--no-grace",
               "--subscription", SUB)
    assert run.code == 0, run.output
    secret = arm.secret(planted.vault.id, unit.secret_name)
    assert secret is not None and secret.value == planted.endpoint.primary_key  # type: ignore[union-attr]
    assert secret.expires is not None and before + KEY_LIFETIME_DAYS * DAY <= secret.expires <= \
        int(time.time()) + KEY_LIFETIME_DAYS * DAY
    status = json.loads(maas("keys", "status", "--config", str(path), "--format", "json").stdout)
    assert next(k for k in status["keys"] if k["endpoint"] == unit.name and k["region"] == "eastus2")["status"] == "ok"
