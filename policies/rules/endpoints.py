"""Rules about serverless endpoints: region, content safety, auth, SKU, name, one per model per
workspace, and the marketplace subscription each depends on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Final

from infra.catalog import CONTENT_SAFETY_ENABLED, ENDPOINT_AUTH_MODE, ENDPOINT_SKU, MODELS, normalise_region
from infra.naming import ENDPOINT_RULE
from infra.resource_types import MARKETPLACE_SUBSCRIPTION, SERVERLESS_ENDPOINT
from policies.engine import Finding, Rule
from policies.props import text
from policies.records import ResourceRecord, Severity
from policies.rules.common import (
    label,
    model_key,
    model_name,
    model_of,
    of_type,
    regions_of,
    shown,
    status_check,
    workspace_index,
    workspace_key,
)

_M = Severity.MANDATORY
_A = Severity.ADVISORY
_ENDPOINT = (SERVERLESS_ENDPOINT,)
_MODEL_USERS = (SERVERLESS_ENDPOINT, MARKETPLACE_SUBSCRIPTION)

def _endpoint_region(record: ResourceRecord) -> Iterator[Finding]:
    location = text(record.properties, "location")
    _, model = model_of(record)
    if not location or model is None:
        return
    if normalise_region(location) not in model.regions:
        yield Finding(
            record.name,
            f"{label(record)} is in region {shown(record, 'location')}, where {model.name} is not offered "
            f"(allowed: {regions_of(model)}); Azure answers ServerlessModelNotAvailableInRegion",
            f"deploy {model.name} only into a workspace in one of: {regions_of(model)} "
            "(set the endpoint's location to that workspace's region)",
        )


def _content_safety(record: ResourceRecord) -> Iterator[Finding]:
    yield from status_check(
        record,
        "properties.contentSafety.contentSafetyStatus",
        CONTENT_SAFETY_ENABLED,
        f"content safety must be {CONTENT_SAFETY_ENABLED!r} for every endpoint of the fleet",
        "Azure's default is not guaranteed, so the fleet states it explicitly",
        f"set properties.contentSafety.contentSafetyStatus = {CONTENT_SAFETY_ENABLED!r}",
    )


def _auth_mode(record: ResourceRecord) -> Iterator[Finding]:
    yield from status_check(
        record,
        "properties.authMode",
        ENDPOINT_AUTH_MODE,
        f"the fleet stores and rotates endpoint keys, so auth mode must be {ENDPOINT_AUTH_MODE!r}",
        f"the fleet stores and rotates endpoint keys and needs auth mode {ENDPOINT_AUTH_MODE!r}",
        f"set properties.authMode = {ENDPOINT_AUTH_MODE!r}",
    )


def _endpoint_sku(record: ResourceRecord) -> Iterator[Finding]:
    sku = text(record.properties, "sku.name")
    if sku is not None and sku.lower() != ENDPOINT_SKU.lower():
        yield Finding(
            record.name,
            f"{label(record)} has sku.name = {shown(record, 'sku.name')}; serverless (pay-as-you-go) endpoints are "
            f"sold only as {ENDPOINT_SKU!r}",
            f"set sku.name = {ENDPOINT_SKU!r}",
        )


def _endpoint_name(record: ResourceRecord) -> Iterator[Finding]:
    name = text(record.properties, "name")
    if name is None:
        return
    problem = ENDPOINT_RULE.problem(name)
    if problem is not None:
        yield Finding(
            record.name,
            f"{label(record)}: {problem}",
            f"rename it: {ENDPOINT_RULE.min_len}-{ENDPOINT_RULE.max_len} characters, {ENDPOINT_RULE.allowed} "
            f"(pattern {ENDPOINT_RULE.pattern.pattern})",
        )


def _model_known(record: ResourceRecord) -> Iterator[Finding]:
    asset_id, model = model_of(record)
    if asset_id and model is None:
        known = ", ".join(m.asset_id for m in MODELS.values())
        yield Finding(
            record.name,
            f"{label(record)} names model {asset_id!r}, which is not in the maas-fleet catalog; region, "
            "capability and price checks cannot apply to it",
            f"use one of {known}, or add the model to infra/catalog.py",
        )


def _name_unique_per_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[ResourceRecord]] = defaultdict(list)
    for record in of_type(records, SERVERLESS_ENDPOINT):
        name = text(record.properties, "name")
        location = text(record.properties, "location")
        if name and location:
            groups[(normalise_region(location), name.lower())].append(record)
    for (region, _), members in groups.items():
        if len(members) < 2:
            continue
        name = text(members[0].properties, "name")
        for record in members:
            others = ", ".join(f"'{o.name}'" for o in members if o is not record)
            yield Finding(
                record.name,
                f"{label(record)} uses endpoint name {name!r} in region {region!r}, as does {others}; the name "
                "is part of the endpoint's public URL and must be unique per region",
                "give each endpoint in a region its own name (naming.Namer.endpoint includes project and model)",
            )


def _one_per_model_per_workspace(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[ResourceRecord]] = defaultdict(list)
    for record in of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(record)
        asset_id, model = model_of(record)
        if key and asset_id:
            groups[(*key, model_key(asset_id, model))].append(record)
    for members in groups.values():
        if len(members) < 2:
            continue
        asset_id, model = model_of(members[0])
        assert asset_id is not None
        ws = text(members[0].properties, "workspaceName")
        names = ", ".join(f"'{m.name}'" for m in members)
        for record in members[1:]:
            yield Finding(
                record.name,
                f"{label(record)} is a second deployment of {model_name(asset_id, model)} in workspace {ws!r} "
                f"({names}); Azure allows one deployment per model per workspace",
                "keep one endpoint per model per workspace; add a project (another workspace) to scale out",
            )


def _depends_on_subscription(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    names = {r.name for r in records}
    subscriptions: dict[tuple[str, str, str], list[ResourceRecord]] = defaultdict(list)
    for sub in of_type(records, MARKETPLACE_SUBSCRIPTION):
        key = workspace_key(sub)
        asset_id, model = model_of(sub)
        if key and asset_id:
            subscriptions[(*key, model_key(asset_id, model))].append(sub)
    for endpoint in of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(endpoint)
        asset_id, model = model_of(endpoint)
        if not key or not asset_id:
            continue
        ws = text(endpoint.properties, "workspaceName")
        shown_model = model_name(asset_id, model)
        candidates = subscriptions.get((*key, model_key(asset_id, model)), [])
        if not candidates:
            if any(dep not in names for dep in endpoint.dependencies):
                continue  # it depends on something this view does not show; that may be the subscription
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} deploys {shown_model} into workspace {ws!r}, but no MarketplaceSubscription "
                "for that model exists in that workspace; Azure refuses the deployment (ServerlessOfferNotFound)",
                f"declare a MarketplaceSubscription with properties.modelId = {asset_id!r} in workspace {ws!r} "
                "and add it to the endpoint's depends_on",
            )
        elif not any(sub.name in endpoint.dependencies for sub in candidates):
            subs = [s.name for s in candidates]
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} does not depend on marketplace subscription "
                f"{', '.join(repr(s) for s in subs)} for {shown_model}; without the edge Pulumi may create the "
                "endpoint first, and destroy may remove the subscription first and leave the endpoint Unhealthy",
                f"add the subscription resource ({', '.join(subs)}) to the endpoint's depends_on",
            )


def _endpoint_in_workspace_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    index = workspace_index(records)
    for endpoint in of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_key(endpoint)
        ws = index.get(key) if key else None
        location = text(endpoint.properties, "location")
        ws_location = text(ws.properties, "location") if ws is not None else None
        if ws is None or not location or not ws_location:
            continue
        if normalise_region(location) != normalise_region(ws_location):
            yield Finding(
                endpoint.name,
                f"{label(endpoint)} has location {shown(endpoint, 'location')} but its {label(ws)} is in "
                f"{shown(ws, 'location')}; "
                "a serverless endpoint belongs to its workspace's region, so Azure refuses or ignores the "
                "mismatch and audits would report the wrong region",
                f"set the endpoint's location to {normalise_region(ws_location)!r}",
            )


REGION_ALLOWED: Final = Rule(
    "endpoint-region-allowed", _M,
    "A serverless endpoint's location must be a region where its model is offered.",
    "deploy each model only in its catalog regions", _ENDPOINT, resource_check=_endpoint_region,
)

CONTENT_SAFETY: Final = Rule(
    "content-safety-enabled", _M,
    "Every serverless endpoint sets content safety to Enabled.",
    f"set properties.contentSafety.contentSafetyStatus = {CONTENT_SAFETY_ENABLED!r}", _ENDPOINT,
    resource_check=_content_safety,
)

AUTH_KEY: Final = Rule(
    "endpoint-auth-key", _M,
    f"Every serverless endpoint uses auth mode {ENDPOINT_AUTH_MODE}.",
    f"set properties.authMode = {ENDPOINT_AUTH_MODE!r}", _ENDPOINT, resource_check=_auth_mode,
)

SKU_CONSUMPTION: Final = Rule(
    "endpoint-sku-consumption", _M,
    f"Serverless endpoints are pay-as-you-go: sku.name is {ENDPOINT_SKU}.",
    f"set sku.name = {ENDPOINT_SKU!r}", _ENDPOINT, resource_check=_endpoint_sku,
)

NAME_VALID: Final = Rule(
    "endpoint-name-valid", _M,
    f"Endpoint names are {ENDPOINT_RULE.min_len}-{ENDPOINT_RULE.max_len} characters matching "
    f"{ENDPOINT_RULE.pattern.pattern}.",
    "rename the endpoint", _ENDPOINT, resource_check=_endpoint_name,
)

NAME_UNIQUE_PER_REGION: Final = Rule(
    "endpoint-name-unique-per-region", _M,
    "Endpoint names are unique per region (case-insensitive, across workspaces): they are part of the URL.",
    "give each endpoint in a region its own name", _ENDPOINT, stack_check=_name_unique_per_region,
)

ONE_PER_MODEL_PER_WORKSPACE: Final = Rule(
    "one-endpoint-per-model-per-workspace", _M,
    "A workspace holds at most one serverless deployment per model.",
    "scale out with more projects (workspaces), not more endpoints", _ENDPOINT,
    stack_check=_one_per_model_per_workspace,
)

DEPENDS_ON_SUBSCRIPTION: Final = Rule(
    "endpoint-depends-on-subscription", _M,
    "Every endpoint depends on the marketplace subscription of its model in its workspace.",
    "declare the MarketplaceSubscription and add it to the endpoint's depends_on", _MODEL_USERS,
    stack_check=_depends_on_subscription,
)

IN_WORKSPACE_REGION: Final = Rule(
    "endpoint-in-workspace-region", _A,
    "A serverless endpoint's location equals its workspace's region (advisory: the endpoint-region and "
    "workspace-region rules already refuse regions without the model; a mismatch misleads audits).",
    "set the endpoint's location to its workspace's region", _ENDPOINT,
    stack_check=_endpoint_in_workspace_region,
)

MODEL_IN_CATALOG: Final = Rule(
    "model-in-catalog", _A,
    "Endpoints and marketplace subscriptions name a catalog model (advisory: other models are allowed, but "
    "no region or capability check can apply to them).",
    "use a catalog model id or add the model to infra/catalog.py", _MODEL_USERS, resource_check=_model_known,
)
