"""Management calls: flat in workspaces through Resource Graph, 2 per workspace through the listing
fallback. Counted at the fake ARM (every request it received), not timed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.audit_fleet import marketplace_key
from tests.support.fake_arm import FakeArm


def _audit(arm: FakeArm, maas: Any, fleet: Any, *extra: str) -> tuple[int, dict[str, Any], Any]:
    before = len(arm.requests)
    run = maas("audit", *fleet.args(), "--format", "json", *extra)
    calls = len(arm.requests) - before
    return calls, json.loads(run.stdout) if run.stdout else {}, run


@pytest.mark.parametrize("workspaces", [10, 40])
def test_graph_calls_do_not_grow_with_workspaces(arm, maas, build_fleet, workspaces: int) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, workspaces)
    calls, doc, run = _audit(arm, maas, fleet)
    assert run.code == 0, run.stderr
    # 1 subscription listing + 1 Resource Graph page, for 3 x 10 and 3 x 40 alike.
    assert calls == doc["summary"]["managementCalls"] == 2
    assert doc["summary"]["graphPages"] == 1 and doc["summary"]["workspaces"] == 3 * workspaces
    assert len(arm.calls("POST", "resourcegraph")) == 1


@pytest.mark.parametrize(("workspaces", "pages"), [(10, 3), (40, 9)])
def test_graph_calls_grow_with_result_pages_only(arm, maas, build_fleet, workspaces: int, pages: int) -> None:  # type: ignore[no-untyped-def]
    arm.graph.max_page_size = 100  # a service cutting pages at 100 rows
    fleet = build_fleet(3, workspaces)
    rows = 3 * workspaces * (1 + 3 + 3)  # workspace + 3 endpoints + 3 marketplace subscriptions
    calls, doc, _ = _audit(arm, maas, fleet)
    assert pages == -(-rows // 100) == doc["summary"]["graphPages"]
    assert calls == 1 + pages


@pytest.mark.parametrize("workspaces", [4, 8])
def test_fallback_when_graph_is_forbidden(arm, maas, build_fleet, workspaces: int) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, workspaces)
    plant = marketplace_key(fleet.configs["dev"], fleet.subscriptions["dev"], *fleet.configs["dev"].units()[0],
                            "stable-image-core")
    del arm.marketplace[plant]
    arm.graph.mode = "forbidden"
    calls, doc, run = _audit(arm, maas, fleet)
    assert run.code == 1  # the planted drift, found through the listing too
    assert doc["source"] == "arm-listing" and doc["marketplaceSource"] == "arm-listing"
    assert [d["status"] for d in doc["drift"]] == ["subscription_missing"]
    assert "Resource Graph is not available to this identity (HTTP 403 AuthorizationFailed)" in run.stderr
    assert doc["notes"][0].startswith("Resource Graph is not available")
    # subscriptions + the refused Graph query + per subscription 1 workspace listing + per workspace 2 lists
    assert calls == doc["summary"]["managementCalls"] == 1 + 1 + 3 + 2 * 3 * workspaces
    assert len(arm.calls("GET", "/serverlessendpoints$")) == len(arm.calls("GET", "/marketplacesubscriptions$")) \
        == 3 * workspaces


@pytest.mark.parametrize("mode", ["unregistered", "absent"])
def test_fallback_when_graph_is_not_there(arm, maas, build_fleet, mode: str) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 2)
    arm.graph.mode = mode
    _, doc, run = _audit(arm, maas, fleet)
    assert run.code == 0 and doc["source"] == "arm-listing" and doc["summary"]["ok"] == 6


def test_unindexed_marketplace_subscriptions_are_read_per_workspace(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 10)
    config, sub = fleet.configs["prod"], fleet.subscriptions["prod"]
    arm.marketplace[marketplace_key(config, sub, *config.units()[3], "stable-image-ultra")].status = "Suspended"
    arm.graph.index_marketplace = False  # what the `resources` table reference says today
    calls, doc, run = _audit(arm, maas, fleet)
    assert doc["source"] == "resource-graph" and doc["marketplaceSource"] == "arm-listing"
    assert "does not index workspaces/marketplaceSubscriptions" in run.stderr
    assert calls == 2 + 3 * 10  # + one marketplace listing per workspace holding a catalog endpoint
    region, project = config.units()[3]
    assert [(d["status"], d["region"], d["endpoint"]) for d in doc["drift"]] == [
        ("subscription_missing", region, f"ct-prod-{project}-ultra")]


def test_forced_sources(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 2)
    calls, doc, run = _audit(arm, maas, fleet, "--source", "arm-listing")
    assert run.code == 0 and doc["source"] == "arm-listing" and not arm.calls("POST", "resourcegraph")
    assert calls == 1 + 1 + 2 * 2
    arm.graph.mode = "forbidden"
    _, doc, run = _audit(arm, maas, fleet, "--source", "resource-graph")
    assert run.code == 1  # the failure answers in JSON too, with what to do
    error = json.loads(run.stdout)["error"]
    assert "querying Azure Resource Graph" in error["message"] and "AuthorizationFailed" in error["message"]
    assert "querying Azure Resource Graph" in run.stderr and "AuthorizationFailed" in run.stderr


def test_a_subscription_that_cannot_be_listed_is_an_error_not_an_abort(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(2, 5)
    arm.graph.mode = "forbidden"
    arm.fail(403, "AuthorizationFailed", "The client does not have authorization to perform action "
             "'Microsoft.Resources/subscriptions/resources/read' over scope '/subscriptions/x'.",
             method="GET", path=f"/subscriptions/{fleet.subscriptions['test']}/resources$", times=None)
    _, doc, run = _audit(arm, maas, fleet)
    assert run.code == 1
    assert len(doc["errors"]) == 1 and "listing ML workspaces in subscription" in doc["errors"][0]
    dev = [c for c in doc["cells"] if c["subscription"] == fleet.subscriptions["dev"]]
    assert dev and all(c["status"] == "ok" for c in dev)
