"""The comparison: desired endpoints against what Azure holds, one verdict per cell, with the
sentence a person reads and the thing to do.

Matching is by the full name the program gives an endpoint (subscription, resource group,
workspace, endpoint name; case-insensitive like ARM). An endpoint serving a catalog model that no
audited stack declares is `extra`; endpoints of models outside the catalog are counted, not judged,
unless one sits at a name a stack expects (then the stack's cell is `wrong_model`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.catalog import CONTENT_SAFETY_ENABLED, MODELS, REGIONS, ModelSpec, asset_version, model_for_asset_id
from provisioning.audit.actual import ActualState
from provisioning.audit.model import PRECEDENCE, Cell, DesiredEndpoint, Status, workspace_key
from provisioning.operations.endpoints import DeployedEndpoint

HEALTHY_ENDPOINT_STATE = "Online"
SUCCEEDED = "Succeeded"


@dataclass
class Comparison:
    cells: list[Cell]
    other_endpoints: int  # endpoints of models outside the catalog, not audited
    notes: list[str]


def compare(desired: Sequence[DesiredEndpoint], actual: ActualState) -> Comparison:
    by_key = {(e.subscription.lower(), e.resource_group.lower(), e.workspace.lower(), e.name.lower()): e
              for e in actual.endpoints}
    cells: list[Cell] = []
    notes: list[str] = []
    claimed: dict[tuple[str, str, str, str], DesiredEndpoint] = {}
    for d in desired:
        first = claimed.setdefault(d.key, d)
        if first is not d:
            if first.model != d.model:
                notes.append(f"stacks {first.stack} and {d.stack} both declare endpoint {d.name} in workspace "
                             f"{d.workspace} ({first.model.slug} vs {d.model.slug}); audited as {first.stack}'s")
            continue
        found = by_key.get(d.key)
        cells.append(_missing(d, actual) if found is None else _judge(found, actual, d))
    other = 0
    for ep in actual.endpoints:
        key = (ep.subscription.lower(), ep.resource_group.lower(), ep.workspace.lower(), ep.name.lower())
        if key in claimed:
            continue
        if not ep.catalog_model:
            other += 1
            continue
        cells.append(_judge(ep, actual, None))
    cells.sort(key=_order)
    return Comparison(cells, other, notes)


def _order(cell: Cell) -> tuple[str, str, int, int, str]:
    regions = list(REGIONS)
    models = list(MODELS)
    return (cell.subscription, cell.project,
            regions.index(cell.region) if cell.region in regions else len(regions),
            models.index(cell.model) if cell.model in models else len(models), cell.endpoint.lower())


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


def _up(stack: str | None) -> str:
    return f"`pulumi up --stack {stack}`" if stack else "`pulumi up` of the owning stack"


def _missing(d: DesiredEndpoint, actual: ActualState) -> Cell:
    where = f"workspace {d.workspace} (resource group {d.resource_group})"
    if d.workspace_key not in actual.workspaces and not _any_in_workspace(actual, d.workspace_key):
        message = (f"{d.model.display_name} endpoint {d.name} is not deployed: {where} does not exist "
                   f"(stack {d.stack}, {d.region}, project {d.project})")
    else:
        message = (f"{d.model.display_name} endpoint {d.name} is not deployed in {where} "
                   f"(stack {d.stack}, {d.region}, project {d.project})")
    twin = next((e for e in actual.endpoints
                 if workspace_key(e.subscription, e.resource_group, e.workspace) == d.workspace_key
                 and model_for_asset_id(e.model_id) == d.model), None)
    if twin is not None:
        message += f"; the workspace serves this model as endpoint {twin.name}, which no stack declares"
    return Cell(subscription=d.subscription, region=d.region, project=d.project, model=d.model.slug,
                endpoint=d.name, status=Status.MISSING, problems=(Status.MISSING,), stack=d.stack,
                workspace=d.workspace, resource_group=d.resource_group, pinned_version=d.model_version,
                message=message, fix=f"run {_up(d.stack)} (needs the deployer persona)")


def _health_fix(ep: DeployedEndpoint, stack: str | None) -> str:
    state = ep.provisioning_state.lower()
    if state in ("creating", "updating", "deleting", "accepted"):
        return "an operation is still running on it: audit again in a few minutes"
    if state in ("failed", "canceled", "cancelled"):
        return f"read its activity log in the portal, then delete it and run {_up(stack)} to re-create it"
    return (f"endpointState {ep.endpoint_state or '(none)'}: check the workspace's marketplace subscription and the "
            "Azure subscription's billing state, then re-run the audit")


def _any_in_workspace(actual: ActualState, key: tuple[str, str, str]) -> bool:
    return any(workspace_key(e.subscription, e.resource_group, e.workspace) == key for e in actual.endpoints)


def _judge(ep: DeployedEndpoint, actual: ActualState, d: DesiredEndpoint | None) -> Cell:
    served = model_for_asset_id(ep.model_id)
    model: ModelSpec | None = d.model if d is not None else served
    assert model is not None  # extras are catalog endpoints by construction
    stack = d.stack if d is not None else None
    problems: list[Status] = []
    sentences: list[str] = []
    fixes: list[str] = []
    served_label = served.slug if served else (ep.model_id or "(no model id)")

    if d is None:
        problems.append(Status.EXTRA)
        sentences.append(f"endpoint {ep.name} ({model.display_name}) in workspace {ep.workspace} (resource group "
                         f"{ep.resource_group}) is declared by no audited stack")
        fixes.append("add its region/project/model to a stack, or delete it if nobody owns it (its keys stay live)")
    if d is not None and served != d.model:
        problems.append(Status.WRONG_MODEL)
        sentences.append(f"endpoint {ep.name} serves {served_label} instead of {d.model.slug}")
        fixes.append(f"delete it and run {_up(stack)} to recreate it with {d.model.name} (a serverless endpoint's "
                     "model cannot change in place)")
    if served is not None and ep.region not in served.regions:
        problems.append(Status.REGION_NOT_ALLOWED)
        sentences.append(f"{served.display_name} is not offered in {ep.region or '(no region)'} (catalog regions: "
                         f"{', '.join(served.regions)})")
        if d is None:  # no stack could declare it there: adding it to one is not an option
            fixes[:] = ["delete it: the catalog does not offer this model in its region, so no stack can own it"]
        else:
            fixes.append(f"delete it and run {_up(stack)}: the stack places it in {d.region}, Azure holds it in "
                         f"{ep.region}")
    if d is not None and ep.region and ep.region != d.region and Status.REGION_NOT_ALLOWED not in problems:
        # An allowed region that is not the stack's (region_not_allowed already says more otherwise).
        problems.append(Status.WRONG_REGION)
        sentences.append(f"endpoint {ep.name} is in {ep.region}, the stack places it in {d.region}")
        fixes.append(f"delete it and run {_up(stack)}: a serverless endpoint cannot move between regions")

    running_version = asset_version(ep.model_id) if ep.model_id else None
    pinned = d.model_version if d is not None else None
    if d is not None and served == d.model and pinned is not None and running_version != str(pinned):
        problems.append(Status.WRONG_VERSION)
        runs = f"version {running_version}" if running_version else "a versionless model id (the latest at creation)"
        sentences.append(f"endpoint {ep.name} runs {d.model.name} {runs}; the stack pins version {pinned}")
        fixes.append(f"delete it and run {_up(stack)} to recreate it at version {pinned} (a serverless endpoint's "
                     "model cannot change in place)")

    marketplace_status: str | None = None
    records = actual.marketplace_for(workspace_key(ep.subscription, ep.resource_group, ep.workspace))
    if served is not None and records is not None:
        match = next((m for m in records if model_for_asset_id(m.model_id) == served), None)
        marketplace_status = "missing" if match is None else (match.status or "(no status)")
        if match is None:
            problems.append(Status.SUBSCRIPTION_MISSING)
            sentences.append(f"workspace {ep.workspace} has no marketplace subscription for {served.name}")
            fixes.append(f"run {_up(stack)} to re-create the marketplace subscription (deployer persona)")
        elif not match.usable:
            problems.append(Status.SUBSCRIPTION_MISSING)
            state = match.status or "(no status)"
            if match.provisioning_state and match.provisioning_state.lower() != "succeeded":
                state += f", provisioningState {match.provisioning_state}"
            sentences.append(f"marketplace subscription {match.name} for {served.name} is {state}, not Subscribed")
            fixes.append("settle billing on the Azure subscription (Suspended means Azure could not charge it), "
                         f"then run {_up(stack)}")

    healthy_state = not ep.endpoint_state or ep.endpoint_state.lower() == HEALTHY_ENDPOINT_STATE.lower()
    if ep.provisioning_state.lower() != SUCCEEDED.lower() or not healthy_state:
        problems.append(Status.UNHEALTHY)
        bits = [f"provisioningState {ep.provisioning_state or '(none)'}"]
        if ep.endpoint_state:
            bits.append(f"endpointState {ep.endpoint_state}")
        sentences.append(f"endpoint {ep.name} is unhealthy ({', '.join(bits)})")
        if Status.SUBSCRIPTION_MISSING not in problems:  # else the subscription's fix is the fix
            fixes.append(_health_fix(ep, stack))
    if ep.content_safety and ep.content_safety.lower() != CONTENT_SAFETY_ENABLED.lower():
        problems.append(Status.CONTENT_SAFETY_OFF)
        sentences.append(f"content safety is {ep.content_safety} on endpoint {ep.name}")
        fixes.append(f"set contentSafety.contentSafetyStatus to {CONTENT_SAFETY_ENABLED}: {_up(stack)} restores it "
                     "(the policy pack requires it)")

    ordered = tuple(p for p in PRECEDENCE if p in problems)
    if d is None:  # an extra is first of all extra, unless Azure does not even offer it there
        status = Status.REGION_NOT_ALLOWED if Status.REGION_NOT_ALLOWED in ordered else Status.EXTRA
    else:
        status = ordered[0] if ordered else Status.OK
    region = d.region if d is not None else ep.region
    project = d.project if d is not None else ep.project
    message = "; ".join(sentences) if sentences else ""
    return Cell(subscription=ep.subscription, region=region, project=project, model=model.slug, endpoint=ep.name,
                status=status, problems=ordered, stack=stack, workspace=ep.workspace,
                resource_group=ep.resource_group, provisioning_state=ep.provisioning_state,
                endpoint_state=ep.endpoint_state or None, content_safety=ep.content_safety or None,
                marketplace_status=marketplace_status, served_model=served_label, model_version=running_version,
                pinned_version=pinned, uri=ep.uri, deployed=ep,
                message=message[:1].upper() + message[1:] if message else "", fix="; ".join(dict.fromkeys(fixes)))
