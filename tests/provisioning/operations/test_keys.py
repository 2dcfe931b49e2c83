"""`maas keys show|rotate`: masked unless --reveal, rotation through regenerateKeys + Key Vault."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from infra.catalog import KEY_VAULT_SECRET_WRITE
from infra.config import load_stack_file
from infra.naming import Namer
from provisioning.inputs.inventory import load_inventory
from provisioning.redact import mask
from tests.support.fake_arm import SUB, Endpoint, FakeArm, Secret, arm_error, write_stack
from tests.support.fake_clock import FakeClock

Maas = Callable[..., Any]


@pytest.fixture(autouse=True)
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The rotation's clock and sleep: grace waits and Retry-After pauses pass at once, in order."""
    import provisioning.operations.keys as keys

    fake = FakeClock()
    monkeypatch.setattr(keys, "_clock", fake)
    monkeypatch.setattr(keys, "_sleep", fake.sleep)
    return fake


def deployed(arm: FakeArm, tmp_path: Path) -> tuple[Endpoint, Secret]:
    arm.add_subscription(SUB)
    made = arm.seed_fleet(load_stack_file(write_stack(tmp_path, regions=["eastus2"],
                                                      models=["stable-image-core"])), SUB)
    endpoint = made[0]
    secret = arm.secret(endpoint.workspace.key_vault_id, Namer.key_secret(endpoint.name))
    assert secret is not None and secret.value == endpoint.primary_key
    return endpoint, secret


@contextlib.contextmanager
def regenerate_then_fail(arm: FakeArm, endpoint: Endpoint, fresh_secondary: str, failure: Response) -> Iterator[None]:
    """regenerateKeys answers its first call (the secondary key becomes `fresh_secondary`) and every
    later one with `failure`: a rotation that stops half way. The route is gone afterwards."""
    calls = 0

    @arm.route("POST", r".*/regeneratekeys$")
    async def first_then_fail(fake: FakeArm, request: Any, groups: dict[str, str], body: Any) -> Response:
        nonlocal calls
        calls += 1
        if calls > 1:
            return failure
        endpoint.secondary_key = fresh_secondary
        return JSONResponse(endpoint.keys())

    try:
        yield
    finally:
        arm._extra_routes.clear()


def where(endpoint: Endpoint) -> list[str]:
    return [endpoint.name, "--resource-group", endpoint.workspace.resource_group,
            "--workspace", endpoint.workspace.name, "--subscription", SUB]


def no_keys_in(output: str, *keys: str) -> bool:
    return not any(k in output for k in keys)


def test_show_masks_keys_by_default(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, _ = deployed(arm, tmp_path)
    run = maas("keys", "show", *where(endpoint))
    assert run.code == 0, run.output
    assert no_keys_in(run.output, endpoint.primary_key, endpoint.secondary_key)
    assert mask(endpoint.primary_key) in run.stdout and mask(endpoint.secondary_key) in run.stdout
    assert "--reveal" in run.stderr
    assert "experimental" not in run.stderr  # azure-ai-ml's own stderr logger is silenced
    run = maas("keys", "show", *where(endpoint), "--format", "json")
    document = json.loads(run.stdout)
    assert document["primaryKey"] == mask(endpoint.primary_key) and document["revealed"] is False
    assert no_keys_in(run.output, endpoint.primary_key, endpoint.secondary_key)
    assert arm.calls("POST", "/listKeys$")[0].query["api-version"]  # through MLClient.get_keys


def test_show_reveal_prints_the_keys(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, _ = deployed(arm, tmp_path)
    run = maas("keys", "show", *where(endpoint), "--reveal", "--format", "json")
    assert run.code == 0
    document = json.loads(run.stdout)
    assert (document["primaryKey"], document["secondaryKey"]) == (endpoint.primary_key, endpoint.secondary_key)
    assert no_keys_in(run.stderr, endpoint.primary_key, endpoint.secondary_key)
    run = maas("keys", "show", *where(endpoint), "--reveal")
    assert endpoint.primary_key in run.stdout and endpoint.secondary_key in run.stdout


def test_show_unknown_endpoint_is_one_line(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, _ = deployed(arm, tmp_path)
    args = where(endpoint)
    args[0] = "no-such-endpoint"
    run = maas("keys", "show", *args)
    assert run.code == 1
    assert run.stderr.strip().startswith("reading the keys of endpoint no-such-endpoint: HTTP 404 ResourceNotFound")
    assert "Traceback" not in run.output


def test_rotate_secondary_leaves_the_vault_alone(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    primary, secondary, version = endpoint.primary_key, endpoint.secondary_key, secret.version
    run = maas("keys", "rotate", *where(endpoint), "--key", "secondary", "--format", "json")
    assert run.code == 0, run.output
    assert endpoint.primary_key == primary and endpoint.secondary_key != secondary
    assert secret.value == primary and secret.version == version
    steps = json.loads(run.stdout)["steps"]
    assert [(s["action"], s["key"]) for s in steps] == [("regenerate", "secondary")]
    assert "warning" not in run.stderr
    assert no_keys_in(run.output, primary, secondary, endpoint.secondary_key)
    body = arm.calls("POST", "/regenerateKeys$")[0].body
    assert body == {"keyType": "Secondary"}  # never a keyValue: that would set the key, not rotate it


def test_rotating_the_primary_moves_consumers_first(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                     fake_time: FakeClock) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    old_primary, old_secondary = endpoint.primary_key, endpoint.secondary_key
    run = maas("keys", "rotate", *where(endpoint), "--format", "json")
    assert run.code == 0, run.output
    assert "warning: consumers use the primary key" in run.stderr
    assert [c.body["keyType"] for c in arm.calls("POST", "/regenerateKeys$")] == ["Secondary", "Primary"]
    assert endpoint.primary_key != old_primary and endpoint.secondary_key != old_secondary
    # The vault went old primary -> fresh secondary -> fresh primary: consumers never held a dead key.
    assert secret.history == [old_primary, endpoint.secondary_key]
    assert secret.value == endpoint.primary_key
    assert secret.tags["maas-fleet-key"] == "primary"
    document = json.loads(run.stdout)
    # Consumers get one refresh interval (and a minute) to move to the fresh secondary by default.
    assert [(s["action"], s["key"]) for s in document["steps"]] == [
        ("regenerate", "secondary"), ("key-vault", "secondary"), ("wait", ""), ("regenerate", "primary"),
        ("key-vault", "primary")]
    assert document["steps"][2]["detail"] == "gave consumers 360 s to pick up the new key"
    assert sum(fake_time.slept) >= 360
    assert document["keyVaultSecret"]["holds"] == "primary"
    assert no_keys_in(run.output, old_primary, old_secondary, endpoint.primary_key, endpoint.secondary_key)


def test_both_is_the_two_step_rotation_without_warning(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    old_primary = endpoint.primary_key
    run = maas("keys", "rotate", *where(endpoint), "--both")
    assert run.code == 0, run.output
    assert "warning" not in run.stderr
    assert secret.history == [old_primary, endpoint.secondary_key] and secret.value == endpoint.primary_key
    assert "Key Vault secret" in run.stdout and "holds the primary key" in run.stdout
    assert no_keys_in(run.output, old_primary, endpoint.primary_key, endpoint.secondary_key)


def test_rotation_with_202_and_polling(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    arm.async_regenerate(polls=2)
    run = maas("keys", "rotate", *where(endpoint), "--both", "--format", "json")
    assert run.code == 0, run.output
    assert len(arm.calls("GET", "mfeOperationsStatus")) == 4  # 2 polls x 2 regenerations
    assert secret.value == endpoint.primary_key and secret.history[-1] == endpoint.secondary_key


def test_a_vault_left_on_the_secondary_is_handled(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    secret.value, secret.tags = endpoint.secondary_key, {"maas-fleet-key": "secondary"}
    run = maas("keys", "rotate", *where(endpoint), "--key", "primary", "--format", "json")
    assert run.code == 0, run.output
    assert "warning" not in run.stderr  # consumers hold the secondary: the primary is free to rotate
    assert [c.body["keyType"] for c in arm.calls("POST", "/regenerateKeys$")] == ["Primary"]
    assert secret.value == endpoint.primary_key and secret.tags["maas-fleet-key"] == "primary"


def test_missing_vault_permission_refuses_before_any_change(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    before = (endpoint.primary_key, endpoint.secondary_key, secret.value)
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["*"], "notActions": [KEY_VAULT_SECRET_WRITE]}])
    run = maas("keys", "rotate", *where(endpoint), "--both")
    assert run.code == 1
    assert "refused, nothing changed" in run.stderr
    assert f"missing {KEY_VAULT_SECRET_WRITE}" in run.stderr and "Key Vault Contributor" in run.stderr
    assert (endpoint.primary_key, endpoint.secondary_key, secret.value) == before
    assert not arm.calls("POST", "/regenerateKeys$")


def test_a_failure_half_way_says_where_it_stopped(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    with regenerate_then_fail(arm, endpoint, "fresh-secondary-key-0001",
                              arm_error(409, "Conflict", "The endpoint is being updated.")):
        run = maas("keys", "rotate", *where(endpoint), "--both")
    assert run.code == 1
    assert "HTTP 409 Conflict" in run.stderr
    assert "rotation stopped after: regenerate secondary; key-vault secondary" in run.stderr
    assert f"Key Vault secret {secret.name} holds the secondary key, which is valid" in run.stderr
    assert secret.value == "fresh-secondary-key-0001"
    assert "fresh-secondary-key-0001" not in run.output


def test_endpoints_without_a_vault_secret_still_rotate(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg-hand", "mlw-hand", "eastus2")
    endpoint = arm.add_endpoint(ws, "hand-made", "stable-image-ultra")
    old = endpoint.primary_key
    run = maas("keys", "rotate", "hand-made", "-g", "rg-hand", "-w", "mlw-hand", "--subscription", SUB)
    assert run.code == 0, run.output
    assert "no Key Vault secret hand-made-key" in run.stderr and "only the endpoint's keys change" in run.stderr
    assert endpoint.primary_key != old
    assert not arm.calls("PUT", "/secrets/")


@pytest.mark.parametrize(("args", "message"), [
    (["--key", "tertiary"], "--key 'tertiary' is not one of"),
    (["--key", "primary", "--both"], "either --key or --both"),
    (["--grace", "-1"], "--grace"),
])
def test_bad_rotate_options_exit_2(arm: FakeArm, maas: Maas, tmp_path: Path, args: list[str], message: str) -> None:
    endpoint, _ = deployed(arm, tmp_path)
    run = maas("keys", "rotate", *where(endpoint), *args)
    assert run.code == 2 and message in run.stderr
    assert not arm.calls("POST", "/regenerateKeys$")


def test_bad_names_exit_2_before_any_call(arm: FakeArm, maas: Maas) -> None:
    run = maas("keys", "show", "1-bad", "-g", "rg", "-w", "ws", "--subscription", SUB)
    assert run.code == 2 and "serverless endpoint name '1-bad'" in run.stderr
    assert not arm.requests


def notes(run: Any) -> list[str]:
    return [line.removeprefix("note: ") for line in run.stderr.splitlines() if line.startswith("note: ")]


@pytest.mark.parametrize("output", ["table", "json"])
def test_rotating_the_primary_says_the_stack_output_is_stale_until_the_next_up(
        arm: FakeArm, maas: Maas, tmp_path: Path, output: str) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    old_primary = endpoint.primary_key
    run = maas("keys", "rotate", *where(endpoint), "--both", "--format", output)
    assert run.code == 0, run.output
    said = notes(run)
    assert said[0] == (f"Key Vault secret {secret.name} now holds the primary key (version {secret.version}), the "
                       "one consumers read")
    assert said[1].startswith(f"the stack output endpoints[].key still holds the old primary key of {endpoint.name} "
                              "until the next `pulumi up` refreshes it, so `maas verify --stack` fails auth")
    assert "`maas endpoints --inventory-out FILE` then `maas verify --inventory FILE`" in said[1]
    assert run.stderr.rstrip().endswith(said[-1])  # the last thing the command says
    assert no_keys_in(run.output, old_primary, endpoint.primary_key, endpoint.secondary_key)
    # The advice holds: an inventory written now carries the fresh primary key.
    out = tmp_path / "inventory.json"
    listed = maas("endpoints", "--subscription", SUB, "--inventory-out", str(out))
    assert listed.code == 0, listed.output
    [entry] = load_inventory(out)
    assert entry.key is not None and entry.key.get_secret_value() == endpoint.primary_key != old_primary


def test_rotating_the_secondary_says_the_stack_output_is_still_valid(arm: FakeArm, maas: Maas,
                                                                     tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    run = maas("keys", "rotate", *where(endpoint), "--key", "secondary")
    assert run.code == 0, run.output
    assert notes(run) == [
        f"Key Vault secret {secret.name} now holds the primary key (version {secret.version}), the one consumers read",
        "the stack output endpoints[].key holds the primary key, which did not change; stack outputs refresh on the "
        "next `pulumi up` as always"]


def test_rotation_without_a_vault_secret_still_notes_the_stack_output(arm: FakeArm, maas: Maas) -> None:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg-hand", "mlw-hand", "eastus2")
    arm.add_endpoint(ws, "hand-made", "stable-image-ultra")
    run = maas("keys", "rotate", "hand-made", "-g", "rg-hand", "-w", "mlw-hand", "--subscription", SUB)
    assert run.code == 0, run.output
    said = notes(run)
    assert said[0] == "no Key Vault secret was updated (none exists for this endpoint)"
    assert "still holds the old primary key of hand-made" in said[1]


# ------------------------------------------------------------------ grace, deadline, Ctrl-C, permissions


@pytest.mark.parametrize(("args", "wait"), [
    (["--no-grace"], None),
    (["--grace", "90s"], "gave consumers 90 s to pick up the new key"),
    (["--grace", "1h30m"], "gave consumers 5400 s to pick up the new key"),
    (["--grace", "0"], None),
])
def test_grace_is_configurable_and_no_grace_is_explicit(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                         args: list[str], wait: str | None) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    run = maas("keys", "rotate", *where(endpoint), "--both", "--format", "json", *args)
    assert run.code == 0, run.output
    waits = [s["detail"] for s in json.loads(run.stdout)["steps"] if s["action"] == "wait"]
    assert waits == ([wait] if wait else [])
    assert secret.value == endpoint.primary_key


@pytest.mark.parametrize(("args", "message"), [
    (["--grace", "10m", "--no-grace"], "use either --grace DURATION or --no-grace, not both"),
    (["--grace", "soon"], "--grace 'soon' is not a duration (seconds, or e.g. 90s, 10m, 1h, 1h30m)"),
])
def test_bad_grace_is_one_line_exit_2_before_any_call(arm: FakeArm, maas: Maas, tmp_path: Path, args: list[str],
                                                      message: str) -> None:
    endpoint, _ = deployed(arm, tmp_path)
    before = len(arm.requests)
    run = maas("keys", "rotate", *where(endpoint), *args)
    assert run.code == 2 and run.stderr.strip() == message
    assert len(arm.requests) == before


def test_timeout_is_a_deadline_even_against_retry_after(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                        fake_time: FakeClock) -> None:
    """`--regenerate-timeout 5` against `Retry-After: 10` on every regenerateKeys: one attempt, no 10 s pause, nothing
    changed, one line (azure-core's own retries would have slept 10 s three times)."""
    endpoint, secret = deployed(arm, tmp_path)
    before = (endpoint.primary_key, endpoint.secondary_key, secret.value)
    arm.fail(429, "TooManyRequests", "slow down", method="POST", path="/regenerateKeys$", times=None,
             headers={"Retry-After": "10"})
    run = maas("keys", "rotate", *where(endpoint), "--both", "--regenerate-timeout", "5")
    assert run.code == 1, run.output
    assert len(arm.calls("POST", "/regenerateKeys$")) == 1 and fake_time.slept == []
    assert (f"regenerating the secondary key of endpoint {endpoint.name}: not done within --regenerate-timeout 5 s "
            "(HTTP 429, Azure asked to retry after 10 s)") in run.stderr
    assert (endpoint.primary_key, endpoint.secondary_key, secret.value) == before
    assert "Traceback" not in run.output


def test_short_retry_afters_are_waited_inside_the_deadline(arm: FakeArm, maas: Maas, tmp_path: Path,
                                                           fake_time: FakeClock) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    arm.fail(429, "TooManyRequests", "slow down", method="POST", path="/regenerateKeys$", times=2,
             headers={"Retry-After": "2"})
    run = maas("keys", "rotate", *where(endpoint), "--both", "--no-grace", "--regenerate-timeout", "60")
    assert run.code == 0, run.output
    assert fake_time.slept == [2.0, 2.0] and secret.value == endpoint.primary_key


def test_a_deadline_half_way_names_the_finishing_command(arm: FakeArm, maas: Maas, tmp_path: Path) -> None:
    endpoint, secret = deployed(arm, tmp_path)
    with regenerate_then_fail(arm, endpoint, "fresh-secondary-key-0002",
                              arm_error(429, "TooManyRequests", "slow down", headers={"Retry-After": "600"})):
        run = maas("keys", "rotate", *where(endpoint), "--both", "--regenerate-timeout", "30", "--no-grace")
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert "rotation stopped after: regenerate secondary; key-vault secondary" in run.stderr
    assert lines[-1] == (f"to finish: maas keys rotate {endpoint.name} --resource-group "
                         f"{endpoint.workspace.resource_group} --workspace {endpoint.workspace.name} "
                         f"--subscription {SUB} --key primary")
    assert secret.value == "fresh-secondary-key-0002" and "fresh-secondary-key-0002" not in run.output


def test_ctrl_c_in_the_grace_wait_prints_the_state_and_the_finishing_command(
    arm: FakeArm, maas: Maas, tmp_path: Path, fake_time: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import provisioning.operations.keys as keys

    endpoint, secret = deployed(arm, tmp_path)

    def interrupted_after_a_minute(seconds: float) -> None:
        fake_time.sleep(seconds)
        if fake_time.now >= 1060:
            raise KeyboardInterrupt

    monkeypatch.setattr(keys, "_sleep", interrupted_after_a_minute)
    run = maas("keys", "rotate", *where(endpoint))
    assert run.code == 1 and "Traceback" not in run.output
    assert "interrupted (Ctrl-C)" in run.stderr
    assert "rotation stopped after: regenerate secondary; key-vault secondary" in run.stderr
    assert f"Key Vault secret {secret.name} holds the secondary key, which is valid" in run.stderr
    finish = run.stderr.strip().splitlines()[-1]
    assert finish.startswith(f"to finish: maas keys rotate {endpoint.name} ") and "--key primary" in finish
    assert "consumers may hold the old key for up to 300 s more" in finish
    assert [c.body["keyType"] for c in arm.calls("POST", "/regenerateKeys$")] == ["Secondary"]
    assert secret.value == endpoint.secondary_key


@pytest.mark.parametrize(("scope", "not_actions", "calls_allowed"), [
    ("workspace", ["Microsoft.MachineLearningServices/workspaces/read"], []),
    ("workspace", ["Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/listKeys/action"], []),
    ("vault", ["Microsoft.KeyVault/vaults/secrets/read"], ["workspace"]),
])
def test_every_permission_is_checked_before_the_first_call_that_needs_it(
    arm: FakeArm, maas: Maas, tmp_path: Path, scope: str, not_actions: list[str], calls_allowed: list[str]
) -> None:
    """No raw 403: a missing permission is a refusal listing it, and no call needing it was made."""
    endpoint, secret = deployed(arm, tmp_path)
    arm.enforce_rbac = True
    target = endpoint.workspace.id if scope == "workspace" else endpoint.workspace.key_vault_id
    arm.set_permissions(target, [{"actions": ["*"], "notActions": not_actions}])
    arm.set_permissions(f"/subscriptions/{SUB}", [])
    if scope == "vault":
        arm.set_permissions(endpoint.workspace.id, [{"actions": ["*"]}])
    run = maas("keys", "rotate", *where(endpoint), "--both")
    assert run.code == 1, run.output
    assert "refused, nothing changed" in run.stderr and f"missing {not_actions[0]}" in run.stderr
    assert "AuthorizationFailed" not in run.output and "403" not in run.output
    made = [c for c in arm.requests if "/providers/microsoft.authorization/permissions" not in c.path.lower()]
    assert ["workspace" for c in made if c.path.lower() == endpoint.workspace.id.lower()] == calls_allowed
    assert not [c for c in made if "/secrets/" in c.path.lower() or "serverlessendpoints" in c.path.lower()]
    assert secret.value == endpoint.primary_key
