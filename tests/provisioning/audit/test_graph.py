"""The Resource Graph query: the request the audit sends, paging with $skipToken, the answers that
send it to the fallback, and the fake answering as the 2022-10-01 spec examples do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.catalog import MODELS
from provisioning.audit.graph import (
    GRAPH_API_VERSION,
    GRAPH_PATH,
    PAGE_SIZE,
    GraphUnavailable,
    build_query,
    query_resources,
)
from provisioning.azure.errors import ArmError
from provisioning.azure.session import AzureSession, open_session
from tests.support.fake_arm import FakeArm

SUB = "11111111-2222-4333-8444-555555555555"
OTHER = "99999999-8888-4777-8666-555555555555"


@pytest.fixture
def session(arm: FakeArm) -> Iterator[AzureSession]:
    with open_session() as s:
        yield s


def _estate(arm: FakeArm, workspaces: int, sub: str = SUB) -> None:
    arm.add_subscription(sub)
    for i in range(workspaces):
        ws = arm.add_workspace(sub, f"rg-{i:03d}", f"mlw-{i:03d}", "eastus2")
        for model in MODELS.values():
            arm.add_marketplace_subscription(ws, model.resource_name, model.asset_id)
            arm.add_endpoint(ws, f"ep-{i:03d}-{model.short}", model.slug)


def test_the_request_is_the_spec_shape(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 2)
    result = query_resources(session.arm, [SUB])
    assert result.pages == 1 and len(result.rows) == 2 * 7 and result.total_records == 14
    (call,) = arm.calls("POST", "resourcegraph")
    assert call.path == GRAPH_PATH and call.query["api-version"] == GRAPH_API_VERSION
    assert call.body["subscriptions"] == [SUB]
    # allowPartialScopes: false is the spec's default, which the SDK's QueryRequestOptions writes out
    assert call.body["options"] == {"resultFormat": "objectArray", "$top": PAGE_SIZE, "allowPartialScopes": False}
    query = call.body["query"]
    assert query == build_query()
    assert "type in~ ('microsoft.machinelearningservices/workspaces', " \
           "'microsoft.machinelearningservices/workspaces/serverlessendpoints', " \
           "'microsoft.machinelearningservices/workspaces/marketplacesubscriptions')" in query
    assert "| project id," in query and query.endswith("| order by id asc")
    row = next(r for r in result.rows if r["type"].endswith("/serverlessendpoints"))
    assert set(row) == {"id", "name", "type", "location", "resourceGroup", "subscriptionId", "tags", "properties"}
    assert row["properties"]["modelSettings"]["modelId"].startswith("azureml://registries/")


def test_pages_follow_the_skip_token(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 10)  # 70 rows
    arm.graph.max_page_size = 8
    result = query_resources(session.arm, [SUB])
    calls = arm.calls("POST", "resourcegraph")
    assert len(calls) == result.pages == 9 and len(result.rows) == 70
    assert len({r["id"] for r in result.rows}) == 70  # no row twice, none lost
    assert "$skipToken" not in calls[0].body["options"]
    assert all(c.body["options"]["$skipToken"] for c in calls[1:])
    assert all(c.body["query"] == calls[0].body["query"] for c in calls)  # same query and scopes each page


def test_a_skip_token_only_works_with_its_own_query(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 3)
    arm.graph.max_page_size = 5
    first = session.arm.post(GRAPH_PATH, GRAPH_API_VERSION, {"subscriptions": [SUB], "query": build_query(),
                                                              "options": {"$top": 5}}, what="page 1").body
    assert first["count"] == 5 and first["totalRecords"] == 21 and first["resultTruncated"] == "false"
    assert first["facets"] == [] and first["$skipToken"]
    with pytest.raises(ArmError) as err:
        session.arm.post(GRAPH_PATH, GRAPH_API_VERSION, {"subscriptions": [SUB], "query": "resources",
                                                          "options": {"$skipToken": first["$skipToken"]}}, what="x")
    assert err.value.status == 400 and err.value.code == "InvalidSkipToken"


def test_one_query_covers_every_subscription(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 2, SUB)
    _estate(arm, 3, OTHER)
    result = query_resources(session.arm, [SUB, OTHER])
    assert len(arm.calls("POST", "resourcegraph")) == 1
    assert {r["subscriptionId"] for r in result.rows} == {SUB, OTHER} and len(result.rows) == 35


def test_rows_the_caller_may_not_read_are_left_out(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 1, SUB)
    arm.add_subscription(OTHER, grant_all=False)
    ws = arm.add_workspace(OTHER, "rg-x", "mlw-x", "eastus")
    arm.add_endpoint(ws, "hidden", "stable-image-core")
    result = query_resources(session.arm, [SUB, OTHER])
    assert {r["subscriptionId"] for r in result.rows} == {SUB}


@pytest.mark.parametrize(("mode", "status", "code"), [
    ("forbidden", 403, "AuthorizationFailed"),
    ("unregistered", 409, "MissingSubscriptionRegistration"),
    ("absent", 404, "InvalidResourceType"),
])
def test_unavailable_graph_is_told_apart(arm: FakeArm, session: AzureSession, mode: str, status: int,
                                         code: str) -> None:
    _estate(arm, 1)
    arm.graph.mode = mode
    with pytest.raises(GraphUnavailable) as err:
        query_resources(session.arm, [SUB])
    assert err.value.error.status == status and err.value.error.code == code


def test_other_errors_are_not_a_reason_to_fall_back(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 1)
    arm.fail(400, "BadRequest", "Query is invalid.", method="POST", path="resourcegraph", times=None)
    with pytest.raises(ArmError) as err:
        query_resources(session.arm, [SUB])
    assert not isinstance(err.value, GraphUnavailable) and err.value.status == 400


def test_throttling_is_retried_with_retry_after(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 1)
    arm.fail(429, "RateLimiting", "Too many requests.", method="POST", path="resourcegraph", times=1,
             headers={"Retry-After": "0", "x-ms-user-quota-remaining": "0"})
    result = query_resources(session.arm, [SUB])
    assert len(result.rows) == 7 and len(arm.calls("POST", "resourcegraph")) == 2


def test_a_table_format_answer_is_read_too(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 1)
    answer = session.arm.post(GRAPH_PATH, GRAPH_API_VERSION, {"subscriptions": [SUB], "query": build_query(),
                                                               "options": {"resultFormat": "table"}}, what="t").body
    from provisioning.audit.graph import _rows

    assert set(answer["data"]) == {"columns", "rows"}
    rows = _rows(answer["data"])
    assert len(rows) == 7 and all("id" in r and "properties" in r for r in rows)


def test_without_an_id_column_the_fake_truncates_like_the_service(arm: FakeArm, session: AzureSession) -> None:
    _estate(arm, 3)
    arm.graph.max_page_size = 5
    result = query_resources(session.arm, [SUB], "resources | where type in~ ('x') | project name, type")
    assert result.truncated is False and result.rows == []
    result = query_resources(session.arm, [SUB], "resources | project name, type")
    assert result.truncated is True and len(result.rows) == 5 and result.pages == 1
