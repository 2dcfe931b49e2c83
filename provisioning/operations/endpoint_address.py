"""Where an endpoint lives (resource group, workspace), from the stack that declares it.

Why: `maas keys show|rotate ENDPOINT --stack dev` should not make people look up `-g` and `-w`
that the stack's config already decides. The names come from the same Namer the program uses,
so the resource group and workspace found here are the ones `pulumi up` created. An endpoint name
is unique within a region only (each region has its own workspace), so a name deployed in several
regions needs `--region` to say which.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.catalog import REGIONS, normalise_region
from infra.config import FleetConfig
from provisioning.errors import BadInput


@dataclass(frozen=True)
class EndpointAddress:
    name: str
    region: str
    project: str
    resource_group: str
    workspace: str


def declared_endpoints(config: FleetConfig) -> list[EndpointAddress]:
    namer = config.namer
    found = []
    for region, project, model in config.endpoints():
        names = namer.workspace_names(region, project)
        found.append(EndpointAddress(namer.endpoint(project, model), region, project, names.resource_group,
                                     names.workspace))
    return found


def resolve_endpoint(config: FleetConfig, name: str, region: str | None = None) -> EndpointAddress:
    """The one endpoint `name` (in `region`, when given) of the stack; BadInput naming the choices."""
    wanted_region = normalise_region(region) if region else None
    if wanted_region is not None and wanted_region not in REGIONS:
        raise BadInput(f"--region {region!r} is not a catalog region (allowed: {', '.join(REGIONS)})")
    declared = declared_endpoints(config)
    named = [e for e in declared if e.name == name]
    if not named:
        known = ", ".join(sorted({e.name for e in declared})) or "none"
        raise BadInput(f"endpoint {name!r} is not declared by stack {config.stack} (its endpoints: {known}); "
                       "or pass --resource-group and --workspace for an endpoint the stack does not manage")
    if wanted_region is not None:
        named = [e for e in named if e.region == wanted_region]
        if not named:
            raise BadInput(f"stack {config.stack} declares no endpoint {name!r} in {wanted_region}")
    if len(named) > 1:
        regions = ", ".join(e.region for e in named)
        raise BadInput(f"endpoint {name!r} of stack {config.stack} is deployed in {len(named)} regions ({regions}); "
                       "choose one with --region")
    return named[0]
