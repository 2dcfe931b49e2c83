"""The program against the fake ARM: the wait for role propagation, and the roles it defines and grants."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from infra import resource_types as t
from infra.propagation import (
    RoleDefinitionNotReady,
    RoleDefinitionReadyProvider,
    arm_reader,
    wait_for_role_definition,
)
from provisioning.plan.program import PlanResult
from tests.support.fake_arm import SUB, FakeArm
from tests.support.fake_clock import FakeClock

ROLE_GUID = "d089587c-4801-5885-9a37-766b7f1d84a3"
ROLE_ID = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_GUID}"
READY = "pulumi-python:dynamic/maas-fleet:RoleDefinitionReady"


def arm_client(arm: FakeArm) -> httpx.Client:
    return httpx.Client(base_url=os.environ["MAAS_ARM_ENDPOINT"],
                        verify=ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"]),
                        headers={"Authorization": f"Bearer {arm.token}"}, timeout=10)


def put_role(client: httpx.Client) -> httpx.Response:
    body = {"properties": {"roleName": "maas-fleet test deployer", "permissions": [{"actions": ["*/read"]}],
                           "assignableScopes": [f"/subscriptions/{SUB}"]}}
    return client.put(ROLE_ID, params={"api-version": "2022-04-01"}, json=body)


def put_assignment(client: httpx.Client, principal: str, principal_type: str | None = "Group") -> httpx.Response:
    props = {"roleDefinitionId": ROLE_ID, "principalId": principal}
    if principal_type:
        props["principalType"] = principal_type
    return client.put(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/"
                      "6f0c3f5e-4b1a-5d7e-9a53-2b8e1c7d4f10", params={"api-version": "2022-04-01"},
                      json={"properties": props})


def test_waits_until_arm_serves_the_definition_several_times_in_a_row(arm: FakeArm) -> None:
    arm.add_subscription(SUB)
    clock = FakeClock()
    arm.role_definition_lag = 7  # the fake's propagation window, counted in uses of the new definition
    with arm_client(arm) as client:
        assert put_role(client).status_code == 201
        # In the propagation window ARM refuses both the read and an assignment naming the role.
        early = put_assignment(client, "5e9f0c3a-8b21-4d6e-a7f4-2c1b9d8e3f20")
        assert early.status_code == 400 and early.json()["error"]["code"] == "RoleDefinitionDoesNotExist"
        waited = wait_for_role_definition(arm_reader(ROLE_ID), ROLE_ID, interval_s=5, consecutive=3,
                                          clock=clock, sleep=clock.sleep)
        # Six reads answered 404 (t=0..25), then 200 three times in a row (t=30, 35, 40).
        assert waited.reads == 9 and waited.seconds == 40
        statuses = [r.status for r in arm.calls("GET", "/roleDefinitions/")]
        assert statuses == [404] * 6 + [200] * 3
        assert put_assignment(client, "5e9f0c3a-8b21-4d6e-a7f4-2c1b9d8e3f20").status_code == 201


def test_a_principal_created_seconds_ago_needs_its_principal_type(arm: FakeArm) -> None:
    arm.add_subscription(SUB)
    fresh = "7c1d2e3f-0000-4000-8000-00000000beef"
    arm.new_principals.add(fresh)
    with arm_client(arm) as client:
        put_role(client)
        untyped = put_assignment(client, fresh, principal_type=None)
        assert untyped.status_code == 400 and untyped.json()["error"]["code"] == "PrincipalNotFound"
        assert put_assignment(client, fresh, principal_type="ServicePrincipal").status_code == 201


def test_gives_up_at_the_deadline_with_one_line_saying_what_to_do(arm: FakeArm) -> None:
    arm.add_subscription(SUB)
    clock = FakeClock()
    arm.role_definition_lag = 1000  # Azure slower than the deadline
    with arm_client(arm) as client:
        put_role(client)
    with pytest.raises(RoleDefinitionNotReady) as info:
        wait_for_role_definition(arm_reader(ROLE_ID), ROLE_ID, deadline_s=60, interval_s=5, clock=clock,
                                 sleep=clock.sleep)
    message = str(info.value)
    assert "\n" not in message and "within 60 s" in message and "HTTP 404" in message
    assert "run `pulumi up` again" in message
    assert clock.now - 1000.0 <= 60  # bounded: it never sleeps past the deadline
    assert arm.token not in message


def test_an_identity_that_cannot_read_definitions_is_told_at_once(arm: FakeArm) -> None:
    arm.add_subscription(SUB, grant_all=False)
    arm.set_permissions(f"/subscriptions/{SUB}", [{"actions": ["Microsoft.Authorization/roleDefinitions/write"]}])
    with pytest.raises(RoleDefinitionNotReady, match="HTTP 403") as info:
        wait_for_role_definition(arm_reader(ROLE_ID), ROLE_ID, clock=FakeClock(), sleep=lambda _: None)
    assert "Microsoft.Authorization/roleDefinitions/read" in str(info.value)
    assert len(arm.calls("GET", "/roleDefinitions/")) == 1  # no pointless polling


def test_no_token_stops_the_wait_with_one_line_and_no_answer_means_try_again(arm: FakeArm) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class NoToken:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token.\nAttempted: ...")

        get_token_info = get_token

    with pytest.raises(RoleDefinitionNotReady) as info:
        wait_for_role_definition(arm_reader(ROLE_ID, credential=NoToken()), ROLE_ID, clock=FakeClock(),
                                 sleep=lambda _: None)
    assert "\n" not in str(info.value) and "az login" in str(info.value)
    # Nothing listening: no answer is "not yet", until the deadline.
    closed = {"MAAS_ARM_ENDPOINT": "https://127.0.0.1:9", "MAAS_ACCESS_TOKEN": arm.token,
              "MAAS_ARM_RETRY_BACKOFF": "0.01"}
    clock = FakeClock()
    with pytest.raises(RoleDefinitionNotReady, match="within 10 s"):
        wait_for_role_definition(arm_reader(ROLE_ID, environ=closed), ROLE_ID, deadline_s=10, interval_s=5,
                                 clock=clock, sleep=clock.sleep)


def test_a_read_that_cannot_succeed_stops_at_once() -> None:
    answers = iter([404, 403])
    with pytest.raises(RoleDefinitionNotReady, match="HTTP 403.*roleDefinitions/read"):
        wait_for_role_definition(lambda: next(answers), ROLE_ID, clock=FakeClock(), sleep=lambda _: None)
    # Busy answers are "not yet", and any of them breaks a streak of 200s.
    answers = iter([200, 429, 200, 503, 200, 200, 200])
    waited = wait_for_role_definition(lambda: next(answers), ROLE_ID, clock=FakeClock(), sleep=lambda _: None)
    assert waited.reads == 7


def test_the_dynamic_provider_creates_once_the_definition_is_served(arm: FakeArm) -> None:
    arm.add_subscription(SUB)
    provider = RoleDefinitionReadyProvider()
    with arm_client(arm) as client:
        put_role(client)
    created = provider.create({"roleDefinitionId": ROLE_ID, "deadlineSeconds": 5, "intervalSeconds": 0.01})
    assert created.id == ROLE_ID and created.outs["reads"] == 3
    missing = ROLE_ID.replace(ROLE_GUID, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(RoleDefinitionNotReady):
        provider.create({"roleDefinitionId": missing, "deadlineSeconds": 0.05, "intervalSeconds": 0.01})
    # A new definition is waited for again; anything else is not a change in Azure.
    assert provider.diff(ROLE_ID, {"roleDefinitionId": ROLE_ID}, {"roleDefinitionId": missing}).replaces
    assert not provider.diff(ROLE_ID, {"roleDefinitionId": ROLE_ID, "deadlineSeconds": 300},
                             {"roleDefinitionId": ROLE_ID, "deadlineSeconds": 60}).changes


def test_plan_shows_definition_then_wait_then_assignment(fleet_plan: PlanResult) -> None:
    definitions = {r.name for r in fleet_plan.of_type(t.ROLE_DEFINITION)}
    waits = {r.name: r for r in fleet_plan.resources if r.type == READY}
    assert len(waits) == len(definitions) == 3
    for name, wait in waits.items():
        (definition,) = [d for d in wait.depends_on if d in definitions]
        assert name == f"{definition}-ready"
        assert wait.inputs["roleDefinitionId"].endswith(
            next(r.inputs["roleDefinitionId"] for r in fleet_plan.of_type(t.ROLE_DEFINITION)
                 if r.name == definition))
        assert "__provider" not in wait.inputs  # the pickled provider is code, not a planned input
    custom_ids = {str(r.inputs["roleDefinitionId"]) for r in fleet_plan.of_type(t.ROLE_DEFINITION)}
    custom = [a for a in fleet_plan.of_type(t.ROLE_ASSIGNMENT)
              if str(a.inputs["roleDefinitionId"]).rsplit("/", 1)[-1] in custom_ids]
    assert custom
    for assignment in custom:
        (wait,) = [d for d in assignment.depends_on if d in waits]
        assert wait.removesuffix("-ready") in assignment.depends_on
    # principalType is stated on every assignment, the workspace identities' included.
    for assignment in fleet_plan.of_type(t.ROLE_ASSIGNMENT):
        assert assignment.inputs.get("principalType") in {"User", "Group", "ServicePrincipal"}, assignment.name


def test_the_pickled_provider_loads_and_runs_in_a_fresh_interpreter(arm: FakeArm, tmp_path: Path) -> None:
    """What Pulumi's dynamic-provider process does: unpickle the provider Pulumi serialized in the program
    (dill, by reference to this module: pulumi/pulumi#7453) and call create. It must find infra in .venv."""
    from pulumi.dynamic.dynamic import serialize_provider

    arm.add_subscription(SUB)
    with arm_client(arm) as client:
        put_role(client)
    blob = tmp_path / "provider.b64"
    blob.write_text(serialize_provider(RoleDefinitionReadyProvider()))
    script = (
        "import base64, dill, sys, pathlib\n"
        "provider = dill.loads(base64.b64decode(pathlib.Path(sys.argv[1]).read_text()))\n"
        "created = provider.create({'roleDefinitionId': sys.argv[2], 'deadlineSeconds': 5, 'intervalSeconds': 0.01})\n"
        "print(created.outs['reads'])\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(blob), ROLE_ID], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""}, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "3"


def test_the_fake_arm_accepts_every_role_the_program_defines(arm: FakeArm, fleet_plan: PlanResult) -> None:
    """The fake validates role definitions against its snapshot of Azure's published operations
    (InvalidActionOrNotAction otherwise): the program's three roles, as planned, pass."""
    arm.add_subscription(SUB)
    with arm_client(arm) as client:
        for role in fleet_plan.of_type(t.ROLE_DEFINITION):
            body = {"properties": {"roleName": role.inputs["roleName"], "permissions": role.inputs["permissions"],
                                   "assignableScopes": [f"/subscriptions/{SUB}"]}}
            answer = client.put(f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
                                f"{role.inputs['roleDefinitionId']}", params={"api-version": "2022-04-01"}, json=body)
            assert answer.status_code == 201, answer.text


def test_the_workspace_identity_reads_its_own_vault_with_the_roles_the_program_grants(arm: FakeArm) -> None:
    """On the fake's RBAC-mode vault data plane: without a role the workspace identity gets 403; with the
    pair the program assigns it (Contributor + Key Vault Administrator) it reads its vault's secrets."""
    from tests.support import builtin_roles

    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg", "mlw", "eastus2")
    vault = arm.vaults[ws.key_vault_id.lower()]
    arm.put_secret(vault, "workspace-secret", "value-0123")
    path = f"/keyvault/{vault.name}/secrets/workspace-secret"
    with arm_client(arm) as client:
        identity = {"Authorization": f"Bearer {arm.principal_token(ws.principal_id)}"}
        assert client.get(path, params={"api-version": "7.4"}, headers=identity).status_code == 403
        arm.set_principal_permissions(ws.principal_id, vault.id,
                                      [builtin_roles.CONTRIBUTOR, builtin_roles.KEY_VAULT_ADMINISTRATOR])
        allowed = client.get(path, params={"api-version": "7.4"}, headers=identity)
        assert allowed.status_code == 200 and allowed.json()["value"] == "value-0123"
        # Contributor alone is control plane: it does not read the secret.
        arm.set_principal_permissions(ws.principal_id, vault.id, [builtin_roles.CONTRIBUTOR])
        assert client.get(path, params={"api-version": "7.4"}, headers=identity).status_code == 403
