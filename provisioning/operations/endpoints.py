"""What serverless endpoints exist in Azure: the `maas endpoints` inventory, read from ARM.

Why here and not from the stack output: the stack says what *should* exist; operators, the
verifier and preflight's name check need what *does* exist, including endpoints another stack or a
person created. Workspaces are found with one generic-resources listing per subscription;
endpoints are listed per workspace (only where they can be: a stack's own workspaces, or
workspaces in the regions asked about), concurrently and bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from pydantic import SecretStr

from infra.catalog import TAG_PROJECT, model_for_asset_id
from infra.resource_types import ENDPOINT_ARM_TYPE, WORKSPACE_ARM_TYPE
from provisioning.azure.errors import ArmError, from_sdk_error
from provisioning.azure.resource_ids import ArmId, workspace_scope
from provisioning.azure.session import ApiVersion, AzureSession
from provisioning.camel_document import camel_document
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.redact import REDACTOR

if TYPE_CHECKING:
    from infra.config import FleetConfig

WORKSPACE_TYPE: Final = WORKSPACE_ARM_TYPE
ENDPOINT_TYPE: Final = ENDPOINT_ARM_TYPE
CONCURRENCY: Final = 8


@dataclass(frozen=True)
class WorkspaceRef:
    subscription: str
    resource_group: str
    name: str
    location: str = ""
    tags: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    project: str = ""  # known when the workspace comes from a stack config

    @property
    def id(self) -> str:
        return workspace_scope(self.subscription, self.resource_group, self.name)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subscription.lower(), self.resource_group.lower(), self.name.lower())


@dataclass(frozen=True)
class DeployedEndpoint:
    """One serverless endpoint as ARM reports it; `document()` is the JSON shape of docs/architecture.md, Contracts."""

    name: str
    subscription: str
    region: str
    resource_group: str
    workspace: str
    model: str  # catalog slug, or the raw modelId when the model is not in the catalog
    provisioning_state: str
    content_safety: str
    uri: str
    id: str = ""
    model_id: str = ""
    endpoint_state: str = ""
    auth_mode: str = ""
    project: str = ""

    @property
    def catalog_model(self) -> bool:
        return model_for_asset_id(self.model_id) is not None

    def document(self) -> dict[str, str]:
        return camel_document(self, omit=("id", "model_id", "endpoint_state", "auth_mode", "project"))

    @classmethod
    def from_arm(cls, body: dict[str, Any], workspace: WorkspaceRef) -> DeployedEndpoint:
        props = body.get("properties") or {}
        model_id = str((props.get("modelSettings") or {}).get("modelId") or "")
        spec = model_for_asset_id(model_id)
        return cls(
            name=str(body.get("name") or ""),
            subscription=workspace.subscription,
            region=str(body.get("location") or workspace.location).replace(" ", "").lower(),
            resource_group=workspace.resource_group,
            workspace=workspace.name,
            model=spec.slug if spec else model_id,
            provisioning_state=str(props.get("provisioningState") or ""),
            content_safety=str((props.get("contentSafety") or {}).get("contentSafetyStatus") or ""),
            uri=str((props.get("inferenceEndpoint") or {}).get("uri") or ""),
            id=str(body.get("id") or ""),
            model_id=model_id,
            endpoint_state=str(props.get("endpointState") or ""),
            auth_mode=str(props.get("authMode") or ""),
            project=workspace.project or workspace.tags.get(TAG_PROJECT, ""),
        )


@dataclass
class Listing:
    endpoints: list[DeployedEndpoint] = field(default_factory=list)
    errors: list[ArmError] = field(default_factory=list)  # one per workspace that could not be read
    workspaces: int = 0
    missing_workspaces: list[WorkspaceRef] = field(default_factory=list)  # stack workspaces not deployed


def list_workspaces(session: AzureSession, subscription: str,
                    regions: Iterable[str] | None = None) -> list[WorkspaceRef]:
    """ML workspaces in a subscription (one paged generic-resources listing)."""
    from azure.core.exceptions import HttpResponseError

    wanted = {r.lower() for r in regions} if regions is not None else None
    out: list[WorkspaceRef] = []
    try:
        for res in session.resources(subscription).resources.list(filter=f"resourceType eq '{WORKSPACE_TYPE}'"):
            location = str(res.location or "").replace(" ", "").lower()
            if wanted is not None and location not in wanted:
                continue
            rid = ArmId.parse(str(res.id))
            out.append(WorkspaceRef(subscription, rid.resource_group, rid.name, location, dict(res.tags or {})))
    except HttpResponseError as exc:
        raise from_sdk_error(exc, f"listing ML workspaces in subscription {subscription}") from None
    return out


def stack_workspaces(config: FleetConfig, subscription: str) -> list[WorkspaceRef]:
    """The workspaces a stack plans, with their project: no listing needed."""
    out = []
    for region, project in config.units():
        names = config.namer.workspace_names(region, project)
        out.append(WorkspaceRef(subscription, names.resource_group, names.workspace, region, project=project))
    return out


def workspace_endpoints(session: AzureSession, workspace: WorkspaceRef) -> list[DeployedEndpoint]:
    items = session.arm.list(f"{workspace.id}/serverlessEndpoints", ApiVersion.MACHINE_LEARNING,
                             what=f"listing serverless endpoints in workspace {workspace.name}")
    return [DeployedEndpoint.from_arm(item, workspace) for item in items]


def list_endpoints(session: AzureSession, workspaces: Sequence[WorkspaceRef], *, skip_missing: bool = False,
                   on_progress: Callable[[], None] | None = None) -> Listing:
    """Endpoints of many workspaces, concurrently; a workspace that fails is an error, not an abort.
    With `skip_missing`, a workspace (or its resource group) that does not exist is noted instead."""
    listing = Listing(workspaces=len(workspaces))
    _ = session.arm  # build the shared pipeline before the threads do

    def one(ws: WorkspaceRef) -> tuple[WorkspaceRef, list[DeployedEndpoint] | ArmError]:
        try:
            return ws, workspace_endpoints(session, ws)
        except ArmError as exc:
            return ws, exc
        finally:
            if on_progress is not None:
                on_progress()

    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, max(1, len(workspaces)))) as pool:
        results = list(pool.map(one, workspaces))
    for ws, result in results:
        if isinstance(result, ArmError):
            if skip_missing and result.not_found:
                listing.missing_workspaces.append(ws)
            elif result.exit_code != 1:  # unusable credentials / unreachable: nothing else will work
                raise result
            else:
                listing.errors.append(result)
        else:
            listing.endpoints.extend(result)
    listing.endpoints.sort(key=lambda e: (e.subscription, e.region, e.resource_group.lower(), e.workspace.lower(),
                                          e.name.lower()))
    return listing


def endpoint_keys(session: AzureSession, subscription: str, resource_group: str, workspace: str,
                  name: str) -> tuple[SecretStr, SecretStr]:
    """(primary, secondary) through azure-ai-ml's `serverless_endpoints.get_keys`; registered with
    the redactor before anything else can see them."""
    from azure.core.exceptions import HttpResponseError

    client = session.ml(subscription, resource_group, workspace)
    try:
        keys = client.serverless_endpoints.get_keys(name)
    except HttpResponseError as exc:
        raise from_sdk_error(exc, f"reading the keys of endpoint {name}") from None
    primary, secondary = str(keys.primary_key or ""), str(keys.secondary_key or "")
    REDACTOR.add(primary)
    REDACTOR.add(secondary)
    return SecretStr(primary), SecretStr(secondary)


def to_inventory(session: AzureSession, endpoints: Sequence[DeployedEndpoint]) -> tuple[list[InventoryEndpoint],
                                                                                       list[str]]:
    """Inventory entries WITH primary keys (what the program stores) for `maas verify`; endpoints whose
    model is not in the catalog, or that have no URI, are skipped with a reason."""
    entries: list[InventoryEndpoint] = []
    skipped: list[str] = []
    usable = []
    for ep in endpoints:
        if not ep.catalog_model:
            skipped.append(f"{ep.name}: model {ep.model_id or '(none)'} is not a catalog model")
        elif not ep.uri:
            skipped.append(f"{ep.name}: no inference URI yet (provisioningState {ep.provisioning_state})")
        else:
            usable.append(ep)

    def one(ep: DeployedEndpoint) -> InventoryEndpoint:
        primary, _ = endpoint_keys(session, ep.subscription, ep.resource_group, ep.workspace, ep.name)
        return InventoryEndpoint(region=ep.region, project=ep.project or "main", model=ep.model, name=ep.name,
                                 uri=ep.uri, workspace=ep.workspace, resourceGroup=ep.resource_group, key=primary)

    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, max(1, len(usable)))) as pool:
        entries = list(pool.map(one, usable))
    return entries, skipped
