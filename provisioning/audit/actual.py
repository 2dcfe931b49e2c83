"""The actual state: ML workspaces, serverless endpoints and marketplace subscriptions in Azure.

Resource Graph first (graph.py: one query, calls grow with result pages); when the caller may not
use it, per-subscription listing through ARM, said on stderr and in the report's `source`:
    calls = per subscription, 1 generic-resources listing of ML workspaces (+1 per 1,000 workspaces)
          + per workspace, 1 serverlessEndpoints listing + 1 marketplaceSubscriptions listing
so the fallback grows with workspaces (2 x W + S); Graph does not (pages of 1,000 rows). Rows of
both paths are parsed by the same code as `maas endpoints` (DeployedEndpoint.from_arm).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from provisioning.audit.graph import MARKETPLACE_TYPE, GraphUnavailable, query_resources
from provisioning.audit.model import MarketplaceRecord, Source, workspace_key
from provisioning.azure.errors import ArmError
from provisioning.azure.resource_ids import ArmId
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.errors import ExitCode
from provisioning.operations.endpoints import CONCURRENCY, ENDPOINT_TYPE, WORKSPACE_TYPE, DeployedEndpoint, WorkspaceRef

RESOURCES_API_VERSION = "2021-04-01"


class SourceMode(StrEnum):
    """`--source`: auto (Graph, else listing), or one of them only."""

    AUTO = "auto"
    RESOURCE_GRAPH = "resource-graph"
    ARM_LISTING = "arm-listing"


@dataclass
class ActualState:
    source: Source
    marketplace_source: Source
    workspaces: dict[tuple[str, str, str], WorkspaceRef] = field(default_factory=dict)
    endpoints: list[DeployedEndpoint] = field(default_factory=list)
    # None for a workspace whose marketplace subscriptions could not be read (unknown, not "none")
    marketplace: dict[tuple[str, str, str], list[MarketplaceRecord] | None] = field(default_factory=dict)
    marketplace_complete: bool = True  # False: only workspaces holding endpoints were read
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graph_pages: int = 0
    calls: int = 0

    def marketplace_for(self, ws: tuple[str, str, str]) -> list[MarketplaceRecord] | None:
        """The workspace's marketplace subscriptions; None when they could not be read."""
        if ws in self.marketplace:
            return self.marketplace[ws]
        return [] if self.marketplace_complete else None


Say = Callable[[str], None]


def collect(session: AzureSession, subscriptions: Sequence[str], *, mode: SourceMode = SourceMode.AUTO,
            say: Say | None = None, on_progress: Callable[[int, int], None] | None = None) -> ActualState:
    """The actual state of `subscriptions`. ArmError on unusable credentials or when the forced source
    fails; per-subscription/per-workspace listing failures become `errors` (the rest is still audited)."""
    arm = session.arm
    calls_before = arm.calls
    tell = say or (lambda _line: None)
    state: ActualState
    if mode is SourceMode.ARM_LISTING:
        state = _from_listing(session, subscriptions, on_progress)
    else:
        try:
            result = query_resources(arm, subscriptions)
        except GraphUnavailable as exc:
            if mode is SourceMode.RESOURCE_GRAPH:
                raise exc.error from None
            line = (f"Resource Graph is not available to this identity ({_why(exc)}); listing each subscription "
                    f"through ARM instead (2 calls per workspace; {_graph_hint(exc)} to make it one query)")
            tell(line)
            state = _from_listing(session, subscriptions, on_progress)
            state.notes.insert(0, line)
        else:
            state = _from_graph(result.rows)
            state.graph_pages = result.pages
            if result.truncated:
                state.errors.append("Resource Graph truncated the answer; the audit may miss resources -> run "
                                    "with --source arm-listing")
            if state.marketplace_source is Source.ARM_LISTING:
                line = ("Resource Graph returned serverless endpoints but no marketplace subscription (its "
                        "`resources` table does not index workspaces/marketplaceSubscriptions here); reading them "
                        "per workspace that holds a catalog endpoint")
                tell(line)
                state.notes.append(line)
                _marketplace_per_workspace(session, state, on_progress)
    state.calls = arm.calls - calls_before
    return state


def _why(exc: GraphUnavailable) -> str:
    error = exc.error
    return f"HTTP {error.status} {error.code}".strip() if error.status else error.code


def _graph_hint(exc: GraphUnavailable) -> str:
    code = exc.error.code.lower()
    if "registration" in code or "notregistered" in code:
        return "register Microsoft.ResourceGraph on the subscription"
    if exc.error.status == 404:
        return "use a management endpoint that serves Resource Graph"
    return "grant Reader (the auditor persona) on the subscriptions, or lift the policy that denies it"


# --------------------------------------------------------------------------------------------------
# Resource Graph rows
# --------------------------------------------------------------------------------------------------


def _workspace_ref(rid: ArmId, location: str = "", tags: Mapping[str, Any] | None = None) -> WorkspaceRef:
    return WorkspaceRef(rid.subscription.lower(), rid.resource_group, rid.name, location.replace(" ", "").lower(),
                        {str(k): str(v) for k, v in (tags or {}).items()})


def _marketplace(row: Mapping[str, Any], ws: ArmId) -> MarketplaceRecord:
    props = row.get("properties") or {}
    return MarketplaceRecord(ws.subscription.lower(), ws.resource_group, ws.name, str(row.get("name") or ""),
                             str(props.get("modelId") or ""), str(props.get("marketplaceSubscriptionStatus") or ""),
                             str(props.get("provisioningState") or ""))


def _parse_id(value: Any) -> ArmId | None:
    try:
        return ArmId.parse(str(value or ""))
    except ValueError:
        return None


def _from_graph(rows: Iterable[Mapping[str, Any]]) -> ActualState:
    state = ActualState(Source.RESOURCE_GRAPH, Source.RESOURCE_GRAPH)
    endpoint_rows: list[tuple[Mapping[str, Any], ArmId]] = []
    marketplace_rows = 0
    for row in rows:
        rid = _parse_id(row.get("id"))
        if rid is None:
            continue
        kind = str(row.get("type") or "").lower()
        if kind == WORKSPACE_TYPE.lower():
            ref = _workspace_ref(rid, str(row.get("location") or ""), row.get("tags") or {})
            state.workspaces[ref.key] = ref
        elif kind == ENDPOINT_TYPE.lower():
            endpoint_rows.append((row, rid))
        elif kind == MARKETPLACE_TYPE.lower():
            marketplace_rows += 1
            ws = rid.parent()
            records = state.marketplace.setdefault(workspace_key(ws.subscription, ws.resource_group, ws.name), [])
            if records is not None:
                records.append(_marketplace(row, ws))
    for row, rid in endpoint_rows:
        parent = rid.parent()
        found = state.workspaces.get(workspace_key(parent.subscription, parent.resource_group, parent.name))
        state.endpoints.append(DeployedEndpoint.from_arm(dict(row), found or _workspace_ref(parent)))
    if endpoint_rows and marketplace_rows == 0:
        # Endpoints cannot be created without a marketplace subscription, so "none at all" means the
        # table does not hold them (or every one was deleted): per-workspace reads tell the two apart.
        state.marketplace_source = Source.ARM_LISTING
        state.marketplace_complete = False
    _sort(state)
    return state


def _marketplace_per_workspace(session: AzureSession, state: ActualState,
                               on_progress: Callable[[int, int], None] | None) -> None:
    wanted: dict[tuple[str, str, str], WorkspaceRef] = {}
    for ep in state.endpoints:
        if ep.catalog_model:
            key = workspace_key(ep.subscription, ep.resource_group, ep.workspace)
            wanted[key] = state.workspaces.get(key) or WorkspaceRef(ep.subscription, ep.resource_group, ep.workspace)
    read_marketplace(session, state, wanted.values(), on_progress)


def read_marketplace(session: AzureSession, state: ActualState, workspaces: Iterable[WorkspaceRef],
                     on_progress: Callable[[int, int], None] | None = None) -> None:
    """Read the marketplace subscriptions of `workspaces` one workspace at a time (for when Resource
    Graph does not index them) into `state.marketplace`; a workspace that cannot be read is None there."""
    wanted = {ws.key: ws for ws in workspaces if ws.key not in state.marketplace}
    done = 0

    def one(ws: WorkspaceRef) -> tuple[WorkspaceRef, list[MarketplaceRecord] | ArmError]:
        try:
            return ws, _list_marketplace(session, ws)
        except ArmError as exc:
            return ws, exc

    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, max(1, len(wanted)))) as pool:
        for ws, result in pool.map(one, wanted.values()):
            done += 1
            if on_progress is not None:
                on_progress(done, len(wanted))
            if isinstance(result, ArmError):
                _fatal(result)
                state.errors.append(str(result))
                state.marketplace[ws.key] = None
            else:
                state.marketplace[ws.key] = result


# --------------------------------------------------------------------------------------------------
# ARM listing (the fallback)
# --------------------------------------------------------------------------------------------------


def _fatal(error: ArmError) -> None:
    """Unusable credentials or an unreachable endpoint: nothing else will work either (exit 2)."""
    if error.exit_code != ExitCode.FAILED:
        raise error


def _list_workspaces(session: AzureSession, subscription: str) -> list[WorkspaceRef]:
    """ML workspaces of one subscription: one generic-resources listing filtered by type (paged)."""
    flt = quote(f"resourceType eq '{WORKSPACE_TYPE}'", safe="")
    items = session.arm.list(f"/subscriptions/{subscription}/resources?$filter={flt}", RESOURCES_API_VERSION,
                             what=f"listing ML workspaces in subscription {subscription}")
    out = []
    for item in items:
        rid = _parse_id(item.get("id"))
        if rid is not None:
            out.append(_workspace_ref(rid, str(item.get("location") or ""), item.get("tags") or {}))
    return out


def _list_marketplace(session: AzureSession, ws: WorkspaceRef) -> list[MarketplaceRecord]:
    items = session.arm.list(f"{ws.id}/marketplaceSubscriptions", ApiVersion.MACHINE_LEARNING,
                             what=f"listing marketplace subscriptions in workspace {ws.name}")
    rid = ArmId.parse(ws.id)
    return [_marketplace(item, rid) for item in items]


def _list_endpoints(session: AzureSession, ws: WorkspaceRef) -> list[DeployedEndpoint]:
    items = session.arm.list(f"{ws.id}/serverlessEndpoints", ApiVersion.MACHINE_LEARNING,
                             what=f"listing serverless endpoints in workspace {ws.name}")
    return [DeployedEndpoint.from_arm(item, ws) for item in items]


def _from_listing(session: AzureSession, subscriptions: Sequence[str],
                  on_progress: Callable[[int, int], None] | None) -> ActualState:
    state = ActualState(Source.ARM_LISTING, Source.ARM_LISTING)
    _ = session.arm  # build the shared pipeline before the threads do
    for sub in subscriptions:
        try:
            for ws in _list_workspaces(session, sub):
                state.workspaces[ws.key] = ws
        except ArmError as exc:
            _fatal(exc)
            state.errors.append(str(exc))
    workspaces = list(state.workspaces.values())
    done = 0

    def one(ws: WorkspaceRef) -> tuple[WorkspaceRef, Any, Any]:
        endpoints: list[DeployedEndpoint] | ArmError
        marketplace: list[MarketplaceRecord] | ArmError
        try:
            endpoints = _list_endpoints(session, ws)
        except ArmError as exc:
            endpoints = exc
        try:
            marketplace = _list_marketplace(session, ws)
        except ArmError as exc:
            marketplace = exc
        return ws, endpoints, marketplace

    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, max(1, len(workspaces)))) as pool:
        for ws, endpoints, marketplace in pool.map(one, workspaces):
            done += 1
            if on_progress is not None:
                on_progress(done, len(workspaces))
            for result in (endpoints, marketplace):
                if isinstance(result, ArmError):
                    _fatal(result)
                    state.errors.append(str(result))
            if not isinstance(endpoints, ArmError):
                state.endpoints.extend(endpoints)
            state.marketplace[ws.key] = None if isinstance(marketplace, ArmError) else marketplace
    _sort(state)
    return state


def _sort(state: ActualState) -> None:
    state.endpoints.sort(key=lambda e: (e.subscription, e.region, e.resource_group.lower(), e.workspace.lower(),
                                        e.name.lower()))
