"""The ARM pipeline against the fake: paging, retries with Retry-After, LROs, TLS, link safety."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from provisioning.azure.arm import ArmResponse, parse_retry_after
from provisioning.azure.errors import ArmError
from provisioning.azure.resource_ids import ArmId
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.errors import ExitCode
from tests.support.fake_arm import SUB, FakeArm, FakeArmServer, write_stack


def _endpoints_path(arm: FakeArm, n: int) -> str:
    arm.add_subscription(SUB)
    ws = arm.add_workspace(SUB, "rg-a", "ws-a", "eastus2")
    for i in range(n):
        arm.add_endpoint(ws, f"ep-{i:02d}", "stable-image-core")
    return f"{ws.id}/serverlessEndpoints"


def test_list_follows_next_link_until_the_end(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 5)
    arm.page_size = 2
    with AzureSession() as session:
        names = [e["name"] for e in session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing")]
    assert names == [f"ep-{i:02d}" for i in range(5)]
    calls = arm.calls("GET", "/serverlessEndpoints$")
    assert len(calls) == 3
    assert all(c.query.get("api-version") == ApiVersion.MACHINE_LEARNING for c in calls)
    assert [c.query.get("$skipToken") for c in calls] == [None, "2", "4"]


def test_a_next_link_to_another_host_is_refused(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.fail(200, method="GET", path="/serverlessEndpoints$",
             body={"value": [], "nextLink": "https://evil.example/steal?api-version=1"})
    with AzureSession() as session, pytest.raises(ArmError, match="refusing to send the token"):
        list(session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing"))
    assert not any("evil" in c.path for c in arm.requests)


def test_429_retry_after_is_honoured(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.fail(429, "TooManyRequests", "slow down", method="GET", path="/serverlessEndpoints$",
             headers={"Retry-After": "1"})
    with AzureSession() as session:
        items = list(session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing"))
    assert len(items) == 1
    first, second = arm.calls("GET", "/serverlessEndpoints$")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # waited what the server asked, not the (tiny) test backoff


def test_transient_500s_are_retried_and_persistent_ones_reported(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.fail(500, "InternalServerError", "blip", method="GET", path="/serverlessEndpoints$", times=2)
    with AzureSession() as session:
        assert len(list(session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing"))) == 1
        arm.fail(500, "InternalServerError", "down", method="GET", path="/serverlessEndpoints$", times=None)
        with pytest.raises(ArmError) as err:
            list(session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing endpoints"))
    line = str(err.value)
    assert line.startswith("listing endpoints: HTTP 500 InternalServerError: down -> ")
    assert "request id" in line
    assert len(arm.calls("GET", "/serverlessEndpoints$")) == 3 + 4  # 2 failures + success, then 1 + 3 status retries


def test_every_request_carries_the_bearer_token_and_an_api_version(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.accepted_tokens = {"someone-else"}
    with AzureSession() as session, pytest.raises(ArmError) as err:
        session.arm.get(path, ApiVersion.MACHINE_LEARNING, what="listing")
    assert err.value.exit_code == ExitCode.BAD_INPUT and "InvalidAuthenticationToken" in str(err.value)
    assert arm.token not in str(err.value)


def _regenerate(session: AzureSession, arm: FakeArm, timeout: float = 10) -> ArmResponse | None:
    ws = next(iter(arm.workspaces.values()))
    url = f"{ws.id}/serverlessEndpoints/ep-00/regenerateKeys"
    answer = session.arm.post(url, ApiVersion.MACHINE_LEARNING, {"keyType": "Secondary"}, what="regenerating")
    assert answer.status == 202
    return session.arm.wait(answer, method="POST", what="regenerating", timeout=timeout)


def test_202_with_azure_async_operation_is_polled_to_its_result(arm: FakeArm) -> None:
    _endpoints_path(arm, 1)
    endpoint = next(iter(arm.endpoints.values()))
    old = endpoint.secondary_key
    arm.async_regenerate(polls=3)
    with AzureSession() as session:
        final = _regenerate(session, arm)
    assert final is not None and final.body["secondaryKey"] == endpoint.secondary_key != old
    assert len(arm.calls("GET", "mfeOperationsStatus")) == 3
    assert len(arm.calls("GET", "mfeOperationResults")) == 1


def test_a_failed_operation_is_an_error(arm: FakeArm) -> None:
    _endpoints_path(arm, 1)
    arm.async_regenerate(polls=1, final="Failed")
    with AzureSession() as session, pytest.raises(ArmError, match="regenerating: .*key regeneration failed"):
        _regenerate(session, arm)


def test_an_operation_that_never_ends_times_out(arm: FakeArm) -> None:
    _endpoints_path(arm, 1)
    arm.async_regenerate(polls=10_000)
    with AzureSession() as session, pytest.raises(ArmError) as err:
        _regenerate(session, arm, timeout=0.3)
    assert "did not finish within 0.3 s" in str(err.value) and "--regenerate-timeout" in str(err.value)


def test_location_only_operations_are_polled(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.async_regenerate(polls=2)
    with AzureSession() as session:
        answer = session.arm.post(f"{path}/ep-00/regenerateKeys", ApiVersion.MACHINE_LEARNING,
                                  {"keyType": "Primary"}, what="regenerating")
        location_only = ArmResponse(202, {"Location": answer.header("Location") or ""}, None, answer.url)
        final = session.arm.wait(location_only, method="POST", what="regenerating", timeout=10)
    assert final is not None and final.status == 200 and "primaryKey" in final.body


def test_untrusted_certificate_is_a_clear_tls_error(arm: FakeArm, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: object) -> None:
    arm.add_subscription(SUB)
    other = FakeArmServer()  # a CA nobody trusts
    try:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_path))
        with AzureSession() as session, pytest.raises(ArmError) as err:
            session.arm.get(f"/subscriptions/{SUB}", "2022-12-01", what="reading the subscription")
    finally:
        other.stop()
    assert err.value.exit_code == ExitCode.BAD_INPUT
    assert "REQUESTS_CA_BUNDLE" in str(err.value)


def test_ssl_cert_file_is_honoured_too(arm: FakeArm, monkeypatch: pytest.MonkeyPatch,
                                       fake_arm_server: FakeArmServer) -> None:
    arm.add_subscription(SUB)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.setenv("SSL_CERT_FILE", str(fake_arm_server.ca_path))
    ws = arm.add_workspace(SUB, "rg", "ws", "eastus2")
    endpoint = arm.add_endpoint(ws, "ep", "stable-image-core")
    with AzureSession() as session:
        assert session.arm.get(f"/subscriptions/{SUB}", "2022-12-01", what="x").body["subscriptionId"] == SUB
        assert session.subscriptions().subscriptions.get(SUB).display_name
        keys = session.ml(SUB, "rg", "ws").serverless_endpoints.get_keys("ep")  # MLClient too
        assert keys.primary_key == endpoint.primary_key


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_arm_ids_round_trip() -> None:
    raw = ("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/"
           "serverlessEndpoints/ep")
    rid = ArmId.parse(raw)
    assert (rid.subscription, rid.resource_group, rid.name) == ("s", "rg", "ep")
    assert rid.type == "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"
    assert str(rid) == raw and str(rid.parent()).endswith("/workspaces/ws")
    with pytest.raises(ValueError):
        ArmId.parse("/not/an/id")


@pytest.mark.parametrize(("body", "location", "code", "hint"), [
    ({"modelSettings": {"modelId": "stabilityai/sd3-offer"}}, "eastus2", "ServerlessOfferNotFound",
     "azureml://registries/azureml-stabilityai/models/"),
    ({"modelSettings": {"modelId": "azureml://registries/azureml-stabilityai/models/Stable-Image-Core"}},
     "westeurope", "ServerlessModelNotAvailableInRegion", "catalog's regions"),
])
def test_the_fakes_real_validation_errors_are_translated(arm: FakeArm, body: dict[str, object], location: str,
                                                         code: str, hint: str) -> None:
    path = _endpoints_path(arm, 0)
    with AzureSession() as session, pytest.raises(ArmError) as err:
        session.arm.put(f"{path}/new-ep", ApiVersion.MACHINE_LEARNING,
                        {"location": location, "sku": {"name": "Consumption"}, "properties": body},
                        what="creating endpoint new-ep")
    assert f"creating endpoint new-ep: HTTP 400 {code}: " in str(err.value) and hint in str(err.value)


def test_an_unregistered_provider_is_translated_to_preflight_fix(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    arm.set_provider(SUB, "Microsoft.MachineLearningServices", "NotRegistered")
    with AzureSession() as session, pytest.raises(ArmError) as err:
        session.arm.get(path, ApiVersion.MACHINE_LEARNING, what="listing endpoints")
    line = str(err.value)
    assert "HTTP 409 MissingSubscriptionRegistration" in line
    assert "register Microsoft.MachineLearningServices: run `maas preflight --fix`" in line


def test_sdk_clients_errors_are_translated_too(arm: FakeArm) -> None:
    from azure.core.exceptions import HttpResponseError

    from provisioning.azure.errors import from_sdk_error

    arm.add_subscription(SUB)
    arm.fail(409, "Conflict", "Another operation is in progress.", method="GET", path=r"/providers$")
    with AzureSession() as session, pytest.raises(HttpResponseError) as raised:
        list(session.resources(SUB).providers.list())
    line = str(from_sdk_error(raised.value, "listing providers"))
    assert line.startswith("listing providers: HTTP 409 Conflict: Another operation is in progress. -> ")
    assert "wait and retry" in line


def test_an_unreachable_endpoint_is_one_line_and_exit_2(arm: FakeArm, maas: Any, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MAAS_ARM_ENDPOINT", f"https://127.0.0.1:{port}")
    monkeypatch.setenv("MAAS_ARM_RETRY_BACKOFF", "0")
    run = maas("endpoints", "--subscription", SUB)
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and "cannot reach Azure Resource Manager" in run.stderr
    assert f"127.0.0.1:{port}" in run.stderr and "Traceback" not in run.output
    run = maas("preflight", "--config", str(write_stack(tmp_path)))
    assert run.code == 2 and "cannot reach Azure Resource Manager" in run.stderr


def test_next_links_with_an_explicit_default_port_are_followed(arm: FakeArm) -> None:
    from provisioning.azure.arm import ArmRest
    from provisioning.azure.session import AzureSettings

    rest = ArmRest(AzureSettings("https://management.azure.com"), credential=None)
    try:
        assert rest._url("https://management.azure.com:443/x?a=1") == "https://management.azure.com:443/x?a=1"
        with pytest.raises(ArmError):
            rest._url("https://management.azure.com.evil.example/x")
        with pytest.raises(ArmError):
            rest._url("https://management.azure.com:8443/x")
    finally:
        rest.close()


def test_fake_resource_graph_rows_cover_everything(arm: FakeArm) -> None:
    _endpoints_path(arm, 2)
    ws = next(iter(arm.workspaces.values()))
    arm.add_marketplace_subscription(ws, "Stable-Image-Core",
                                     "azureml://registries/azureml-stabilityai/models/Stable-Image-Core")
    rows = arm.resource_rows([SUB])
    assert {r["type"] for r in rows} == {"microsoft.machinelearningservices/workspaces",
                                         "microsoft.machinelearningservices/workspaces/serverlessendpoints",
                                         "microsoft.machinelearningservices/workspaces/marketplacesubscriptions"}
    endpoint = next(r for r in rows if r["name"] == "ep-00")
    assert endpoint["resourceGroup"] == "rg-a" and endpoint["properties"]["contentSafety"]["contentSafetyStatus"]
    assert arm.resource_rows(["00000000-0000-0000-0000-000000000000"]) == []


@pytest.mark.parametrize("header", ["Azure-AsyncOperation", "Location"])
def test_an_operation_link_to_another_host_is_refused_while_polling(arm: FakeArm, header: str) -> None:
    path = _endpoints_path(arm, 1)
    with AzureSession() as session:
        answer = ArmResponse(202, {header: "https://evil.example/operations/1?api-version=1"}, None,
                             f"{session.settings.arm_endpoint}{path}/ep-00/regenerateKeys")
        with pytest.raises(ArmError, match="refusing to send the token to https://evil.example"):
            session.arm.wait(answer, method="POST", what="regenerating", timeout=10)
    assert not any("evil" in c.path or "operations/1" in c.path for c in arm.requests)


def test_a_large_retry_after_does_not_outlive_the_deadline(arm: FakeArm) -> None:
    _endpoints_path(arm, 1)
    arm.async_regenerate(polls=10_000)
    arm.fail(200, method="GET", path="mfeOperationsStatus", times=None, headers={"Retry-After": "3600"},
             body={"status": "InProgress"})
    with AzureSession() as session, pytest.raises(ArmError) as err:
        _regenerate(session, arm, timeout=0.3)
    assert "did not finish within 0.3 s" in str(err.value)
    assert len(arm.calls("GET", "mfeOperationsStatus")) >= 1


def test_polls_and_pages_count_as_calls(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 3)
    arm.page_size = 1
    arm.async_regenerate(polls=2)
    with AzureSession() as session:
        assert len(list(session.arm.list(path, ApiVersion.MACHINE_LEARNING, what="listing"))) == 3
        assert session.arm.calls == 3
        _regenerate(session, arm)
        assert session.arm.calls == 3 + 1 + 2 + 1  # the POST, two status polls, the result


def test_resource_ids_of_every_depth_round_trip() -> None:
    for raw in ("/subscriptions/s", "/subscriptions/s/resourceGroups/rg",
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/x"):
        assert str(ArmId.parse(raw)) == raw
    assert ArmId.parse("/subscriptions/s/resourceGroups/rg").name == "rg"
    with pytest.raises(ValueError):
        ArmId.parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults")


def test_a_put_whose_body_says_creating_is_polled_on_the_resource(arm: FakeArm) -> None:
    path = _endpoints_path(arm, 1)
    with AzureSession() as session:
        answer = ArmResponse(201, {}, {"properties": {"provisioningState": "Creating"}},
                             f"{session.settings.arm_endpoint}{path}/ep-00")
        final = session.arm.wait(answer, method="PUT", what="creating", timeout=10,
                                 api_version=ApiVersion.MACHINE_LEARNING)
    assert final is not None and final.body["properties"]["provisioningState"] == "Succeeded"
    (poll,) = arm.calls("GET", "/serverlessEndpoints/ep-00$")
    assert poll.query.get("api-version") == ApiVersion.MACHINE_LEARNING
