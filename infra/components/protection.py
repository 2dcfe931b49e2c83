"""Protection against deleting a unit by accident: a CanNotDelete lock on its resource group.

Why a lock as well as Pulumi's `protect`: `protect` only stops `pulumi destroy` run from this stack;
the lock also stops the portal, the CLI and another tool. It does not stop changes, so `pulumi up`
keeps working. Removing either is a deliberate act (README: Tearing down).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from infra import catalog


def resource_group_lock(
    name: str, resource_group_name: pulumi.Input[str], parent: pulumi.Resource
) -> authorization.ManagementLockAtResourceGroupLevel:
    return authorization.ManagementLockAtResourceGroupLevel(
        name,
        lock_name=catalog.LOCK_NAME,
        resource_group_name=resource_group_name,
        level=catalog.LOCK_LEVEL,
        notes="maas-fleet: set protect: false and run pulumi up before destroying this unit",
        opts=pulumi.ResourceOptions(parent=parent),
    )
