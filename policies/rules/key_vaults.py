"""Rules about Key Vaults: RBAC authorization (access only through audited role assignments) and purge
protection for vaults holding endpoint keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from policies.engine import Finding, Rule
from policies.props import KEY_VAULT, dig, is_unknown
from policies.records import ResourceRecord, Severity
from policies.rules.common import label, shown

_M = Severity.MANDATORY
_A = Severity.ADVISORY

def _vault_rbac(record: ResourceRecord) -> Iterator[Finding]:
    path = "properties.enableRbacAuthorization"
    if "properties" not in record.properties or is_unknown(record, path):
        return
    if dig(record.properties, path) is not True:
        yield Finding(
            record.name,
            f"{label(record)} does not use RBAC authorization ({path} is {shown(record, path)}); access policies "
            "bypass the audited role assignments, "
            "and the consumer persona's Key Vault Secrets User role has no effect",
            f"set {path} = True",
        )


def _vault_purge_protection(record: ResourceRecord) -> Iterator[Finding]:
    path = "properties.enablePurgeProtection"
    if "properties" not in record.properties or is_unknown(record, path):
        return
    if dig(record.properties, path) is not True:
        yield Finding(
            record.name,
            f"{label(record)} has no purge protection ({path} is {shown(record, path)}); "
            "a deleted vault holding endpoint keys could be purged before anyone notices",
            f"set {path} = True (irreversible; the vault name stays reserved for the soft-delete retention)",
        )


RBAC_AUTHORIZATION: Final = Rule(
    "key-vault-rbac-authorization", _M,
    "Key Vaults use RBAC authorization, so access is granted only by audited role assignments.",
    "set properties.enableRbacAuthorization = True", (KEY_VAULT,), resource_check=_vault_rbac,
)

PURGE_PROTECTION: Final = Rule(
    "key-vault-purge-protection", _A,
    "Key Vaults holding endpoint keys have purge protection (advisory: it is irreversible and keeps the "
    "name reserved after a destroy, which a throwaway dev stack may not want).",
    "set properties.enablePurgeProtection = True", (KEY_VAULT,), resource_check=_vault_purge_protection,
)
