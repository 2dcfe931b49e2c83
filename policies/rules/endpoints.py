"""Rules about serverless endpoints: region, content safety, auth, SKU, name, one per model per
workspace, and the marketplace subscription each depends on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from infra.catalog import CONTENT_SAFETY_ENABLED, ENDPOINT_AUTH_MODE, ENDPOINT_SKU, MODELS, normalise_region
from infra.naming import ENDPOINT_RULE
from infra.resource_types import MARKETPLACE_SUBSCRIPTION, SERVERLESS_ENDPOINT
from policies.engine import Finding, Rule, resource_rule, stack_rule
from policies.props import MISSING, dig, is_unknown, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import (
    by_workspace_model,
    label,
    model_name,
    model_of,
    of_type,
    regions_of,
    shown,
    workspace_index,
    workspace_key,
    workspace_model_key,
)

_M = Severity.MANDATORY
_A = Severity.ADVISORY
_ENDPOINT = (SERVERLESS_ENDPOINT,)
_MODEL_USERS = (SERVERLESS_ENDPOINT, MARKETPLACE_SUBSCRIPTION)


@resource_rule(
    "endpoint-region-allowed", _M, _ENDPOINT,
    "A serverless endpoint's location must be a region where its model is offered.",
    fix="deploy each model only in its catalog regions",
)
def region_allowed(record: ResourceRecord) -> Iterator[Finding]:
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


def _stated_setting_rule(rule_id: str, description: str, path: str, expected: str, what: str, why: str) -> Rule:
    """A setting the fleet must state explicitly because Azure's default is not guaranteed: not set is a
    violation, a different value is one (case-insensitive), an unknown value or an unseen `properties`
    object is not judged."""
    fix = f"set {path} = {expected!r}"

    @resource_rule(rule_id, _M, _ENDPOINT, description, fix=fix)
    def check(record: ResourceRecord) -> Iterator[Finding]:
        top = path.split(".", 1)[0]
        if top not in record.properties or is_unknown(record, path):
            return
        value = dig(record.properties, path)
        if value is MISSING or value is None:
            yield Finding(record.name, f"{label(record)} does not set {path}; {why}", fix)
        elif not (isinstance(value, str) and value.lower() == expected.lower()):
            yield Finding(record.name, f"{label(record)} has {path} = {shown(record, path)}; {what}", fix)

    return check


content_safety = _stated_setting_rule(
    "content-safety-enabled", f"Every serverless endpoint sets content safety to {CONTENT_SAFETY_ENABLED}.",
    "properties.contentSafety.contentSafetyStatus", CONTENT_SAFETY_ENABLED,
    f"content safety must be {CONTENT_SAFETY_ENABLED!r} for every endpoint of the fleet",
    "Azure's default is not guaranteed, so the fleet states it explicitly",
)

auth_key = _stated_setting_rule(
    "endpoint-auth-key", f"Every serverless endpoint uses auth mode {ENDPOINT_AUTH_MODE}.",
    "properties.authMode", ENDPOINT_AUTH_MODE,
    f"the fleet stores and rotates endpoint keys, so auth mode must be {ENDPOINT_AUTH_MODE!r}",
    f"the fleet stores and rotates endpoint keys and needs auth mode {ENDPOINT_AUTH_MODE!r}",
)


@resource_rule(
    "endpoint-sku-consumption", _M, _ENDPOINT,
    f"Serverless endpoints are pay-as-you-go: sku.name is {ENDPOINT_SKU}.",
    fix=f"set sku.name = {ENDPOINT_SKU!r}",
)
def sku_consumption(record: ResourceRecord) -> Iterator[Finding]:
    sku = text(record.properties, "sku.name")
    if sku is not None and sku.lower() != ENDPOINT_SKU.lower():
        yield Finding(
            record.name,
            f"{label(record)} has sku.name = {shown(record, 'sku.name')}; serverless (pay-as-you-go) endpoints are "
            f"sold only as {ENDPOINT_SKU!r}",
            f"set sku.name = {ENDPOINT_SKU!r}",
        )


@resource_rule(
    "endpoint-name-valid", _M, _ENDPOINT,
    f"Endpoint names are {ENDPOINT_RULE.min_len}-{ENDPOINT_RULE.max_len} characters matching "
    f"{ENDPOINT_RULE.pattern.pattern}.",
    fix="rename the endpoint",
)
def name_valid(record: ResourceRecord) -> Iterator[Finding]:
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


@resource_rule(
    "model-in-catalog", _A, _MODEL_USERS,
    "Endpoints and marketplace subscriptions name a catalog model (advisory: other models are allowed, but "
    "no region or capability check can apply to them).",
    fix="use a catalog model id or add the model to infra/catalog/offer.py",
)
def model_in_catalog(record: ResourceRecord) -> Iterator[Finding]:
    asset_id, model = model_of(record)
    if asset_id and model is None:
        known = ", ".join(m.asset_id for m in MODELS.values())
        yield Finding(
            record.name,
            f"{label(record)} names model {asset_id!r}, which is not in the maas-fleet catalog; region, "
            "capability and price checks cannot apply to it",
            f"use one of {known}, or add the model to infra/catalog/offer.py",
        )


@stack_rule(
    "endpoint-name-unique-per-region", _M, _ENDPOINT,
    "Endpoint names are unique per region (case-insensitive, across workspaces): they are part of the URL.",
    fix="give each endpoint in a region its own name",
)
def name_unique_per_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
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


@stack_rule(
    "one-endpoint-per-model-per-workspace", _M, _ENDPOINT,
    "A workspace holds at most one serverless deployment per model.",
    fix="scale out with more projects (workspaces), not more endpoints",
)
def one_per_model_per_workspace(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    for members in by_workspace_model(records, SERVERLESS_ENDPOINT).values():
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


@stack_rule(
    "endpoint-depends-on-subscription", _M, _MODEL_USERS,
    "Every endpoint depends on the marketplace subscription of its model in its workspace.",
    fix="declare the MarketplaceSubscription and add it to the endpoint's depends_on",
)
def depends_on_subscription(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    names = {r.name for r in records}
    subscriptions = by_workspace_model(records, MARKETPLACE_SUBSCRIPTION)
    for endpoint in of_type(records, SERVERLESS_ENDPOINT):
        key = workspace_model_key(endpoint)
        if key is None:
            continue
        asset_id, model = model_of(endpoint)
        assert asset_id is not None
        ws = text(endpoint.properties, "workspaceName")
        shown_model = model_name(asset_id, model)
        candidates = subscriptions.get(key, [])
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


@stack_rule(
    "endpoint-in-workspace-region", _A, _ENDPOINT,
    "A serverless endpoint's location equals its workspace's region (advisory: the endpoint-region and "
    "workspace-region rules already refuse regions without the model; a mismatch misleads audits).",
    fix="set the endpoint's location to its workspace's region",
)
def in_workspace_region(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
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
