"""What the rules share: how a resource is named in a message, which model and workspace it belongs
to, and the check for an explicit setting that must have one value.

Messages name the resource and the offending value, never a secret: a value at a secret path is
shown as withheld.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from infra.catalog import ModelSpec, model_for_asset_id
from infra.resource_types import ML_WORKSPACE, RESOURCE_TYPES, SERVERLESS_ENDPOINT
from policies.engine import Finding
from policies.props import MISSING, canonical_type, dig, is_secret, is_type, is_unknown, text
from policies.records import ResourceRecord


def label(record: ResourceRecord) -> str:
    """`serverless endpoint 'eastus2-main-stable-image-core' (Azure name 'contoso-dev-main-core')`."""
    known = RESOURCE_TYPES.get(canonical_type(record.type))
    kind, name_key = (known.label, known.display_input) if known else ("resource", "")
    azure_name = text(record.properties, name_key) if name_key else None
    if azure_name and azure_name != record.name:
        return f"{kind} '{record.name}' (Azure name '{azure_name}')"
    return f"{kind} '{record.name}'"


def model_path(record: ResourceRecord) -> str:
    if is_type(record, SERVERLESS_ENDPOINT):
        return "properties.modelSettings.modelId"
    return "properties.modelId"


def model_of(record: ResourceRecord) -> tuple[str | None, ModelSpec | None]:
    """The model id an endpoint or marketplace subscription names, and its catalog entry if any."""
    asset_id = text(record.properties, model_path(record))
    if not asset_id:
        return None, None
    return asset_id, model_for_asset_id(asset_id)


def model_key(asset_id: str, model: ModelSpec | None) -> str:
    if model is not None:
        return model.slug
    return asset_id.strip().lower().split("/versions/", 1)[0].rstrip("/")


def model_name(asset_id: str, model: ModelSpec | None) -> str:
    return model.name if model is not None else asset_id


def workspace_key(record: ResourceRecord) -> tuple[str, str] | None:
    """(resource group, workspace) in lower case: Azure names are case-insensitive."""
    rg = text(record.properties, "resourceGroupName")
    ws = text(record.properties, "workspaceName")
    if not rg or not ws:
        return None
    return rg.lower(), ws.lower()


def regions_of(model: ModelSpec) -> str:
    return ", ".join(model.regions)


def of_type(records: Sequence[ResourceRecord], type_token: str) -> list[ResourceRecord]:
    return [r for r in records if is_type(r, type_token)]


def shown(record: ResourceRecord, path: str) -> str:
    """The value at `path` as a message shows it: repr, `not set`, or withheld when it is a secret."""
    if is_secret(record, path):
        return "(a secret value, withheld)"
    value = dig(record.properties, path)
    return "not set" if value is MISSING else repr(value)


def status_check(
    record: ResourceRecord, path: str, expected: str, what: str, consequence: str, fix: str
) -> Iterator[Finding]:
    """An explicit setting that must equal `expected` (case-insensitive); not set is a violation
    unless the value is merely unknown, or its enclosing `properties` object is not visible."""
    top = path.split(".", 1)[0]
    if top not in record.properties or is_unknown(record, path):
        return
    value = dig(record.properties, path)
    if value is MISSING or value is None:
        yield Finding(record.name, f"{label(record)} does not set {path}; {consequence}", fix)
    elif not (isinstance(value, str) and value.lower() == expected.lower()):
        yield Finding(record.name, f"{label(record)} has {path} = {shown(record, path)}; {what}", fix)


def workspace_index(records: Sequence[ResourceRecord]) -> dict[tuple[str, str], ResourceRecord]:
    index: dict[tuple[str, str], ResourceRecord] = {}
    for ws in of_type(records, ML_WORKSPACE):
        key = workspace_key(ws)
        if key is not None:
            index.setdefault(key, ws)
    return index
