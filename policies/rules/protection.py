"""Rules about protection against deletion: a prod Key Vault (it holds endpoint keys and the workspace's
secrets) is `protect`ed in Pulumi and its resource group carries a delete lock. Advisory: a platform
team may lock subscriptions by policy, out of this stack's sight.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from infra.catalog import PROD_ENVIRONMENT, TAG_ENVIRONMENT
from infra.resource_types import KEY_VAULT, RESOURCE_GROUP_LOCK
from policies.engine import Finding, stack_rule
from policies.props import is_type, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_A = Severity.ADVISORY
# Both levels stop a delete (Azure Resource Manager: lock resources, "Lock inheritance").
_DELETE_LOCK_LEVELS: Final = frozenset({"cannotdelete", "readonly"})


def _locked_groups(records: Sequence[ResourceRecord]) -> set[str]:
    return {
        (text(r.properties, "resourceGroupName") or "").lower()
        for r in records
        if is_type(r, RESOURCE_GROUP_LOCK) and (text(r.properties, "level") or "").lower() in _DELETE_LOCK_LEVELS
    }


@stack_rule(
    "prod-vaults-protected", _A, (KEY_VAULT, RESOURCE_GROUP_LOCK),
    "Key Vaults of a prod stack are Pulumi-protected and their resource group has a CanNotDelete lock.",
    fix="keep maas-fleet:protect on for prod",
)
def prod_vaults_protected(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    locked = _locked_groups(records)
    for vault in records:
        if not is_type(vault, KEY_VAULT) or text(vault.properties, f"tags.{TAG_ENVIRONMENT}") != PROD_ENVIRONMENT:
            continue
        if vault.protected is False:
            yield Finding(
                vault.name,
                f"{label(vault)} is in a prod stack but not protected; `pulumi destroy` would delete it with "
                "the endpoint keys it holds",
                "set maas-fleet:protect true (the default for environment prod)",
            )
        rg = (text(vault.properties, "resourceGroupName") or "").lower()
        if rg and rg not in locked:
            yield Finding(
                vault.name,
                f"{label(vault)} is in a prod stack but its resource group {rg!r} has no delete lock; the portal "
                "or the CLI can delete it",
                "set maas-fleet:protect true (adds a CanNotDelete lock on each unit resource group)",
            )
