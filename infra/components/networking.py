"""Private endpoints for a unit whose public network access is off: the workspace (`amlworkspace`), both
vaults (`vault`) and the storage account (`blob`, `file`), each in the region's configured subnet with
a DNS zone group that registers its private IPs in the privatelink zones (catalog.PRIVATE_DNS_ZONES).

Why zones from a configured resource group and not created here: a virtual network resolves one zone of
a name, so landing zones keep the privatelink zones once, in a hub, linked to every spoke; a zone per
unit would collide as soon as two units share a network. The serverless endpoints need no endpoint of
their own: they follow their workspace's public network access flag.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import network

from infra import catalog


def zone_id(resource_group_id: str, zone: str) -> str:
    return f"{resource_group_id.rstrip('/')}/providers/Microsoft.Network/privateDnsZones/{zone}"


def private_endpoint(
    name: str,
    *,
    target_id: pulumi.Input[str],
    target_name: pulumi.Input[str],
    group: str,
    subnet_id: str,
    region: str,
    resource_group_name: pulumi.Input[str],
    dns_zone_resource_group: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> network.PrivateEndpoint:
    endpoint_name = pulumi.Output.from_input(target_name).apply(lambda n: f"pe-{n}-{group}")
    endpoint = network.PrivateEndpoint(
        name,
        private_endpoint_name=endpoint_name,
        resource_group_name=resource_group_name,
        location=region,
        subnet={"id": subnet_id},
        private_link_service_connections=[
            {"name": endpoint_name, "private_link_service_id": target_id, "group_ids": [group]}
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    network.PrivateDnsZoneGroup(
        f"{name}-dns",
        private_dns_zone_group_name=catalog.PRIVATE_DNS_ZONE_GROUP_NAME,
        private_endpoint_name=endpoint.name,
        resource_group_name=resource_group_name,
        private_dns_zone_configs=[
            {"name": zone.replace(".", "-"), "private_dns_zone_id": zone_id(dns_zone_resource_group, zone)}
            for zone in catalog.PRIVATE_DNS_ZONES[group]
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return endpoint
