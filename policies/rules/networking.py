"""Rules about network exposure: a prod ML workspace has public network access off, reached through
private endpoints. Advisory: serverless endpoints follow their workspace's flag, so a public prod
workspace serves its endpoints (and their keys' use) to the internet; some teams accept that on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog import PROD_ENVIRONMENT, TAG_ENVIRONMENT
from infra.resource_types import ML_WORKSPACE
from policies.engine import Finding, resource_rule
from policies.props import is_unknown, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_A = Severity.ADVISORY


@resource_rule(
    "prod-private-networking", _A, (ML_WORKSPACE,),
    "ML workspaces of a prod stack have public network access Disabled (serverless endpoints follow the "
    "workspace).",
    fix="set maas-fleet:network publicNetworkAccess Disabled with private endpoint subnets",
)
def prod_private_networking(record: ResourceRecord) -> Iterator[Finding]:
    if text(record.properties, f"tags.{TAG_ENVIRONMENT}") != PROD_ENVIRONMENT or is_unknown(
        record, "publicNetworkAccess"
    ):
        return
    access = text(record.properties, "publicNetworkAccess") or "Enabled (not set)"
    if access.lower() != "disabled":
        yield Finding(
            record.name,
            f"{label(record)} is in a prod stack with publicNetworkAccess {access}; its serverless endpoints answer "
            "from the internet",
            "set maas-fleet:network {publicNetworkAccess: Disabled, privateEndpointSubnets: {<region>: <subnet id>}, "
            "privateDnsZoneResourceGroup: <id>}",
        )
