"""What the rules share: how a resource is named in a message, which model and workspace it belongs
to, and the check for an explicit setting that must have one value.

Messages name the resource and the offending value, never a secret: a value at a secret path is
shown as withheld.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.catalog import ModelSpec, model_for_asset_id
from infra.resource_types import ML_WORKSPACE, RESOURCE_TYPES, SERVERLESS_ENDPOINT
from policies.props import MISSING, canonical_type, dig, is_secret, is_type, text
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


WorkspaceModel = tuple[str, str, str]  # (resource group, workspace, model), lower case


def workspace_model_key(record: ResourceRecord) -> WorkspaceModel | None:
    """(resource group, workspace, model) in lower case: what Azure allows once per workspace."""
    key = workspace_key(record)
    asset_id, model = model_of(record)
    return (*key, model_key(asset_id, model)) if key and asset_id else None


def by_workspace_model(records: Sequence[ResourceRecord], type_: str) -> dict[WorkspaceModel, list[ResourceRecord]]:
    """The records of one type grouped by workspace and model, in record order."""
    groups: dict[WorkspaceModel, list[ResourceRecord]] = {}
    for record in of_type(records, type_):
        key = workspace_model_key(record)
        if key:
            groups.setdefault(key, []).append(record)
    return groups


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


def workspace_index(records: Sequence[ResourceRecord]) -> dict[tuple[str, str], ResourceRecord]:
    index: dict[tuple[str, str], ResourceRecord] = {}
    for ws in of_type(records, ML_WORKSPACE):
        key = workspace_key(ws)
        if key is not None:
            index.setdefault(key, ws)
    return index
