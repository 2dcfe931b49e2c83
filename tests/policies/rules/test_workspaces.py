"""Workspace rules (policies/rules/workspaces.py) both ways."""

from __future__ import annotations

from tests.support.policy_asserts import assert_no_violation, assert_violation, run
from tests.support.policy_builders import (
    changed,
    endpoint,
    subscription,
    workspace,
)


def test_workspace_region() -> None:
    ws, ep, sub = workspace(), endpoint(), subscription()
    assert_no_violation("workspace-region-allowed", ws, ep, sub)
    moved = changed(ws, "location", "westeurope")
    hit = assert_violation("workspace-region-allowed", moved, ep, sub, resource=ws.name, says="'westeurope'")
    assert "Stable-Image-Core" in hit.message
    # A subscription alone also ties the model to the workspace; one violation per workspace and model.
    assert len(run("workspace-region-allowed", moved, sub)) == 1
    assert len(run("workspace-region-allowed", moved, ep, sub)) == 1
    # A workspace in another resource group is another workspace.
    other_rg = changed(moved, "resourceGroupName", "rg-elsewhere")
    assert_no_violation("workspace-region-allowed", other_rg, ep, sub)
    # Names are case-insensitive in Azure.
    upper = changed(moved, "workspaceName", str(ws.properties["workspaceName"]).upper())
    assert_violation("workspace-region-allowed", upper, ep)
