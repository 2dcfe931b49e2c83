"""Where an endpoint lives (resource group, workspace), from the stack that declares it.

Why: `maas keys show|rotate ENDPOINT --stack dev` should not make people look up `-g` and `-w`
that the stack's config already decides. The names come from the same Namer the program uses,
so the resource group and workspace found here are the ones `pulumi up` created. An endpoint name
is unique within a region only (each region has its own workspace), so a name deployed in several
regions needs `--region` to say which.
"""

from __future__ import annotations

from dataclasses import replace

from infra.catalog import REGIONS, normalise_region
from infra.config import FleetConfig
from infra.config_model import DeclaredEndpoint
from infra.naming import ENDPOINT_TAG_LEN
from provisioning.errors import BadInput


def _same_endpoint(declared: str, given: str, *, tag_known: bool) -> bool:
    """Endpoint names end in a tag hashed from the subscription. When the stack file names its
    subscription the tag is known and the names must be equal; otherwise (the credential's default
    subscription decides, and no credential is built yet) the stem must be equal and the tag well formed."""
    if tag_known:
        return declared == given
    stem, _, _ = declared.rpartition("-")
    given_stem, _, tag = given.rpartition("-")
    return stem == given_stem and len(tag) == ENDPOINT_TAG_LEN and all(c in "0123456789abcdef" for c in tag)


def resolve_endpoint(config: FleetConfig, name: str, region: str | None = None) -> DeclaredEndpoint:
    """The one endpoint `name` (in `region`, when given) of the stack, under the name given; BadInput
    naming the choices."""
    wanted_region = normalise_region(region) if region else None
    if wanted_region is not None and wanted_region not in REGIONS:
        raise BadInput(f"--region {region!r} is not a catalog region (allowed: {', '.join(REGIONS)})")
    declared = config.declared_endpoints()
    named = [e for e in declared if _same_endpoint(e.name, name, tag_known=bool(config.subscription_id))]
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
    return replace(named[0], name=name)
