"""Rules about ML workspaces: each sits in a region that offers every model used in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from infra.catalog import normalise_region
from infra.resource_types import MARKETPLACE_SUBSCRIPTION, ML_WORKSPACE, SERVERLESS_ENDPOINT
from policies.engine import Finding, stack_rule
from policies.props import text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label, model_of, of_type, regions_of, shown, workspace_index, workspace_key

_M = Severity.MANDATORY
_MODEL_USERS = (SERVERLESS_ENDPOINT, MARKETPLACE_SUBSCRIPTION)


@stack_rule(
    "workspace-region-allowed", _M, (ML_WORKSPACE, *_MODEL_USERS),
    "An ML workspace must be in a region that offers every model subscribed to or deployed into it.",
    fix="keep workspaces in the catalog regions of their models",
)
def region_allowed(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    index = workspace_index(records)
    seen: set[tuple[str, str]] = set()
    users = of_type(records, SERVERLESS_ENDPOINT) + of_type(records, MARKETPLACE_SUBSCRIPTION)
    for user in users:
        key = workspace_key(user)
        _, model = model_of(user)
        ws = index.get(key) if key else None
        if ws is None or model is None:
            continue
        location = text(ws.properties, "location")
        if not location or normalise_region(location) in model.regions or (ws.name, model.slug) in seen:
            continue
        seen.add((ws.name, model.slug))
        yield Finding(
            ws.name,
            f"{label(ws)} is in region {shown(ws, 'location')}, but {model.name} (used there by {label(user)}) is "
            f"offered only in: {regions_of(model)}",
            f"move the workspace to one of {regions_of(model)} (a new region in the stack config), "
            f"or stop deploying {model.name} into it",
        )
