"""`maas adopt`: bring endpoints that already exist under a stack with `pulumi import --file`.

Teams arrive with endpoints made in the portal or with `az ml`; `pulumi up` would collide with them
(azure-native refuses to create what exists). This finds, for one stack, the serverless endpoints and
marketplace subscriptions that already exist exactly where the program would create them, and writes
the import document Pulumi reads (`pulumi import --file`: `{"nameTable", "resources": [{"type",
"name", "id", "parent", "component"}]}`, the format of pulumi/pulumi pkg/cmd/pulumi/operations/import.go).

Why the names come from the plan: `pulumi import` files a resource under the URN built from its
parent chain, type token and logical name; if any differs from what the program registers, the next
`pulumi up` deletes the imported resource and creates another. So the type tokens, logical names and
parents here are the program's own registrations (provisioning/operations/planned.py), and the
component resources above them (RegionalWorkspace, ModelEndpoint) are listed as `component: true`
entries: `pulumi import` (3.94+) creates them when the stack lacks them and leaves them as they are
when it has them (same URN, no id: a "same" step).

Only what the program would leave as it is gets imported: an endpoint whose model, region, content
safety, health or marketplace subscription differ is reported with the audit's status and left out
(importing it would make the next `pulumi up` replace or rewrite it). Reading is Resource Graph first
(one query), per-workspace reads where the graph has no table (marketplace subscriptions).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from infra.catalog import model_for_asset_id
from infra.config import FleetConfig
from provisioning.audit.actual import ActualState, SourceMode, collect, read_marketplace
from provisioning.audit.drift import compare
from provisioning.audit.model import Cell, DesiredEndpoint, MarketplaceRecord, Status, workspace_key
from provisioning.azure.resource_ids import workspace_scope
from provisioning.azure.session import AzureSession
from provisioning.operations.endpoints import WorkspaceRef
from provisioning.operations.planned import PlannedEndpoint, PlannedFleet, planned_fleet


class Action(StrEnum):
    IMPORT = "import"  # exists as the program declares it: goes into the document
    CREATE = "create"  # does not exist: `pulumi up` creates it
    SKIP = "skip"  # exists but differs: reported, left out


@dataclass
class Verdict:
    """What adopt decided for one planned endpoint and its marketplace subscription."""

    planned: PlannedEndpoint
    status: Status
    action: Action
    problems: tuple[Status, ...] = ()
    message: str = ""
    fix: str = ""
    endpoint_id: str = ""
    marketplace_action: Action = Action.CREATE
    marketplace_id: str = ""
    marketplace_message: str = ""

    def document(self) -> dict[str, Any]:
        p = self.planned
        return {
            "region": p.region, "project": p.project, "model": p.model.slug, "endpoint": p.name,
            "resourceGroup": p.resource_group, "workspace": p.workspace, "status": str(self.status),
            "problems": [str(s) for s in self.problems], "action": str(self.action), "id": self.endpoint_id or None,
            "logicalName": p.endpoint.name, "message": self.message, "fix": self.fix,
            "marketplaceSubscription": {"name": p.marketplace_name, "action": str(self.marketplace_action),
                                        "id": self.marketplace_id or None, "message": self.marketplace_message},
        }


@dataclass
class AdoptResult:
    stack: str
    subscription: str
    verdicts: list[Verdict]
    source: str
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.action is Action.SKIP or v.marketplace_action is Action.SKIP]

    @property
    def importable(self) -> int:
        return sum((v.action is Action.IMPORT) + (v.marketplace_action is Action.IMPORT) for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        """0 everything found can be adopted, 1 something differs or could not be read."""
        return 1 if self.mismatches or self.errors else 0

    def import_document(self) -> dict[str, Any]:
        """The `pulumi import --file` document: parents before children, each component once."""
        resources: list[dict[str, Any]] = []
        listed: set[str] = set()

        def component(name: str, type_: str, parent: str | None) -> None:
            if name in listed:
                return
            listed.add(name)
            entry: dict[str, Any] = {"type": type_, "name": name, "component": True}
            if parent:
                entry["parent"] = parent
            resources.append(entry)

        def custom(type_: str, name: str, arm_id: str, parent: str | None) -> None:
            entry: dict[str, Any] = {"type": type_, "name": name, "id": arm_id}
            if parent:
                entry["parent"] = parent
            resources.append(entry)

        for v in self.verdicts:
            p = v.planned
            wanted = []
            if v.marketplace_action is Action.IMPORT and p.marketplace is not None:
                wanted.append((p.marketplace.type, p.marketplace.name, v.marketplace_id, p.marketplace.parent))
            if v.action is Action.IMPORT:
                wanted.append((p.endpoint.type, p.endpoint.name, v.endpoint_id, p.endpoint.parent))
            if not wanted:
                continue
            for ancestor in p.lineage:
                component(ancestor.name, ancestor.type, ancestor.parent)
            for item in wanted:
                custom(*item)
        return {"nameTable": {}, "resources": resources}

    def document(self) -> dict[str, Any]:
        """What `maas adopt --format json` prints (the import document itself goes to --out)."""
        return {
            "stack": self.stack,
            "subscription": self.subscription,
            "source": self.source,
            "endpoints": [v.document() for v in self.verdicts],
            "errors": list(self.errors),
            "notes": list(self.notes),
            "summary": {
                "endpoints": len(self.verdicts),
                "import": self.importable,
                "create": sum((v.action is Action.CREATE) + (v.marketplace_action is Action.CREATE)
                              for v in self.verdicts),
                "mismatched": len(self.mismatches),
            },
        }


def _desired(fleet: PlannedFleet) -> list[DesiredEndpoint]:
    return [DesiredEndpoint(stack=fleet.stack, subscription=fleet.subscription, region=p.region, project=p.project,
                            model=p.model, name=p.name, workspace=p.workspace, resource_group=p.resource_group,
                            marketplace_subscription=p.marketplace_name, model_version=p.model_version)
            for p in fleet.endpoints]


def _marketplace_verdict(verdict: Verdict, records: list[MarketplaceRecord] | None) -> None:
    p = verdict.planned
    if p.marketplace is None:
        verdict.marketplace_action = Action.CREATE
        return
    if records is None:
        verdict.marketplace_action = Action.SKIP
        verdict.marketplace_message = f"marketplace subscriptions of workspace {p.workspace} could not be read"
        return
    wanted = p.marketplace_name.lower()
    same_name = next((m for m in records if m.name.lower() == wanted), None)
    if same_name is None:
        other = next((m for m in records if model_for_asset_id(m.model_id) == p.model), None)
        verdict.marketplace_action = Action.CREATE
        if other is not None:
            verdict.marketplace_action = Action.SKIP
            verdict.marketplace_message = (
                f"workspace {p.workspace} is subscribed to {p.model.name} as {other.name}, not {p.marketplace_name} "
                "as the program names it; `pulumi up` would add a second subscription -> delete "
                f"{other.name} once no endpoint uses it, or keep it outside the stack")
        return
    if model_for_asset_id(same_name.model_id) != p.model:
        verdict.marketplace_action = Action.SKIP
        verdict.marketplace_message = (f"marketplace subscription {same_name.name} is for {same_name.model_id or '?'}, "
                                       f"not {p.model.asset_id}")
        return
    if not same_name.usable:
        verdict.marketplace_action = Action.SKIP
        verdict.marketplace_message = (f"marketplace subscription {same_name.name} is "
                                       f"{same_name.status or '(no status)'}, not Subscribed")
        return
    verdict.marketplace_action = Action.IMPORT
    ws = workspace_scope(same_name.subscription, same_name.resource_group, same_name.workspace)
    verdict.marketplace_id = f"{ws}/marketplaceSubscriptions/{same_name.name}"


def _verdict(p: PlannedEndpoint, cell: Cell | None) -> Verdict:
    if cell is None or cell.status is Status.MISSING:
        message = cell.message if cell is not None else f"endpoint {p.name} is not deployed"
        return Verdict(p, Status.MISSING, Action.CREATE, (Status.MISSING,), message)
    if cell.status is Status.OK and cell.deployed is not None and cell.deployed.id:
        return Verdict(p, Status.OK, Action.IMPORT, (), endpoint_id=cell.deployed.id)
    return Verdict(p, cell.status, Action.SKIP, cell.problems, cell.message, cell.fix)


def find_adoptable(session: AzureSession, config: FleetConfig, subscription: str, *,
                   say: Callable[[str], None] | None = None) -> AdoptResult:
    """Plan the stack in `subscription`, read what exists there, and decide per endpoint."""
    fleet = planned_fleet(config, subscription)
    actual: ActualState = collect(session, [subscription], mode=SourceMode.AUTO, say=say)
    planned_workspaces = {workspace_key(subscription, p.resource_group, p.workspace): p for p in fleet.endpoints}
    existing = [actual.workspaces[k] for k in planned_workspaces if k in actual.workspaces]
    if not actual.marketplace_complete:  # the graph had no marketplace table: read the stack's workspaces
        read_marketplace(session, actual, [WorkspaceRef(w.subscription, w.resource_group, w.name, w.location)
                                           for w in existing])
    comparison = compare(_desired(fleet), actual)
    cells = {(c.subscription.lower(), c.resource_group.lower(), c.workspace.lower(), c.endpoint.lower()): c
             for c in comparison.cells if c.stack is not None}
    verdicts = []
    for p in fleet.endpoints:
        key = workspace_key(subscription, p.resource_group, p.workspace)
        verdict = _verdict(p, cells.get((*key, p.name.lower())))
        if key in actual.workspaces:
            _marketplace_verdict(verdict, actual.marketplace_for(key))
        verdicts.append(verdict)
    return AdoptResult(fleet.stack, subscription, verdicts, str(actual.source), list(actual.errors),
                       list(actual.notes) + comparison.notes)


def write_json_atomically(path: Path, document: Any) -> None:
    """Write `document` to `path` so that readers see the old file or the whole new one, never half:
    an exclusively created temporary file next to it (O_EXCL, so never someone else's), flushed to
    disk, then renamed over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
