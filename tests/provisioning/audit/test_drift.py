"""Every kind of drift, across 3 subscriptions x 40 workspaces, through the real command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalog import MODELS
from provisioning.audit.model import Status
from provisioning.audit.render.common import LOOKS
from tests.support.audit_fleet import Planted, endpoint_of, plant_drift

STATUSES = ("ok", "missing", "extra", "unhealthy", "content_safety_off", "wrong_model", "wrong_region",
            "region_not_allowed", "subscription_missing", "wrong_version", "key_expired", "key_expiring")


def _cell(doc: dict[str, Any], p: Planted) -> dict[str, Any]:
    found = [c for c in doc["cells"] if (c["subscription"], c["region"], c["project"], c["model"], c["endpoint"])
             == (p.subscription, p.region, p.project, p.model, p.endpoint)]
    assert len(found) == 1, (p, found)
    return found[0]


@pytest.fixture
def drifted(arm, maas, build_fleet):  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 40)
    planted = plant_drift(arm, fleet)
    run = maas("audit", *fleet.args(), "--format", "json", "--keys")
    return fleet, planted, run, json.loads(run.stdout)


def test_every_kind_of_drift_lands_in_its_cell(drifted) -> None:  # type: ignore[no-untyped-def]
    fleet, planted, run, doc = drifted
    assert run.code == 1, run.stderr
    for p in planted:
        cell = _cell(doc, p)
        assert cell["status"] == p.status, (p, cell)
        assert tuple(cell["problems"]) == p.problems, (p, cell)
    seen = {p.status for p in planted}
    # Every verdict is exercised (wrong_version needs a pinned stack: test_a_pinned_version_is_audited).
    assert seen == set(STATUSES) - {"ok", "wrong_version"}
    by_status = doc["summary"]["byStatus"]
    assert set(by_status) == set(STATUSES)
    assert sum(by_status.values()) == doc["summary"]["cells"] == 3 * 40 * 3 + 2  # 2 extras
    assert by_status["ok"] == 3 * 40 * 3 - (len(planted) - 2)
    assert doc["summary"]["drifted"] == len(planted) == len(doc["drift"])
    assert doc["summary"]["otherEndpoints"] == 1  # the Llama endpoint: counted, not judged
    assert doc["source"] == "resource-graph" and doc["marketplaceSource"] == "resource-graph"


def test_drift_entries_say_what_happened_and_what_to_do(drifted) -> None:  # type: ignore[no-untyped-def]
    _, planted, _, doc = drifted
    drift = {(d["subscription"], d["region"], d["project"], d["model"], d["endpoint"]): d for d in doc["drift"]}
    for p in planted:
        entry = drift[(p.subscription, p.region, p.project, p.model, p.endpoint)]
        assert entry["message"] and entry["fix"], entry
    missing = drift[next((p.subscription, p.region, p.project, p.model, p.endpoint) for p in planted
                         if p.status == "missing")]
    assert "is not deployed in workspace" in missing["message"] and "pulumi up --stack dev" in missing["fix"]
    wrong = [d for d in doc["drift"] if d["status"] == "wrong_model"]
    assert any("serves stable-image-ultra instead of stable-image-core" in d["message"] for d in wrong)
    assert any("Meta-Llama-3-8B-Instruct" in d["message"] for d in wrong)
    suspended = next(d for d in doc["drift"] if d["problems"] == ["subscription_missing", "unhealthy"])
    assert "is Suspended, not Subscribed" in suspended["message"] and "endpointState Suspended" in suspended["message"]
    sweden = next(d for d in doc["drift"] if d["endpoint"] == "sweden-sd35")
    assert "not offered in swedencentral" in sweden["message"] and "declared by no audited stack" in sweden["message"]


def test_cells_carry_the_azure_facts(drifted) -> None:  # type: ignore[no-untyped-def]
    fleet, planted, _, doc = drifted
    ok = next(c for c in doc["cells"] if c["status"] == "ok")
    assert ok["provisioningState"] == "Succeeded" and ok["contentSafety"] == "Enabled"
    assert ok["marketplaceSubscription"] == "Subscribed" and ok["stack"] in fleet.stacks
    assert ok["uri"].startswith("https://") and ok["servedModel"] == ok["model"]
    extra = next(c for c in doc["cells"] if c["status"] == "extra")
    assert extra["stack"] is None and extra["project"] == "shadow" and extra["workspace"] == "mlw-shadow"
    missing = next(c for c in doc["cells"] if c["status"] == "missing")
    assert missing["provisioningState"] is None and missing["workspace"].startswith("mlw-ct-dev-")


def test_a_workspace_that_does_not_exist_is_named(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    config = fleet.configs["dev"]
    names = config.namer.workspace_names(config.regions[0], "p00")
    for key in [k for k in arm.endpoints if f"/workspaces/{names.workspace}/".lower() in k]:
        del arm.endpoints[key]
    del arm.workspaces[next(k for k in arm.workspaces if k.endswith(names.workspace.lower()))]
    doc = json.loads(maas("audit", *fleet.args(), "--format", "json").stdout)
    missing = [d for d in doc["drift"] if d["status"] == "missing"]
    assert len(missing) == 3
    assert all(f"workspace {names.workspace} (resource group {names.resource_group}) does not exist" in d["message"]
               for d in missing)


def test_the_same_model_under_another_name_is_pointed_out(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    config, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    core = MODELS["stable-image-core"]
    old = endpoint_of(arm, config, sub, config.regions[0], "p00", core.slug)
    del arm.endpoints[old.id.lower()]
    arm.add_endpoint(old.workspace, "renamed-core", core.slug)
    doc = json.loads(maas("audit", *fleet.args(), "--format", "json").stdout)
    statuses = sorted(d["status"] for d in doc["drift"])
    assert statuses == ["extra", "missing"]
    missing = next(d for d in doc["drift"] if d["status"] == "missing")
    assert "serves this model as endpoint renamed-core" in missing["message"]


def test_clean_fleet_exits_zero(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 10)
    run = maas("audit", *fleet.args(), "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["drift"] == [] and doc["summary"]["ok"] == doc["summary"]["cells"] == 90
    assert "90 cells, 90 ok, 0 drifted" in run.stderr


def test_a_pinned_version_is_audited(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    """`models: [{slug, version}]`: each cell reports the version its endpoint runs; another version, or a
    versionless id (Azure picked the latest at creation), is drift of its own."""
    fleet = build_fleet(1, 3, models=[{"slug": "stable-image-core", "version": 2}, "stable-image-ultra"])
    config, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    core = MODELS["stable-image-core"]
    (r0, p0), (r1, p1), (r2, p2) = config.units()
    endpoint_of(arm, config, sub, r0, p0, core.slug).model_id = f"{core.asset_id}/versions/2"
    endpoint_of(arm, config, sub, r1, p1, core.slug).model_id = f"{core.asset_id}/versions/1"
    run = maas("audit", *fleet.args(), "--format", "json")
    assert run.code == 1, run.stderr
    doc = json.loads(run.stdout)
    cells = {(c["region"], c["project"], c["model"]): c for c in doc["cells"]}
    pinned = cells[(r0, p0, core.slug)]
    assert pinned["status"] == "ok" and pinned["modelVersion"] == "2" and pinned["pinnedVersion"] == 2
    older = cells[(r1, p1, core.slug)]
    assert older["status"] == "wrong_version" and older["modelVersion"] == "1"
    versionless = cells[(r2, p2, core.slug)]
    assert versionless["status"] == "wrong_version" and versionless["modelVersion"] is None
    unpinned = cells[(r0, p0, "stable-image-ultra")]
    assert unpinned["status"] == "ok" and unpinned["pinnedVersion"] is None
    drift = {d["endpoint"]: d for d in doc["drift"]}
    assert "runs Stable-Image-Core version 1; the stack pins version 2" in drift[older["endpoint"]]["message"]
    assert "versionless model id" in drift[versionless["endpoint"]]["message"]
    assert "recreate it at version 2" in drift[older["endpoint"]]["fix"]
    assert doc["summary"]["byStatus"]["wrong_version"] == 2 and len(doc["drift"]) == 2
    html_out = fleet.directory / "audit.html"
    assert maas("audit", *fleet.args(), "--format", "html", "--out", str(html_out)).code == 1
    html = html_out.read_text(encoding="utf-8")
    look = LOOKS[Status.WRONG_VERSION]
    assert 'data-status="wrong_version"' in html and f".st-wrong_version {{ background: {look.bg};" in html
